"""An operator lists a topic's dead letters and sends one back to its topic once the cause is fixed."""

import json
import os
import subprocess
import sys

from shared.events import PROGRAM_COMPLETED
from tests.reliability.harness import completion
from tests.support.events import send
from tests.support.infra import REPO
from tests.support.kafka import read_topic
from tests.support.waiting import eventually


def dead_letters(infra, namespace, *args):
    env = {**os.environ, "KAFKA_BOOTSTRAP_SERVERS": infra.kafka_bootstrap_servers, "KAFKA_NAMESPACE": namespace}
    return subprocess.run(
        [sys.executable, "scripts/dead_letters.py", *args, PROGRAM_COMPLETED.topic],
        cwd=REPO,
        env={**env, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )


def test_list_a_dead_letter_then_replay_it_to_its_topic(run_service, infra, namespace):
    topic = f"{namespace}.{PROGRAM_COMPLETED.topic}"
    record = completion(1, "dlq")
    with run_service("needs"):
        # Claims to come from the needs service: a forged origin, dead-lettered without being applied.
        send(infra, namespace, record, ce_source="/bkpsdm-medan/needs")
        eventually(lambda: read_topic(infra.kafka_bootstrap_servers, f"{topic}.dlq"), what="a dead letter")

    (line,) = dead_letters(infra, namespace, "list").stdout.splitlines()
    listed = json.loads(line)
    assert listed["event_id"] == record.event_id
    assert listed["original_topic"] == topic and listed["original_offset"] == "0"
    assert "source" in listed["error"]

    out = dead_letters(infra, namespace, "replay", "--partition", str(listed["partition"]), "--offset", "0")
    assert f"replayed to {topic}" in out.stdout
    copies = [r for r in read_topic(infra.kafka_bootstrap_servers, topic) if r.headers["ce_id"] == record.event_id]
    assert len(copies) == 2  # the original and the replayed one, same event id
    assert not any(k.startswith("dlq_") for k in copies[1].headers)
