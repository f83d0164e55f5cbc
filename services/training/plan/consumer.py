"""The needs the planner reads: NeedIdentified and NeedResolved from the needs service, on two topics read
in any order and replayable, kept as the state of the newest event about each need (by CloudEvents time).
Each applied event asks for a planning run; the run does the placing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from pymongo.errors import DuplicateKeyError

from services.training.documents import PlannedNeedDocument
from services.training.domain import PlannedNeedStatus, planned_status
from services.training.plan.state import PENDING, RESOLVED
from shared.events import EventContext, NeedIdentified, NeedResolved, NeedSource


class PlannedNeeds:
    def __init__(self, *, request: Callable[[int], None]) -> None:
        self.request = request  # asks for a planning run of a fiscal year

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
            "recommended_form": event.recommended_form,
            "barriers": [b.value for b in event.barriers],
            "program_code": event.program_code,
            "employment_type": event.employment_type,
            "identified_at": event.identified_at,
        }
        # Kept, but not placed: needs of a whole unit, and follow-ups only an action remedies.
        status = planned_status(event.nip, event.source, fields["barriers"]).value
        if status == PlannedNeedStatus.OPEN:
            fields["plan_state"] = PENDING  # on the next run's list (plan.state.load_arrived)
        if _apply_if_latest(event.need_id, ctx.time, fields, {"status": status}):
            # Newer than its resolution (if any): announced again, so it is open again.
            PlannedNeedDocument._get_collection().update_one(
                {"_id": event.need_id, "status": PlannedNeedStatus.RESOLVED.value}, {"$set": {"status": status}}
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
            "status": PlannedNeedStatus.RESOLVED.value,
            "plan_state": RESOLVED,  # the next run withdraws a seat only proposed for it (PlanRunner.release_met)
        } | ({"nip": event.nip} if event.nip else {})
        # Resolved before training heard of it (the two topics are read independently): a tombstone.
        placeholder = {"priority": 0.0, "source": "unknown", "identified_at": event.resolved_at}
        _apply_if_latest(event.need_id, ctx.time, fields, placeholder)
        self.request(event.fiscal_year)


def _apply_if_latest(need_id: str, at: datetime, fields: dict[str, Any], on_insert: dict[str, Any]) -> bool:
    """Apply what an event says about a need only if it is newer than what was applied before, so
    NeedIdentified and NeedResolved end in the state of the latest. A redelivery or an older event finds
    a newer or equal time and changes nothing: that is what makes both handlers idempotent."""
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
