"""Events published by the evaluation service."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import Field

from shared.domain.vocabulary import ActionStatus, AdoptionKind, EvaluatorRole, ReminderKind, TransferBarrier
from shared.events.common import NIP, CompetencyCode, DevelopmentForm, UnitCode
from shared.events.contracts import EventContract, EventPayload


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
    measures: dict[str, float] = Field(
        default_factory=dict,
        description="Figures behind the score: raw_gain and normalised_gain (level 2), "
        "mean_change_pct and change_pct_<indicator> (level 4)",
    )


EVALUATION_SUBMITTED = EventContract(
    name="EvaluationSubmitted",
    version=1,
    producer="evaluation",
    model=EvaluationSubmitted,
    summary="An evaluation of a participant's training (Kirkpatrick level 1-4) was submitted.",
)


class EvaluationDue(EventPayload):
    evaluation_id: str
    enrolment_id: str
    program_code: str
    program_title: str | None = None
    nip: NIP = Field(description="The participant whose training is evaluated")
    unit_code: UnitCode
    level: int = Field(ge=1, le=4)
    evaluator_role: EvaluatorRole
    evaluator_nip: NIP | None = Field(
        default=None, description="The person to remind; empty when the role decides (unit head or BKPSDM)"
    )
    kind: ReminderKind = Field(description="due: the evaluation can be answered now; overdue: its deadline passed")
    opens_on: date
    due_on: date
    reminded_at: datetime


EVALUATION_DUE = EventContract(
    name="EvaluationDue",
    version=1,
    producer="evaluation",
    model=EvaluationDue,
    summary="An evaluation can be answered now, or its deadline passed without an answer (sent once each).",
)


class EvaluationEscalated(EventPayload):
    evaluation_id: str
    enrolment_id: str
    program_code: str
    nip: NIP = Field(description="The participant who still struggles to apply the training")
    unit_code: UnitCode
    supervisor_nip: NIP | None = None
    competency_codes: list[CompetencyCode]
    barriers: list[TransferBarrier] = Field(default_factory=list)
    earlier_evaluation_ids: list[str] = Field(description="Earlier level-3 evaluations that also found a struggle")
    escalated_at: datetime


EVALUATION_ESCALATED = EventContract(
    name="EvaluationEscalated",
    version=1,
    producer="evaluation",
    model=EvaluationEscalated,
    summary="A participant struggles again to apply a competency after a follow-up; BKPSDM has to decide.",
)


class RemedyActionOpened(EventPayload):
    action_id: str
    evaluation_id: str = Field(description="The level-3 evaluation that found the barrier")
    program_code: str
    nip: NIP = Field(description="The participant who struggles to apply the training")
    unit_code: UnitCode
    barrier: TransferBarrier = Field(description="A barrier that training does not remove")
    owner_role: EvaluatorRole = Field(description="supervisor or unit (the head of the participant's unit)")
    owner_nip: NIP | None = Field(
        default=None, description="The supervisor who owns it; empty when the unit's head does (or stands in)"
    )
    due_on: date
    opened_at: datetime


REMEDY_ACTION_OPENED = EventContract(
    name="RemedyActionOpened",
    version=1,
    producer="evaluation",
    model=RemedyActionOpened,
    summary="A barrier that training does not fix became an action for the supervisor or the unit head.",
)


class RemedyActionClosed(EventPayload):
    action_id: str
    evaluation_id: str
    nip: NIP
    unit_code: UnitCode
    barrier: TransferBarrier
    owner_role: EvaluatorRole
    status: ActionStatus = Field(description="done (with a closing note) or dropped (with a reason)")
    note: str = Field(max_length=2000, description="The closing note, or why the action was dropped")
    closed_by: NIP
    closed_at: datetime


REMEDY_ACTION_CLOSED = EventContract(
    name="RemedyActionClosed",
    version=1,
    producer="evaluation",
    model=RemedyActionClosed,
    summary="A remedy action was done or dropped by its owner.",
)


class AdoptionItemOpened(EventPayload):
    item_id: str
    kind: AdoptionKind = Field(description="practice (benchmarking visit), milestone or epp (change project)")
    enrolment_id: str
    program_code: str
    host_code: str | None = Field(default=None, description="Practices: the host where it was seen")
    nip: NIP = Field(description="The participant who filed the visit report or the change project")
    unit_code: UnitCode = Field(description="The home unit")
    title: str = Field(max_length=300)
    plan: str | None = Field(default=None, max_length=2000, description="Practices: the home unit's adoption plan")
    owner_role: EvaluatorRole = Field(description="unit (the home unit's head) or supervisor (who confirms)")
    owner_nip: NIP | None = None
    due_on: date
    opened_at: datetime


ADOPTION_ITEM_OPENED = EventContract(
    name="AdoptionItemOpened",
    version=1,
    producer="evaluation",
    model=AdoptionItemOpened,
    summary="A practice seen on a benchmarking visit, or a step of a change project, is to be adopted at home.",
)


class AdoptionItemClosed(EventPayload):
    item_id: str
    kind: AdoptionKind
    enrolment_id: str
    nip: NIP
    unit_code: UnitCode
    status: ActionStatus = Field(description="done (adopted, or the step confirmed) or dropped (with a reason)")
    note: str = Field(max_length=2000)
    closed_by: NIP
    closed_at: datetime


ADOPTION_ITEM_CLOSED = EventContract(
    name="AdoptionItemClosed",
    version=1,
    producer="evaluation",
    model=AdoptionItemClosed,
    summary="An adoption item was adopted (or its step confirmed) or dropped by its owner.",
)
