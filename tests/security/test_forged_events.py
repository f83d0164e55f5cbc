"""Event trust (OWASP API10): on every topic each service consumes, a record from the wrong source, of the
wrong type or with a payload that breaks the contract goes to the dead-letter topic and changes nothing."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import pytest

from shared.events import ALL_CONTRACTS
from tests.security.conftest import SERVICES
from tests.support.kafka import publish_raw, wait_for_records
from tests.support.metrics import sample

pytestmark = pytest.mark.slow


def headers(contract, **overrides):
    return {
        "ce_specversion": "1.0",
        "ce_id": str(uuid.uuid4()),
        "ce_source": contract.source,
        "ce_type": contract.type,
        "ce_time": datetime.now(UTC).isoformat(),
        "ce_subject": "199002202015032001",
        "content-type": "application/json",
    } | overrides


def forgeries(contract):
    """(what is wrong, headers, body, what the dead letter must say)"""
    other = next(c for c in ALL_CONTRACTS if c.source != contract.source)
    sibling = next(c for c in ALL_CONTRACTS if c.type != contract.type)
    injected = json.dumps({"nip": {"$ne": None}, "need_id": {"$gt": ""}}).encode()
    return [
        ("forged source", headers(contract, ce_source=other.source), b"{}", f"may not publish {contract.name}"),
        ("wrong type", headers(contract, ce_type=sibling.type), b"{}", "does not belong on"),
        ("operator payload", headers(contract), injected, "does not match"),
        ("not json", headers(contract), b"\x00{not json", "does not match"),
    ]


def test_forged_and_malformed_events_are_dead_lettered_on_every_consumed_topic(services, infra):
    runtimes = {name: services(name).app.state.runtime for name in SERVICES}
    expected = []
    for runtime in runtimes.values():
        for consumer_contract in runtime.consumes:
            group = next(g for g, t in runtime.consumers.groups.items() if t == runtime.naming(consumer_contract.topic))
            expected.append((runtime, consumer_contract, group))
    # needs 7 (completions, evaluations, data-subject requests and the four services' answers), training 3
    # (needs identified and resolved, data-subject requests), evaluation 3 (with its own submissions, for
    # remedy actions), notifications 12 (with revoked certificates, remedy actions, adoption items and
    # the SIASN history; the xAPI consumers run only with an LRS configured)
    assert len(expected) == 25

    published = {c.topic for _, c, _ in expected}
    for contract in (c for c in ALL_CONTRACTS if c.topic in published):
        topic = runtimes["needs"].naming(contract.topic)
        for _, record_headers, body, _ in forgeries(contract):
            publish_raw(
                infra.kafka_bootstrap_servers, topic, key="199002202015032001", headers=record_headers, value=body
            )

    for runtime, contract, group in expected:
        dead = wait_for_records(
            infra.kafka_bootstrap_servers,
            runtime.naming(contract.dead_letter_topic),
            lambda r, group=group: r.headers.get("dlq_consumer_group") == group,
            count=4,
            timeout_s=60,
        )
        reasons = sorted(r.headers["dlq_error"] for r in dead)
        for what, _, _, says in forgeries(contract):
            assert any(says in reason for reason in reasons), (group, what, reasons)

    for name, runtime in runtimes.items():
        assert runtime.inbox.document.objects.count() == 0, f"{name} applied a forged event"
        metrics = services(name).get("/metrics").text
        for _, contract, _ in (e for e in expected if e[0] is runtime):
            assert sample(metrics, "events_consumed_total", event_type=contract.name, outcome="applied") == 0
