"""Events published by the training service."""

from __future__ import annotations

from datetime import date

from pydantic import Field

from shared.events.common import NIP, CompetencyTarget, DevelopmentForm, UnitCode
from shared.events.contracts import EventContract, EventPayload


class ProgramCompleted(EventPayload):
    enrolment_id: str
    need_id: str | None = None
    nip: NIP
    unit_code: UnitCode
    supervisor_nip: NIP | None = None
    program_code: str
    program_title: str
    batch_code: str | None = None
    form: DevelopmentForm
    competencies: list[CompetencyTarget]
    jp: int = Field(ge=0, description="Jam Pelajaran earned (1 JP = 45 minutes)")
    pre_score: float | None = Field(default=None, ge=0, le=100)
    post_score: float | None = Field(default=None, ge=0, le=100)
    attendance_pct: float = Field(ge=0, le=100)
    started_on: date
    completed_on: date
    certificate_number: str


PROGRAM_COMPLETED = EventContract(
    name="ProgramCompleted",
    version=1,
    producer="training",
    model=ProgramCompleted,
    summary="A participant met the completion criteria of a development programme.",
)
