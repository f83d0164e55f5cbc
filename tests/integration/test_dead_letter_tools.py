"""An operator lists a topic's dead letters and sends one back to its topic once the cause is fixed."""

import json
import os
import subprocess
import sys

from kafka.admin import ConfigResource, KafkaAdminClient

from services.needs.documents import NeedDocument
from shared.events import NEED_IDENTIFIED, PROGRAM_COMPLETED
from shared.messaging.outbox import commit, new_event
from tests.reliability.harness import completion
from tests.support.demo import NURSE
from tests.support.events import need_fields, need_payload, send
from tests.support.infra import REPO
from tests.support.kafka import read_topic
from tests.support.waiting import eventually


def dead_letters(infra, namespace, *args, check=True):
    env = {
        **os.environ,
        "KAFKA_BOOTSTRAP_SERVERS": infra.kafka_bootstrap_servers,
        "KAFKA_NAMESPACE": namespace,
        "MONGODB_URI": infra.mongodb_uri,
        "MONGODB_DATABASE": f"{namespace}_needs",
    }
    return subprocess.run(
        [sys.executable, "scripts/dead_letters.py", *args],
        cwd=REPO,
        env={**env, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=120,
        check=check,
    )


def test_list_a_dead_letter_then_replay_it_to_its_topic(run_service, infra, namespace):
    topic = f"{namespace}.{PROGRAM_COMPLETED.topic}"
    record = completion(1, "dlq")
    with run_service("needs"):
        # Claims to come from the needs service: a forged origin, dead-lettered without being applied.
        send(infra, namespace, record, ce_source="/bkpsdm-medan/needs")
        eventually(lambda: read_topic(infra.kafka_bootstrap_servers, f"{topic}.dlq"), what="a dead letter")

    (line,) = dead_letters(infra, namespace, "list", PROGRAM_COMPLETED.topic).stdout.splitlines()
    listed = json.loads(line)
    assert listed["event_id"] == record.event_id
    assert listed["original_topic"] == topic and listed["original_offset"] == "0"
    assert "source" in listed["error"]

    at = ("--partition", str(listed["partition"]), "--offset", "0")
    out = dead_letters(infra, namespace, "replay", PROGRAM_COMPLETED.topic, *at)
    assert f"replayed to {topic}" in out.stdout
    copies = [r for r in read_topic(infra.kafka_bootstrap_servers, topic) if r.headers["ce_id"] == record.event_id]
    assert len(copies) == 2  # the original and the replayed one, same event id
    assert not any(k.startswith("dlq_") for k in copies[1].headers)


def test_an_event_too_large_for_kafka_is_listed_and_replayed_once_its_topic_takes_it(
    run_service, admin, infra, namespace
):
    topic = f"{namespace}.{NEED_IDENTIFIED.topic}"
    huge = new_event(NEED_IDENTIFIED, need_payload(reason="x" * 1_200_000), subject=NURSE)
    with run_service("needs") as needs:
        # As if a use case had written it: the state and its event in one write, then the relay.
        commit(NeedDocument(**need_fields(id="huge")), [huge])
        needs.app.state.runtime.relay.notify()
        eventually(lambda: dead_letters(infra, namespace, "outbox", "needs").stdout, what="an outbox dead letter")
        metrics = needs.get("/metrics").text
        assert 'outbox_dead_letters_total{destination="collection",service="needs"' in metrics

    (line,) = dead_letters(infra, namespace, "outbox", "needs").stdout.splitlines()
    listed = json.loads(line)
    assert (listed["event_id"], listed["topic"], listed["key"]) == (huge.event_id, topic, NURSE)
    assert listed["bytes"] > 1_200_000 and "MessageSizeTooLarge" in listed["error"]

    # Kafka still refuses it: the operator is told, and the entry stays.
    refused = dead_letters(infra, namespace, "replay-outbox", "needs", huge.event_id, check=False)
    assert refused.returncode == 1 and "stays in outbox_dead_letters" in refused.stderr
    assert dead_letters(infra, namespace, "outbox", "needs").stdout.strip()

    with KafkaAdminClient(bootstrap_servers=infra.kafka_bootstrap_servers) as kafka:
        kafka.alter_configs([ConfigResource("TOPIC", topic, configs={"max.message.bytes": "2000000"})])
    out = dead_letters(infra, namespace, "replay-outbox", "needs", huge.event_id)
    assert f"replayed to {topic}" in out.stdout
    (record,) = [r for r in read_topic(infra.kafka_bootstrap_servers, topic) if r.headers["ce_id"] == huge.event_id]
    assert record.value == huge.value and record.key == NURSE
    assert not any(k.startswith("dlq_") for k in record.headers)
    assert dead_letters(infra, namespace, "outbox", "needs").stdout == ""
