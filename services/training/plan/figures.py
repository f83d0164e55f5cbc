"""Rows the plan's reports and KPIs are computed from (the arithmetic is pure: ``training.reports``)."""

from __future__ import annotations

from typing import Any

from services.training import reports
from services.training.documents import BatchDocument, EnrolmentDocument, PhaseDocument, PlannedNeedDocument
from shared.domain import clock
from shared.kpi import Kpi, Values

BUDGET_COMMITTED = Kpi(
    "asn_phase_budget_committed_rupiah",
    "Budget (rupiah) the seats held commit, per phase of the current fiscal year",
    group_label="phase",
)
BUDGET_LEFT = Kpi(
    "asn_phase_budget_left_rupiah",
    "Budget (rupiah) still uncommitted, per phase of the current fiscal year",
    group_label="phase",
)
KPIS = (BUDGET_COMMITTED, BUDGET_LEFT)


def year_rows(fiscal_year: int, *, needs: bool = True) -> tuple[list[dict[str, Any]], ...]:
    """Phases, batches, seats and (optionally) needs of a year, as plain rows for the pure reports."""

    def rows(doc: Any, *fields: str) -> list[dict[str, Any]]:
        projection = dict.fromkeys(fields, 1) if fields else None
        return list(doc._get_collection().find({"fiscal_year": fiscal_year}, projection))

    return (
        rows(PhaseDocument),
        rows(BatchDocument, "phase_code", "program_code", "starts_on", "capacity", "status"),
        rows(EnrolmentDocument, "batch_code", "phase_code", "program_code", "unit_code", "nip", "status", "cost"),
        rows(PlannedNeedDocument, "unit_code", "status", "reason_code") if needs else [],
    )


def kpis() -> dict[str, Values]:
    """Budget committed and left per phase of this fiscal year (Medan time)."""
    phases = reports.plan_per_phase(*year_rows(clock.today().year, needs=False))["phases"]
    return {
        BUDGET_COMMITTED.name: {(p["phase_code"],): p["budget_committed"] for p in phases},
        BUDGET_LEFT.name: {(p["phase_code"],): p["budget_left"] for p in phases},
    }
