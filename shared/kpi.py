"""Leadership KPIs on /metrics: gauges per unit (or per phase of the plan), never per person.

A periodic job computes a snapshot from the service's own database and hands it to ``KpiGauges``; a
scrape only reads the last snapshot, so /metrics never queries the database and a slow database never
slows a scrape. Cardinality is bounded by construction: every KPI has one open label (``unit`` or
``phase``, at most ``max_groups`` values, the rest dropped and counted) and otherwise only labels whose
values come from a fixed set declared with the KPI.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

log = logging.getLogger(__name__)

# Values of one KPI: label values (in the KPI's label order) -> the figure.
Values = Mapping[tuple[str, ...], float]


@dataclass(frozen=True)
class Kpi:
    name: str
    documentation: str
    group_label: str = "unit"
    # Further labels, each with the only values it may take (a source of needs, an owner of actions).
    fixed: Mapping[str, frozenset[str]] = field(default_factory=dict)

    @property
    def labels(self) -> tuple[str, ...]:
        return (self.group_label, *self.fixed)

    def max_series(self, max_groups: int) -> int:
        bound = max_groups
        for values in self.fixed.values():
            bound *= len(values)
        return bound


class KpiGauges(Collector):
    """The last snapshot of a service's KPIs, exported as gauges."""

    def __init__(self, registry: CollectorRegistry, kpis: Iterable[Kpi], *, max_groups: int, service: str) -> None:
        self.kpis = {k.name: k for k in kpis}
        self.max_groups = max_groups
        self.service = service
        self._values: dict[str, dict[tuple[str, ...], float]] = {name: {} for name in self.kpis}
        self._dropped = 0
        self._refreshed_at: float | None = None
        registry.register(self)

    def publish(self, snapshot: Mapping[str, Values]) -> None:
        """Replace the exported figures with ``snapshot`` (a KPI missing from it exports no series)."""
        values: dict[str, dict[tuple[str, ...], float]] = {name: {} for name in self.kpis}
        dropped = 0
        for name, figures in snapshot.items():
            kpi = self.kpis[name]
            groups: set[str] = set()
            for labels, value in sorted(figures.items()):
                if len(labels) != len(kpi.labels):
                    raise ValueError(f"{name}: labels {labels!r} do not match {kpi.labels!r}")
                for label, allowed_value in zip(kpi.fixed, labels[1:], strict=True):
                    if allowed_value not in kpi.fixed[label]:
                        raise ValueError(f"{name}: {label}={allowed_value!r} is not one of its fixed values")
                if labels[0] not in groups and len(groups) >= self.max_groups:
                    dropped += 1
                    continue
                groups.add(labels[0])
                values[name][labels] = float(value)
        if dropped:
            log.warning(
                "KPI series over the group limit were dropped",
                extra={"fields": {"dropped": dropped, "max_groups": self.max_groups}},
            )
        self._values, self._dropped, self._refreshed_at = values, dropped, time.time()

    def collect(self) -> Iterator[Metric]:
        for name, kpi in self.kpis.items():
            family = GaugeMetricFamily(name, kpi.documentation, labels=list(kpi.labels))
            for labels, value in self._values[name].items():
                family.add_metric(list(labels), value)
            yield family
        dropped = GaugeMetricFamily(
            "asn_kpi_series_dropped",
            "KPI series left out of the last snapshot because a KPI had more groups than KPI_MAX_GROUPS",
            labels=["service"],
        )
        dropped.add_metric([self.service], self._dropped)
        yield dropped
        refreshed = GaugeMetricFamily(
            "asn_kpi_refreshed_timestamp_seconds",
            "When the KPI snapshot was last computed (absent until the first one)",
            labels=["service"],
        )
        if self._refreshed_at is not None:
            refreshed.add_metric([self.service], self._refreshed_at)
        yield refreshed
