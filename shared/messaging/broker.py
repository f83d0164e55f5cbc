"""Builds the service's FastStream Kafka broker from settings (never at import time)."""

from __future__ import annotations

from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.kafka.prometheus import KafkaPrometheusMiddleware
from prometheus_client import CollectorRegistry

from shared.settings import ServiceSettings


def build_broker(settings: ServiceSettings, registry: CollectorRegistry) -> KafkaBroker:
    return KafkaBroker(
        settings.kafka_bootstrap_servers,
        client_id=settings.service_name,
        # A publish counts only once every in-sync replica has it, and retries cannot duplicate it.
        acks="all",
        enable_idempotence=True,
        # Stopping waits this long for handlers in flight, so their offsets are committed only when done.
        graceful_timeout=settings.kafka_graceful_timeout_s,
        # Offsets are committed after the handler returns; see shared.messaging.consumer.
        ack_policy=AckPolicy.ACK,
        middlewares=[KafkaPrometheusMiddleware(registry=registry, app_name=settings.service_name)],
    )
