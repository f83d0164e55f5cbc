"""What happens to a seat after the planner proposed it: confirmed or given up, scores and placement
papers recorded, judged at completion, withdrawn when its batch is cancelled or its needs are met.

Every change is one ``commit`` of the seat with the events announcing it (``seats.changes``), retried
on a concurrent write; the relay is woken afterwards."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime
from functools import partial
from typing import Any

from services.training import domain
from services.training.catalogue import curricula
from services.training.catalogue.programmes import Programmes, offer_of
from services.training.certificates.issuing import Issuer, Slot
from services.training.documents import BatchDocument, EnrolmentDocument, PlannedNeedDocument, ProgramDocument
from services.training.plan.changes import plan_changed
from services.training.seats.changes import (
    Note,
    batch_of,
    enrolment_changed,
    move,
    program_completed,
    require_learning_agreement,
    seat,
    withdraw,
)
from shared.domain.errors import Conflict, Invalid
from shared.events import PROGRAM_COMPLETED
from shared.messaging.outbox import Notify, commit, new_event, retrying
from shared.persistence import objects_in

# A seat in one of these no longer serves its needs (the planner plans them again).
FREES_NEEDS = frozenset({domain.EnrolmentStatus.WITHDRAWN, domain.EnrolmentStatus.FAILED})
RESOLVED = domain.PlannedNeedStatus.RESOLVED.value
MET = ("Kebutuhan pengembangan ini sudah terpenuhi.", "This development need has been met.")


class Enrolments:
    def __init__(
        self, *, notify: Notify, replan: Callable[[int], None], issuer: Issuer, programmes: Programmes
    ) -> None:
        self.notify = notify
        self.programmes = programmes  # read through the reference cache (catalogue.programmes)
        self.replan = replan  # asks for a planning run of a fiscal year
        self.issuer = issuer  # signs the certificate of each completion

    def act(self, enrolment_id: str, action: str, by: str, note: Note | None = None) -> EnrolmentDocument:
        """Move a seat along its lifecycle (confirm, withdraw, lapse, no_show...)."""

        def attempt() -> EnrolmentDocument:
            e = seat(enrolment_id)
            target = domain.ENROLMENT_LIFECYCLE.next(action, domain.EnrolmentStatus(e.status))
            batch, program = batch_of(e.batch_code), self.programmes.of(e.program_code)
            if target == domain.EnrolmentStatus.ATTENDING and domain.is_placement(program.form):
                require_learning_agreement(e)
            previous = move(e, target, by, note)
            commit(e, [enrolment_changed(e, batch, program, previous)])
            return e

        e = retrying(attempt)
        self.notify()
        if e.status in FREES_NEEDS:
            plan_changed(e.fiscal_year)  # its needs are planned again, and waiting needs may take what it frees
        if e.status == domain.EnrolmentStatus.WITHDRAWN:
            self.replan(e.fiscal_year)  # the seat and its money go back to the plan; the needs wait again
        return e

    def record_scores(self, enrolment_id: str, pre_score: float | None, post_score: float | None) -> EnrolmentDocument:
        def change(e: EnrolmentDocument, _: ProgramDocument) -> None:
            e.pre_score, e.post_score = pre_score, post_score

        return self._record(enrolment_id, change)

    def record_learning_agreement(
        self, enrolment_id: str, host_agency: str, agreement: dict[str, Any]
    ) -> EnrolmentDocument:
        def change(e: EnrolmentDocument, program: ProgramDocument) -> None:
            _placement_only(program)
            e.host_agency = host_agency
            e.learning_agreement = agreement

        return self._record(enrolment_id, change)

    def record_final_report(self, enrolment_id: str, report: dict[str, Any]) -> EnrolmentDocument:
        def change(e: EnrolmentDocument, program: ProgramDocument) -> None:
            _placement_only(program)
            e.final_report = report

        return self._record(enrolment_id, change)

    def _record(
        self, enrolment_id: str, change: Callable[[EnrolmentDocument, ProgramDocument], None]
    ) -> EnrolmentDocument:
        """Data about an open seat; no change of status, so nothing to announce."""

        def attempt() -> EnrolmentDocument:
            e = seat(enrolment_id)
            if e.status not in domain.OPEN:
                raise Conflict(
                    "enrolment_closed",
                    f"Pendaftaran berstatus {e.status} tidak dapat diubah lagi.",
                    f"An enrolment that is {e.status} can no longer be changed.",
                )
            change(e, self.programmes.of(e.program_code))
            e.updated_at = datetime.now(UTC)
            commit(e)
            return e

        return retrying(attempt)

    def complete(self, enrolment_id: str, completed_on: date | None, by: str) -> EnrolmentDocument:
        """Judge an attending participant against the programme's criteria: completed (with one
        ProgramCompleted) or failed, with the reasons. Asking again answers the same and announces
        nothing new: the status guard below makes it so. A completion carries its signed certificate in
        the same write as the status and the events (the embedded outbox), so neither exists alone."""
        taken: list[Slot] = []  # a status list position, taken once even if the write is retried

        def attempt() -> EnrolmentDocument:
            e = seat(enrolment_id)
            if e.status in (domain.EnrolmentStatus.COMPLETED, domain.EnrolmentStatus.FAILED):
                return e
            if e.status != domain.EnrolmentStatus.ATTENDING:
                raise Conflict(
                    "not_attending",
                    f"Pendaftaran berstatus {e.status}; hanya peserta yang sedang mengikuti dapat dinilai.",
                    f"The enrolment is {e.status}; only attending participants can be judged.",
                )
            batch, program = batch_of(e.batch_code), self.programmes.of(e.program_code)
            offer = offer_of(program)
            finished = completed_on or batch.ends_on
            if finished < batch.starts_on:
                raise Invalid(
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
                why = (" ".join(verdict.reasons_id), " ".join(verdict.reasons_en))
                previous = move(e, domain.EnrolmentStatus.FAILED, by, why)
                commit(e, [enrolment_changed(e, batch, program, previous)])
                return e
            e.certificate_number = domain.certificate_number(e.id, finished)
            if not taken:
                taken.append(self.issuer.take_slot(e.id))
            self.issuer.issue(e, batch, program, offer, taken[0])
            previous = move(e, domain.EnrolmentStatus.COMPLETED, by)
            e.reason = e.reason_en = None
            curriculum = curricula.in_force(program.curriculum_code) if program.curriculum_code else None
            payload = program_completed(e, batch, offer, curriculum, self.issuer.url_of(e))
            completed = new_event(PROGRAM_COMPLETED, payload, subject=e.nip)
            commit(e, [enrolment_changed(e, batch, program, previous), completed])
            return e

        e = retrying(attempt)
        self.notify()
        if e.status == domain.EnrolmentStatus.FAILED:
            plan_changed(e.fiscal_year)  # its needs are planned again
        return e

    # Withdrawals the plan decides on: seats of cancelled batches, seats whose needs were all met.

    def withdraw_from_cancelled(self, batches: Iterable[BatchDocument], by: str) -> int:
        codes = [b.id for b in batches]
        if not codes:
            return 0
        open_seats = EnrolmentDocument.objects(status__in=list(domain.OPEN)).only("id", "batch_code")
        seats = objects_in(open_seats, "batch_code", codes)

        def note(batch: BatchDocument) -> Note:
            return (
                f"Angkatan {batch.id} dibatalkan: {batch.cancel_reason}",
                f"Batch {batch.id} was cancelled: {batch.cancel_reason}",
            )

        return self._withdraw_all(seats, note, by)

    def withdraw_met(self, fiscal_year: int, met_needs: list[dict[str, Any]], by: str) -> int:
        """Seats only proposed (not yet agreed to) whose needs have all been met meanwhile, found from the
        met needs themselves: their people's seats (an indexed lookup each), never a scan of every seat."""
        met = {n["_id"] for n in met_needs}
        proposed: dict[str, EnrolmentDocument] = {}
        for nip in sorted({n["nip"] for n in met_needs if n.get("nip")}):
            for s in EnrolmentDocument.objects(nip=nip).only("id", "need_ids", "batch_code", "fiscal_year", "status"):
                if (
                    s.fiscal_year == fiscal_year
                    and s.status == domain.EnrolmentStatus.PROPOSED
                    and met & set(s.need_ids)
                ):
                    proposed[s.id] = s
        others = {i for s in proposed.values() for i in s.need_ids} - met
        needs = PlannedNeedDocument._get_collection()
        met |= {
            i for i in sorted(others) if (needs.find_one({"_id": i}, {"status": 1}) or {}).get("status") == RESOLVED
        }
        return self._withdraw_all([s for s in proposed.values() if set(s.need_ids) <= met], lambda _: MET, by)

    def _withdraw_all(self, seats: Iterable[EnrolmentDocument], note: Callable[[BatchDocument], Note], by: str) -> int:
        """Withdraw each seat (one atomic write with its EnrolmentChanged); batch and programme read once."""
        count, years = 0, set[int]()
        loaded: dict[str, tuple[BatchDocument, ProgramDocument]] = {}
        for s in seats:
            if s.batch_code not in loaded:
                batch = batch_of(s.batch_code)
                loaded[s.batch_code] = (batch, self.programmes.of(batch.program_code))
            batch, program = loaded[s.batch_code]
            if retrying(partial(withdraw, s.id, batch, program, by, note(batch))):
                count += 1
                years.add(batch.fiscal_year)
        for year in sorted(years):
            plan_changed(year)  # seats and money went back to the plan
        if count:
            self.notify()
        return count


def _placement_only(program: ProgramDocument) -> None:
    if not domain.is_placement(program.form):
        raise Invalid(
            "not_a_placement",
            "Hanya magang, pertukaran dan detasering yang memakai kesepakatan belajar dan laporan akhir.",
            "Only internships, exchanges and detasering have a learning agreement and a final report.",
        )
