"""Pure rules of remedy actions: a struggling level-3 evaluation opens one action per barrier that
training does not remove (``ACTION_BARRIERS``), owned by the participant's supervisor or unit head; an
action is open until its owner closes it as done (with a note) or drops it (with a reason)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from shared.domain.errors import Conflict, Invalid
from shared.domain.identity import Principal, Role
from shared.domain.vocabulary import ACTION_BARRIERS, ActionStatus, EvaluatorRole, TransferBarrier


@dataclass(frozen=True)
class PlannedAction:
    barrier: TransferBarrier
    owner_role: EvaluatorRole
    # The supervisor on record; none for the unit head (whoever heads the unit) or when no supervisor
    # is on record, where the unit head stands in, as for level-3 evaluations.
    owner_nip: str | None
    due_on: date


def planned_actions(
    barriers: Sequence[TransferBarrier], supervisor_nip: str | None, submitted_on: date, due_days: int
) -> list[PlannedAction]:
    """One action per action barrier of a struggling level 3, in the order the evaluator gave them."""
    return [
        PlannedAction(
            b,
            ACTION_BARRIERS[b],
            supervisor_nip if ACTION_BARRIERS[b] is EvaluatorRole.SUPERVISOR else None,
            submitted_on + timedelta(days=due_days),
        )
        for b in dict.fromkeys(barriers)
        if b in ACTION_BARRIERS
    ]


def action_id(evaluation_id: str, barrier: TransferBarrier) -> str:
    """One action per evaluation and barrier, so a redelivered submission opens nothing twice."""
    return f"{evaluation_id}-{barrier.value}"


def is_owner(owner_role: str, owner_nip: str | None, unit_code: str, nip: str, who: Principal) -> bool:
    """The named supervisor, else the head of the participant's unit (never the participant)."""
    if owner_role == EvaluatorRole.SUPERVISOR and owner_nip is not None:
        return who.nip == owner_nip
    return who.has_any(Role.UNIT_HEAD) and who.unit_code == unit_code and who.nip != nip


def close(status: str, to: ActionStatus, text: str) -> None:
    """open -> done (with a closing note) or open -> dropped (with a reason); nothing else."""
    if status != ActionStatus.OPEN:
        raise Conflict(
            "action_closed",
            f"Aksi ini sudah ditutup ({status}).",
            f"This action is already closed ({status}).",
        )
    if to is ActionStatus.OPEN:
        raise Invalid("invalid_transition", "Aksi tidak dapat dibuka kembali.", "An action cannot be reopened.")
    if not text.strip():
        what_id, what_en = (
            ("catatan penutupan", "a closing note") if to is ActionStatus.DONE else ("alasan", "a reason")
        )
        raise Invalid("note_required", f"Isi {what_id}.", f"Give {what_en}.")


def overdue(status: str, due_on: date, today: date) -> bool:
    return status == ActionStatus.OPEN and today > due_on


def summary(rows: Iterable[tuple[str, str, date]], today: date) -> list[dict[str, Any]]:
    """Per group (unit or barrier) from (group, status, due on): open, of them overdue, done, dropped,
    and the share done of those closed or due (0 when none is)."""
    groups: dict[str, dict[str, Any]] = {}
    for group, status, due_on in rows:
        g = groups.setdefault(group, {"group": group, "open": 0, "overdue": 0, "done": 0, "dropped": 0})
        g[status] += 1
        g["overdue"] += int(overdue(status, due_on, today))
    for g in groups.values():
        settled = g["done"] + g["dropped"] + g["overdue"]
        g["done_rate"] = round(g["done"] / settled, 4) if settled else 0.0
    return [groups[k] for k in sorted(groups)]
