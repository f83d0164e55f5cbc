"""Events published by the training service."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

from shared.domain.vocabulary import EnrolmentState
from shared.events.common import NIP, CompetencyTarget, DevelopmentForm, UnitCode
from shared.events.contracts import EventContract, EventPayload


class CurriculumRef(BaseModel):
    """The partner curriculum a programme was taught from: its version in force at completion and the
    institution that owns it, so the partner can see how its curriculum versions perform."""

    code: str
    version: int = Field(ge=1)
    institution: str | None = None


class ProgramCompleted(EventPayload):
    enrolment_id: str
    need_id: str | None = None
    nip: NIP
    unit_code: UnitCode
    supervisor_nip: NIP | None = None
    program_code: str
    program_title: str
    batch_code: str | None = None
    host_code: str | None = Field(
        default=None, description="Benchmarking visits: the host from the training service's register"
    )
    form: DevelopmentForm
    competencies: list[CompetencyTarget]
    jp: int = Field(ge=0, description="Jam Pelajaran earned (1 JP = 45 minutes)")
    pre_score: float | None = Field(default=None, ge=0, le=100)
    post_score: float | None = Field(default=None, ge=0, le=100)
    attendance_pct: float = Field(ge=0, le=100)
    started_on: date
    completed_on: date
    certificate_number: str
    curriculum: CurriculumRef | None = None
    certificate_url: str | None = Field(
        default=None,
        max_length=2000,
        description="Public verification page of the Open Badges 3.0 credential issued for this completion "
        "(its id; the QR code on the printed certificate points there). Anyone may open it, no sign-in.",
    )


PROGRAM_COMPLETED = EventContract(
    name="ProgramCompleted",
    version=1,
    producer="training",
    model=ProgramCompleted,
    summary="A participant met the completion criteria of a development programme.",
)


class CertificateRevoked(EventPayload):
    enrolment_id: str
    nip: NIP
    unit_code: UnitCode
    program_code: str
    program_title: str
    certificate_number: str
    certificate_url: str = Field(max_length=2000, description="Its public verification page, which now says revoked")
    reason: str = Field(description="Why BKPSDM withdrew it")
    revoked_by: NIP
    revoked_at: datetime


CERTIFICATE_REVOKED = EventContract(
    name="CertificateRevoked",
    version=1,
    producer="training",
    model=CertificateRevoked,
    summary="BKPSDM withdrew the Open Badges 3.0 certificate of a completion; its status list entry is set and "
    "verifiers now answer revoked. The completion itself stands.",
)


class EnrolmentChanged(EventPayload):
    enrolment_id: str = Field(description="Stable id of the seat: batch code and NIP")
    nip: NIP
    unit_code: UnitCode
    supervisor_nip: NIP | None = None
    need_ids: list[str] = Field(description="The needs this seat serves")
    program_code: str
    program_title: str
    form: DevelopmentForm
    batch_code: str
    phase_code: str
    starts_on: date
    ends_on: date
    location: str | None = None
    host_agency: str | None = Field(default=None, description="For internships and exchanges")
    status: EnrolmentState
    previous_status: EnrolmentState | None = Field(description="Null when the seat is first proposed")
    reason: str | None = Field(default=None, description="Why, in Bahasa Indonesia (withdrawal, failure)")
    reason_en: str | None = None
    changed_at: datetime


ENROLMENT_CHANGED = EventContract(
    name="EnrolmentChanged",
    version=1,
    producer="training",
    model=EnrolmentChanged,
    summary="A seat in a batch was proposed to an employee or changed status (confirmed, attending, "
    "completed, withdrawn, failed).",
)
