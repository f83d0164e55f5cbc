"""Use cases of the needs service: assessments, performance, the JP ledger, survey results and
evaluation follow-ups, and the needs they reveal.

Each use case loads what it needs, asks the pure rules in ``domain`` for the decision, and writes the
result together with the events announcing it (``shared.messaging.outbox.commit``). Every source ends
in ``_open`` or ``_resolve``, so a need is announced the same way whatever raised it.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime

from services.needs import domain
from services.needs.documents import (
    AssessmentDocument,
    CompetencyDocument,
    EmployeeDocument,
    JpLedgerDocument,
    NeedDocument,
    PerformanceDocument,
    PositionDocument,
    SkmResultDocument,
    UnitDocument,
    UnitRequestDocument,
)
from services.needs.imports import assessment_id
from shared.events import (
    NEED_IDENTIFIED,
    NEED_RESOLVED,
    EvaluationSubmitted,
    EventContext,
    NeedIdentified,
    NeedResolved,
    ProgramCompleted,
)
from shared.http.errors import ApiError, Conflict
from shared.messaging.outbox import ConcurrentUpdate, commit, new_event, retrying
from shared.persistence import get_or_404, levels_from_documents

log = logging.getLogger(__name__)

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


@dataclass(frozen=True)
class NeedsRules:
    """The configurable policy of the analysis (see README, "How a need's priority is made")."""

    priority: domain.PriorityPolicy
    jp_rules: dict[str, domain.JpRule]
    skm: domain.SkmPolicy
    # A need already announced is announced again only if its priority moves at least this much.
    priority_announce_delta: float = 0.5


def spec_of(need: NeedDocument) -> domain.NeedSpec:
    return domain.NeedSpec(
        need_id=need.id,
        nip=need.nip,
        unit_code=need.unit_code,
        competency_code=need.competency_code,
        competency_name=need.competency_name,
        source=need.source,
        fiscal_year=need.fiscal_year,
        priority=need.priority,
        priority_parts=dict(need.priority_parts),
        gap=need.gap,
        required_level=need.required_level,
        assessed_level=need.assessed_level,
        recommended_form=need.recommended_form,
        reason=need.reason,
    )


def fill_need(
    need: NeedDocument, spec: domain.NeedSpec, *, supervisor_nip: str | None, position_code: str | None, now: datetime
) -> NeedDocument:
    """The need as the source now states it, open."""
    need.nip = spec.nip
    need.unit_code = spec.unit_code
    need.supervisor_nip = supervisor_nip
    need.position_code = position_code
    need.competency_code = spec.competency_code
    need.competency_name = spec.competency_name
    need.required_level = spec.required_level
    need.assessed_level = spec.assessed_level
    need.gap = spec.gap
    need.priority = spec.priority
    need.priority_parts = spec.priority_parts
    need.source = spec.source
    need.fiscal_year = spec.fiscal_year
    need.recommended_form = spec.recommended_form
    need.reason = spec.reason
    need.status = "open"
    need.updated_at = now
    return need


class NeedsService:
    def __init__(self, *, rules: NeedsRules, notify: Notify) -> None:
        self.rules = rules
        self.notify = notify

    # --- the lifecycle every source shares -------------------------------------------------------

    def open_need(self, spec: domain.NeedSpec, employee: EmployeeDocument | None = None) -> NeedDocument:
        """Open the need, or update it if what the source says now differs materially; else nothing."""

        def attempt() -> NeedDocument:
            need = NeedDocument.objects(id=spec.need_id).first()
            if (
                need is not None
                and need.status == "open"
                and not spec_of(need).differs_materially(spec, self.rules.priority_announce_delta)
            ):
                return need  # re-running an analysis on unchanged data announces nothing new
            now = datetime.now(UTC)
            need = fill_need(
                need or NeedDocument(id=spec.need_id, identified_at=now),
                spec,
                supervisor_nip=employee.supervisor_nip if employee else None,
                position_code=employee.position_code if employee else None,
                now=now,
            )
            commit(need, [new_event(NEED_IDENTIFIED, need_identified(need), subject=spec.nip or spec.unit_code)])
            self.notify()
            return need

        return retrying(attempt)

    def resolve_need(self, need_id: str) -> NeedDocument | None:
        def attempt() -> NeedDocument | None:
            need = NeedDocument.objects(id=need_id).first()
            if need is not None and need.status == "open":
                need.status = "resolved"
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
            return need

        return retrying(attempt)

    def front_line(self, unit_code: str) -> bool:
        unit = UnitDocument.objects(code=unit_code).first()
        return bool(unit and unit.front_line)

    # --- competency gaps -------------------------------------------------------------------------

    def record_assessment(self, cmd: RecordAssessment) -> AssessmentOutcome:
        # Everything the analysis below needs is checked before the assessment is written: an
        # assessment dated 9999-12-31 used to be saved, then its need refused (no event carries that
        # fiscal year), leaving a record without its analysis.
        if not domain.EARLIEST_ASSESSMENT <= cmd.assessed_on <= domain.LATEST_ASSESSMENT:
            raise ApiError(
                422,
                "invalid_date",
                f"Tanggal penilaian harus antara {domain.EARLIEST_ASSESSMENT} dan {domain.LATEST_ASSESSMENT}.",
                f"The assessment date must be between {domain.EARLIEST_ASSESSMENT} and {domain.LATEST_ASSESSMENT}.",
            )
        employee = get_or_404(EmployeeDocument, cmd.nip, "Pegawai dengan NIP", "Employee with NIP")
        get_or_404(CompetencyDocument, cmd.competency_code, "Kompetensi", "Competency")
        # Upsert on the natural key: a client retrying this request after a crash writes nothing twice,
        # and the analysis below runs again, so the need and its event are never left half-done.
        assessment = AssessmentDocument(
            id=assessment_id(cmd.nip, cmd.competency_code, cmd.source.value, cmd.assessed_on),
            nip=cmd.nip,
            competency_code=cmd.competency_code,
            source=cmd.source.value,
            assessed_on=cmd.assessed_on,
            level=cmd.level,
            recorded_by=cmd.recorded_by,
            recorded_at=datetime.now(UTC),
        )
        assessment.save()
        need = self.analyse(employee, cmd.competency_code, fiscal_year=domain.fiscal_year_of(cmd.assessed_on))
        return AssessmentOutcome(assessment, need)

    def record_performance(self, nip: str, fiscal_year: int, target: float, realisation: float) -> list[NeedDocument]:
        """SKP target vs realisation; the employee's competency needs of that year are re-scored."""
        employee = get_or_404(EmployeeDocument, nip, "Pegawai dengan NIP", "Employee with NIP")
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

    def analyse(self, employee: EmployeeDocument, competency_code: str, *, fiscal_year: int) -> NeedDocument | None:
        """Compare the position's standard with the effective assessment; open, update or resolve the need."""
        competency_doc = get_or_404(CompetencyDocument, competency_code, "Kompetensi", "Competency")
        position = get_or_404(PositionDocument, employee.position_code, "Jabatan", "Position")
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
        performance = PerformanceDocument.objects(id=f"{fiscal_year}-{employee.nip}").first()
        finding = (
            domain.analyse_gap(
                competency,
                required,
                assessed,
                front_line=self.front_line(employee.unit_code),
                policy=self.rules.priority,
                performance_gap=domain.performance_gap(performance.target, performance.realisation)
                if performance
                else 0.0,
            )
            if required is not None and assessed is not None
            else None
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
            self.resolve_need(f"{year}-{event.nip}-{domain.JP_COMPETENCY_CODE}")

    def check_jp(self, fiscal_year: int, unit_code: str | None = None) -> dict[str, int]:
        """Raise a need for every civil servant below the year's minimum; resolve those who met it.

        Reads each collection once and writes only what changes, so a repeated run costs reads only.
        """
        employees = EmployeeDocument.objects(unit_code=unit_code) if unit_code else EmployeeDocument.objects
        earned = {d["nip"]: d["total_jp"] for d in JpLedgerDocument.objects(fiscal_year=fiscal_year).as_pymongo()}
        front_line = {u.code: u.front_line for u in UnitDocument.objects.only("code", "front_line")}
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
            if spec is None:
                self.resolve_need(f"{fiscal_year}-{employee.nip}-{domain.JP_COMPETENCY_CODE}")
            else:
                counts["below_minimum"] += 1
                self.open_need(spec, employee)
        # Completions booked while this ran may have met the minimum after the ledgers were read:
        # a second look at the ledgers resolves what the first pass re-opened.
        for ledger in JpLedgerDocument.objects(fiscal_year=fiscal_year).as_pymongo():
            employee_type = {"PPPK": "PPPK"}.get(ledger.get("employment_type", ""), "PNS")
            if (
                ledger["total_jp"] > earned.get(ledger["nip"], 0)
                and self.jp_rule(employee_type).shortfall(ledger["total_jp"]) == 0
            ):
                self.resolve_need(f"{fiscal_year}-{ledger['nip']}-{domain.JP_COMPETENCY_CODE}")
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
        for code in event.competency_codes:
            spec = domain.follow_up_need(
                evaluation_id=event.evaluation_id,
                nip=event.nip,
                unit_code=event.unit_code,
                competency_code=code,
                competency_name=names.get(code, code),
                fiscal_year=event.submitted_at.year,
                barriers=[b.value for b in event.barriers],
                front_line=self.front_line(event.unit_code),
                policy=self.rules.priority,
            )
            self.open_need(spec, employee)

    # --- public satisfaction -----------------------------------------------------------------------

    def record_skm(
        self, unit_code: str, fiscal_year: int, nrr: dict[str, float], respondents: int
    ) -> tuple[SkmResultDocument, list[NeedDocument]]:
        unit = get_or_404(UnitDocument, unit_code, "Unit kerja", "Work unit")
        score = domain.ikm(nrr)
        result = SkmResultDocument(
            id=f"{fiscal_year}-{unit_code}",
            unit_code=unit_code,
            fiscal_year=fiscal_year,
            nrr=nrr,
            respondents=respondents,
            ikm=score,
            band=domain.skm_band(score),
            recorded_at=datetime.now(UTC),
        )
        result.save()
        names = {c.code: c.name for c in CompetencyDocument.objects}
        specs = domain.skm_needs(
            nrr,
            unit_code=unit_code,
            fiscal_year=fiscal_year,
            competency_names=names,
            front_line=unit.front_line,
            policy=self.rules.priority,
            skm=self.rules.skm,
        )
        raised = [self.open_need(spec) for spec in specs]
        # A corrected or repeated survey that no longer shows a weakness resolves what it raised before.
        kept = {s.need_id for s in specs}
        for need in NeedDocument.objects(
            unit_code=unit_code, fiscal_year=fiscal_year, source="public_satisfaction", status="open"
        ):
            if need.id not in kept:
                self.resolve_need(need.id)
        return result, raised


class UnitRequests:
    """Requests from unit heads: draft -> submitted -> approved (becomes needs) or rejected."""

    def __init__(self, needs: NeedsService) -> None:
        self.needs = needs

    def create(
        self,
        *,
        unit_code: str,
        competency_code: str,
        nips: list[str],
        fiscal_year: int,
        justification: str,
        created_by: str,
    ) -> UnitRequestDocument:
        get_or_404(UnitDocument, unit_code, "Unit kerja", "Work unit")
        get_or_404(CompetencyDocument, competency_code, "Kompetensi", "Competency")
        for nip in nips:
            employee = get_or_404(EmployeeDocument, nip, "Pegawai dengan NIP", "Employee with NIP")
            if employee.unit_code != unit_code:
                raise ApiError(
                    422,
                    "employee_outside_unit",
                    f"Pegawai {nip} bukan pegawai unit {unit_code}.",
                    f"Employee {nip} does not work in unit {unit_code}.",
                )
        now = datetime.now(UTC)
        request = UnitRequestDocument(
            id=uuid.uuid4().hex[:12],
            unit_code=unit_code,
            competency_code=competency_code,
            nips=sorted(set(nips)),
            fiscal_year=fiscal_year,
            justification=justification,
            status=domain.RequestStatus.DRAFT.value,
            created_by=created_by,
            history=[{"status": "draft", "by": created_by, "at": now}],
            created_at=now,
            updated_at=now,
        )
        request.save(force_insert=True)
        return request

    def act(self, request_id: str, action: str, by: str, note: str | None = None) -> UnitRequestDocument:
        request = get_or_404(UnitRequestDocument, request_id, "Permintaan", "Request")
        current = domain.RequestStatus(request.status)
        if action == "approve" and current == domain.RequestStatus.APPROVED:
            # Approving again completes an approval interrupted before its needs were all opened.
            self._open_needs(request)
            return request
        try:
            target = domain.next_request_status(action, current)
        except domain.InvalidTransition as exc:
            raise Conflict("invalid_transition", exc.message_id, exc.message_en) from None
        now = datetime.now(UTC)
        decision = {"set__decided_by": by, "set__decision_note": note} if action != "submit" else {}
        # The status moves first, guarded by the status read: a concurrent reject and approve cannot
        # both win, so a rejected request never gets needs.
        moved = UnitRequestDocument.objects(id=request_id, status=current.value).update_one(
            set__status=target.value,
            set__updated_at=now,
            push__history={"status": target.value, "by": by, "at": now, "note": note},
            **decision,
        )
        if not moved:
            raise ConcurrentUpdate(f"Request {request_id}")
        request.reload()
        if target == domain.RequestStatus.APPROVED:
            self._open_needs(request)
        return request

    def _open_needs(self, request: UnitRequestDocument) -> None:
        """Idempotent: the needs' ids derive from the request."""
        competency = get_or_404(CompetencyDocument, request.competency_code, "Kompetensi", "Competency")
        for spec in domain.request_needs(
            request_id=request.id,
            unit_code=request.unit_code,
            competency_code=competency.code,
            competency_name=competency.name,
            nips=list(request.nips),
            fiscal_year=request.fiscal_year,
            justification=request.justification,
            front_line=self.needs.front_line(request.unit_code),
            policy=self.needs.rules.priority,
        ):
            self.needs.open_need(spec, EmployeeDocument.objects(nip=spec.nip).first() if spec.nip else None)


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
        source=need.source,
        fiscal_year=need.fiscal_year,
        recommended_form=need.recommended_form,
        reason=need.reason,
        identified_at=need.updated_at,
    )
