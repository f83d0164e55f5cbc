"""Attendance per session of a batch: a list with someone who is not a confirmed participant is refused
whole; a confirmed participant present at a session starts attending (announced)."""

from __future__ import annotations

from datetime import UTC, datetime

from services.training import domain
from services.training.catalogue.programmes import Programmes
from services.training.documents import BatchDocument, EnrolmentDocument, ProgramDocument
from services.training.seats.changes import batch_of, enrolment_changed, move, require_learning_agreement
from services.training.seats.changes import seat as load_seat
from shared.domain.errors import Invalid
from shared.messaging.outbox import Notify, commit, retrying


class Attendance:
    def __init__(self, *, notify: Notify, programmes: Programmes) -> None:
        self.notify = notify
        self.programmes = programmes

    def record(self, batch_code: str, session: int, present: set[str], by: str) -> dict[str, int]:
        """Who was at one session of a batch (the other participants were absent)."""
        batch = batch_of(batch_code)
        if not 1 <= session <= batch.sessions:
            raise Invalid(
                "unknown_session",
                f"Angkatan {batch_code} memiliki sesi 1 sampai {batch.sessions}.",
                f"Batch {batch_code} has sessions 1 to {batch.sessions}.",
            )
        program = self.programmes.of(batch.program_code)
        seats = {
            e.nip: e
            for e in EnrolmentDocument.objects(
                batch_code=batch_code,
                status__in=[domain.EnrolmentStatus.CONFIRMED.value, domain.EnrolmentStatus.ATTENDING.value],
            )
        }
        # Checked before anything is written: a list with a stranger in it is refused whole.
        if strangers := sorted(present - set(seats)):
            raise Invalid(
                "not_participants",
                f"NIP berikut bukan peserta terkonfirmasi angkatan {batch_code}: {', '.join(strangers)}.",
                f"These NIPs are not confirmed participants of batch {batch_code}: {', '.join(strangers)}.",
            )
        if domain.is_placement(program.form):
            for nip in sorted(present):
                if seats[nip].status == domain.EnrolmentStatus.CONFIRMED:
                    require_learning_agreement(seats[nip])
        started = sum(self._mark(s.id, session, nip in present, batch, program, by) for nip, s in seats.items())
        if started:
            self.notify()
        return {"participants": len(seats), "present": len(present), "started": started}

    @staticmethod
    def _mark(
        enrolment_id: str, session: int, present: bool, batch: BatchDocument, program: ProgramDocument, by: str
    ) -> bool:
        def attempt() -> bool:
            e = load_seat(enrolment_id)
            attended = set(e.attended_sessions) - {session} | ({session} if present else set())
            e.attended_sessions = sorted(attended)
            e.attendance_pct = domain.attendance_pct(len(attended), batch.sessions)
            events = []
            if present and e.status == domain.EnrolmentStatus.CONFIRMED:
                previous = move(e, domain.EnrolmentStatus.ATTENDING, by)
                events.append(enrolment_changed(e, batch, program, previous))
            else:
                e.updated_at = datetime.now(UTC)
            commit(e, events)
            return bool(events)

        return retrying(attempt)
