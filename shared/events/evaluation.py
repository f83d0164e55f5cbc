"""Events published by the evaluation service."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import Field

from shared.events.common import NIP, CompetencyCode, DevelopmentForm, UnitCode
from shared.events.contracts import EventContract, EventPayload


class TransferBarrier(StrEnum):
    """Why trained staff struggle to apply what they learned (post-training evaluation practice)."""

    LACK_OF_RESOURCES = "lack_of_resources"
    NO_OPPORTUNITY = "no_opportunity_to_apply"
    LACK_OF_SUPPORT = "lack_of_support"
    TRANSFER_OR_PROMOTION = "transfer_or_promotion"
    CONTENT_MISMATCH = "content_mismatch"
    OWN_ABILITY = "own_ability"


class EvaluationSubmitted(EventPayload):
    evaluation_id: str
    enrolment_id: str
    program_code: str
    nip: NIP = Field(description="The participant whose training is evaluated")
    unit_code: UnitCode
    level: int = Field(ge=1, le=4, description="Kirkpatrick level: 1 reaction, 2 learning, 3 behaviour, 4 results")
    evaluator_nip: NIP | None = None
    score: float = Field(ge=0, le=100, description="Result on a 0-100 scale")
    outcome: str = Field(description="Derived outcome, e.g. satisfied, not_satisfied, applied, struggling")
    struggling_to_apply: bool = False
    barriers: list[TransferBarrier] = Field(default_factory=list)
    recommended_form: DevelopmentForm | None = None
    competency_codes: list[CompetencyCode] = Field(default_factory=list)
    submitted_at: datetime


EVALUATION_SUBMITTED = EventContract(
    name="EvaluationSubmitted",
    version=1,
    producer="evaluation",
    model=EvaluationSubmitted,
    summary="An evaluation of a participant's training (Kirkpatrick level 1-4) was submitted.",
)
