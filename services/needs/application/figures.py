"""Figures read from the needs database: JP compliance (the report and the KPI) and the leadership KPIs
on /metrics. The arithmetic is pure (``services.needs.reports``); this module reads what it needs."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

from services.needs import domain, reports
from services.needs.application.need_counts import NeedCounts
from services.needs.documents import EmployeeDocument, JpLedgerDocument
from shared.domain import clock
from shared.domain.vocabulary import NeedSource
from shared.kpi import Kpi, Values

OPEN_NEEDS = Kpi(
    "asn_needs_open",
    "Open training needs per unit and source (competency gap, JP shortfall, unit request, SKM, follow-up)",
    fixed={"source": frozenset(s.value for s in NeedSource)},
)
JP_COMPLIANCE = Kpi(
    "asn_jp_compliance_ratio",
    "Share of a unit's staff at or above the yearly minimum of JP in the current fiscal year (0..1)",
)
KPIS = (OPEN_NEEDS, JP_COMPLIANCE)


def jp_compliance(
    fiscal_year: int, units: Mapping[str, object], rules: Mapping[str, domain.JpRule]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Per employee and per unit (``units``: a filter on the employees' unit), as ``reports.jp_compliance``."""
    employees = EmployeeDocument.objects(**units).only("nip", "name", "unit_code", "employment_type").as_pymongo()
    earned = {d["nip"]: d["total_jp"] for d in JpLedgerDocument.objects(fiscal_year=fiscal_year).as_pymongo()}
    return reports.jp_compliance([{**e, "nip": e["_id"]} for e in employees], earned, rules)


def kpis(rules: Mapping[str, domain.JpRule], counts: NeedCounts) -> dict[str, Values]:
    """Open needs of any year by unit and source; JP compliance of this fiscal year (Medan time) by unit."""
    # From the counts kept per unit and year: reading the open needs decoded every need on FerretDB v1
    # at each scrape.
    open_needs: Counter[tuple[str, str]] = Counter()
    for g in counts.groups(None, None):
        if g["status"] == domain.NeedStatus.OPEN:
            open_needs[(g["unit_code"], g["source"])] += g["needs"]
    _, summary = jp_compliance(clock.today().year, {}, rules)
    return {
        OPEN_NEEDS.name: {labels: float(count) for labels, count in open_needs.items()},
        JP_COMPLIANCE.name: {(u["unit_code"],): u["compliant"] / u["employees"] for u in summary},
    }
