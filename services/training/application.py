"""Use cases of the training service: the catalogue, the phased plan, seats and completion."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, timedelta
from functools import partial
from typing import Any

from pymongo import UpdateOne
from pymongo.errors import DuplicateKeyError

from services.training import domain, planner
from services.training.documents import (
    BatchDocument,
    CurriculumDocument,
    EnrolmentDocument,
    PhaseDocument,
    PlanLeaseDocument,
    PlannedNeedDocument,
    ProgramDocument,
)
from shared.events import (
    ENROLMENT_CHANGED,
    PROGRAM_COMPLETED,
    EnrolmentChanged,
    EventContext,
    EventRecord,
    NeedIdentified,
    NeedResolved,
    NeedSource,
    ProgramCompleted,
)
from shared.events.common import CompetencyTarget, DevelopmentForm
from shared.http.errors import ApiError, Conflict
from shared.messaging.outbox import ConcurrentUpdate, commit, insert_all, new_event, retrying
from shared.persistence import bulk_write, get_or_404, levels_from_documents, objects_in

log = logging.getLogger(__name__)

Notify = Callable[[], None]

SCHEDULED, CANCELLED, CLOSED = "scheduled", "cancelled", "closed"


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
                raise ApiError(
                    404,
                    "not_found",
                    f"Versi {version} kurikulum {code} tidak ditemukan.",
                    f"Version {version} of curriculum {code} was not found.",
                )
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


# --- Seats: every change of status is written with the EnrolmentChanged that announces it ----------


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


def _move(
    e: EnrolmentDocument,
    target: domain.EnrolmentStatus,
    by: str,
    note: tuple[str, str] | None = None,
) -> str:
    """Set the new status and its history line; returns the status it had."""
    previous = e.status
    now = datetime.now(UTC)
    e.status = target.value
    e.updated_at = now
    if note is not None:
        e.reason, e.reason_en = note
    e.history.append({"status": target.value, "by": by, "at": now, "note": note[1] if note else None})
    return previous


def program_completed(e: EnrolmentDocument, batch: BatchDocument, offer: domain.ProgramOffer) -> ProgramCompleted:
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
        form=DevelopmentForm(offer.form),
        competencies=[CompetencyTarget(code=c, target_level=lvl) for c, lvl in sorted(offer.competencies.items())],
        jp=offer.jp,
        pre_score=e.pre_score,
        post_score=e.post_score,
        attendance_pct=e.attendance_pct or 0.0,
        started_on=batch.starts_on,
        completed_on=e.completed_on,
        certificate_number=e.certificate_number,
    )


class Enrolments:
    """What happens to a seat after the planner proposed it."""

    def __init__(self, *, notify: Notify, replan: Callable[[int], None]) -> None:
        self.notify = notify
        self.replan = replan

    def act(self, enrolment_id: str, action: str, by: str, note: tuple[str, str] | None = None) -> EnrolmentDocument:
        def attempt() -> EnrolmentDocument:
            e = get_or_404(EnrolmentDocument, enrolment_id, "Pendaftaran", "Enrolment")
            try:
                target = domain.next_enrolment_status(action, domain.EnrolmentStatus(e.status))
            except domain.TransitionRefused as exc:
                raise Conflict("invalid_transition", exc.message_id, exc.message_en) from None
            batch = get_or_404(BatchDocument, e.batch_code, "Angkatan", "Batch")
            program = get_or_404(ProgramDocument, e.program_code, "Program", "Programme")
            if target == domain.EnrolmentStatus.ATTENDING and domain.is_placement(program.form):
                _require_learning_agreement(e)
            previous = _move(e, target, by, note)
            commit(e, [enrolment_changed(e, batch, program, previous)])
            return e

        e = retrying(attempt)
        self.notify()
        if e.status == domain.EnrolmentStatus.WITHDRAWN:
            self.replan(e.fiscal_year)  # the seat and its money go back to the plan; the needs wait again
        return e

    def update(
        self, enrolment_id: str, change: Callable[[EnrolmentDocument, ProgramDocument], None]
    ) -> EnrolmentDocument:
        """Record data about an open seat (scores, learning agreement, final report); no status change."""

        def attempt() -> EnrolmentDocument:
            e = get_or_404(EnrolmentDocument, enrolment_id, "Pendaftaran", "Enrolment")
            if e.status not in domain.OPEN:
                raise Conflict(
                    "enrolment_closed",
                    f"Pendaftaran berstatus {e.status} tidak dapat diubah lagi.",
                    f"An enrolment that is {e.status} can no longer be changed.",
                )
            change(e, get_or_404(ProgramDocument, e.program_code, "Program", "Programme"))
            e.updated_at = datetime.now(UTC)
            commit(e)
            return e

        return retrying(attempt)

    def record_attendance(self, batch_code: str, session: int, present: set[str], by: str) -> dict[str, int]:
        """Who was at one session of a batch. A confirmed participant who attends starts attending."""
        batch = get_or_404(BatchDocument, batch_code, "Angkatan", "Batch")
        if not 1 <= session <= batch.sessions:
            raise ApiError(
                422,
                "unknown_session",
                f"Angkatan {batch_code} memiliki sesi 1 sampai {batch.sessions}.",
                f"Batch {batch_code} has sessions 1 to {batch.sessions}.",
            )
        program = get_or_404(ProgramDocument, batch.program_code, "Program", "Programme")
        seats = {
            e.nip: e
            for e in EnrolmentDocument.objects(
                batch_code=batch_code,
                status__in=[domain.EnrolmentStatus.CONFIRMED.value, domain.EnrolmentStatus.ATTENDING.value],
            )
        }
        # Checked before anything is written: a list with a stranger in it is refused whole.
        if strangers := sorted(present - set(seats)):
            raise ApiError(
                422,
                "not_participants",
                f"NIP berikut bukan peserta terkonfirmasi angkatan {batch_code}: {', '.join(strangers)}.",
                f"These NIPs are not confirmed participants of batch {batch_code}: {', '.join(strangers)}.",
            )
        if domain.is_placement(program.form):
            for nip in sorted(present):
                if seats[nip].status == domain.EnrolmentStatus.CONFIRMED:
                    _require_learning_agreement(seats[nip])
        changed = started = 0
        for nip, seat in seats.items():
            if self._mark(seat.id, session, nip in present, batch, program, by):
                started += 1
            changed += 1
        if started:
            self.notify()
        return {"participants": changed, "present": len(present), "started": started}

    @staticmethod
    def _mark(
        enrolment_id: str, session: int, present: bool, batch: BatchDocument, program: ProgramDocument, by: str
    ) -> bool:
        def attempt() -> bool:
            e = get_or_404(EnrolmentDocument, enrolment_id, "Pendaftaran", "Enrolment")
            attended = set(e.attended_sessions) - {session} | ({session} if present else set())
            e.attended_sessions = sorted(attended)
            e.attendance_pct = domain.attendance_pct(len(attended), batch.sessions)
            events = []
            if present and e.status == domain.EnrolmentStatus.CONFIRMED:
                previous = _move(e, domain.EnrolmentStatus.ATTENDING, by)
                events.append(enrolment_changed(e, batch, program, previous))
            else:
                e.updated_at = datetime.now(UTC)
            commit(e, events)
            return bool(events)

        return retrying(attempt)

    def complete(self, enrolment_id: str, completed_on: date | None, by: str) -> EnrolmentDocument:
        """Judge an attending participant against the programme's criteria: completed (with one
        ProgramCompleted) or failed, with the reasons. Asking again answers the same and announces
        nothing new: the status guard below makes it so."""

        def attempt() -> EnrolmentDocument:
            e = get_or_404(EnrolmentDocument, enrolment_id, "Pendaftaran", "Enrolment")
            if e.status in (domain.EnrolmentStatus.COMPLETED, domain.EnrolmentStatus.FAILED):
                return e
            if e.status != domain.EnrolmentStatus.ATTENDING:
                raise Conflict(
                    "not_attending",
                    f"Pendaftaran berstatus {e.status}; hanya peserta yang sedang mengikuti dapat dinilai.",
                    f"The enrolment is {e.status}; only attending participants can be judged.",
                )
            batch = get_or_404(BatchDocument, e.batch_code, "Angkatan", "Batch")
            program = get_or_404(ProgramDocument, e.program_code, "Program", "Programme")
            offer = _offer(program)
            finished = completed_on or batch.ends_on
            if finished < batch.starts_on:
                raise ApiError(
                    422,
                    "invalid_dates",
                    "Tanggal selesai tidak boleh sebelum angkatan dimulai.",
                    "The completion date cannot be before the batch starts.",
                )
            report = domain.CompletionReport(
                attendance_pct=domain.attendance_pct(len(e.attended_sessions), batch.sessions),
                pre_score=e.pre_score,
                post_score=e.post_score,
                has_learning_agreement=bool(e.learning_agreement),
                has_final_report=bool(e.final_report),
            )
            verdict = domain.judge_completion(offer, report)
            e.attendance_pct = report.attendance_pct
            e.completed_on = finished
            if not verdict.completed:
                previous = _move(
                    e, domain.EnrolmentStatus.FAILED, by, (" ".join(verdict.reasons_id), " ".join(verdict.reasons_en))
                )
                commit(e, [enrolment_changed(e, batch, program, previous)])
                return e
            e.certificate_number = domain.certificate_number(e.id, finished)
            previous = _move(e, domain.EnrolmentStatus.COMPLETED, by)
            e.reason = e.reason_en = None
            commit(
                e,
                [
                    enrolment_changed(e, batch, program, previous),
                    new_event(PROGRAM_COMPLETED, program_completed(e, batch, offer), subject=e.nip),
                ],
            )
            return e

        e = retrying(attempt)
        self.notify()
        return e


def close_batch(enrolments: Enrolments, code: str, completed_on: date | None, by: str) -> dict[str, Any]:
    """Judge every attending participant of a batch, then close it. Each judgement is its own atomic
    write with its events, so a repeated call finishes what an interrupted one left and repeats nothing."""
    batch = get_or_404(BatchDocument, code, "Angkatan", "Batch")
    if batch.status == CANCELLED:
        raise Conflict("batch_cancelled", f"Angkatan {code} dibatalkan.", f"Batch {code} was cancelled.")
    for seat in EnrolmentDocument.objects(batch_code=code, status__in=list(domain.OPEN)).only("id", "status"):
        if seat.status == domain.EnrolmentStatus.ATTENDING:
            enrolments.complete(seat.id, completed_on, by)
        elif seat.status == domain.EnrolmentStatus.PROPOSED:
            enrolments.act(
                seat.id,
                "lapse",
                by,
                ("Tidak dikonfirmasi sebelum angkatan ditutup.", "Not confirmed before the batch closed."),
            )
        else:
            enrolments.act(seat.id, "no_show", by, ("Tidak pernah hadir.", "Never attended."))

    def attempt() -> None:
        b = get_or_404(BatchDocument, code, "Angkatan", "Batch")
        if b.status == SCHEDULED:
            b.status = CLOSED
            commit(b)

    retrying(attempt)
    counts: dict[str, int] = {}
    for seat in EnrolmentDocument.objects(batch_code=code).only("status"):
        counts[seat.status] = counts.get(seat.status, 0) + 1
    return {"batch_code": code, "status": CLOSED, "seats": counts}


def _withdraw(seat_id: str, batch: BatchDocument, program: ProgramDocument, by: str, note: tuple[str, str]) -> bool:
    e = get_or_404(EnrolmentDocument, seat_id, "Pendaftaran", "Enrolment")
    if e.status not in domain.OPEN:
        return False
    previous = _move(e, domain.EnrolmentStatus.WITHDRAWN, by, note)
    commit(e, [enrolment_changed(e, batch, program, previous)])
    return True


def _require_learning_agreement(e: EnrolmentDocument) -> None:
    if not e.learning_agreement:
        raise Conflict(
            "no_learning_agreement",
            "Magang dan pertukaran dimulai setelah kesepakatan belajar dengan instansi tuan rumah dicatat.",
            "An internship or exchange starts once the learning agreement with the host agency is recorded.",
        )


# --- The plan: phases, batches, needs and the planner run ---------------------------------------------


class Planning:
    def __init__(
        self,
        *,
        notify: Notify,
        policy: planner.Policy,
        as_of: Callable[[], date] = date.today,
        lease_s: float = 300.0,
    ) -> None:
        self.notify = notify
        self.policy = policy
        self.as_of = as_of  # the day the plan is made on: batches that have started take nobody new
        self.lease_s = lease_s
        self.holder = uuid.uuid4().hex
        self._running = threading.Lock()  # one run at a time in this process; the lease does it across replicas
        self.requested: set[int] = set()
        self.wake = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._starting = threading.Lock()

    # Needs arrive from the needs service.

    def on_need_identified(self, event: NeedIdentified, ctx: EventContext) -> None:
        """Keep the latest announcement of each need (upsert by need id, so a redelivery changes
        nothing) and ask for a planning run. A need already placed keeps its seat."""
        shortfall = event.priority_parts.get("jp_shortfall") if event.source == NeedSource.JP_SHORTFALL else None
        fields: dict[str, Any] = {
            "fiscal_year": event.fiscal_year,
            "nip": event.nip,
            "unit_code": event.unit_code,
            "supervisor_nip": event.supervisor_nip,
            "competency_code": event.competency_code,
            "competency_name": event.competency_name,
            "required_level": event.required_level,
            "priority": event.priority,
            "source": event.source.value,
            "jp_shortfall": int(shortfall) if shortfall is not None else None,
            "identified_at": event.identified_at,
        }
        # Needs of a whole unit are BKPSDM's to plan (a dedicated batch, a benchmarking visit): kept, not placed.
        status = "open" if event.nip else "unit_level"
        if self._apply_if_latest(event.need_id, ctx.time, fields, {"status": status}):
            # Newer than its resolution (if any): announced again, so it is open again.
            PlannedNeedDocument._get_collection().update_one(
                {"_id": event.need_id, "status": "resolved"}, {"$set": {"status": status}}
            )
        if event.nip:
            self.request(event.fiscal_year)

    def on_need_resolved(self, event: NeedResolved, ctx: EventContext) -> None:
        """The need no longer holds: the planner leaves it, and the next run withdraws a seat only
        proposed for it (a confirmed seat stays: the person has agreed to come). The withdrawal is left
        to the run, under its lock and lease, so it cannot race a run placing the same need."""
        fields = {
            "fiscal_year": event.fiscal_year,
            "unit_code": event.unit_code,
            "competency_code": event.competency_code,
            "status": "resolved",
        } | ({"nip": event.nip} if event.nip else {})
        # Resolved before training heard of it (the two topics are read independently): a tombstone.
        placeholder = {"priority": 0.0, "source": "unknown", "identified_at": event.resolved_at}
        self._apply_if_latest(event.need_id, ctx.time, fields, placeholder)
        self.request(event.fiscal_year)

    @staticmethod
    def _apply_if_latest(need_id: str, at: datetime, fields: dict[str, Any], on_insert: dict[str, Any]) -> bool:
        """Apply what an event says about a need only if it is newer than what was applied before, so
        NeedIdentified and NeedResolved (on two topics, read in any order, replayable) end in the state
        of the latest. A redelivery or an older event finds a newer or equal time and changes nothing."""
        try:
            PlannedNeedDocument._get_collection().update_one(
                {"_id": need_id, "$or": [{"announced_at": {"$lt": at}}, {"announced_at": {"$exists": False}}]},
                {
                    "$set": {k: v for k, v in fields.items() if v is not None} | {"announced_at": at},
                    "$setOnInsert": on_insert,
                },
                upsert=True,
            )
        except DuplicateKeyError:
            return False  # the need exists with a newer (or this very) event applied
        return True

    def request(self, fiscal_year: int) -> None:
        """Ask the background planner for a run of this year soon (runs are batched and debounced).
        Called from handler and request threads, so the loop is woken thread-safely."""
        with self._starting:
            if self._loop is None:  # the planner loop has not started (or is disabled): noted for when it starts
                self.requested.add(fiscal_year)
                return
        self._loop.call_soon_threadsafe(self._note_request, fiscal_year)

    def _note_request(self, fiscal_year: int) -> None:
        self.requested.add(fiscal_year)
        self.wake.set()

    async def run_requested(self, debounce_s: float, retry_s: float) -> None:
        """Background loop: plan each requested year, a little after the last request, one at a time."""
        with self._starting:
            self._loop = asyncio.get_running_loop()
            if self.requested:
                self.wake.set()
        while True:
            await self.wake.wait()
            await asyncio.sleep(debounce_s)  # let a burst of needs arrive, then plan them in one run
            self.wake.clear()
            years, self.requested = sorted(self.requested), set()
            for year in years:
                try:
                    await asyncio.to_thread(self.run, year, "planner")
                except Exception:
                    log.exception("planning run failed; it is retried", extra={"fields": {"fiscal_year": year}})
                    await asyncio.sleep(retry_s)
                    self.request(year)

    # Phases and batches.

    def save_phase(self, code: str, fields: dict[str, Any]) -> PhaseDocument:
        try:
            domain.check_window(fields["starts_on"], fields["ends_on"], fiscal_year=fields["fiscal_year"])
        except domain.CatalogueError as exc:
            raise ApiError(422, "invalid_window", exc.message_id, exc.message_en) from None
        existing = PhaseDocument.objects(code=code).first()
        if existing and existing.fiscal_year != fields["fiscal_year"]:
            raise Conflict(
                "phase_year_fixed",
                "Tahun anggaran sebuah tahap tidak dapat diubah.",
                "The fiscal year of a phase cannot be changed.",
            )
        outside = [
            b.id
            for b in BatchDocument.objects(phase_code=code, status__ne=CANCELLED)
            if b.starts_on < fields["starts_on"] or b.ends_on > fields["ends_on"]
        ]
        if outside:
            raise Conflict(
                "batches_outside",
                f"Angkatan di luar jadwal baru: {', '.join(sorted(outside))}.",
                f"Batches outside the new window: {', '.join(sorted(outside))}.",
            )
        PhaseDocument(code=code, **fields).save()
        self.request(fields["fiscal_year"])
        return get_or_404(PhaseDocument, code, "Tahap", "Phase")

    def save_batch(self, code: str, fields: dict[str, Any]) -> BatchDocument:
        phase = get_or_404(PhaseDocument, fields["phase_code"], "Tahap", "Phase")
        program = get_or_404(ProgramDocument, fields["program_code"], "Program", "Programme")
        try:
            domain.check_window(fields["starts_on"], fields["ends_on"], within=(phase.starts_on, phase.ends_on))
        except domain.CatalogueError as exc:
            raise ApiError(422, "invalid_window", exc.message_id, exc.message_en) from None

        def attempt() -> BatchDocument:
            batch = BatchDocument.objects(id=code).first()
            if batch is None:
                # Only a programme that may take participants opens batches (approved curriculum, active).
                if program.code not in {o.code for o in ready_offers()}:
                    raise Conflict(
                        "program_not_ready",
                        f"Program {program.code} belum dapat membuka angkatan: tidak aktif atau kurikulumnya "
                        "belum disetujui.",
                        f"Programme {program.code} cannot open batches: it is inactive or its curriculum has no "
                        "approved version.",
                    )
                batch = BatchDocument(id=code, status=SCHEDULED, created_at=datetime.now(UTC))
            elif batch.status != SCHEDULED:
                raise Conflict(
                    "batch_closed",
                    f"Angkatan {code} berstatus {batch.status} dan tidak dapat diubah.",
                    f"Batch {code} is {batch.status} and cannot be changed.",
                )
            elif batch.program_code != program.code and EnrolmentDocument.objects(batch_code=code).count():
                raise Conflict(
                    "batch_has_participants",
                    "Program angkatan yang sudah berpeserta tidak dapat diganti.",
                    "The programme of a batch that has participants cannot be changed.",
                )
            capacity = fields["capacity"] or program.capacity_per_batch
            held = EnrolmentDocument.objects(batch_code=code, status__in=list(domain.HOLDS_SEAT)).count()
            if capacity < held:
                raise Conflict(
                    "capacity_below_seats",
                    f"Angkatan {code} sudah memiliki {held} peserta; kapasitas tidak boleh kurang dari itu.",
                    f"Batch {code} already has {held} participants; the capacity cannot be lower.",
                )
            sessions = fields["sessions"] or (fields["ends_on"] - fields["starts_on"]).days + 1
            for name, value in (fields | {"capacity": capacity, "sessions": sessions}).items():
                setattr(batch, name, value)
            batch.fiscal_year = phase.fiscal_year
            commit(batch)
            return batch

        batch = retrying(attempt)
        self.request(batch.fiscal_year)
        return batch

    def cancel_batch(self, code: str, reason: str, by: str) -> dict[str, Any]:
        """Cancel a batch that has not started: its seats are withdrawn (each announced) and its needs
        go back to the planner, which places them elsewhere if it can."""

        def attempt() -> BatchDocument:
            batch = get_or_404(BatchDocument, code, "Angkatan", "Batch")
            if batch.status == CLOSED:
                raise Conflict("batch_closed", f"Angkatan {code} sudah ditutup.", f"Batch {code} is already closed.")
            if EnrolmentDocument.objects(batch_code=code, status=domain.EnrolmentStatus.ATTENDING.value).count():
                raise Conflict(
                    "batch_running",
                    f"Angkatan {code} sudah berjalan; tarik peserta satu per satu bila perlu.",
                    f"Batch {code} is running; withdraw participants one by one if needed.",
                )
            if batch.status == SCHEDULED:
                batch.status, batch.cancel_reason = CANCELLED, reason
                commit(batch)
            return batch

        batch = retrying(attempt)
        # Marked cancelled first: a crash before the seats are withdrawn is finished by the next run.
        withdrawn = self._withdraw_seats_of_cancelled([batch], by)
        try:
            summary: dict[str, Any] = self.run(batch.fiscal_year, by)
        except Conflict:  # another replica is planning this year: the cancellation stands, the re-plan waits
            self.request(batch.fiscal_year)
            summary = {"queued": True}
        return {"batch_code": code, "withdrawn": withdrawn, "replan": summary}

    def _withdraw_seats_of_resolved(self, fiscal_year: int, by: str) -> int:
        """Seats only proposed for needs that have all been met meanwhile go back to the plan."""
        resolved = {
            n["_id"]
            for n in PlannedNeedDocument._get_collection().find(
                {"fiscal_year": fiscal_year, "status": "resolved"}, {"_id": 1}
            )
        }
        proposed = EnrolmentDocument.objects(
            fiscal_year=fiscal_year, status=domain.EnrolmentStatus.PROPOSED.value
        ).only("id", "need_ids", "batch_code")
        note = ("Kebutuhan pengembangan ini sudah terpenuhi.", "This development need has been met.")
        met = [seat for seat in proposed if seat.need_ids and set(seat.need_ids) <= resolved]
        return self._withdraw_all(met, lambda _: note, by)

    def _withdraw_seats_of_cancelled(self, batches: Iterable[BatchDocument], by: str) -> int:
        codes = [b.id for b in batches]
        if not codes:
            return 0
        open_seats = EnrolmentDocument.objects(status__in=list(domain.OPEN)).only("id", "batch_code")
        seats = objects_in(open_seats, "batch_code", codes)

        def note(batch: BatchDocument) -> tuple[str, str]:
            return (
                f"Angkatan {batch.id} dibatalkan: {batch.cancel_reason}",
                f"Batch {batch.id} was cancelled: {batch.cancel_reason}",
            )

        return self._withdraw_all(seats, note, by)

    def _withdraw_all(
        self, seats: Iterable[EnrolmentDocument], note: Callable[[BatchDocument], tuple[str, str]], by: str
    ) -> int:
        """Withdraw each seat (one atomic write with its EnrolmentChanged); batch and programme read once."""
        count = 0
        loaded: dict[str, tuple[BatchDocument, ProgramDocument]] = {}
        for seat in seats:
            if seat.batch_code not in loaded:
                batch = get_or_404(BatchDocument, seat.batch_code, "Angkatan", "Batch")
                loaded[seat.batch_code] = (
                    batch,
                    get_or_404(ProgramDocument, batch.program_code, "Program", "Programme"),
                )
            batch, program = loaded[seat.batch_code]
            count += retrying(partial(_withdraw, seat.id, batch, program, by, note(batch)))
        if count:
            self.notify()
        return count

    # The run.

    def run(self, fiscal_year: int, by: str) -> dict[str, Any]:
        """One planning run of a fiscal year; serialised across replicas by a lease."""
        with self._running:
            self._acquire(fiscal_year)
            summary: dict[str, Any] | None = None
            try:
                summary = self._plan(fiscal_year, by)
                return summary
            finally:
                self._release(fiscal_year, summary)

    def _acquire(self, fiscal_year: int) -> None:
        now = datetime.now(UTC)
        lease = PlanLeaseDocument.objects(id=str(fiscal_year)).first() or PlanLeaseDocument(id=str(fiscal_year))
        until = lease.until.replace(tzinfo=UTC) if lease.until else None
        if lease.holder and lease.holder != self.holder and until and until > now:
            raise Conflict(
                "plan_running",
                f"Perencanaan tahun {fiscal_year} sedang berjalan; coba lagi sebentar lagi.",
                f"Planning of {fiscal_year} is running; try again shortly.",
            )
        lease.holder, lease.until = self.holder, now + timedelta(seconds=self.lease_s)
        try:
            commit(lease)  # version guard: of two replicas taking the lease at once, one fails here
        except ConcurrentUpdate:
            raise Conflict(
                "plan_running",
                f"Perencanaan tahun {fiscal_year} sedang berjalan; coba lagi sebentar lagi.",
                f"Planning of {fiscal_year} is running; try again shortly.",
            ) from None

    def _release(self, fiscal_year: int, summary: dict[str, Any] | None) -> None:
        def attempt() -> None:
            lease = PlanLeaseDocument.objects(id=str(fiscal_year)).first()
            if lease is None or lease.holder != self.holder:
                return
            lease.holder, lease.until = None, None
            if summary is not None:
                lease.last_run = summary
            commit(lease)

        retrying(attempt)

    def _plan(self, fiscal_year: int, by: str) -> dict[str, Any]:
        started = time.perf_counter()
        cancelled = list(BatchDocument.objects(fiscal_year=fiscal_year, status=CANCELLED))
        self._withdraw_seats_of_cancelled(cancelled, by)
        self._withdraw_seats_of_resolved(fiscal_year, by)
        today = self.as_of()
        phases = {p.code: p for p in PhaseDocument.objects(fiscal_year=fiscal_year)}
        batch_docs = {b.id: b for b in BatchDocument.objects(fiscal_year=fiscal_year, status__in=[SCHEDULED, CLOSED])}
        programs = {
            p.code: p for p in ProgramDocument.objects(code__in=list({b.program_code for b in batch_docs.values()}))
        }
        offers = {code: _offer(p) for code, p in programs.items()}
        batches = [
            planner.Batch(
                b.id,
                b.phase_code,
                offers[b.program_code],
                b.starts_on,
                b.ends_on,
                b.capacity,
                b.status == SCHEDULED and b.starts_on > today,
            )
            for b in batch_docs.values()
            if b.program_code in offers
        ]
        enrolments = list(
            EnrolmentDocument.objects(fiscal_year=fiscal_year).only(
                "id", "batch_code", "nip", "unit_code", "need_ids", "cost", "status"
            )
        )
        seats = [
            planner.Seat(e.batch_code, e.nip, e.unit_code, tuple(e.need_ids), e.cost, e.status)
            for e in enrolments
            if e.status in domain.HOLDS_SEAT
        ]
        withdrawn = [(e.batch_code, e.nip) for e in enrolments if e.status == domain.EnrolmentStatus.WITHDRAWN]
        need_docs = {
            n["_id"]: n
            for n in PlannedNeedDocument._get_collection().find(
                {"fiscal_year": fiscal_year, "status": {"$nin": ["unit_level", "resolved"]}}
            )
        }
        needs = [
            planner.Need(
                n["_id"],
                n["nip"],
                n["unit_code"],
                n["competency_code"],
                n.get("required_level"),
                n["priority"],
                n["identified_at"],
                n.get("jp_shortfall"),
            )
            for n in need_docs.values()
        ]
        result = planner.plan(
            needs,
            phases=[planner.Phase(p.code, p.starts_on, p.ends_on, p.budget, p.capacity) for p in phases.values()],
            batches=batches,
            seats=seats,
            withdrawn=withdrawn,
            programmes=ready_offers(),
            policy=self.policy,
        )
        new_seats = self._write_seats(result, batch_docs, programs, need_docs, by)
        self._join(result)
        decided = self._write_decisions(result, seats, need_docs)
        if new_seats:
            self.notify()
        reasons: dict[str, int] = {}
        for d in result.waitlisted:
            reasons[str(d.reason)] = reasons.get(str(d.reason), 0) + 1
        return {
            "fiscal_year": fiscal_year,
            "by": by,
            "at": datetime.now(UTC).isoformat(),
            "considered": len(result.decisions),
            "placed": len(result.placed),
            "waitlisted": len(result.waitlisted),
            "waitlisted_by_reason": reasons,
            "new_seats": new_seats,
            "needs_updated": decided,
            "seconds": round(time.perf_counter() - started, 3),
        }

    def _write_seats(
        self,
        result: planner.Plan,
        batches: dict[str, BatchDocument],
        programs: dict[str, ProgramDocument],
        needs: dict[str, dict[str, Any]],
        by: str,
    ) -> int:
        """New seats in bulk, each with the EnrolmentChanged that proposes it (insert_all keeps every
        document and its events together). Seats are the truth of placement: written before the needs."""
        decisions = {d.need_id: d for d in result.placed}
        rows: list[tuple[EnrolmentDocument, list[EventRecord]]] = []
        now = datetime.now(UTC)
        for (batch_code, nip), need_ids in result.new_seats.items():
            batch, first = batches[batch_code], needs[need_ids[0]]
            program = programs[batch.program_code]
            e = EnrolmentDocument(
                id=domain.enrolment_id(batch_code, nip),
                batch_code=batch_code,
                phase_code=batch.phase_code,
                program_code=program.code,
                fiscal_year=batch.fiscal_year,
                nip=nip,
                unit_code=first["unit_code"],
                supervisor_nip=first.get("supervisor_nip"),
                need_ids=need_ids,
                cost=program.cost_per_participant,
                status=domain.EnrolmentStatus.PROPOSED.value,
                explanation=decisions[need_ids[0]].explanation.id,
                explanation_en=decisions[need_ids[0]].explanation.en,
                host_agency=batch.host_agency,
                history=[{"status": "proposed", "by": by, "at": now, "note": None}],
                created_at=now,
                updated_at=now,
            )
            rows.append((e, [enrolment_changed(e, batch, program, None)]))
        inserted = 0
        for start in range(0, len(rows), 1000):
            inserted += insert_all(rows[start : start + 1000])
        return inserted

    @staticmethod
    def _join(result: planner.Plan) -> None:
        for (batch_code, nip), need_ids in result.joined.items():

            def attempt(seat_id: str = domain.enrolment_id(batch_code, nip), add: list[str] = need_ids) -> None:
                e = get_or_404(EnrolmentDocument, seat_id, "Pendaftaran", "Enrolment")
                e.need_ids = list(dict.fromkeys([*e.need_ids, *add]))
                e.updated_at = datetime.now(UTC)
                commit(e)

            retrying(attempt)

    @staticmethod
    def _write_decisions(result: planner.Plan, seats: list[planner.Seat], needs: dict[str, dict[str, Any]]) -> int:
        """Only what changed is written, so a run that decides the same writes nothing."""
        now = datetime.now(UTC)
        wanted: dict[str, dict[str, Any]] = {}
        for seat in seats:  # placed before: the seat is the truth (repairs a run interrupted before this step)
            if seat.status == domain.EnrolmentStatus.FAILED:
                continue  # its needs were planned again
            for need_id in seat.need_ids:
                wanted[need_id] = {"status": "placed", "batch_code": seat.batch_code}
        for d in result.decisions:
            if d.batch_code is not None:
                wanted[d.need_id] = {
                    "status": "placed",
                    "batch_code": d.batch_code,
                    "reason_code": None,
                    "explanation": d.explanation.id,
                    "explanation_en": d.explanation.en,
                    "rank": d.rank,
                }
            else:
                wanted[d.need_id] = {
                    "status": "waitlisted",
                    "batch_code": None,
                    "reason_code": str(d.reason),
                    "explanation": d.explanation.id,
                    "explanation_en": d.explanation.en,
                    "rank": None,
                }
        ops = []
        for need_id, fields in wanted.items():
            current = needs.get(need_id)
            if current is None or all(current.get(k) == v for k, v in fields.items()):
                continue
            ops.append(
                UpdateOne(
                    # Not over a resolution that arrived while this run planned: the next run frees its seat.
                    {"_id": need_id, "status": {"$ne": "resolved"}},
                    {
                        "$set": {k: v for k, v in fields.items() if v is not None} | {"decided_at": now},
                        **({"$unset": unset} if (unset := {k: "" for k, v in fields.items() if v is None}) else {}),
                    },
                )
            )
        bulk_write(PlannedNeedDocument._get_collection(), ops)
        return len(ops)
