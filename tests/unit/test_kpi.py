"""Leadership KPIs: per unit (or phase), never per person, and a bounded number of series."""

import pytest
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from services.evaluation.application.figures import KPIS as EVALUATION_KPIS
from services.needs.application.figures import KPIS as NEEDS_KPIS
from services.training.plan.figures import KPIS as TRAINING_KPIS
from shared.kpi import Kpi, KpiGauges
from shared.pacing import Paced

OPEN = Kpi("asn_test_open", "open things", fixed={"source": frozenset({"a", "b"})})
RATE = Kpi("asn_test_rate", "a share")


def series(registry: CollectorRegistry) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    text = generate_latest(registry).decode()
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for f in text_string_to_metric_families(text)
        for s in f.samples
    }


def test_a_snapshot_is_exported_as_gauges_and_replaced_by_the_next():
    registry = CollectorRegistry()
    gauges = KpiGauges(registry, [OPEN, RATE], max_groups=10, service="needs")
    gauges.publish({OPEN.name: {("U1", "a"): 3, ("U2", "b"): 1}, RATE.name: {("U1",): 0.5}})
    got = series(registry)
    assert got[("asn_test_open", (("source", "a"), ("unit", "U1")))] == 3
    assert got[("asn_test_open", (("source", "b"), ("unit", "U2")))] == 1
    assert got[("asn_test_rate", (("unit", "U1"),))] == 0.5

    gauges.publish({OPEN.name: {("U1", "a"): 2}})
    got = series(registry)
    assert got[("asn_test_open", (("source", "a"), ("unit", "U1")))] == 2
    # A unit that no longer has anything to count disappears rather than keeping its old figure.
    assert ("asn_test_open", (("source", "b"), ("unit", "U2"))) not in got
    assert not [k for k in got if k[0] == "asn_test_rate"]


def test_more_units_than_the_limit_are_dropped_and_counted():
    registry = CollectorRegistry()
    gauges = KpiGauges(registry, [OPEN], max_groups=2, service="needs")
    gauges.publish({OPEN.name: {("U1", "a"): 1, ("U1", "b"): 1, ("U2", "a"): 1, ("U3", "a"): 1, ("U4", "b"): 1}})
    got = series(registry)
    units = {dict(labels)["unit"] for name, labels in got if name == "asn_test_open"}
    assert units == {"U1", "U2"}
    assert got[("asn_kpi_series_dropped", (("service", "needs"),))] == 2


def test_a_label_outside_its_fixed_set_is_refused():
    gauges = KpiGauges(CollectorRegistry(), [OPEN], max_groups=2, service="needs")
    with pytest.raises(ValueError, match="source='199002202015032001'"):
        gauges.publish({OPEN.name: {("U1", "199002202015032001"): 1}})


@pytest.mark.parametrize("kpi", [*NEEDS_KPIS, *TRAINING_KPIS, *EVALUATION_KPIS], ids=lambda k: k.name)
def test_every_kpi_is_bounded_by_units_times_a_fixed_set(kpi: Kpi):
    # One open label (a unit, or a phase of the plan), never a person; the rest from fixed sets, so the
    # series one service exports stay within KPI_MAX_GROUPS x the product of the fixed sets.
    assert kpi.group_label in {"unit", "phase"}
    assert not {"nip", "name", "person", "employee"} & set(kpi.labels)
    assert kpi.max_series(51) <= 51 * 5


def test_a_refresh_that_takes_more_than_its_share_of_the_time_waits_longer_for_the_next():
    now = [0.0]
    took = [1.75]  # Medan's JP compliance

    def refresh():
        now[0] += took[0]

    paced = Paced(refresh, interval_s=60, max_share=0.05, what="KPI refresh", clock=lambda: now[0])
    paced.run()
    assert paced.wait_s() == 60  # 1.75 s of 60: within 5 %

    took[0] = 30.0  # North Sumatra's workforce
    paced.run()
    assert paced.wait_s() == pytest.approx(570)  # 30 s of every 600 s
    assert paced.took_s / (paced.took_s + paced.wait_s()) == pytest.approx(0.05)


def test_a_failed_refresh_still_counts_how_long_it_took():
    now = [0.0]

    def refresh():
        now[0] += 40.0
        raise TimeoutError("database")

    paced = Paced(refresh, interval_s=60, max_share=0.05, what="KPI refresh", clock=lambda: now[0])
    with pytest.raises(TimeoutError):
        paced.run()
    assert paced.wait_s() == pytest.approx(760)


def test_the_log_says_when_the_rhythm_changes_not_at_every_round(caplog):
    now = [0.0]
    took = [30.0]

    def refresh():
        now[0] += took[0]

    paced = Paced(refresh, interval_s=60, max_share=0.05, what="KPI refresh", clock=lambda: now[0])
    with caplog.at_level("INFO", logger="shared.pacing"):
        for _ in range(3):
            paced.run()
            paced.wait_s()
        took[0] = 1.0
        paced.run()
        paced.wait_s()
    assert [r.getMessage() for r in caplog.records] == [
        "KPI refresh took 30.0 s: the next in 570 s instead of 60 s (at most 5 % of the time)",
        "KPI refresh back to every 60 s",
    ]
