"""How a seat changes. Its status moves with a line of history, and every move is written together with
the EnrolmentChanged announcing it (one ``commit``: the embedded outbox); a completion adds its
ProgramCompleted to the same write. The payloads of both events are built here, and only here."""

from __future__ import annotations

from datetime import UTC, datetime

from services.training import domain
from services.training.documents import BatchDocument, EnrolmentDocument, ProgramDocument
from shared.domain.errors import Conflict
from shared.domain.vocabulary import DevelopmentForm
from shared.events import ENROLMENT_CHANGED, CurriculumRef, EnrolmentChanged, EventRecord, ProgramCompleted
from shared.events.common import CompetencyTarget
from shared.messaging.outbox import commit, new_event
from shared.persistence import get_or_not_found

Note = tuple[str, str]  # why, in Bahasa Indonesia and English


def seat(enrolment_id: str) -> EnrolmentDocument:
    return get_or_not_found(EnrolmentDocument, enrolment_id, "Pendaftaran", "Enrolment")


def batch_of(code: str) -> BatchDocument:
    return get_or_not_found(BatchDocument, code, "Angkatan", "Batch")


def program_of(code: str) -> ProgramDocument:
    return get_or_not_found(ProgramDocument, code, "Program", "Programme")


def move(e: EnrolmentDocument, target: domain.EnrolmentStatus, by: str, note: Note | None = None) -> str:
    """Set the new status and its history line; returns the status it had."""
    previous = e.status
    now = datetime.now(UTC)
    e.status = target.value
    e.updated_at = now
    if note is not None:
        e.reason, e.reason_en = note
    e.history.append({"status": target.value, "by": by, "at": now, "note": note[1] if note else None})
    return previous


def withdraw(seat_id: str, batch: BatchDocument, program: ProgramDocument, by: str, note: Note) -> bool:
    """Give an open seat back to the plan, announced; False if it is no longer open."""
    e = seat(seat_id)
    if e.status not in domain.OPEN:
        return False
    previous = move(e, domain.EnrolmentStatus.WITHDRAWN, by, note)
    commit(e, [enrolment_changed(e, batch, program, previous)])
    return True


def require_learning_agreement(e: EnrolmentDocument) -> None:
    if not e.learning_agreement:
        raise Conflict(
            "no_learning_agreement",
            "Magang dan pertukaran dimulai setelah kesepakatan belajar dengan instansi tuan rumah dicatat.",
            "An internship or exchange starts once the learning agreement with the host agency is recorded.",
        )


def enrolment_changed(
    e: EnrolmentDocument, batch: BatchDocument, program: ProgramDocument, previous: str | None
) -> EventRecord:
    payload = EnrolmentChanged(
        enrolment_id=e.id,
        nip=e.nip,
        unit_code=e.unit_code,
        supervisor_nip=e.supervisor_nip,
        need_ids=list(e.need_ids),
        program_code=program.code,
        program_title=program.title,
        form=DevelopmentForm(program.form),
        batch_code=batch.id,
        phase_code=batch.phase_code,
        starts_on=batch.starts_on,
        ends_on=batch.ends_on,
        location=batch.location or program.location,
        host_agency=e.host_agency,
        status=domain.EnrolmentStatus(e.status),
        previous_status=domain.EnrolmentStatus(previous) if previous else None,
        reason=e.reason,
        reason_en=e.reason_en,
        changed_at=e.updated_at,
    )
    return new_event(ENROLMENT_CHANGED, payload, subject=e.nip)


def program_completed(
    e: EnrolmentDocument,
    batch: BatchDocument,
    offer: domain.ProgramOffer,
    curriculum: CurriculumRef | None,
    certificate_url: str | None,
) -> ProgramCompleted:
    assert e.completed_on is not None and e.certificate_number is not None
    return ProgramCompleted(
        enrolment_id=e.id,
        need_id=e.need_ids[0] if e.need_ids else None,
        nip=e.nip,
        unit_code=e.unit_code,
        supervisor_nip=e.supervisor_nip,
        program_code=offer.code,
        program_title=offer.title,
        batch_code=batch.id,
        host_code=batch.host_code,
        form=DevelopmentForm(offer.form),
        competencies=[CompetencyTarget(code=c, target_level=lvl) for c, lvl in sorted(offer.competencies.items())],
        jp=offer.jp,
        pre_score=e.pre_score,
        post_score=e.post_score,
        attendance_pct=e.attendance_pct or 0.0,
        started_on=batch.starts_on,
        completed_on=e.completed_on,
        certificate_number=e.certificate_number,
        curriculum=curriculum,
        certificate_url=certificate_url,
    )
