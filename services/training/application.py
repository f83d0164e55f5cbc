"""Use cases of the training service: place needs into programmes and record completions."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

from services.training import domain
from services.training.documents import CurriculumDocument, EnrolmentDocument, ProgramDocument
from shared.events import PROGRAM_COMPLETED, EventContext, NeedIdentified, ProgramCompleted
from shared.events.common import CompetencyTarget, DevelopmentForm
from shared.http.errors import ApiError, Conflict, NotFound
from shared.messaging.outbox import commit, new_event, retrying
from shared.persistence import get_or_404, levels_from_documents

log = logging.getLogger(__name__)

Notify = Callable[[], None]


def _offer(p: ProgramDocument) -> domain.ProgramOffer:
    return domain.ProgramOffer(
        code=p.code,
        title=p.title,
        form=p.form,
        competencies=levels_from_documents(p.competencies),
        jp=p.jp,
        cost_per_participant=p.cost_per_participant,
        min_attendance_pct=p.min_attendance_pct,
        passing_score=p.passing_score,
    )


def ready_offers() -> list[domain.ProgramOffer]:
    """Active programmes that may take participants (a partner curriculum must have an approved version)."""
    programs = list(ProgramDocument.objects(active=True))
    codes = {p.curriculum_code for p in programs if p.curriculum_code}
    statuses = {c.id: [v["status"] for v in c.versions] for c in CurriculumDocument.objects(id__in=list(codes))}
    return [
        _offer(p)
        for p in programs
        if domain.ready_to_run(bool(p.curriculum_code), statuses.get(p.curriculum_code or "", []))
    ]


class Curricula:
    """Curricula with partner institutions: draft versions, review by BKPSDM, one approved at a time."""

    def save(self, code: str, title: str, partner: str) -> CurriculumDocument:
        def attempt() -> CurriculumDocument:
            doc = CurriculumDocument.objects(id=code).first() or CurriculumDocument(id=code)
            doc.title, doc.partner = title, partner
            commit(doc)
            return doc

        return retrying(attempt)

    def add_version(self, code: str, modules: list[dict[str, object]], by: str) -> CurriculumDocument:
        def attempt() -> CurriculumDocument:
            doc = get_or_404(CurriculumDocument, code, "Kurikulum", "Curriculum")
            doc.versions.append(
                {
                    "version": len(doc.versions) + 1,
                    "status": domain.CurriculumStatus.DRAFT.value,
                    "modules": modules,
                    "history": [{"status": "draft", "by": by, "at": datetime.now(UTC)}],
                }
            )
            commit(doc)
            return doc

        return retrying(attempt)

    def act(self, code: str, version: int, action: str, by: str, note: str | None) -> CurriculumDocument:
        def attempt() -> CurriculumDocument:
            doc = get_or_404(CurriculumDocument, code, "Kurikulum", "Curriculum")
            if not 1 <= version <= len(doc.versions):
                raise NotFound(f"Versi {version} kurikulum", f"Version {version} of curriculum", code)
            entry = doc.versions[version - 1]
            try:
                target = domain.next_curriculum_status(action, domain.CurriculumStatus(entry["status"]))
            except domain.CatalogueError as exc:
                raise Conflict("invalid_transition", exc.message_id, exc.message_en) from None
            now = datetime.now(UTC)
            if target == domain.CurriculumStatus.APPROVED:
                # One approved version at a time: the one it replaces is retired.
                for other in doc.versions:
                    if other["status"] == domain.CurriculumStatus.APPROVED.value:
                        other["status"] = domain.CurriculumStatus.RETIRED.value
                        other["history"].append(
                            {"status": "retired", "by": by, "at": now, "note": f"replaced by version {version}"}
                        )
            entry["status"] = target.value
            entry["history"].append({"status": target.value, "by": by, "at": now, "note": note})
            commit(doc)
            return doc

        return retrying(attempt)


class TrainingService:
    def __init__(self, *, notify: Notify) -> None:
        self.notify = notify

    def on_need_identified(self, event: NeedIdentified, ctx: EventContext) -> None:
        if event.nip is None:
            log.info("unit-level need %s is planned by BKPSDM, not enrolled automatically", event.need_id)
            return
        enrolment_id = domain.enrolment_id_for_need(event.need_id)
        existing = EnrolmentDocument.objects(id=enrolment_id).first()
        # State guard: a need already placed (or completed) is not placed again by a redelivery or by a
        # later NeedIdentified for the same need; only a waitlisted one is tried again.
        if existing is not None and existing.status != domain.EnrolmentStatus.WAITLISTED:
            return
        offers = ready_offers()
        placement = domain.choose_program(offers, event.competency_code, event.required_level)
        now = datetime.now(UTC)
        enrolment = existing or EnrolmentDocument(id=enrolment_id, created_at=now)
        enrolment.need_id = event.need_id
        enrolment.nip = event.nip
        enrolment.unit_code = event.unit_code
        enrolment.supervisor_nip = event.supervisor_nip
        enrolment.competency_code = event.competency_code
        enrolment.required_level = event.required_level
        enrolment.fiscal_year = event.fiscal_year
        enrolment.program_code = placement.program.code if placement.program else None
        enrolment.status = domain.EnrolmentStatus.ENROLLED if placement.program else domain.EnrolmentStatus.WAITLISTED
        enrolment.reason = placement.reason_id
        enrolment.reason_en = placement.reason_en
        enrolment.updated_at = now
        commit(enrolment)

    def complete(self, enrolment_id: str, report: domain.CompletionReport) -> EnrolmentDocument:
        enrolment = get_or_404(EnrolmentDocument, enrolment_id, "Pendaftaran", "Enrolment")
        if enrolment.status == domain.EnrolmentStatus.COMPLETED:
            return enrolment  # repeating the call announces nothing new
        if enrolment.status != domain.EnrolmentStatus.ENROLLED:
            raise Conflict(
                "not_enrolled",
                f"Pendaftaran berstatus {enrolment.status}; hanya peserta terdaftar yang dapat diselesaikan.",
                f"The enrolment is {enrolment.status}; only enrolled participants can complete.",
            )
        if report.completed_on < report.started_on:
            raise ApiError(
                422,
                "invalid_dates",
                "Tanggal selesai tidak boleh sebelum tanggal mulai.",
                "The completion date cannot be before the start date.",
            )
        program = get_or_404(ProgramDocument, enrolment.program_code, "Program", "Programme")
        offer = _offer(program)
        verdict = domain.judge_completion(offer, report)
        enrolment.attendance_pct = report.attendance_pct
        enrolment.pre_score = report.pre_score
        enrolment.post_score = report.post_score
        enrolment.started_on = report.started_on
        enrolment.completed_on = report.completed_on
        enrolment.updated_at = datetime.now(UTC)
        if not verdict.completed:
            enrolment.status = domain.EnrolmentStatus.NOT_COMPLETED
            enrolment.reason = " ".join(verdict.reasons_id)
            enrolment.reason_en = " ".join(verdict.reasons_en)
            commit(enrolment)
            return enrolment
        enrolment.status = domain.EnrolmentStatus.COMPLETED
        enrolment.certificate_number = domain.certificate_number(enrolment.id, report.completed_on)
        enrolment.reason = enrolment.reason_en = None
        commit(enrolment, [new_event(PROGRAM_COMPLETED, program_completed(enrolment, offer), subject=enrolment.nip)])
        self.notify()
        return enrolment


def program_completed(enrolment: EnrolmentDocument, offer: domain.ProgramOffer) -> ProgramCompleted:
    return ProgramCompleted(
        enrolment_id=enrolment.id,
        need_id=enrolment.need_id,
        nip=enrolment.nip,
        unit_code=enrolment.unit_code,
        supervisor_nip=enrolment.supervisor_nip,
        program_code=offer.code,
        program_title=offer.title,
        form=DevelopmentForm(offer.form),
        competencies=[CompetencyTarget(code=c, target_level=lvl) for c, lvl in sorted(offer.competencies.items())],
        jp=offer.jp,
        pre_score=enrolment.pre_score,
        post_score=enrolment.post_score,
        attendance_pct=enrolment.attendance_pct,
        started_on=enrolment.started_on,
        completed_on=enrolment.completed_on,
        certificate_number=enrolment.certificate_number,
    )
