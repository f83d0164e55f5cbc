"""Batch consumption over the real broker and database: records waiting in the topic when a service starts
arrive as one batch; a poison record in it is set aside alone, and a batch delivered again has no effect."""

from datetime import UTC, datetime

from shared.events import NEED_IDENTIFIED, EventContext
from shared.messaging.inbox import Inbox, processed_event_document
from shared.messaging.replay import rewind
from shared.persistence import connect_database, disconnect_database
from shared.settings import ServiceSettings
from tests.support.demo import NURSE, program_body, schedule
from tests.support.events import enrolments, need_event, planned_needs, send
from tests.support.kafka import publish_raw, wait_for_records
from tests.support.metrics import sample
from tests.support.waiting import eventually

COMPETENCIES = ["M.05", "M.06", "M.07"]


def metric(client, name, **labels):
    return sample(client.get("/metrics").text, name, consumer="place-needs", **labels)


def waiting_needs(infra, namespace, *, poison_after=None):
    """The nurse's needs (one key, so one partition, in this order), published while no consumer runs."""
    topic = f"{namespace}.{NEED_IDENTIFIED.topic}"
    for i, competency in enumerate(COMPETENCIES):
        send(infra, namespace, need_event(competency=competency), ce_id=f"need-{competency}")
        if i == poison_after:
            publish_raw(infra.kafka_bootstrap_servers, topic, key=NURSE, headers=need_event().headers, value=b"{x")


def test_a_poison_record_in_a_batch_is_dead_lettered_alone_and_the_rest_applies(run_service, admin, infra, namespace):
    with run_service("training") as training:  # creates the topics and the programme, then stops
        assert training.put("/programs/PRIMA", json=program_body({"M.05": 3}), headers=admin).status_code == 200
    waiting_needs(infra, namespace, poison_after=0)

    with run_service("training") as training:
        eventually(lambda: planned_needs(training, admin)["total"] == 3, what="the three valid needs")
        assert metric(training, "event_batch_size_count") == 1  # the four records came as one batch
        assert metric(training, "event_batch_size_sum") == 4
        assert metric(training, "events_consumed_total", outcome="applied") == 3
        assert metric(training, "events_consumed_total", outcome="dead_lettered") == 1

    topic = f"{namespace}.{NEED_IDENTIFIED.topic}"
    (dead,) = wait_for_records(infra.kafka_bootstrap_servers, f"{topic}.dlq", lambda r: True, count=1)
    assert dead.value == b"{x"
    assert dead.headers["dlq_original_offset"] == "1"  # the second record of the batch, and only it


def test_a_batch_delivered_again_has_one_effect_per_event(run_service, admin, infra, namespace):
    with run_service("training") as training:
        training.put("/programs/PRIMA", json=program_body({"M.05": 3}), headers=admin)
        schedule(training, admin, "PRIMA-1", "PRIMA")
    waiting_needs(infra, namespace)

    with run_service("training") as training:
        eventually(lambda: metric(training, "events_consumed_total", outcome="applied") == 3, what="3 applied")
        eventually(lambda: enrolments(training, admin, nip=NURSE)["total"] == 1, what="a seat for the M.05 need")
        before = (planned_needs(training, admin), enrolments(training, admin, nip=NURSE))
    # The whole topic again, as after a crash before the commit: the same batch, the same event ids.
    assert (
        rewind(
            infra.kafka_bootstrap_servers, f"{namespace}.training.place-needs", [f"{namespace}.{NEED_IDENTIFIED.topic}"]
        )
        == 3
    )

    with run_service("training") as training:
        eventually(lambda: metric(training, "events_consumed_total", outcome="duplicate") == 3, what="3 duplicates")
        assert metric(training, "events_consumed_total", outcome="applied") == 0
        after = (planned_needs(training, admin), enrolments(training, admin, nip=NURSE))
    assert after == before  # the same needs and the one seat


def test_the_inbox_answers_a_batch_the_same_with_one_query_or_with_lookups(infra, namespace):
    settings = ServiceSettings(
        service_name="batch-inbox", http_port=1, mongodb_uri=infra.mongodb_uri, mongodb_database=f"{namespace}_inbox"
    )
    connect_database(settings)
    try:
        document = processed_event_document("batch-inbox")
        now = datetime.now(UTC)
        contexts = [
            EventContext(id=f"e{i}", source="/s", type="NeedIdentified", time=now, correlation_id="c", subject="s")
            for i in range(30)
        ]
        small, large = Inbox(document, largest_batch=100), Inbox(document, largest_batch=1)
        small.mark_all("c", contexts[:27])  # two bulk commands (25 + 2)
        small.mark_all("c", contexts[25:])  # two already there: the others are still marked
        asked = [f"e{i}" for i in range(28, 35)] + ["e3"]
        # 30 documents: one $in for the first (under 16 x 8), a lookup per id for the second (limit 16).
        assert small.applied("c", asked) == large.applied("c", asked) == {"e28", "e29", "e3"}
        assert small.applied("other", asked) == set()
        assert document.objects.count() == 30
    finally:
        disconnect_database(settings)
