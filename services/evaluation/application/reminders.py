"""Reminders: EvaluationDue once when an evaluation opens and once when it becomes overdue, by the
periodic job or on demand."""

from __future__ import annotations

from datetime import date

from services.evaluation.application.events import evaluation_due
from services.evaluation.documents import EvaluationDocument
from services.evaluation.domain import EvaluationStatus
from services.evaluation.schedule import reminder_due
from shared.domain import clock
from shared.domain.errors import ConcurrentUpdate, Invalid
from shared.events import EVALUATION_DUE, ReminderKind
from shared.messaging.outbox import Notify, commit, new_event


class Reminders:
    def __init__(self, *, notify: Notify) -> None:
        self.notify = notify

    def remind_as_of(self, as_of: date | None) -> dict[str, int]:
        """Reminders on demand: as of a past day to catch up, never a future one, which would mark
        evaluations overdue-reminded before they are."""
        today = clock.today()
        if as_of is not None and as_of > today:
            raise Invalid(
                "as_of_in_future",
                f"as_of tidak boleh melewati hari ini ({today:%d-%m-%Y}).",
                f"as_of may not be later than today ({today:%Y-%m-%d}).",
            )
        return self.send_reminders(as_of or today)

    def send_reminders(self, today: date) -> dict[str, int]:
        """Publish EvaluationDue once per evaluation and kind (due, overdue). The kinds sent are written
        with their event in one document write, so running this again, or twice at once, reminds once."""
        counts = {kind.value: 0 for kind in ReminderKind}
        for e in EvaluationDocument.objects(status=EvaluationStatus.OPEN, opens_on__lte=today):
            kind = reminder_due(e.status, e.opens_on, e.due_on, e.reminders_sent, today)
            if kind is None:
                continue
            e.reminders_sent = [*e.reminders_sent, kind.value]
            try:
                commit(e, [new_event(EVALUATION_DUE, evaluation_due(e, kind), subject=e.nip)])
            except ConcurrentUpdate:
                continue  # submitted or reminded meanwhile; if still open, the next round decides
            counts[kind.value] += 1
        if any(counts.values()):
            self.notify()
        return counts
