"""Explicit topic creation with kafka-python's admin client (broker auto-creation is off)."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from kafka.admin import KafkaAdminClient

from shared.events import EventContract

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Naming:
    """Deployment namespace for topics and consumer groups (e.g. ``staging``); empty in production.

    Contracts name the canonical topic; a namespace lets two deployments, or a test run and a running
    demo, share one Kafka cluster without reading each other's events.
    """

    namespace: str = ""

    def __call__(self, name: str) -> str:
        return f"{self.namespace}.{name}" if self.namespace else name


def topics_for(contracts: Iterable[EventContract]) -> list[str]:  # type: ignore[type-arg]
    """Every contract's topic and its dead-letter topic."""
    return [t for c in contracts for t in (c.topic, c.dead_letter_topic)]


def ensure_topics(
    bootstrap_servers: str,
    topics: Iterable[str],
    *,
    partitions: int,
    replication_factor: int,
    retention_ms: int,
    timeout_s: float = 30.0,
    client_options: Mapping[str, Any] | None = None,
) -> list[str]:
    """Create the topics that do not exist yet; return the names created. Safe to call concurrently."""
    wanted = sorted(set(topics))
    with KafkaAdminClient(
        bootstrap_servers=bootstrap_servers,
        client_id="topic-admin",
        request_timeout_ms=int(timeout_s * 1000),
        **(client_options or {}),
    ) as admin:
        existing = set(admin.list_topics())
        missing = [t for t in wanted if t not in existing]
        if missing:
            spec = {
                t: {
                    "num_partitions": partitions,
                    "replication_factor": replication_factor,
                    "configs": {"retention.ms": str(retention_ms)},
                }
                for t in missing
            }
            # raise_errors=False: another service may create the same topic at the same moment.
            admin.create_topics(spec, timeout_ms=int(timeout_s * 1000), raise_errors=False, wait_for_metadata=True)
            log.info("created topics", extra={"fields": {"topics": missing}})
        return missing
