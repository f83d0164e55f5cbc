"""Figures read back from the evaluations: response rates, effectiveness per group, the quarterly report.
The arithmetic is pure (``analytics``); this module reads the evaluations it needs."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from typing import Any

from services.evaluation import actions, analytics, domain
from services.evaluation.documents import EvaluationDocument, RemedyActionDocument
from shared.domain import clock
from shared.events import ActionStatus, EvaluatorRole, TransferBarrier
from shared.kpi import Kpi, Values

RESPONSE_RATE = Kpi(
    "asn_evaluation_response_ratio",
    "Share of the evaluations a unit's people were asked for this fiscal year that came back (0..1)",
)
TRANSFER_RATE = Kpi(
    "asn_training_transfer_ratio",
    "Share of this fiscal year's level-3 evaluations of a unit that found the training applied (0..1)",
)
SCRAP_LEARNING = Kpi(
    "asn_scrap_learning_ratio",
    "Share of this fiscal year's level-3 evaluations of a unit that found the training not applied (0..1)",
)
OPEN_ACTIONS = Kpi(
    "asn_remedy_actions_open",
    "Remedy actions still open, per unit and owner role (supervisor or unit head); never per person",
    fixed={"owner": frozenset({"supervisor", "unit_head"})},
)
KPIS = (RESPONSE_RATE, TRANSFER_RATE, SCRAP_LEARNING, OPEN_ACTIONS)


class Figures:
    def __init__(self, *, bars: analytics.Bars) -> None:
        self.bars = bars

    def response_rates(self, by: str, today: date, filters: dict[str, Any]) -> list[dict[str, Any]]:
        # Level 2 asks no one when the completion carried its scores; only evaluations people answer count.
        docs = EvaluationDocument.objects(level__ne=int(domain.Level.LEARNING), **filters).only(
            "level", "unit_code", "evaluator_nip", "evaluator_role", "status", "opens_on", "due_on", "submitted_at"
        )
        asked = (
            analytics.Asked(
                _group_of(d, by),
                d.status,
                d.opens_on,
                d.due_on,
                clock.day_of(d.submitted_at) if d.submitted_at else None,
            )
            for d in docs
        )
        return analytics.response_rates(asked, today)

    def effectiveness(self, by: str, filters: dict[str, Any]) -> list[dict[str, Any]]:
        docs = EvaluationDocument.objects(status=domain.EvaluationStatus.SUBMITTED, **filters).only(
            "level", "score", "outcome", "measures", "program_code", "form", "unit_code", "completed_on"
        )
        results = (analytics.Result(_group_of(d, by), d.level, d.score, d.outcome, d.measures) for d in docs)
        return analytics.effectiveness(results, self.bars)

    def kpis(self) -> dict[str, Values]:
        """Per unit, for this fiscal year (Medan time): response rate of the evaluations due in it so far,
        and the transfer rate of the level-3 answers given in it, with its complement, the scrap learning;
        and the remedy actions open now, per unit and owner role."""
        today = clock.today()
        year_start = date(today.year, 1, 1)
        rates = self.response_rates("unit", today, {"due_on__gte": year_start})
        since = {"submitted_at__gte": analytics.quarter_instants(today.year, 1)[0]}
        transfer = self.effectiveness("unit", {"level": int(domain.Level.BEHAVIOUR), **since})
        open_actions = Counter(
            (a.unit_code, "unit_head" if a.owner_role == EvaluatorRole.UNIT else a.owner_role)
            for a in RemedyActionDocument.objects(status=ActionStatus.OPEN.value).only("unit_code", "owner_role")
        )
        applied: dict[tuple[str, ...], float] = {
            (r["group"],): r["l3_transfer_rate"] for r in transfer if r["l3_transfer_rate"] is not None
        }
        return {
            RESPONSE_RATE.name: {(r["group"],): r["response_rate"] for r in rates},
            TRANSFER_RATE.name: applied,
            SCRAP_LEARNING.name: {unit: 1.0 - rate for unit, rate in applied.items()},
            OPEN_ACTIONS.name: {labels: float(n) for labels, n in open_actions.items()},
        }

    def curriculum_results(self, institution: str | None) -> list[dict[str, Any]]:
        """Levels 1-4 and the transfer rate per partner curriculum and version (all institutions' when
        ``institution`` is None), with every figure resting on fewer than the minimum responses withheld:
        no names, no NIPs, no group small enough to point at a person."""
        filters: dict[str, Any] = {"curriculum_code__ne": None}
        if institution is not None:
            filters["curriculum_institution"] = institution
        docs = EvaluationDocument.objects(status=domain.EvaluationStatus.SUBMITTED, **filters).only(
            "level", "score", "outcome", "measures", "curriculum_code", "curriculum_version"
        )
        results = (
            analytics.Result(f"{d.curriculum_code}:{d.curriculum_version}", d.level, d.score, d.outcome, d.measures)
            for d in docs
        )
        rows = analytics.without_small_groups(analytics.effectiveness(results, self.bars), self.bars.min_responses)
        for row in rows:
            code, version = row.pop("group").rsplit(":", 1)
            row.update(curriculum_code=code, curriculum_version=int(version))
        return sorted(rows, key=lambda r: (r["curriculum_code"], r["curriculum_version"]))

    def quarterly_report(self, year: int, quarter: int, today: date) -> dict[str, Any]:
        """What BKPSDM takes to the mayor's office: for the quarter, how many evaluations fell due and
        came back (per level and per unit), how well the programmes evaluated in it did, who struggles
        to apply their training and why, and what became of the actions opened for the barriers
        training does not remove."""
        start, end = analytics.quarter_bounds(year, quarter)
        as_of = min(today, end - timedelta(days=1))
        due_in_quarter = {"due_on__gte": start, "due_on__lt": end}
        begins, ends = analytics.quarter_instants(year, quarter)
        submitted_in_quarter = {"submitted_at__gte": begins, "submitted_at__lt": ends}
        programmes = self.effectiveness("program", submitted_in_quarter)
        struggles = list(
            EvaluationDocument.objects(
                level=int(domain.Level.BEHAVIOUR), struggling_to_apply=True, **submitted_in_quarter
            ).only("barriers", "escalated")
        )
        barrier_counts = dict.fromkeys((b.value for b in TransferBarrier), 0)
        escalated = 0
        for s in struggles:
            escalated += int(bool(s.escalated))
            for b in s.barriers:
                barrier_counts[b] += 1
        opened = list(
            RemedyActionDocument.objects(opened_at__gte=begins, opened_at__lt=ends).only(
                "unit_code", "barrier", "status", "due_on"
            )
        )
        return {
            "period": f"{year}-Q{quarter}",
            "from": start.isoformat(),
            "to": (end - timedelta(days=1)).isoformat(),
            "as_of": as_of.isoformat(),
            "response_by_level": self.response_rates("level", as_of, due_in_quarter),
            "response_by_unit": self.response_rates("unit", as_of, due_in_quarter),
            "effectiveness_by_program": programmes,
            "flagged_programs": [p["group"] for p in programmes if p["flags"]],
            # Actions opened in the quarter, as they stand on the report's day.
            "actions_by_unit": actions.summary(((a.unit_code, a.status, a.due_on) for a in opened), as_of),
            "actions_by_barrier": actions.summary(((a.barrier, a.status, a.due_on) for a in opened), as_of),
            "transfer": {
                "struggling": len(struggles),
                "escalated": escalated,
                "barriers": barrier_counts,
            },
        }


def _group_of(e: EvaluationDocument, by: str) -> str:
    if by == "period":
        return analytics.quarter_of(e.completed_on)
    if by == "evaluator":
        return e.evaluator_nip or f"{e.evaluator_role}:{e.unit_code}"
    if by == "level":
        return f"L{e.level}"
    return str(getattr(e, {"program": "program_code", "unit": "unit_code"}.get(by, by)))
