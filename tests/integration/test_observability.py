"""What operators see: lag, dead letters, outbox backlog and handler latency on /metrics, and alert
rules that only name metrics the services export."""

import re
import time
from pathlib import Path

import yaml
from prometheus_client.parser import text_string_to_metric_families

from shared.events import PROGRAM_COMPLETED
from tests.reliability.harness import completion
from tests.support.demo import HEAD, NURSE, assess, load_puskesmas
from tests.support.events import send
from tests.support.kafka import publish_raw
from tests.support.metrics import sample
from tests.support.waiting import eventually

REPO = Path(__file__).resolve().parents[2]
# Series Prometheus makes itself, not the services.
PROMETHEUS_OWN = {"up"}


def test_metrics_show_lag_dead_letters_backlog_and_latency(run_service, infra, namespace):
    with run_service("needs", METRICS_REFRESH_INTERVAL_S="0.3") as needs:
        record = completion(1, "obs")
        send(infra, namespace, record)
        poison = completion(2, "obs")
        publish_raw(
            infra.kafka_bootstrap_servers,
            f"{namespace}.{PROGRAM_COMPLETED.topic}",
            key=poison.key,
            headers=poison.headers,
            value=b"not json",
        )
        group = f"{namespace}.needs.jp-ledger"
        dlq = f"{namespace}.{PROGRAM_COMPLETED.dead_letter_topic}"

        def caught_up() -> str | None:
            text = needs.get("/metrics").text
            lags = [
                s.value
                for f in text_string_to_metric_families(text)
                for s in f.samples
                if s.name == "kafka_consumer_lag" and s.labels["group"] == group
            ]
            dead = sample(text, "kafka_dead_letter_records", topic=dlq)
            return text if lags and sum(lags) == 0 and dead == 1 else None

        text = eventually(caught_up, timeout_s=30, what="lag 0 and one dead letter on /metrics")
        assert sample(text, "event_handler_duration_seconds_count", consumer="jp-ledger") == 1
        assert sample(text, "outbox_pending_documents", collection="needs") == 0
        assert sample(text, "service_dependencies_up", service="needs") == 1


SUFFIXES = {"counter": ("_total",), "histogram": ("_bucket", "_count", "_sum"), "gauge": ("",)}


def exported_metric_names(text: str) -> set[str]:
    """Every series name the service can export, including families with no sample yet."""
    return {f.name + suffix for f in text_string_to_metric_families(text) for suffix in SUFFIXES.get(f.type, ("",))}


def test_every_alert_names_a_metric_the_services_export(run_service):
    with run_service("needs", METRICS_REFRESH_INTERVAL_S="0.3") as needs:

        def measured() -> str | None:
            text = needs.get("/metrics").text
            return text if "kafka_consumer_lag{" in text else None

        text = eventually(measured, timeout_s=30, what="broker gauges measured")
    exported = exported_metric_names(text) | PROMETHEUS_OWN
    rules = yaml.safe_load((REPO / "infra/prometheus/alerts.yml").read_text())
    alerts = [r for g in rules["groups"] for r in g["rules"]]
    assert {a["alert"] for a in alerts} >= {"ConsumerLagHigh", "OutboxBacklog", "DeadLetters", "ServiceNotReady"}
    for alert in alerts:
        # Metric names: identifiers not followed by "(" (functions) nor inside {...} or [...].
        bare = re.sub(r"\{[^}]*\}|\[[^\]]*\]|\b(by|on|and|or|sum|increase|delta|rate)\b", " ", alert["expr"])
        names = {n for n in re.findall(r"\b([a-z_][a-z0-9_]*)\b(?!\s*\()", bare) if n not in {"service", "group"}}
        assert names, alert["alert"]
        assert names <= exported, (alert["alert"], names - exported)
    config = yaml.safe_load((REPO / "infra/prometheus/prometheus.yml").read_text())
    assert config["rule_files"] == ["/etc/prometheus/alerts.yml"]


def test_the_outbox_backlog_is_counted_up_to_its_bound(run_service, admin):
    """Three needs whose NeedIdentified waits (the relay is off), counted up to two: on FerretDB v1 a
    count decodes everything it matches, so a large backlog is reported as "at least" the bound."""
    with run_service(
        "needs", METRICS_REFRESH_INTERVAL_S="0.3", OUTBOX_RELAY_ENABLED="false", OUTBOX_BACKLOG_COUNT_MAX="2"
    ) as needs:
        load_puskesmas(needs, admin)
        for nip, competency in ((NURSE, "M.05"), (NURSE, "M.03"), (HEAD, "M.05")):
            assert assess(needs, admin, 1, nip=nip, competency=competency)["need"]["status"] == "open"

        def backlog() -> float:
            return sample(needs.get("/metrics").text, "outbox_pending_documents", collection="needs")

        # A refresh may have run between the assessments: wait for two, then watch a few refreshes more
        # (every 0.3 s), in which an unbounded count would reach three.
        eventually(lambda: backlog() >= 2, timeout_s=30, what="the backlog gauge measured")
        watched = []
        for _ in range(5):
            time.sleep(0.3)
            watched.append(backlog())
        assert watched == [2] * 5
