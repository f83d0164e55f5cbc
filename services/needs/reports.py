"""Reports BKPSDM takes to the mayor's office: the annual needs recap and the JP compliance list.

Pure aggregation over plain rows; the API reads the rows once and renders JSON or CSV. (FerretDB's
$group has only $sum and $count, so the arithmetic is done here and reads the same on MongoDB.)
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from services.needs import domain

RECAP_KEYS = {"unit": "unit_code", "competency": "competency_code", "source": "source"}
SOURCE_NAMES = {
    "competency_gap": "Kesenjangan kompetensi",
    "jp_shortfall": "Kekurangan JP",
    "unit_request": "Permintaan unit",
    "public_satisfaction": "Survei kepuasan masyarakat (SKM)",
    "evaluation_follow_up": "Tindak lanjut evaluasi",
}


def needs_recap(needs: Iterable[Mapping[str, Any]], by: str, names: Mapping[str, str]) -> list[dict[str, Any]]:
    """One row per unit, competency or source: how many needs, open or resolved, for how many people,
    and their mean priority. Highest total priority first."""
    field = RECAP_KEYS[by]
    groups: dict[str, dict[str, Any]] = defaultdict(lambda: {"open": 0, "resolved": 0, "nips": set(), "priority": 0.0})
    for need in needs:
        g = groups[need[field]]
        g[need["status"]] += 1
        g["priority"] += need["priority"]
        if need.get("nip"):
            g["nips"].add(need["nip"])
    return _recap_rows(groups, by, names)


def counts_recap(counts: Iterable[Mapping[str, Any]], by: str, names: Mapping[str, str]) -> list[dict[str, Any]]:
    """``needs_recap`` from the kept counts (``count_groups`` rows with their unit): the same rows but for
    the number of people, which counts cannot give (one person has needs in many groups)."""
    field = RECAP_KEYS[by]
    groups: dict[str, dict[str, Any]] = defaultdict(lambda: {"open": 0, "resolved": 0, "priority": 0.0})
    for group in counts:
        g = groups[group[field]]
        g[group["status"]] += group["needs"]
        g["priority"] += group["priority"]
    return _recap_rows(groups, by, names)


def _recap_rows(groups: Mapping[str, Mapping[str, Any]], by: str, names: Mapping[str, str]) -> list[dict[str, Any]]:
    rows = []
    for key, g in groups.items():
        total = g["open"] + g["resolved"]
        people = {"employees": len(g["nips"])} if "nips" in g else {}
        rows.append(
            {by: key, "name": names.get(key, SOURCE_NAMES.get(key, key)), "needs": total}
            | {"open": g["open"], "resolved": g["resolved"]}
            | people
            | {"mean_priority": round(g["priority"] / total, 3)}
        )
    return sorted(rows, key=lambda r: (-r["mean_priority"] * r["needs"], r[by]))


# A unit's needs of a year are counted in groups of these (with the year and unit, the read model's key;
# a list page is a run of these groups, see ``page_slices``). The gap splits a unit's competency into
# groups of tens (a page reads whole groups) and, largest first, keeps the list near priority order.
GROUP_KEYS = ("competency_code", "source", "status", "gap")


def count_groups(needs: Iterable[Mapping[str, Any]]) -> dict[int, list[dict[str, Any]]]:
    """Per fiscal year, one unit's needs grouped by competency, source, status and gap: how many and
    their summed priority (so a mean can be taken over several groups). Groups in key order, the
    largest gap first."""
    groups: dict[tuple[Any, ...], dict[str, Any]] = {}
    for need in needs:
        key = (need["fiscal_year"], *(need[k] for k in GROUP_KEYS))
        g = groups.get(key)
        if g is None:
            g = groups[key] = {k: need[k] for k in GROUP_KEYS} | {
                "competency_name": need.get("competency_name") or need["competency_code"],
                "needs": 0,
                "priority": 0.0,
            }
        g["needs"] += 1
        g["priority"] += need["priority"]
    by_year: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for (year, *_), g in sorted(groups.items(), key=lambda kv: (*kv[0][:-1], -kv[0][-1])):
        by_year[year].append(g)
    return dict(by_year)


def page_slices(sizes: Iterable[int], offset: int, limit: int) -> list[tuple[int, int, int]]:
    """The groups, laid end to end in order, that items ``offset`` to ``offset + limit`` fall in: (index of
    the group, first, end) within each. Every item is on exactly one page, whatever the page size."""
    slices, base = [], 0
    for index, size in enumerate(sizes):
        first, end = max(offset - base, 0), min(offset + limit - base, size)
        if first < end:
            slices.append((index, first, end))
        base += size
        if base >= offset + limit:
            break
    return slices


def jp_compliance(
    employees: Iterable[Mapping[str, Any]], earned: Mapping[str, int], rules: Mapping[str, domain.JpRule]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Per employee: JP earned, the minimum and the shortfall; per unit: the compliance rate."""
    people = []
    units: dict[str, dict[str, Any]] = defaultdict(lambda: {"employees": 0, "compliant": 0, "jp_earned": 0})
    for e in employees:
        rule = rules.get(e["employment_type"], rules["PNS"])
        jp = earned.get(e["nip"], 0)
        shortfall = rule.shortfall(jp)
        people.append(
            {
                "nip": e["nip"],
                "name": e["name"],
                "unit_code": e["unit_code"],
                "employment_type": e["employment_type"],
                "jp_earned": jp,
                "jp_minimum": rule.minimum,
                "jp_shortfall": shortfall,
                "compliant": shortfall == 0,
            }
        )
        u = units[e["unit_code"]]
        u["employees"] += 1
        u["compliant"] += shortfall == 0
        u["jp_earned"] += jp
    summary = [
        {
            "unit_code": code,
            "employees": u["employees"],
            "compliant": u["compliant"],
            "compliance_pct": round(u["compliant"] / u["employees"] * 100, 1),
            "mean_jp": round(u["jp_earned"] / u["employees"], 1),
        }
        for code, u in sorted(units.items())
    ]
    people.sort(key=lambda p: (p["unit_code"], -p["jp_shortfall"], p["nip"]))
    return people, summary
