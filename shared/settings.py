"""Typed settings read from environment variables; a bad value stops the process at start-up."""

from __future__ import annotations

import ssl
from typing import Any, Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_JWT_SECRET = "dev-only-secret-change-me-0123456789abcdef"


class ServiceSettings(BaseSettings):
    """Settings every service shares. Each service subclasses it to set its name and defaults."""

    model_config = SettingsConfigDict(env_file=None, extra="ignore", frozen=True)

    service_name: str
    environment: Literal["development", "test", "production"] = "development"
    http_host: str = "127.0.0.1"
    http_port: int = Field(ge=1, le=65535)

    kafka_bootstrap_servers: str = "127.0.0.1:9092"
    # Prefix for topics and consumer groups, so deployments (or test runs) can share one cluster.
    kafka_namespace: str = Field(default="", pattern=r"^[A-Za-z0-9_-]*$")
    # Topic layout, applied when a service creates the topics it owns (broker auto-creation is off).
    kafka_topic_partitions: int = Field(default=3, ge=1)
    kafka_topic_replication_factor: int = Field(default=1, ge=1)
    kafka_topic_retention_ms: int = Field(default=30 * 24 * 3600 * 1000, ge=-1)
    kafka_graceful_timeout_s: float = Field(default=15.0, gt=0)
    # Transport security and authentication (production: SASL_SSL with SCRAM, one user per service, whose
    # ACLs let it write only its own topics; see README "Security").
    kafka_security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = "PLAINTEXT"
    kafka_sasl_mechanism: Literal["SCRAM-SHA-256", "SCRAM-SHA-512"] = "SCRAM-SHA-512"
    kafka_sasl_username: str = ""
    kafka_sasl_password: SecretStr = SecretStr("")
    # The CA that signed the brokers' certificates (PEM); empty: the system's trust store.
    kafka_ssl_cafile: str = ""

    mongodb_uri: str = "mongodb://127.0.0.1:27017"
    # The service's own database; defaults to the service name.
    mongodb_database: str = ""
    mongodb_timeout_ms: int = Field(default=5000, ge=100)
    # How long a command may go unanswered on an open connection before it counts as an outage (pymongo's
    # socketTimeoutMS): a database that froze, or a lost answer (seen once in CI: two reads blocked in
    # recv for good while FerretDB answered others), then fails that command, where it waited forever.
    # Well above any one command measured here (a scan of Medan's largest collection takes seconds).
    mongodb_socket_timeout_ms: int = Field(default=120_000, ge=100)
    # On FerretDB v1 only: the PostgreSQL database it stores into (a user that owns FerretDB's tables),
    # where start-up creates the indexes FerretDB's SQL can use for lookups (shared/ferretdb.py). Unset:
    # every lookup scans its collection, and the service says so (log, database_lookups_indexed 0).
    ferretdb_postgresql_url: SecretStr = SecretStr("")
    # true: refuse to start on FerretDB when the lookups cannot be indexed (an upgrade changed its SQL,
    # the URL is missing or wrong) instead of serving slowly.
    ferretdb_lookup_indexes_required: bool = False

    outbox_poll_interval_s: float = Field(default=0.5, gt=0)
    # Rounds that find nothing wait longer and longer for the next, up to this (this process's own
    # commits wake the relay at once; what another replica left after a crash waits at most this long).
    outbox_idle_poll_max_s: float = Field(default=5.0, gt=0)
    outbox_batch_size: int = Field(default=200, ge=1, le=100_000)
    # After a wake-up the relay waits this long before reading, so the commits of requests arriving
    # together are published and cleared in one round; 0 sends each commit in a round of its own.
    outbox_linger_ms: int = Field(default=5, ge=0, le=1000)
    # Off only to simulate a crash between a state write and its publication (tests); never in service.
    outbox_relay_enabled: bool = True

    # Consumers: handler failures other than database outages are retried this often before the
    # record goes to the topic's dead-letter topic.
    consumer_max_attempts: int = Field(default=3, ge=1)
    consumer_retry_backoff_s: float = Field(default=0.2, ge=0)
    # Records are taken up to this many at a time (one inbox question, bulk inbox marks, one offset
    # commit per batch); a fetch that finds nothing waits this long before asking again.
    consumer_batch_max: int = Field(default=100, ge=1, le=10_000)
    consumer_batch_timeout_ms: int = Field(default=100, ge=1, le=60_000)

    # A service whose database or Kafka does not answer at start-up keeps trying, waiting twice as long
    # each time up to this, and reports not ready (503) meanwhile.
    startup_retry_max_s: float = Field(default=30.0, gt=0)

    # Reference data read on hot paths (units, positions, competencies, the directory, programmes) is
    # cached per process (shared/cache.py): the service's own writes invalidate it at once; changes made
    # by another replica or directly in the database are seen after at most this many seconds; 0: off.
    reference_cache_ttl_s: float = Field(default=60.0, ge=0, le=3600, allow_inf_nan=False)
    reference_cache_max_entries: int = Field(default=10_000, ge=1, le=1_000_000)

    # How often consumer lag, dead letters and the outbox backlog are measured for /metrics.
    metrics_refresh_interval_s: float = Field(default=15.0, gt=0)
    # The outbox backlog is counted up to this many documents: on FerretDB v1 a count decodes every
    # document it matches (37,748 pending took 17.9 s), and far past the alert's threshold (100) the
    # exact figure is worth less than that work every refresh. At this value: at least this many.
    outbox_backlog_count_max: int = Field(default=1000, ge=1)
    # Leadership KPIs (shared/kpi.py): how often they are recomputed from the database, and how many units
    # (or phases) one KPI may export, which bounds the series Prometheus stores.
    kpi_refresh_interval_s: float = Field(default=60.0, gt=0)
    # At most this share of the time is spent recomputing them: a slower recomputation waits longer.
    kpi_refresh_max_share: float = Field(default=0.05, gt=0, le=1)
    kpi_max_groups: int = Field(default=1000, ge=1, le=100_000)

    jwt_algorithm: Literal["HS256", "HS384", "HS512", "RS256", "ES256"] = "HS256"
    jwt_secret: SecretStr = SecretStr(DEV_JWT_SECRET)
    jwt_public_key: str = ""
    jwt_audience: str = "bkpsdm-medan"
    jwt_issuer: str = "bkpsdm-medan-sso"
    # The claim that names a partner's institution (the SSO's own name for it); it decides which
    # curricula a partner may change (docs/authorization.md).
    jwt_institution_claim: str = Field(default="institution", min_length=1, max_length=100)

    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    # HTTP: the largest request body accepted (routes that take files set their own, larger limit).
    http_max_body_bytes: int = Field(default=1_000_000, ge=1)
    # /docs, /redoc, /openapi.json and /asyncapi.json; unset: on, except in production.
    api_docs_enabled: bool | None = None
    # Browser origins allowed to call the API, comma-separated; empty: no cross-origin calls.
    cors_allowed_origins: str = ""

    @property
    def database_name(self) -> str:
        return self.mongodb_database or self.service_name

    @property
    def jwt_verification_key(self) -> str:
        if self.jwt_algorithm.startswith("HS"):
            return self.jwt_secret.get_secret_value()
        return self.jwt_public_key

    @property
    def docs_enabled(self) -> bool:
        return self.api_docs_enabled if self.api_docs_enabled is not None else self.environment != "production"

    @property
    def cors_origins(self) -> list[str]:
        return [o.strip() for o in self.cors_allowed_origins.split(",") if o.strip()]

    @property
    def kafka_uses_sasl(self) -> bool:
        return self.kafka_security_protocol.startswith("SASL")

    def kafka_ssl_context(self) -> ssl.SSLContext | None:
        if not self.kafka_security_protocol.endswith("SSL"):
            return None
        return ssl.create_default_context(cafile=self.kafka_ssl_cafile or None)

    def kafka_client_options(self) -> dict[str, Any]:
        """Security options for kafka-python clients (topic admin, lag measurement)."""
        options: dict[str, Any] = {"security_protocol": self.kafka_security_protocol}
        if self.kafka_uses_sasl:
            options |= {
                "sasl_mechanism": self.kafka_sasl_mechanism,
                "sasl_plain_username": self.kafka_sasl_username,
                "sasl_plain_password": self.kafka_sasl_password.get_secret_value(),
            }
        if (context := self.kafka_ssl_context()) is not None:
            options["ssl_context"] = context
        return options

    @model_validator(mode="after")
    def _check_keys(self) -> ServiceSettings:
        if not self.jwt_algorithm.startswith("HS") and not self.jwt_public_key:
            raise ValueError(f"JWT_PUBLIC_KEY is required for {self.jwt_algorithm}")
        if self.kafka_uses_sasl and not (self.kafka_sasl_username and self.kafka_sasl_password.get_secret_value()):
            raise ValueError("KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD are required with SASL")
        if self.environment == "production":
            self._check_production()
        return self

    def _check_production(self) -> None:
        """Fail closed: a production process refuses to start on a development default."""
        if self.jwt_algorithm.startswith("HS"):
            secret = self.jwt_secret.get_secret_value()
            if secret == DEV_JWT_SECRET:
                raise ValueError("JWT_SECRET still has the development default; set a real secret in production")
            if len(secret) < 32:
                raise ValueError("JWT_SECRET must be at least 32 characters in production")
        if "*" in self.cors_origins:
            raise ValueError("CORS_ALLOWED_ORIGINS may not be '*' in production; list the allowed origins")
        if self.kafka_security_protocol != "SASL_SSL":
            raise ValueError("KAFKA_SECURITY_PROTOCOL must be SASL_SSL in production (SCRAM over TLS)")
