"""Pure figures over evaluations: effectiveness per group, response rates, and the quarter's bounds.

Averages are computed here rather than in the database: FerretDB's $group knows no $avg, and the same
Python gives the same figures on MongoDB. Every figure comes with the count it rests on."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from services.evaluation.domain import EvaluationStatus, Level
from services.evaluation.schedule import state
from shared.domain import clock


@dataclass(frozen=True)
class Result:
    """One submitted evaluation, reduced to what the figures need."""

    group: str
    level: int
    score: float
    outcome: str
    measures: Mapping[str, float]


@dataclass(frozen=True)
class Bars:
    """Below these a programme (or other group) is flagged; only with at least ``min_responses``."""

    satisfaction: float = 60.0
    normalised_gain: float = 0.3
    transfer_rate: float = 0.5
    change_pct: float = 0.0
    min_responses: int = 3


def _mean(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 4) if values else None


FLAGS = {
    "low_satisfaction": ("Kepuasan peserta (L1) di bawah ambang", "Participant satisfaction (L1) below the bar"),
    "low_learning_gain": ("Peningkatan belajar (L2) di bawah ambang", "Learning gain (L2) below the bar"),
    "low_transfer": ("Penerapan di tempat kerja (L3) di bawah ambang", "Transfer to the job (L3) below the bar"),
    "declining_results": ("Indikator unit (L4) memburuk", "Unit indicators (L4) declined"),
}


def effectiveness(results: Iterable[Result], bars: Bars) -> list[dict[str, Any]]:
    """Per group: L1 mean satisfaction, L2 mean raw and normalised gain, L3 transfer rate (share of
    supervisors' evaluations that found the training applied), L4 mean change in the good direction,
    each with its count; flags where a figure resting on enough responses falls below its bar."""
    by_group: dict[str, list[Result]] = defaultdict(list)
    for r in results:
        by_group[r.group].append(r)
    rows = []
    for group in sorted(by_group):
        level = {lv: [r for r in by_group[group] if r.level == lv] for lv in Level}
        l1, l2, l3, l4 = level[Level.REACTION], level[Level.LEARNING], level[Level.BEHAVIOUR], level[Level.RESULTS]
        gains = [r.measures["normalised_gain"] for r in l2 if "normalised_gain" in r.measures]
        figures = {
            "l1_count": len(l1),
            "l1_mean_satisfaction": _mean([r.score for r in l1]),
            "l2_count": len(l2),
            "l2_mean_raw_gain": _mean([r.measures["raw_gain"] for r in l2 if "raw_gain" in r.measures]),
            "l2_normalised_count": len(gains),
            "l2_mean_normalised_gain": _mean(gains),
            "l3_count": len(l3),
            "l3_applied": sum(1 for r in l3 if r.outcome == "applied"),
            "l3_transfer_rate": _mean([1.0 if r.outcome == "applied" else 0.0 for r in l3]),
            "l4_count": len(l4),
            "l4_mean_change_pct": _mean([r.measures.get("mean_change_pct", 0.0) for r in l4]),
        }
        checks = (
            ("low_satisfaction", len(l1), figures["l1_mean_satisfaction"], bars.satisfaction),
            ("low_learning_gain", len(gains), figures["l2_mean_normalised_gain"], bars.normalised_gain),
            ("low_transfer", len(l3), figures["l3_transfer_rate"], bars.transfer_rate),
            ("declining_results", len(l4), figures["l4_mean_change_pct"], bars.change_pct),
        )
        flags = [
            {"code": code, "reason_id": FLAGS[code][0], "reason_en": FLAGS[code][1]}
            for code, count, value, bar in checks
            if count >= bars.min_responses and value is not None and value < bar
        ]
        rows.append({"group": group, **figures, "flags": flags})
    return rows


# The figures of one level in an ``effectiveness`` row, withheld together when too few answered.
LEVEL_FIGURES = {
    1: ("l1_mean_satisfaction",),
    2: ("l2_mean_raw_gain", "l2_mean_normalised_gain", "l2_normalised_count"),
    3: ("l3_applied", "l3_transfer_rate"),
    4: ("l4_mean_change_pct",),
}


def without_small_groups(rows: Iterable[dict[str, Any]], min_count: int) -> list[dict[str, Any]]:
    """Rows fit to show outside the city (a partner): a level's figures only where at least ``min_count``
    answered, so no one person's answer can be read back from a mean; a row with no level left goes."""
    shown = []
    for row in rows:
        kept = dict(row)
        withheld = []
        for level, names in LEVEL_FIGURES.items():
            if row[f"l{level}_count"] < min_count:
                withheld.append(level)
                kept.update(dict.fromkeys(names))
                kept[f"l{level}_count"] = None
        if len(withheld) < len(LEVEL_FIGURES):
            # The minimum goes with the row, so a reader can be told why a level shows nothing.
            shown.append(kept | {"withheld_levels": withheld, "min_responses": min_count})
    return shown


@dataclass(frozen=True)
class Asked:
    """One evaluation a person was asked for, reduced to what response rates need."""

    group: str
    status: str
    opens_on: date
    due_on: date
    submitted_on: date | None = None  # the day in Medan it came back


def response_rates(asked: Iterable[Asked], today: date) -> list[dict[str, Any]]:
    """Per group: evaluations open for answers by ``today`` (asked), how many came back by then, how many
    are overdue, and the response rate = submitted / asked. Not-yet-open evaluations do not count, and
    one answered after ``today`` was still unanswered on it."""
    counts: dict[str, dict[str, int]] = defaultdict(lambda: {"asked": 0, "submitted": 0, "overdue": 0, "due": 0})
    for a in asked:
        answered_later = a.submitted_on is not None and a.submitted_on > today
        now = state(EvaluationStatus.OPEN if answered_later else a.status, a.opens_on, a.due_on, today)
        if now == "upcoming":
            continue
        c = counts[a.group]
        c["asked"] += 1
        c[now] += 1
    return [
        {"group": g, **c, "response_rate": round(c["submitted"] / c["asked"], 4)} for g, c in sorted(counts.items())
    ]


def quarter_of(day: date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def quarter_bounds(year: int, quarter: int) -> tuple[date, date]:
    """First day of the quarter and first day of the next one."""
    start = date(year, 3 * (quarter - 1) + 1, 1)
    end = date(year + 1, 1, 1) if quarter == 4 else date(year, 3 * quarter + 1, 1)
    return start, end


def quarter_instants(year: int, quarter: int) -> tuple[datetime, datetime]:
    """The quarter as instants: from midnight WIB of its first day to midnight WIB of the next quarter's."""
    start, end = quarter_bounds(year, quarter)
    return clock.midnight(start), clock.midnight(end)
