"""Builds the service's FastStream Kafka broker from settings (never at import time)."""

from __future__ import annotations

from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.kafka.prometheus import KafkaPrometheusMiddleware
from faststream.security import BaseSecurity, SASLScram256, SASLScram512
from prometheus_client import CollectorRegistry

from shared.settings import ServiceSettings


def broker_security(settings: ServiceSettings) -> BaseSecurity | None:
    """The same TLS and SASL/SCRAM settings the kafka-python clients get (ServiceSettings.kafka_client_options)."""
    context = settings.kafka_ssl_context()
    if settings.kafka_uses_sasl:
        scram = SASLScram512 if settings.kafka_sasl_mechanism == "SCRAM-SHA-512" else SASLScram256
        return scram(
            settings.kafka_sasl_username,
            settings.kafka_sasl_password.get_secret_value(),
            ssl_context=context,
            use_ssl=context is not None,
        )
    return BaseSecurity(ssl_context=context) if context is not None else None


def build_broker(settings: ServiceSettings, registry: CollectorRegistry) -> KafkaBroker:
    return KafkaBroker(
        settings.kafka_bootstrap_servers,
        client_id=settings.service_name,
        security=broker_security(settings),
        # A publish counts only once every in-sync replica has it, and retries cannot duplicate it.
        acks="all",
        enable_idempotence=True,
        # Stopping waits this long for handlers in flight, so their offsets are committed only when done.
        graceful_timeout=settings.kafka_graceful_timeout_s,
        # Offsets are committed after the handler returns; see shared.messaging.consumer.
        ack_policy=AckPolicy.ACK,
        middlewares=[KafkaPrometheusMiddleware(registry=registry, app_name=settings.service_name)],
    )
