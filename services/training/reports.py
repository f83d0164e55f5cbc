"""Reports of the implementation plan, pure: rows in, rows out (JSON or CSV at the edge)."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from services.training import domain

Row = Mapping[str, Any]


def plan_per_phase(
    phases: Iterable[Row], batches: Iterable[Row], seats: Iterable[Row], needs: Iterable[Row]
) -> dict[str, list[dict[str, Any]]]:
    """Per phase: places offered and taken, budget and what the seats held commit of it, and the
    waitlist by unit (needs of that year not placed, counted per unit and reason)."""
    phase_list = list(phases)
    by_phase: dict[str, list[Row]] = defaultdict(list)
    for b in batches:
        by_phase[b["phase_code"]].append(b)
    held: Counter[str] = Counter()
    committed: dict[str, float] = defaultdict(float)
    for s in seats:
        if s["status"] in domain.HOLDS_SEAT:
            held[s["batch_code"]] += 1
            committed[s["phase_code"]] += s["cost"]
    waitlist: dict[str, Counter[str]] = defaultdict(Counter)
    for n in needs:
        if n.get("status") == domain.PlannedNeedStatus.WAITLISTED:
            waitlist[n["unit_code"]][n.get("reason_code") or "unknown"] += 1
    rows = []
    for p in sorted(phase_list, key=lambda p: (p["starts_on"], p["_id"])):
        live = [b for b in by_phase[p["_id"]] if b["status"] != domain.BatchStatus.CANCELLED]
        places = sum(b["capacity"] for b in live)
        taken = sum(held[b["_id"]] for b in live)
        rows.append(
            {
                "phase_code": p["_id"],
                "title": p["title"],
                "starts_on": p["starts_on"].date().isoformat(),
                "ends_on": p["ends_on"].date().isoformat(),
                "batches": len(live),
                "cancelled_batches": len(by_phase[p["_id"]]) - len(live),
                "places": places,
                "places_taken": taken,
                "capacity": p.get("capacity"),
                "budget": p["budget"],
                "budget_committed": round(committed[p["_id"]], 2),
                "budget_left": round(p["budget"] - committed[p["_id"]], 2),
            }
        )
    waitlist_rows = [
        {"unit_code": unit, "waitlisted": sum(reasons.values()), "by_reason": dict(sorted(reasons.items()))}
        for unit, reasons in sorted(waitlist.items())
    ]
    return {"phases": rows, "waitlist_by_unit": waitlist_rows}


def realisation(batches: Iterable[Row], seats: Iterable[Row]) -> list[dict[str, Any]]:
    """Per batch, what was planned (seats proposed at any time, withdrawn ones included) against what
    happened: confirmed, completed, failed, withdrawn, and the money actually spent."""
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    spent: dict[str, float] = defaultdict(float)
    for s in seats:
        counts[s["batch_code"]][s["status"]] += 1
        if s["status"] in (domain.EnrolmentStatus.COMPLETED, domain.EnrolmentStatus.FAILED):
            spent[s["batch_code"]] += s["cost"]
    rows = []
    for b in sorted(batches, key=lambda b: (b["phase_code"], b["starts_on"], b["_id"])):
        c = counts[b["_id"]]
        planned = sum(c.values())
        completed = c[domain.EnrolmentStatus.COMPLETED]
        rows.append(
            {
                "phase_code": b["phase_code"],
                "batch_code": b["_id"],
                "program_code": b["program_code"],
                "status": b["status"],
                "capacity": b["capacity"],
                "planned": planned,
                "proposed": c[domain.EnrolmentStatus.PROPOSED],
                "confirmed": c[domain.EnrolmentStatus.CONFIRMED],
                "attending": c[domain.EnrolmentStatus.ATTENDING],
                "completed": completed,
                "failed": c[domain.EnrolmentStatus.FAILED],
                "withdrawn": c[domain.EnrolmentStatus.WITHDRAWN],
                "realisation_pct": round(100 * completed / planned, 1) if planned else 0.0,
                "budget_spent": round(spent[b["_id"]], 2),
            }
        )
    return rows


def jp_per_unit(seats: Iterable[Row], jp_of_program: Mapping[str, int]) -> list[dict[str, Any]]:
    """JP delivered by completed seats, per unit: total, people reached, and JP per person reached."""
    jp: dict[str, int] = defaultdict(int)
    people: dict[str, set[str]] = defaultdict(set)
    completions: Counter[str] = Counter()
    for s in seats:
        if s["status"] == domain.EnrolmentStatus.COMPLETED:
            jp[s["unit_code"]] += jp_of_program.get(s["program_code"], 0)
            people[s["unit_code"]].add(s["nip"])
            completions[s["unit_code"]] += 1
    return [
        {
            "unit_code": unit,
            "completions": completions[unit],
            "employees": len(people[unit]),
            "jp_delivered": jp[unit],
            "jp_per_employee": round(jp[unit] / len(people[unit]), 1),
        }
        for unit in sorted(jp)
    ]
