from __future__ import annotations

from pydantic import Field, SecretStr, model_validator

from services.notifications.destinations import DestinationPolicy
from shared.settings import ServiceSettings


class NotificationsSettings(ServiceSettings):
    service_name: str = "notifications"
    http_port: int = Field(default=8004, ge=1, le=65535)
    # E-mail: Mailpit's SMTP port by default (docker-compose runs it; its web UI shows what was sent).
    smtp_host: str = "127.0.0.1"
    smtp_port: int = Field(default=1025, ge=1, le=65535)
    smtp_from: str = "BKPSDM Kota Medan <noreply@bkpsdm-medan.local>"
    smtp_username: str = ""
    smtp_password: SecretStr = SecretStr("")
    smtp_starttls: bool = False
    smtp_timeout_s: float = Field(default=10.0, gt=0)
    # Webhooks: how long one call may take before it counts as failed.
    webhook_timeout_s: float = Field(default=10.0, gt=0)
    # Only URLs whose host resolves to public addresses (services/notifications/destinations.py); unset:
    # on in production. Hosts listed in WEBHOOK_ALLOWED_HOSTS (comma-separated) are let through anyway.
    webhook_public_only: bool | None = None
    webhook_allowed_hosts: str = ""
    # Retries of e-mails and webhook calls: the wait doubles from DELIVERY_BACKOFF_S up to
    # DELIVERY_BACKOFF_MAX_S; after DELIVERY_MAX_ATTEMPTS failed attempts the delivery is dead (replayable).
    # The defaults keep trying for about two hours, long enough to ride out a receiver's restart or deployment.
    delivery_max_attempts: int = Field(default=8, ge=1)
    delivery_backoff_s: float = Field(default=60.0, ge=0)
    delivery_backoff_max_s: float = Field(default=3600.0, ge=0)
    # The dispatcher: how often it looks for due deliveries (it is also woken after each event), how many
    # it claims at once, and how many calls per channel may be in flight.
    dispatch_enabled: bool = True  # off: deliveries are recorded but sent by another instance
    dispatch_interval_s: float = Field(default=2.0, gt=0)
    dispatch_batch_size: int = Field(default=100, ge=1)
    dispatch_concurrency: int = Field(default=8, ge=1)
    # The daily digest for unit heads and BKPSDM who choose it, at this hour in Medan (WIB).
    digest_enabled: bool = True
    digest_hour: int = Field(default=7, ge=0, le=23)

    def webhook_destinations(self) -> DestinationPolicy:
        public_only = (
            self.webhook_public_only if self.webhook_public_only is not None else self.environment == "production"
        )
        hosts = frozenset(h.strip().lower() for h in self.webhook_allowed_hosts.split(",") if h.strip())
        return DestinationPolicy(public_only=public_only, allowed_hosts=hosts)

    @property
    def delivery_lease_s(self) -> float:
        """How long a claimed delivery stays away from other dispatchers: longer than any one attempt. The
        timeouts bound each socket wait, not a whole attempt, and an SMTP session waits up to ten times
        (connect, greeting, EHLO, STARTTLS and EHLO again, AUTH, MAIL, RCPT, DATA, the message)."""
        return 10 * max(self.smtp_timeout_s, self.webhook_timeout_s) + 30

    @model_validator(mode="after")
    def _backoff_cap_not_below_start(self) -> NotificationsSettings:
        if self.delivery_backoff_max_s < self.delivery_backoff_s:
            raise ValueError("DELIVERY_BACKOFF_MAX_S must not be below DELIVERY_BACKOFF_S")
        return self
