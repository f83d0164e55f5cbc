"""Consumer lag (end offset minus committed offset) per group, topic and partition, with kafka-python's
admin client, as `kafka-consumer-groups --describe` computes it.

Used by the runtime's lag gauge, the replay command and the fault tests (which wait for lag 0)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from kafka import TopicPartition
from kafka.admin import KafkaAdminClient, OffsetSpec
from prometheus_client import CollectorRegistry, Gauge


@dataclass(frozen=True)
class PartitionLag:
    group: str
    topic: str
    partition: int
    committed: int | None  # None: the group has committed nothing on this partition yet
    earliest: int
    end: int

    @property
    def lag(self) -> int:
        # Nothing committed means the group starts from the beginning (auto_offset_reset=earliest).
        return self.end - (self.committed if self.committed is not None else self.earliest)


def _offsets(
    admin: KafkaAdminClient, topics: Iterable[str]
) -> tuple[list[TopicPartition], dict[TopicPartition, int], dict[TopicPartition, int]]:
    """Every partition of the topics with its earliest and end offsets."""
    names = sorted(set(topics))
    if not names:
        return [], {}, {}
    partitions = [
        TopicPartition(d["name"], p["partition_index"])
        for d in admin.describe_topics(names)
        if not d.get("error_code")
        for p in d["partitions"]
    ]
    starts = admin.list_partition_offsets(dict.fromkeys(partitions, OffsetSpec.EARLIEST))
    ends = admin.list_partition_offsets(dict.fromkeys(partitions, OffsetSpec.LATEST))
    return partitions, {tp: starts[tp].offset for tp in partitions}, {tp: ends[tp].offset for tp in partitions}


def consumer_lag(admin: KafkaAdminClient, groups: Mapping[str, Iterable[str]]) -> list[PartitionLag]:
    """Lag of each group (id -> the topics it consumes) on every partition of its topics."""
    wanted = {g: set(ts) for g, ts in groups.items()}
    partitions, starts, ends = _offsets(admin, {t for ts in wanted.values() for t in ts})
    if not partitions:
        return []
    committed = admin.list_group_offsets(list(wanted))
    result = []
    for group, group_topics in wanted.items():
        offsets = committed.get(group, {})
        for tp in partitions:
            if tp.topic in group_topics:
                done = offsets.get(tp)
                at = done.offset if done is not None and done.offset >= 0 else None
                result.append(PartitionLag(group, tp.topic, tp.partition, at, starts[tp], ends[tp]))
    return result


def total_lag(bootstrap_servers: str, groups: Mapping[str, Iterable[str]]) -> int:
    with KafkaAdminClient(bootstrap_servers=bootstrap_servers, client_id="lag-check") as admin:
        return sum(p.lag for p in consumer_lag(admin, groups))


def topic_sizes(admin: KafkaAdminClient, topics: Iterable[str]) -> dict[str, int]:
    """Records currently held by each topic (end minus earliest offsets, summed over partitions)."""
    names = sorted(set(topics))
    partitions, starts, ends = _offsets(admin, names)
    sizes = dict.fromkeys(names, 0)
    for tp in partitions:
        sizes[tp.topic] += ends[tp] - starts[tp]
    return sizes


class BrokerGauges:
    """Lag per group/topic/partition and dead letters per topic, refreshed by a background task rather
    than per scrape: asking the group coordinator takes several round trips, too slow for every scrape."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.lag = Gauge(
            "kafka_consumer_lag",
            "Records not yet processed by a consumer group (end offset minus committed offset)",
            ["service", "group", "topic", "partition"],
            registry=registry,
        )
        self.dead_letters = Gauge(
            "kafka_dead_letter_records",
            "Records held by a dead-letter topic this service writes to",
            ["service", "topic"],
            registry=registry,
        )

    def refresh(
        self, admin: KafkaAdminClient, service: str, groups: Mapping[str, Iterable[str]], dead_letter_topics: list[str]
    ) -> None:
        for p in consumer_lag(admin, groups):
            self.lag.labels(service, p.group, p.topic, str(p.partition)).set(p.lag)
        for topic, size in topic_sizes(admin, dead_letter_topics).items():
            self.dead_letters.labels(service, topic).set(size)
