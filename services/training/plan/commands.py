"""Commands on the plan: phases (tahap) and batches (angkatan) scheduled, changed, cancelled and closed.
Each change of the plan is counted (``plan.changes``: the next run reconsiders every need, the waiting
ones too) and asks for a planning run, so the planner takes it into account."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from services.training import domain
from services.training.catalogue.hosts import is_registered
from services.training.catalogue.programmes import ready_codes
from services.training.documents import BatchDocument, EnrolmentDocument, PhaseDocument
from services.training.domain import BatchStatus
from services.training.plan.changes import plan_changed
from services.training.plan.lease import PlanRunning
from services.training.plan.run import PlanRunner
from services.training.seats.changes import batch_of, program_of
from services.training.seats.enrolments import Enrolments
from shared.domain.errors import Conflict
from shared.messaging.outbox import commit, retrying
from shared.persistence import get_or_not_found

LAPSED = ("Tidak dikonfirmasi sebelum angkatan ditutup.", "Not confirmed before the batch closed.")
NEVER_CAME = ("Tidak pernah hadir.", "Never attended.")


class PlanCommands:
    def __init__(self, *, runner: PlanRunner, request: Callable[[int], None], enrolments: Enrolments) -> None:
        self.runner = runner
        self.request = request  # asks for a planning run of a fiscal year
        self.enrolments = enrolments

    def save_phase(self, code: str, fields: dict[str, Any]) -> PhaseDocument:
        domain.check_window(fields["starts_on"], fields["ends_on"], fiscal_year=fields["fiscal_year"])
        existing = PhaseDocument.objects(code=code).first()
        if existing and existing.fiscal_year != fields["fiscal_year"]:
            raise Conflict(
                "phase_year_fixed",
                "Tahun anggaran sebuah tahap tidak dapat diubah.",
                "The fiscal year of a phase cannot be changed.",
            )
        outside = [
            b.id
            for b in BatchDocument.objects(phase_code=code, status__ne=BatchStatus.CANCELLED.value)
            if b.starts_on < fields["starts_on"] or b.ends_on > fields["ends_on"]
        ]
        if outside:
            raise Conflict(
                "batches_outside",
                f"Angkatan di luar jadwal baru: {', '.join(sorted(outside))}.",
                f"Batches outside the new window: {', '.join(sorted(outside))}.",
            )
        PhaseDocument(code=code, **fields).save()
        plan_changed(fields["fiscal_year"])
        self.request(fields["fiscal_year"])
        return get_or_not_found(PhaseDocument, code, "Tahap", "Phase")

    def save_batch(self, code: str, fields: dict[str, Any]) -> BatchDocument:
        phase = get_or_not_found(PhaseDocument, fields["phase_code"], "Tahap", "Phase")
        program = program_of(fields["program_code"])
        domain.check_window(fields["starts_on"], fields["ends_on"], within=(phase.starts_on, phase.ends_on))
        domain.check_host_for(program.form, fields["host_code"], is_registered(fields["host_code"]))

        def attempt() -> BatchDocument:
            batch = BatchDocument.objects(id=code).first()
            if batch is None:
                # Only a programme that may take participants opens batches (approved curriculum, active).
                if program.code not in ready_codes():
                    raise Conflict(
                        "program_not_ready",
                        f"Program {program.code} belum dapat membuka angkatan: tidak aktif atau kurikulumnya "
                        "belum disetujui.",
                        f"Programme {program.code} cannot open batches: it is inactive or its curriculum has no "
                        "approved version.",
                    )
                batch = BatchDocument(id=code, status=BatchStatus.SCHEDULED.value, created_at=datetime.now(UTC))
            elif batch.status != BatchStatus.SCHEDULED:
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
        plan_changed(batch.fiscal_year)
        self.request(batch.fiscal_year)
        return batch

    def cancel_batch(self, code: str, reason: str, by: str) -> dict[str, Any]:
        """Cancel a batch that has not started: its seats are withdrawn (each announced) and its needs
        go back to the planner, which places them elsewhere if it can."""

        def attempt() -> BatchDocument:
            batch = batch_of(code)
            if batch.status == BatchStatus.CLOSED:
                raise Conflict("batch_closed", f"Angkatan {code} sudah ditutup.", f"Batch {code} is already closed.")
            if EnrolmentDocument.objects(batch_code=code, status=domain.EnrolmentStatus.ATTENDING.value).count():
                raise Conflict(
                    "batch_running",
                    f"Angkatan {code} sudah berjalan; tarik peserta satu per satu bila perlu.",
                    f"Batch {code} is running; withdraw participants one by one if needed.",
                )
            if batch.status == BatchStatus.SCHEDULED:
                batch.status, batch.cancel_reason = BatchStatus.CANCELLED.value, reason
                commit(batch)
            return batch

        # This process's own runs wait meanwhile, so the re-plan answered is the one of this cancellation.
        with self.runner.exclusive():
            batch = retrying(attempt)
            # Marked cancelled first: a crash before the seats are withdrawn is finished by the next run.
            withdrawn = self.enrolments.withdraw_from_cancelled([batch], by)
            if not withdrawn:
                plan_changed(batch.fiscal_year)  # (withdrawing counted it already)
            try:
                summary: dict[str, Any] = self.runner.run(batch.fiscal_year, by)
            except PlanRunning:  # another replica plans this year: the cancellation stands, the re-plan waits
                self.request(batch.fiscal_year)
                summary = {"queued": True}
        return {"batch_code": code, "withdrawn": withdrawn, "replan": summary}

    def close_batch(self, code: str, completed_on: date | None, by: str) -> dict[str, Any]:
        """Judge every attending participant of a batch, then close it. Each judgement is its own atomic
        write with its events, so a repeated call finishes what an interrupted one left and repeats nothing."""
        if batch_of(code).status == BatchStatus.CANCELLED:
            raise Conflict("batch_cancelled", f"Angkatan {code} dibatalkan.", f"Batch {code} was cancelled.")
        for seat in EnrolmentDocument.objects(batch_code=code, status__in=list(domain.OPEN)).only("id", "status"):
            if seat.status == domain.EnrolmentStatus.ATTENDING:
                self.enrolments.complete(seat.id, completed_on, by)
            elif seat.status == domain.EnrolmentStatus.PROPOSED:
                self.enrolments.act(seat.id, "lapse", by, LAPSED)
            else:
                self.enrolments.act(seat.id, "no_show", by, NEVER_CAME)

        def attempt() -> None:
            b = batch_of(code)
            if b.status == BatchStatus.SCHEDULED:
                b.status = BatchStatus.CLOSED.value
                commit(b)

        retrying(attempt)
        plan_changed(batch_of(code).fiscal_year)
        counts: dict[str, int] = {}
        for seat in EnrolmentDocument.objects(batch_code=code).only("status"):
            counts[seat.status] = counts.get(seat.status, 0) + 1
        return {"batch_code": code, "status": BatchStatus.CLOSED.value, "seats": counts}
