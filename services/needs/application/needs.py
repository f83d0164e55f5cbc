"""The needs and their sources: assessments and performance (competency gaps), the JP ledger and the
yearly minimum, evaluation follow-ups and survey results.

Each use case loads what it needs, asks the pure rules (``domain``, ``sources``) for the decision, and
writes the result together with the events announcing it (``shared.messaging.outbox.commit``). Every
source ends in ``open_need`` or ``resolve_need``, so a need is announced the same way whatever raised it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, fields
from datetime import UTC, date, datetime
from typing import Any

from services.needs import domain, sources
from services.needs.application.reference import Reference
from services.needs.documents import (
    AssessmentDocument,
    CompetencyDocument,
    EmployeeDocument,
    JpLedgerDocument,
    NeedDocument,
    PerformanceDocument,
    UnitDocument,
)
from services.needs.imports import assessment_id
from shared.domain.errors import NotFound
from shared.domain.vocabulary import JP_COMPETENCY_CODE
from shared.events import (
    NEED_IDENTIFIED,
    NEED_RESOLVED,
    EvaluationSubmitted,
    EventContext,
    NeedIdentified,
    NeedResolved,
    NeedSource,
    ProgramCompleted,
)
from shared.messaging.outbox import Notify, commit, new_event, retrying
from shared.persistence import Stored, get_or_not_found

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RecordAssessment:
    nip: str
    competency_code: str
    level: int
    source: domain.AssessmentSource
    assessed_on: date
    recorded_by: str


def assessment_document(cmd: RecordAssessment, recorded_at: datetime) -> AssessmentDocument:
    """The stored assessment, under its natural key (``assessment_id``): recording it again replaces it."""
    doc = AssessmentDocument(
        id=assessment_id(cmd.nip, cmd.competency_code, cmd.source.value, cmd.assessed_on),
        nip=cmd.nip,
        competency_code=cmd.competency_code,
        source=cmd.source.value,
        assessed_on=cmd.assessed_on,
        level=cmd.level,
        recorded_by=cmd.recorded_by,
        recorded_at=recorded_at,
    )
    doc.validate()
    return doc


@dataclass(frozen=True)
class AssessmentOutcome:
    assessment: AssessmentDocument
    need: NeedDocument | None


@dataclass(frozen=True)
class NeedsRules:
    """The configurable policy of the analysis (see README, "How a need's priority is made")."""

    priority: domain.PriorityPolicy
    jp_rules: dict[str, domain.JpRule]
    skm: sources.SkmPolicy
    # A need already announced is announced again only if its priority moves at least this much.
    priority_announce_delta: float = 0.5


# What a source states about a need, as the document keeps it (the same names on both sides).
SPEC_FIELDS = tuple(f.name for f in fields(domain.NeedSpec) if f.name != "need_id")


def spec_of(need: NeedDocument | Stored) -> domain.NeedSpec:
    stated = {name: getattr(need, name) for name in SPEC_FIELDS}
    return domain.NeedSpec(
        need_id=need.id,
        **stated
        | {
            "source": NeedSource(need.source),
            "priority_parts": dict(need.priority_parts),
            "barriers": tuple(need.barriers or ()),
        },
    )


def fill_need(
    need: NeedDocument, spec: domain.NeedSpec, employee: Mapping[str, Any] | None, now: datetime
) -> NeedDocument:
    """The need as the source now states it, open, with who supervises the person and their employment type."""
    for name in SPEC_FIELDS:
        setattr(need, name, getattr(spec, name))
    need.barriers = list(spec.barriers)
    need.supervisor_nip = employee.get("supervisor_nip") if employee else None
    need.position_code = employee.get("position_code") if employee else None
    need.employment_type = employee.get("employment_type") if employee else None
    need.status = domain.NeedStatus.OPEN
    need.updated_at = now
    return need


def need_identified(need: NeedDocument) -> NeedIdentified:
    """The announcement of a need: what its source states, who supervises the person, since when."""
    return NeedIdentified(
        **asdict(spec_of(need)),
        supervisor_nip=need.supervisor_nip,
        position_code=need.position_code,
        employment_type=need.employment_type,
        identified_at=need.updated_at,
    )


# Told (fiscal year, unit) after a need of that unit and year is written: the counts' mark
# (application.need_counts).
Touched = Callable[[int, str], None]


class NeedsService:
    def __init__(
        self, *, rules: NeedsRules, notify: Notify, reference: Reference, touched: Touched = lambda year, unit: None
    ) -> None:
        self.rules = rules
        self.notify = notify
        self.reference = reference
        self.touched = touched

    # --- the lifecycle every source shares -------------------------------------------------------

    def open_need(self, spec: domain.NeedSpec, employee: EmployeeDocument | None = None) -> NeedDocument:
        """Open the need, or update it if what the source says now differs materially; else nothing."""

        def attempt() -> NeedDocument:
            need = NeedDocument.objects(id=spec.need_id).first()
            if need is not None and self.as_stated(need, spec):
                return need  # re-running an analysis on unchanged data announces nothing new
            now = datetime.now(UTC)
            counted_in = need.unit_code if need else None
            need = fill_need(
                need or NeedDocument(id=spec.need_id, identified_at=now),
                spec,
                employee.to_mongo() if employee else None,
                now,
            )
            commit(need, [new_event(NEED_IDENTIFIED, need_identified(need), subject=spec.nip or spec.unit_code)])
            self.notify()
            self.touched(need.fiscal_year, need.unit_code)
            if counted_in and counted_in != need.unit_code:  # the person moved: their old unit counts one less
                self.touched(need.fiscal_year, counted_in)
            return need

        return retrying(attempt)

    def as_stated(self, need: NeedDocument | Stored, spec: domain.NeedSpec) -> bool:
        """Open, and as its source states it now but for a small move of the priority: nothing to announce."""
        return need.status == domain.NeedStatus.OPEN and not spec_of(need).differs_materially(
            spec, self.rules.priority_announce_delta
        )

    def resolve_need(self, need_id: str) -> NeedDocument | None:
        def attempt() -> NeedDocument | None:
            need = NeedDocument.objects(id=need_id).first()
            if need is not None and need.status == domain.NeedStatus.OPEN:
                need.status = domain.NeedStatus.RESOLVED
                need.updated_at = datetime.now(UTC)
                resolved = NeedResolved(
                    need_id=need.id,
                    nip=need.nip,
                    unit_code=need.unit_code,
                    competency_code=need.competency_code,
                    fiscal_year=need.fiscal_year,
                    resolved_at=need.updated_at,
                )
                commit(need, [new_event(NEED_RESOLVED, resolved, subject=need.nip or need.unit_code)])
                self.notify()
                self.touched(need.fiscal_year, need.unit_code)
            return need

        return retrying(attempt)

    def front_line(self, unit_code: str) -> bool:
        return self.reference.front_line(unit_code)

    # --- competency gaps -------------------------------------------------------------------------

    def record_assessment(self, cmd: RecordAssessment) -> AssessmentOutcome:
        # Everything the analysis below needs is checked before the assessment is written: an
        # assessment dated 9999-12-31 used to be saved, then its need refused (no event carries that
        # fiscal year), leaving a record without its analysis.
        domain.check_assessment_date(cmd.assessed_on)
        employee = get_or_not_found(EmployeeDocument, cmd.nip, "Pegawai dengan NIP", "Employee with NIP")
        competency = self.reference.competency(cmd.competency_code)
        # Upsert on the natural key: a client retrying this request after a crash writes nothing twice,
        # and the analysis below runs again, so the need and its event are never left half-done. One
        # replace (mongoengine's save() of a new id is a failed replace, then an insert: two round trips).
        assessment = assessment_document(cmd, datetime.now(UTC))
        AssessmentDocument._get_collection().replace_one(
            {"_id": assessment.id}, assessment.to_mongo().to_dict(), upsert=True
        )
        need = self.analyse(
            employee, cmd.competency_code, fiscal_year=domain.fiscal_year_of(cmd.assessed_on), competency=competency
        )
        return AssessmentOutcome(assessment, need)

    def record_performance(self, nip: str, fiscal_year: int, target: float, realisation: float) -> list[NeedDocument]:
        """SKP target vs realisation; the employee's competency needs of that year are re-scored."""
        employee = get_or_not_found(EmployeeDocument, nip, "Pegawai dengan NIP", "Employee with NIP")
        PerformanceDocument(
            id=f"{fiscal_year}-{nip}",
            nip=nip,
            fiscal_year=fiscal_year,
            target=target,
            realisation=realisation,
            recorded_at=datetime.now(UTC),
        ).save()
        codes = sorted(set(AssessmentDocument.objects(nip=nip).distinct("competency_code")))
        return [n for c in codes if (n := self.analyse(employee, c, fiscal_year=fiscal_year)) is not None]

    def standard_of(self, employee: EmployeeDocument | None) -> Mapping[str, int]:
        """The levels the employee's position requires (empty when the employee or position is unknown)."""
        try:
            return self.reference.standard(employee.position_code) if employee else {}
        except NotFound:
            return {}

    def analyse(
        self,
        employee: EmployeeDocument,
        competency_code: str,
        *,
        fiscal_year: int,
        competency: domain.Competency | None = None,
    ) -> NeedDocument | None:
        """Compare the position's standard with the effective assessment; open, update or resolve the need.
        ``competency``: when the caller has it already. Both it and the standard come from the reference
        cache (invalidated by this service's own writes of them, see ``reference``)."""
        competency = competency or self.reference.competency(competency_code)
        required = self.reference.standard(employee.position_code).get(competency_code)
        assessed = domain.effective_assessment(
            [
                domain.Assessment(a.competency_code, a.level, domain.AssessmentSource(a.source), a.assessed_on)
                for a in AssessmentDocument.objects(nip=employee.nip, competency_code=competency_code)
            ]
        )
        finding = None
        # The performance only weighs a gap's priority: an assessment at the standard does not read it.
        if required is not None and assessed is not None and domain.has_gap(required, assessed):
            performance = PerformanceDocument.objects(id=f"{fiscal_year}-{employee.nip}").first()
            finding = domain.analyse_gap(
                competency,
                required,
                assessed,
                front_line=self.front_line(employee.unit_code),
                policy=self.rules.priority,
                performance_gap=domain.performance_gap(performance.target, performance.realisation)
                if performance
                else 0.0,
            )
        key = domain.need_id(fiscal_year, employee.nip, competency_code)
        if finding is None:
            return self.resolve_need(key)
        spec = finding.need(
            nip=employee.nip, unit_code=employee.unit_code, competency_name=competency.name, fiscal_year=fiscal_year
        )
        return self.open_need(spec, employee)

    # --- the yearly JP minimum -------------------------------------------------------------------

    def jp_rule(self, employment_type: str) -> domain.JpRule:
        return self.rules.jp_rules.get(employment_type, self.rules.jp_rules["PNS"])

    def on_program_completed(self, event: ProgramCompleted, ctx: EventContext) -> None:
        """Book the JP of a completion; once the minimum is met, the year's JP need is resolved."""
        year = event.completed_on.year
        employee = EmployeeDocument.objects(nip=event.nip).first()

        def attempt() -> JpLedgerDocument:
            ledger = JpLedgerDocument.objects(id=f"{year}-{event.nip}").first() or JpLedgerDocument(
                id=f"{year}-{event.nip}", nip=event.nip, unit_code=event.unit_code, fiscal_year=year
            )
            # Keyed on the enrolment: a redelivered completion is booked once.
            if any(e["enrolment_id"] == event.enrolment_id for e in ledger.entries):
                return ledger
            ledger.entries.append(
                {
                    "enrolment_id": event.enrolment_id,
                    "program_code": event.program_code,
                    "jp": event.jp,
                    "completed_on": event.completed_on.isoformat(),
                    "event_id": ctx.id,
                }
            )
            ledger.total_jp = sum(e["jp"] for e in ledger.entries)
            commit(ledger)
            return ledger

        ledger = retrying(attempt)
        rule = self.jp_rule(employee.employment_type if employee else "PNS")
        if rule.shortfall(ledger.total_jp) == 0:
            self.resolve_need(domain.jp_need_id(year, event.nip))

    def check_jp(self, fiscal_year: int, unit_code: str | None = None) -> dict[str, int]:
        """Raise a need for every civil servant below the year's minimum; resolve those who met it.

        Reads each collection once and writes only what changes, so a repeated run costs reads only: the
        year's JP needs are read in one query, and only a need that is to change is read again (by
        ``open_need`` or ``resolve_need``, which decide on what is stored then). One read per employee
        made a check of Medan's 13,000 take 27-42 s, at every start of the service (README, Operations).
        """
        employees = EmployeeDocument.objects(unit_code=unit_code) if unit_code else EmployeeDocument.objects
        earned = {d["nip"]: d["total_jp"] for d in JpLedgerDocument.objects(fiscal_year=fiscal_year).as_pymongo()}
        front_line = {u.code: u.front_line for u in UnitDocument.objects.only("code", "front_line")}
        jp_needs = {"fiscal_year": fiscal_year, "competency_code": JP_COMPETENCY_CODE}
        if unit_code:
            jp_needs["unit_code"] = unit_code  # a need of someone who moved in is read again by open_need
        stored = {d["_id"]: Stored(NeedDocument, d) for d in NeedDocument._get_collection().find(jp_needs)}
        counts = {"checked": 0, "below_minimum": 0}
        types: dict[str, str] = {}
        for employee in employees:
            counts["checked"] += 1
            types[employee.nip] = employee.employment_type
            spec = domain.jp_need(
                self.jp_rule(employee.employment_type),
                nip=employee.nip,
                unit_code=employee.unit_code,
                fiscal_year=fiscal_year,
                earned=earned.get(employee.nip, 0),
                front_line=front_line.get(employee.unit_code, False),
                policy=self.rules.priority,
            )
            need_id = domain.jp_need_id(fiscal_year, employee.nip)
            current = stored.get(need_id)
            if spec is None:
                if current is not None and current.status == domain.NeedStatus.OPEN:
                    self.resolve_need(need_id)
            else:
                counts["below_minimum"] += 1
                if current is None or not self.as_stated(current, spec):
                    self.open_need(spec, employee)
        # Completions booked while this ran may have met the minimum after the ledgers were read:
        # a second look at the ledgers resolves what the first pass re-opened.
        for ledger in JpLedgerDocument.objects(fiscal_year=fiscal_year).as_pymongo():
            employee_type = {"PPPK": "PPPK"}.get(ledger.get("employment_type", ""), "PNS")
            if (
                ledger["total_jp"] > earned.get(ledger["nip"], 0)
                and self.jp_rule(employee_type).shortfall(ledger["total_jp"]) == 0
            ):
                self.resolve_need(domain.jp_need_id(fiscal_year, ledger["nip"]))
        return counts

    # --- follow-ups when training does not transfer ----------------------------------------------

    def on_evaluation_submitted(self, event: EvaluationSubmitted, ctx: EventContext) -> None:
        if not event.struggling_to_apply:
            return
        employee = EmployeeDocument.objects(nip=event.nip).first()
        names = {c.code: c.name for c in CompetencyDocument.objects(code__in=event.competency_codes)}
        if not event.competency_codes:
            log.warning("evaluation %s reports a struggle but names no competency", event.evaluation_id)
            return
        standard = self.standard_of(employee)
        for code in event.competency_codes:
            spec = sources.follow_up_need(
                evaluation_id=event.evaluation_id,
                nip=event.nip,
                unit_code=event.unit_code,
                competency_code=code,
                competency_name=names.get(code, code),
                fiscal_year=event.submitted_at.year,
                barriers=[b.value for b in event.barriers],
                program_code=event.program_code,
                required_level=standard.get(code),
                front_line=self.front_line(event.unit_code),
                policy=self.rules.priority,
            )
            self.open_need(spec, employee)
