"""Prometheus figures read from the evaluation database when scraped."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterator

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from services.evaluation.documents import RemedyActionDocument
from shared.events import ActionStatus, EvaluatorRole

log = logging.getLogger(__name__)


def _family() -> GaugeMetricFamily:
    return GaugeMetricFamily(
        "asn_remedy_actions_open",
        "Remedy actions still open, per unit and owner role (supervisor or unit head); never per person",
        labels=["unit", "owner"],
    )


class OpenActions(Collector):
    def describe(self) -> Iterator[GaugeMetricFamily]:
        # Described without reading: the registry asks at registration, before the database is connected.
        yield _family()

    def collect(self) -> Iterator[GaugeMetricFamily]:
        family = _family()
        try:
            docs = RemedyActionDocument.objects(status=ActionStatus.OPEN.value).only("unit_code", "owner_role")
            counts = Counter((d.unit_code, d.owner_role) for d in docs)
        except Exception:
            # A scrape during an outage still returns the other metrics (service_dependencies_up tells).
            log.warning("open remedy actions could not be counted", exc_info=True)
            return
        for (unit, owner), n in sorted(counts.items()):
            family.add_metric([unit, "unit_head" if owner == EvaluatorRole.UNIT else owner], n)
        yield family
