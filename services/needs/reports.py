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
    rows = []
    for key, g in groups.items():
        total = g["open"] + g["resolved"]
        rows.append(
            {
                by: key,
                "name": names.get(key, SOURCE_NAMES.get(key, key)),
                "needs": total,
                "open": g["open"],
                "resolved": g["resolved"],
                "employees": len(g["nips"]),
                "mean_priority": round(g["priority"] / total, 3),
            }
        )
    return sorted(rows, key=lambda r: (-r["mean_priority"] * r["needs"], r[by]))


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
