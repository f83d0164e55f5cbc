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
from shared.domain.vocabulary import ACTION_BARRIERS, ActionStatus, AdoptionKind, EvaluatorRole, TransferBarrier


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


# --- Adoption items: practices brought home, and the change project of leadership training -----------


# The post-training evaluation of a change project falls 6 to 12 months after the programme (the window
# issue 14 gives; the LAN article behind it is not in the project's reference texts). A practice is
# due within a year, when the visit's level-4 evaluation closes (schedule.Schedule.results_due_days).
EPP_FROM_DAYS, EPP_TO_DAYS = 180, 365
PRACTICE_WITHIN_DAYS = 365


def _refuse_dates(message_id: str, message_en: str) -> Invalid:
    return Invalid("invalid_dates", message_id, message_en)


def check_practices(completed_on: date, due_dates: Sequence[date]) -> None:
    last = completed_on + timedelta(days=PRACTICE_WITHIN_DAYS)
    if any(not completed_on < d <= last for d in due_dates):
        raise _refuse_dates(
            f"Tenggat adopsi praktik harus setelah kunjungan dan paling lambat {last:%d-%m-%Y}.",
            f"A practice's adoption is due after the visit and by {last:%Y-%m-%d} at the latest.",
        )


def check_change_project(completed_on: date, milestones: Sequence[date], epp_on: date) -> None:
    """The EPP 6-12 months after the programme; every milestone after the programme and by the EPP."""
    first, last = completed_on + timedelta(days=EPP_FROM_DAYS), completed_on + timedelta(days=EPP_TO_DAYS)
    if not first <= epp_on <= last:
        raise _refuse_dates(
            f"Evaluasi pasca pelatihan (EPP) jatuh 6-12 bulan setelah pelatihan: {first:%d-%m-%Y} s.d. "
            f"{last:%d-%m-%Y}.",
            f"The post-training evaluation (EPP) falls 6-12 months after the programme: {first:%Y-%m-%d} to "
            f"{last:%Y-%m-%d}.",
        )
    if any(not completed_on < m <= epp_on for m in milestones):
        raise _refuse_dates(
            "Setiap tonggak aksi perubahan jatuh setelah pelatihan dan paling lambat pada EPP.",
            "Every milestone of the change project falls after the programme and by the EPP.",
        )


def leads_to_change_project(program_code: str, prefixes: Sequence[str]) -> bool:
    """Leadership training (PKA, PKP, PKN) ends in a change project; programmes are known by code."""
    return any(program_code.upper().startswith(p.upper()) for p in prefixes)


def adoption_measures(items: Iterable[tuple[str, str]]) -> dict[str, float]:
    """What a level 4 counts of the enrolment's adoption items (kind, status): practices reported and
    adopted; change-project steps and those the supervisor confirmed."""
    counted = list(items)
    if not counted:
        return {}
    practices = [s for k, s in counted if k == AdoptionKind.PRACTICE]
    steps = [s for k, s in counted if k != AdoptionKind.PRACTICE]
    measures: dict[str, float] = {}
    if practices:
        measures |= {"practices_reported": len(practices), "practices_adopted": practices.count(ActionStatus.DONE)}
    if steps:
        measures |= {"change_steps": len(steps), "change_steps_confirmed": steps.count(ActionStatus.DONE)}
    return measures
