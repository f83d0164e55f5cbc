"""Use cases of the needs service: master data, assessments and the needs they reveal.

Each use case loads what it needs, asks the pure rules in ``domain`` for the decision, and writes the
result together with the events announcing it (``shared.messaging.outbox.commit``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime

from services.needs import domain
from services.needs.documents import (
    AssessmentDocument,
    CompetencyDocument,
    EmployeeDocument,
    NeedDocument,
    PositionDocument,
    UnitDocument,
)
from shared.events import NEED_IDENTIFIED, NeedIdentified, NeedSource
from shared.messaging.outbox import ConcurrentUpdate, commit, new_event
from shared.persistence import get_or_404, levels_from_documents

Notify = Callable[[], None]


def seed_standard_competencies() -> None:
    """The managerial and socio-cultural dictionary exists in every deployment."""
    for c in domain.STANDARD_COMPETENCIES:
        CompetencyDocument.objects(code=c.code).update_one(
            upsert=True, set_on_insert__name=c.name, set_on_insert__kind=c.kind.value, set_on_insert__weight=c.weight
        )


@dataclass(frozen=True)
class RecordAssessment:
    nip: str
    competency_code: str
    level: int
    source: domain.AssessmentSource
    assessed_on: date
    recorded_by: str


@dataclass(frozen=True)
class AssessmentOutcome:
    assessment: AssessmentDocument
    need: NeedDocument | None


class NeedsService:
    def __init__(self, *, policy: domain.PriorityPolicy, notify: Notify) -> None:
        self.policy = policy
        self.notify = notify

    def record_assessment(self, cmd: RecordAssessment) -> AssessmentOutcome:
        employee = get_or_404(EmployeeDocument, cmd.nip, "Pegawai dengan NIP", "Employee with NIP")
        get_or_404(CompetencyDocument, cmd.competency_code, "Kompetensi", "Competency")
        # Upsert on the natural key: a client retrying this request after a crash writes nothing twice,
        # and the analysis below runs again, so the need and its event are never left half-done.
        AssessmentDocument.objects(
            nip=cmd.nip, competency_code=cmd.competency_code, source=cmd.source.value, assessed_on=cmd.assessed_on
        ).update_one(
            upsert=True, set__level=cmd.level, set__recorded_by=cmd.recorded_by, set__recorded_at=datetime.now(UTC)
        )
        assessment = AssessmentDocument.objects.get(
            nip=cmd.nip, competency_code=cmd.competency_code, source=cmd.source.value, assessed_on=cmd.assessed_on
        )
        need = self.analyse(employee, cmd.competency_code, today=cmd.assessed_on)
        return AssessmentOutcome(assessment, need)

    def analyse(self, employee: EmployeeDocument, competency_code: str, *, today: date) -> NeedDocument | None:
        """Compare the position's standard with the effective assessment; open, update or resolve the need."""
        for _ in range(5):
            try:
                return self._analyse_once(employee, competency_code, today)
            except ConcurrentUpdate:
                continue
        raise ConcurrentUpdate(f"Need for {employee.nip} / {competency_code}")

    def _analyse_once(self, employee: EmployeeDocument, competency_code: str, today: date) -> NeedDocument | None:
        competency_doc = get_or_404(CompetencyDocument, competency_code, "Kompetensi", "Competency")
        position = get_or_404(PositionDocument, employee.position_code, "Jabatan", "Position")
        unit = get_or_404(UnitDocument, employee.unit_code, "Unit kerja", "Work unit")
        competency = domain.Competency(
            competency_doc.code, competency_doc.name, domain.CompetencyKind(competency_doc.kind), competency_doc.weight
        )
        required = domain.required_levels(
            domain.PositionType(position.type), levels_from_documents(position.standard)
        ).get(competency_code)
        assessed = domain.effective_assessment(
            [
                domain.Assessment(a.competency_code, a.level, domain.AssessmentSource(a.source), a.assessed_on)
                for a in AssessmentDocument.objects(nip=employee.nip, competency_code=competency_code)
            ]
        )
        finding = (
            domain.analyse_gap(competency, required, assessed, front_line=unit.front_line, policy=self.policy)
            if required is not None and assessed is not None
            else None
        )
        fiscal_year = domain.fiscal_year_of(today)
        key = domain.need_id(fiscal_year, employee.nip, competency_code)
        need = NeedDocument.objects(id=key).first()

        if finding is None:
            if need is not None and need.status == "open":
                need.status = "resolved"
                need.updated_at = datetime.now(UTC)
                commit(need)
            return need

        unchanged = (
            need is not None
            and need.status == "open"
            and (need.required_level, need.assessed_level, need.gap, need.priority)
            == (finding.required_level, finding.assessed_level, finding.gap, finding.priority)
        )
        if unchanged:
            return need  # re-running the analysis on unchanged data announces nothing new

        now = datetime.now(UTC)
        if need is None:
            need = NeedDocument(id=key, identified_at=now)
        need.nip = employee.nip
        need.unit_code = employee.unit_code
        need.supervisor_nip = employee.supervisor_nip
        need.position_code = employee.position_code
        need.competency_code = competency.code
        need.competency_name = competency.name
        need.required_level = finding.required_level
        need.assessed_level = finding.assessed_level
        need.gap = finding.gap
        need.priority = finding.priority
        need.priority_parts = finding.priority_parts
        need.source = NeedSource.COMPETENCY_GAP.value
        need.fiscal_year = fiscal_year
        need.status = "open"
        need.updated_at = now
        commit(need, [new_event(NEED_IDENTIFIED, need_identified(need), subject=employee.nip)])
        self.notify()
        return need


def need_identified(need: NeedDocument) -> NeedIdentified:
    return NeedIdentified(
        need_id=need.id,
        nip=need.nip,
        unit_code=need.unit_code,
        supervisor_nip=need.supervisor_nip,
        position_code=need.position_code,
        competency_code=need.competency_code,
        competency_name=need.competency_name,
        required_level=need.required_level,
        assessed_level=need.assessed_level,
        gap=need.gap,
        priority=need.priority,
        priority_parts=need.priority_parts,
        source=NeedSource(need.source),
        fiscal_year=need.fiscal_year,
        identified_at=need.updated_at,
    )
