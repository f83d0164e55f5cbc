"""Remedy actions: opened from submitted level-3 evaluations, closed by their owners. Each change is one
``commit`` of the action with the event announcing it (the embedded outbox)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import TypeVar

from services.evaluation import actions, domain
from services.evaluation.documents import EvaluationDocument, OwnedTask, RemedyActionDocument
from shared.domain import clock
from shared.domain.errors import ConcurrentUpdate, Forbidden
from shared.domain.identity import Principal, Role
from shared.events import (
    REMEDY_ACTION_CLOSED,
    REMEDY_ACTION_OPENED,
    ActionStatus,
    EvaluationSubmitted,
    EvaluatorRole,
    EventContext,
    EventRecord,
    RemedyActionClosed,
    RemedyActionOpened,
    TransferBarrier,
)
from shared.messaging.outbox import Notify, commit, new_event, retrying
from shared.persistence import get_or_not_found, objects_in

log = logging.getLogger(__name__)
T = TypeVar("T", bound=OwnedTask)


class RemedyActions:
    def __init__(self, *, due_days: int, notify: Notify) -> None:
        self.due_days = due_days
        self.notify = notify

    def on_evaluation_submitted(self, event: EvaluationSubmitted, ctx: EventContext) -> None:
        """The service reads its own EvaluationSubmitted: the evaluation and that event were written in
        one commit, so every submission reaches here at least once (Kafka, committed after handling);
        actions are keyed on evaluation and barrier, so a redelivery opens nothing twice."""
        if event.level != domain.Level.BEHAVIOUR:
            return
        evaluation = EvaluationDocument.objects(id=event.evaluation_id).first()
        if evaluation is None:  # erased meanwhile (a data-subject request): nothing to act on
            return
        planned = actions.planned_actions(
            event.barriers, evaluation.supervisor_nip, clock.day_of(event.submitted_at), self.due_days
        )
        keys = [actions.action_id(evaluation.id, p.barrier) for p in planned]
        existing = {a.id for a in objects_in(RemedyActionDocument.objects.only("id"), "id", keys)}
        for key, p in zip(keys, planned, strict=True):
            if key in existing:
                continue
            action = RemedyActionDocument(
                id=key,
                evaluation_id=evaluation.id,
                program_code=evaluation.program_code,
                nip=evaluation.nip,
                unit_code=evaluation.unit_code,
                barrier=p.barrier.value,
                owner_role=p.owner_role.value,
                owner_nip=p.owner_nip,
                status=ActionStatus.OPEN.value,
                due_on=p.due_on,
                opened_at=datetime.now(UTC),
            )
            try:
                commit(action, [new_event(REMEDY_ACTION_OPENED, _opened(action), subject=action.nip)])
            except ConcurrentUpdate:
                log.info("action %s was opened meanwhile by a redelivery", key)
        self.notify()

    def close(self, action_id: str, to: ActionStatus, text: str, who: Principal) -> RemedyActionDocument:
        action = close_task(
            RemedyActionDocument,
            action_id,
            to,
            text,
            who,
            lambda a: new_event(REMEDY_ACTION_CLOSED, _closed(a), subject=a.nip),
        )
        self.notify()
        return action


def close_task(
    doc_type: type[T], task_id: str, to: ActionStatus, text: str, who: Principal, announce: Callable[[T], EventRecord]
) -> T:
    """The owner reports the task done or drops it; BKPSDM may drop one too (it cannot say it was done).
    The new state and the event announcing it are one write (the embedded outbox)."""

    def attempt() -> T:
        t = get_or_not_found(doc_type, task_id, "Aksi", "Action")
        owner = actions.is_owner(t.owner_role, t.owner_nip, t.unit_code, t.nip, who)
        if not (owner or (to is ActionStatus.DROPPED and who.has_any(Role.BKPSDM_ADMIN))):
            raise Forbidden(
                "not_action_owner",
                "Hanya pemiliknya (atasan langsung atau kepala unit peserta) yang dapat menutupnya.",
                "Only its owner (the participant's supervisor or unit head) may close it.",
            )
        actions.close(t.status, to, text)
        t.status, t.note, t.closed_by, t.closed_at = to.value, text.strip(), who.nip, datetime.now(UTC)
        commit(t, [announce(t)])
        return t

    return retrying(attempt)


def earlier_actions(e: EvaluationDocument) -> Sequence[RemedyActionDocument]:
    """The actions opened for this person by earlier level-3 evaluations: their next level 3 shows
    whether each was done."""
    until = e.submitted_at or datetime.now(UTC)
    return list(
        RemedyActionDocument.objects(nip=e.nip, evaluation_id__ne=e.id, opened_at__lte=until).order_by(
            "opened_at", "id"
        )
    )


def _opened(a: RemedyActionDocument) -> RemedyActionOpened:
    return RemedyActionOpened(
        action_id=a.id,
        evaluation_id=a.evaluation_id,
        program_code=a.program_code,
        nip=a.nip,
        unit_code=a.unit_code,
        barrier=TransferBarrier(a.barrier),
        owner_role=EvaluatorRole(a.owner_role),
        owner_nip=a.owner_nip,
        due_on=a.due_on,
        opened_at=a.opened_at,
    )


def _closed(a: RemedyActionDocument) -> RemedyActionClosed:
    return RemedyActionClosed(
        action_id=a.id,
        evaluation_id=a.evaluation_id,
        nip=a.nip,
        unit_code=a.unit_code,
        barrier=TransferBarrier(a.barrier),
        owner_role=EvaluatorRole(a.owner_role),
        status=ActionStatus(a.status),
        note=a.note,
        closed_by=a.closed_by,
        closed_at=a.closed_at,
    )
