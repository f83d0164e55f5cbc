"""The embedded outbox on the real database: state and events in one write, stale writers refused."""

import asyncio
import dataclasses
import json
from datetime import UTC, datetime, timedelta

import pytest
from faststream.kafka import KafkaBroker
from kafka.admin import KafkaAdminClient, NewTopic
from prometheus_client import CollectorRegistry

from services.needs.documents import NeedDocument
from services.needs.settings import NeedsSettings
from shared.domain.errors import ConcurrentUpdate
from shared.events import NEED_IDENTIFIED
from shared.messaging.dead_letters import OUTBOX_DEAD_LETTERS, outbox_dead_letter_document
from shared.messaging.outbox import commit, insert_all, new_event, retrying
from shared.messaging.relay import PUBLISHED, OutboxRelay
from shared.messaging.topics import Naming, ensure_topics
from shared.persistence import connect_database, disconnect_database
from tests.support.events import need_fields, need_payload
from tests.support.kafka import read_topic


@pytest.fixture
def needs_db(infra, namespace):
    settings = NeedsSettings(mongodb_uri=infra.mongodb_uri, mongodb_database=f"{namespace}_needs")
    connect_database(settings)
    yield NeedDocument._get_collection()
    disconnect_database(settings)


def needs_relay(broker, namespace, registry=None, batch_size=10):
    """The relay a needs service runs, publishing in rounds of ten (by default)."""
    return OutboxRelay(
        broker,
        [NeedDocument],
        service="test",
        naming=Naming(namespace),
        registry=registry or CollectorRegistry(),
        poll_interval_s=0.1,
        batch_size=batch_size,
        dead_letters=outbox_dead_letter_document("needs"),
    )


def relay_rounds(
    infra, namespace, rounds, *, after_publish=None, registry=None, request_timeout_ms=40_000, batch_size=10
):
    """Run ``rounds`` relay rounds of a needs relay against the real broker; ``after_publish`` runs
    after each publication (to change the database while the relay is mid-round)."""
    ensure_topics(
        infra.kafka_bootstrap_servers,
        [f"{namespace}.{NEED_IDENTIFIED.topic}", f"{namespace}.{NEED_IDENTIFIED.dead_letter_topic}"],
        partitions=2,
        replication_factor=1,
        retention_ms=3_600_000,
    )

    async def run():
        broker = KafkaBroker(infra.kafka_bootstrap_servers, request_timeout_ms=request_timeout_ms)
        relay = needs_relay(broker, namespace, registry, batch_size)
        if after_publish is not None:
            publish = relay._publish

            async def publish_then(entries):
                await publish(entries)
                after_publish()

            relay._publish = publish_then
        await broker.start()
        try:
            return [await relay.run_once() for _ in range(rounds)]
        finally:
            await broker.stop()

    return asyncio.run(run())


def new_need(**fields):
    return NeedDocument(**need_fields(**fields))


def event():
    return new_event(NEED_IDENTIFIED, need_payload(), subject="199002202015032001")


def test_state_and_its_events_are_stored_in_one_document(needs_db):
    need = new_need()
    commit(need, [event()])
    stored = needs_db.find_one({"_id": need.id})
    assert stored["gap"] == 2 and stored["version"] == 1
    assert stored["outbox_pending"] is True
    assert [e["topic"] for e in stored["outbox"]] == [NEED_IDENTIFIED.topic]
    assert stored["outbox"][0]["headers"]["ce_type"] == NEED_IDENTIFIED.type


def test_a_writer_holding_a_stale_copy_is_refused_and_writes_nothing(needs_db):
    commit(new_need())
    first = NeedDocument.objects.get(id="2027-199002202015032001-M.05")
    second = NeedDocument.objects.get(id="2027-199002202015032001-M.05")
    first.gap = 1
    commit(first, [event()])
    second.gap = 3
    with pytest.raises(ConcurrentUpdate):
        commit(second, [event()])
    stored = needs_db.find_one({"_id": first.id})
    assert (stored["gap"], stored["version"], len(stored["outbox"])) == (1, 2, 1)


def test_a_field_cleared_in_the_state_is_removed_from_the_document(needs_db):
    need = new_need(supervisor_nip="197911232006041003")
    commit(need)
    need.supervisor_nip = None
    commit(need)
    assert "supervisor_nip" not in needs_db.find_one({"_id": need.id})


def test_an_event_appended_while_the_relay_publishes_is_kept_for_the_next_round(needs_db):
    need = new_need()
    commit(need, [event()])
    read_by_relay = needs_db.find_one({"_id": need.id}, {"outbox": 1, "outbox_batch": 1})
    need.gap = 1
    later = event()
    commit(need, [later])  # lands between the relay's read and its clean-up
    OutboxRelay._clear(needs_db, [(read_by_relay["outbox_batch"], [read_by_relay["_id"]])])
    stored = needs_db.find_one({"_id": need.id})
    assert later.event_id in [e["event_id"] for e in stored["outbox"]]
    assert stored["outbox_pending"] is True
    assert stored["outbox_batch"] != read_by_relay["outbox_batch"]


def test_commits_of_many_documents_go_out_in_one_round_and_a_later_commit_is_kept(needs_db, infra, namespace):
    """Sixty single-document commits (more than one bulk command of 25) are published and cleared in one
    round; the one written again between the round's publication and its clearing keeps its new entry,
    which alone goes out next round: what was published leaves the outbox with the clearing."""
    needs = [new_need(id=f"need-{i:02d}") for i in range(60)]
    for need in needs:
        commit(need, [event()])
    late, later = needs[37], event()

    def commit_late_once():
        if late.version == 1:
            late.gap = 1
            commit(late, [later])

    rounds = relay_rounds(infra, namespace, 3, after_publish=commit_late_once, batch_size=60)
    assert rounds == [60, 1, 0]
    assert needs_db.count_documents({"outbox_pending": True}) == 0
    published = read_topic(infra.kafka_bootstrap_servers, f"{namespace}.{NEED_IDENTIFIED.topic}")
    ids = {r.headers["ce_id"] for r in published}
    assert len(published) == 61 and len(ids) == 61 and later.event_id in ids
    assert needs_db.find_one({"_id": late.id})["gap"] == 1


def test_changes_written_while_the_relay_clears_the_same_document_are_all_kept(needs_db, infra, namespace):
    # FerretDB v1 rewrites a whole document per update with nothing to stop another update in between:
    # the relay's clean-up of an outbox used to undo a change a request wrote at the same moment.
    topic = f"{namespace}.{NEED_IDENTIFIED.topic}"
    ensure_topics(infra.kafka_bootstrap_servers, [topic], partitions=2, replication_factor=1, retention_ms=3_600_000)
    commit(new_need(), [event()])
    writes = 40

    def write(priority: int) -> None:
        need = NeedDocument.objects.get(id="2027-199002202015032001-M.05")
        need.priority = float(priority)
        commit(need, [event()])

    async def run() -> None:
        broker = KafkaBroker(infra.kafka_bootstrap_servers)
        relay = needs_relay(broker, namespace)
        await broker.start()
        try:
            writer = asyncio.create_task(
                asyncio.to_thread(lambda: [retrying(lambda p=p: write(p)) for p in range(1, writes + 1)])
            )
            while not writer.done():
                await relay.run_once()
                await asyncio.sleep(0)
            await writer
            while await relay.run_once():
                pass
        finally:
            await broker.stop()

    asyncio.run(run())
    stored = needs_db.find_one({"_id": "2027-199002202015032001-M.05"})
    # every commit counted once: none was written over by the relay's copy
    assert (stored["version"], stored["priority"], stored["outbox"]) == (1 + writes, float(writes), [])


def test_a_bulk_batch_larger_than_a_round_is_published_once_and_cleared(needs_db, infra, namespace):
    records = {f"need-{i}": event() for i in range(25)}
    inserted = insert_all([(new_need(id=key), [record]) for key, record in records.items()])
    assert inserted == 25
    assert needs_db.count_documents({"outbox_pending": True}) == 25

    first_round, second_round = relay_rounds(infra, namespace, 2)
    assert (first_round, second_round) == (25, 0)
    assert needs_db.count_documents({"outbox_pending": True}) == 0
    published = read_topic(infra.kafka_bootstrap_servers, f"{namespace}.{NEED_IDENTIFIED.topic}")
    assert sorted(r.headers["ce_id"] for r in published) == sorted(r.event_id for r in records.values())


def test_documents_of_a_batch_flagged_while_the_relay_streams_it_are_not_cleared_unpublished(
    needs_db, infra, namespace
):
    # FerretDB flags a bulk batch document by document: the relay may stream a batch half flagged.
    records = {f"need-{i:02d}": event() for i in range(25)}
    insert_all([(new_need(id=key), [record]) for key, record in records.items()])
    late = [f"need-{i:02d}" for i in range(10, 25)]
    needs_db.update_many({"_id": {"$in": late}}, {"$set": {"outbox_pending": False}})

    def flag_the_rest():
        # The rest of the batch is flagged while the first chunk is out (once: a real flagging).
        needs_db.update_many({"_id": {"$in": late}, "outbox.0": {"$exists": True}}, {"$set": {"outbox_pending": True}})

    rounds = relay_rounds(infra, namespace, 3, after_publish=flag_the_rest)
    assert sum(rounds) == 25 and needs_db.count_documents({"outbox_pending": True}) == 0
    published = read_topic(infra.kafka_bootstrap_servers, f"{namespace}.{NEED_IDENTIFIED.topic}")
    assert {r.headers["ce_id"] for r in published} == {r.event_id for r in records.values()}


def test_two_writers_creating_the_same_document_are_told_to_retry(needs_db):
    commit(new_need(), [event()])
    with pytest.raises(ConcurrentUpdate):
        commit(new_need(), [event()])
    assert needs_db.count_documents({}) == 1


def test_a_bulk_batch_is_invisible_until_complete_and_the_sweep_repairs_an_interrupted_one(needs_db, namespace):
    insert_all([(new_need(id=f"bulk-{i}"), [event()]) for i in range(3)])
    assert needs_db.count_documents({"outbox_pending": True}) == 3  # flagged once all three were in

    # An insert_all that died between its insert and its flag leaves entries unflagged; an hour later
    # the relay's sweep flags them, so they are published after all.
    stale = datetime.now(UTC) - timedelta(hours=1)
    orphan = event()
    needs_db.insert_one(
        {
            "_id": "orphan",
            "gap": 1,
            "version": 1,
            "outbox_pending": False,
            "outbox": [
                {
                    "event_id": orphan.event_id,
                    "topic": orphan.topic,
                    "key": orphan.key,
                    "headers": orphan.headers,
                    "value": orphan.value.decode(),
                    "recorded_at": stale,
                }
            ],
        }
    )
    relay = needs_relay(KafkaBroker("127.0.0.1:1"), namespace)
    assert relay.sweep() == 1
    assert needs_db.find_one({"_id": "orphan"})["outbox_pending"] is True


def test_a_bulk_insert_leaves_a_document_written_meanwhile_as_it_is(needs_db):
    commit(new_need(id="taken", gap=1), [event()])  # e.g. an assessment recorded during an analysis
    inserted = insert_all([(new_need(id="taken", gap=3), [event()]), (new_need(id="free"), [event()])])
    assert inserted == 1
    assert needs_db.find_one({"_id": "taken"})["gap"] == 1
    assert needs_db.find_one({"_id": "free"})["outbox_pending"] is True


def queued_around(record):
    """Three documents, each with one event: an ordinary one, ``record``, another ordinary one."""
    before, after = event(), event()
    for key, queued in (("before", before), ("middle", record), ("after", after)):
        commit(new_need(id=key), [queued])
    return before, after


def test_an_event_kafka_refuses_as_too_large_is_set_aside_and_the_queue_behind_it_moves_on(needs_db, infra, namespace):
    # Kafka's default limit on a record is about 1 MB (max.message.bytes): this one can never go out,
    # not even to the dead-letter topic, so it is kept in the dead-letter collection.
    huge = new_event(NEED_IDENTIFIED, need_payload(reason="x" * 1_200_000), subject="199002202015032001")
    before, after = queued_around(huge)

    registry = CollectorRegistry()
    assert relay_rounds(infra, namespace, 2, registry=registry) == [3, 0]
    assert needs_db.count_documents({"outbox_pending": True}) == 0
    topic = f"{namespace}.{NEED_IDENTIFIED.topic}"
    published = read_topic(infra.kafka_bootstrap_servers, topic)
    assert {r.headers["ce_id"] for r in published} == {before.event_id, after.event_id}
    assert read_topic(infra.kafka_bootstrap_servers, f"{topic}.dlq") == []

    (kept,) = needs_db.database[OUTBOX_DEAD_LETTERS].find()
    assert kept["_id"] == huge.event_id and kept["topic"] == topic and kept["key"] == "199002202015032001"
    assert json.loads(kept["value"])["reason"] == "x" * 1_200_000
    assert kept["headers"]["ce_type"] == NEED_IDENTIFIED.type
    assert kept["headers"]["dlq_original_topic"] == topic and kept["headers"]["dlq_outbox_service"] == "test"
    assert "MessageSizeTooLarge" in kept["error"] and "MessageSizeTooLarge" in kept["dead_letter_error"]
    labels = {"service": "test", "topic": NEED_IDENTIFIED.topic, "destination": "collection"}
    assert registry.get_sample_value("outbox_dead_letters_total", labels) == 1


def test_an_event_too_large_for_its_topic_goes_to_the_dead_letter_topic(needs_db, infra, namespace):
    # The topic takes at most 20 kB a record (max.message.bytes); its dead-letter topic the default 1 MB.
    topic = f"{namespace}.{NEED_IDENTIFIED.topic}"
    with KafkaAdminClient(bootstrap_servers=infra.kafka_bootstrap_servers) as admin:
        admin.create_topics([NewTopic(topic, 1, 1, topic_configs={"max.message.bytes": "20000"})], timeout_ms=30_000)
    large = new_event(NEED_IDENTIFIED, need_payload(reason="x" * 50_000), subject="199002202015032001")
    before, after = queued_around(large)

    registry = CollectorRegistry()
    assert relay_rounds(infra, namespace, 2, registry=registry) == [3, 0]
    published = read_topic(infra.kafka_bootstrap_servers, topic)
    assert {r.headers["ce_id"] for r in published} == {before.event_id, after.event_id}
    (letter,) = read_topic(infra.kafka_bootstrap_servers, f"{topic}.dlq")
    assert letter.headers["ce_id"] == large.event_id and letter.key == "199002202015032001"
    assert letter.value == large.value
    assert letter.headers["dlq_original_topic"] == topic and letter.headers["dlq_attempts"] == "1"
    assert "MessageSizeTooLarge" in letter.headers["dlq_error"] and letter.headers["dlq_failed_at"]
    assert needs_db.database[OUTBOX_DEAD_LETTERS].count_documents({}) == 0
    labels = {"service": "test", "topic": NEED_IDENTIFIED.topic, "destination": "topic"}
    assert registry.get_sample_value("outbox_dead_letters_total", labels) == 1


def test_an_event_for_a_topic_the_answering_broker_does_not_have_is_set_aside(needs_db, infra, namespace):
    # Broker auto-creation is off: a topic deleted (or never created) after start-up refuses every record.
    lost = new_event(NEED_IDENTIFIED, need_payload(), subject="199002202015032001")
    before, after = queued_around(dataclasses.replace(lost, topic="bkpsdm.needs.no-such-topic.v1"))

    assert relay_rounds(infra, namespace, 2, request_timeout_ms=3000) == [3, 0]
    published = read_topic(infra.kafka_bootstrap_servers, f"{namespace}.{NEED_IDENTIFIED.topic}")
    assert {r.headers["ce_id"] for r in published} == {before.event_id, after.event_id}
    (kept,) = needs_db.database[OUTBOX_DEAD_LETTERS].find()
    assert kept["topic"] == f"{namespace}.bkpsdm.needs.no-such-topic.v1"
    assert "UnknownTopicOrPartition" in kept["error"] and "UnknownTopicOrPartition" in kept["dead_letter_error"]


def with_relay(infra, namespace, action):
    """Run ``action(relay)`` with a needs relay on the real broker."""
    ensure_topics(
        infra.kafka_bootstrap_servers,
        [f"{namespace}.{NEED_IDENTIFIED.topic}"],
        partitions=2,
        replication_factor=1,
        retention_ms=3_600_000,
    )

    async def run():
        broker = KafkaBroker(infra.kafka_bootstrap_servers)
        await broker.start()
        try:
            return await action(needs_relay(broker, namespace))
        finally:
            await broker.stop()

    return asyncio.run(run())


def published_ids(infra, namespace):
    return [
        r.headers["ce_id"] for r in read_topic(infra.kafka_bootstrap_servers, f"{namespace}.{NEED_IDENTIFIED.topic}")
    ]


def test_what_a_round_published_is_recorded_not_sent_again_and_cleared_afterwards(needs_db, infra, namespace):
    # The round records what went out with one insert instead of rewriting every aggregate (FerretDB v1
    # rewrites a whole document per update); until the clearing, later rounds skip what it recorded.
    records = [event() for _ in range(5)]
    for i, record in enumerate(records):
        commit(new_need(id=f"need-{i}"), [record])

    async def rounds(relay):
        first, second = await relay.publish_pending(), await relay.publish_pending()
        pending = needs_db.count_documents({"outbox_pending": True})
        return first, second, pending, await asyncio.to_thread(relay.clear_published)

    assert with_relay(infra, namespace, rounds) == (5, 0, 5, 5)
    assert sorted(published_ids(infra, namespace)) == sorted(r.event_id for r in records)
    assert needs_db.count_documents({"outbox_pending": True}) == 0
    assert needs_db.database[PUBLISHED].count_documents({}) == 0


def test_a_crash_between_publication_and_its_record_publishes_again(needs_db, infra, namespace):
    records = [event() for _ in range(3)]
    for i, record in enumerate(records):
        commit(new_need(id=f"need-{i}"), [record])

    async def crash_then_round(relay):
        def crash(*_):
            raise ConnectionError("database gone after the acknowledgements")

        relay._record = crash
        with pytest.raises(ConnectionError):
            await relay.publish_pending()
        del relay._record
        return await relay.run_once()

    assert with_relay(infra, namespace, crash_then_round) == 3
    ids = published_ids(infra, namespace)
    assert len(ids) == 6 and set(ids) == {r.event_id for r in records}  # twice: consumers absorb it
    assert needs_db.count_documents({"outbox_pending": True}) == 0


def test_a_document_written_again_before_its_clearing_sends_only_its_new_entry(needs_db, infra, namespace):
    need, first, second = new_need(), event(), event()
    commit(need, [first])

    async def rounds(relay):
        published = [await relay.publish_pending()]
        need.gap = 1
        commit(need, [second])  # a new token: the ledger's record of the first round no longer matches it
        published.append(await relay.publish_pending())
        await asyncio.to_thread(relay.clear_published)
        return published

    assert with_relay(infra, namespace, rounds) == [1, 1]
    assert published_ids(infra, namespace) == [first.event_id, second.event_id]
    stored = needs_db.find_one({"_id": need.id})
    assert (stored["gap"], stored["outbox"], stored["outbox_pending"]) == (1, [], False)
