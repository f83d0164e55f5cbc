"""How a run knows whether it may decide only the needs that arrived: a per-year count of the plan's
changes that can let a waiting need in, and the count the last run that reconsidered every need planned at.

Without such a change (a seat freed, a batch or phase scheduled, changed, cancelled or closed), seats and
money are only used up between runs, so every blocker the planner found for a waiting need stays or grows
(capacity, phase capacity, budget, an overlap, the PPPK cap, a seat given before): decided again it would
wait again, and, taking nothing, it leaves the choices of the needs after it as they were. Nor can it join
a seat its person gets later: that seat's batch had room when the need was decided, and the planner would
have placed it there then. So the needs that arrived are decided as a run over every need would decide
them (``tests/unit/test_planner_incremental.py``); only the reason a waiting need gives may be older (a
batch it waits for may have filled up meanwhile: budget then, capacity now) until the next change.

A writer counts its change after its own write, so a run that read the count before loading either saw
the write or leaves a count it did not plan at (the next run reconsiders everything); a crash between the
two writes leaves it to the next change."""

from __future__ import annotations

from services.training.documents import PlanChangesDocument


def plan_changed(fiscal_year: int) -> None:
    """A seat was freed (withdrawn, failed) or a batch or phase of the year was scheduled or changed."""
    PlanChangesDocument._get_collection().update_one({"_id": fiscal_year}, {"$inc": {"changes": 1}}, upsert=True)


def unplanned_changes(fiscal_year: int) -> tuple[int, bool]:
    """The current count, and whether it differs from the one the last full run planned at (or none did)."""
    doc = PlanChangesDocument._get_collection().find_one({"_id": fiscal_year}) or {}
    changes = int(doc.get("changes", 0))
    return changes, doc.get("planned") != changes


def planned_at(fiscal_year: int, changes: int) -> None:
    """A run reconsidered every need at ``changes`` (read before it loaded)."""
    PlanChangesDocument._get_collection().update_one(
        {"_id": fiscal_year}, {"$set": {"planned": changes}, "$setOnInsert": {"changes": 0}}, upsert=True
    )
