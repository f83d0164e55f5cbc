"""Events published by the needs service."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from shared.domain.vocabulary import JP_COMPETENCY_CODE, EmploymentType, NeedSource, TransferBarrier
from shared.events.common import NIP, CompetencyCode, DevelopmentForm, FiscalYearNumber, UnitCode
from shared.events.contracts import EventContract, EventPayload

# A NeedIdentified of source jp_shortfall names JP_COMPETENCY_CODE as its competency and carries the JP
# missing in priority_parts["jp_shortfall"].
__all__ = ["JP_COMPETENCY_CODE", "NEED_IDENTIFIED", "NEED_RESOLVED", "NeedIdentified", "NeedResolved", "NeedSource"]


class NeedIdentified(EventPayload):
    need_id: str = Field(description="Stable id of the need; a later event with the same id supersedes it")
    nip: NIP | None = Field(description="The employee; null for a need of the whole unit")
    unit_code: UnitCode
    supervisor_nip: NIP | None = None
    position_code: str | None = None
    competency_code: CompetencyCode
    competency_name: str
    required_level: int | None = Field(default=None, ge=1, le=5, description="The position's standard level")
    assessed_level: int | None = Field(default=None, ge=0, le=5)
    gap: int = Field(ge=0, description="required_level - assessed_level (0 for needs not made from a gap)")
    priority: float = Field(ge=0, description="Priority score; higher is more urgent")
    priority_parts: dict[str, float] = Field(description="How the priority score was made, term by term")
    source: NeedSource
    fiscal_year: FiscalYearNumber
    recommended_form: DevelopmentForm | None = None
    reason: str | None = None
    identified_at: datetime
    # Added within v1 (optional, so older consumers and events stay valid): what an evaluation follow-up
    # needs for its remedy, and the employment type the PPPK JP cap depends on.
    barriers: list[TransferBarrier] = Field(
        default_factory=list, description="Why the training did not transfer (evaluation follow-ups)"
    )
    program_code: str | None = Field(
        default=None, max_length=40, description="The programme that did not transfer (evaluation follow-ups)"
    )
    employment_type: EmploymentType | None = Field(
        default=None, description="PNS or PPPK; a PPPK is given at most 24 JP a contract year (PP 49/2018)"
    )


NEED_IDENTIFIED = EventContract(
    name="NeedIdentified",
    version=1,
    producer="needs",
    model=NeedIdentified,
    summary="A competency development need was identified for an employee or a work unit.",
)


class NeedResolved(EventPayload):
    need_id: str = Field(description="The need announced earlier by NeedIdentified")
    nip: NIP | None = Field(description="The employee; null for a need of the whole unit")
    unit_code: UnitCode
    competency_code: CompetencyCode
    fiscal_year: FiscalYearNumber
    resolved_at: datetime


NEED_RESOLVED = EventContract(
    name="NeedResolved",
    version=1,
    producer="needs",
    model=NeedResolved,
    summary="A need announced earlier no longer holds: the standard is met, the yearly JP reached, the survey "
    "improved. A later NeedIdentified with the same id opens it again.",
)
