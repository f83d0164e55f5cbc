"""Typed settings read from environment variables; a bad value stops the process at start-up."""

from __future__ import annotations

from typing import Literal

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

    mongodb_uri: str = "mongodb://127.0.0.1:27017"
    # The service's own database; defaults to the service name.
    mongodb_database: str = ""
    mongodb_timeout_ms: int = Field(default=5000, ge=100)

    outbox_poll_interval_s: float = Field(default=0.5, gt=0)
    outbox_batch_size: int = Field(default=200, ge=1)
    # Off only to simulate a crash between a state write and its publication (tests); never in service.
    outbox_relay_enabled: bool = True

    # Consumers: handler failures other than database outages are retried this often before the
    # record goes to the topic's dead-letter topic.
    consumer_max_attempts: int = Field(default=3, ge=1)
    consumer_retry_backoff_s: float = Field(default=0.2, ge=0)

    # How often consumer lag, dead letters and the outbox backlog are measured for /metrics.
    metrics_refresh_interval_s: float = Field(default=15.0, gt=0)

    jwt_algorithm: Literal["HS256", "HS384", "HS512", "RS256", "ES256"] = "HS256"
    jwt_secret: SecretStr = SecretStr(DEV_JWT_SECRET)
    jwt_public_key: str = ""
    jwt_audience: str = "bkpsdm-medan"
    jwt_issuer: str = "bkpsdm-medan-sso"

    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    @property
    def database_name(self) -> str:
        return self.mongodb_database or self.service_name

    @property
    def jwt_verification_key(self) -> str:
        if self.jwt_algorithm.startswith("HS"):
            return self.jwt_secret.get_secret_value()
        return self.jwt_public_key

    @model_validator(mode="after")
    def _check_keys(self) -> ServiceSettings:
        if not self.jwt_algorithm.startswith("HS") and not self.jwt_public_key:
            raise ValueError(f"JWT_PUBLIC_KEY is required for {self.jwt_algorithm}")
        if self.environment == "production" and self.jwt_secret.get_secret_value() == DEV_JWT_SECRET:
            raise ValueError("JWT_SECRET still has the development default; set a real secret in production")
        return self
