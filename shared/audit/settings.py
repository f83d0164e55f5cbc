"""Settings of the personal-data plumbing, read from the same environment as the service's own."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_PSEUDONYM_KEY = "dev-only-pseudonym-key-change-me"

# The records that account for processing: who read or changed whose data (the audit trail) and the
# data-subject requests with how each was handled (UU 27/2022: the controller accounts for its
# processing; Art. 14 as gathered in the reference notes: requests are recorded). The law names no
# period: five years (1,825 days) is this deployment's policy floor, to be confirmed by BKPSDM's legal
# officer. Neither RETENTION_DAYS nor the retention route can shorten it; a longer period may be set.
MINIMUM_RETENTION_DAYS = {"audit_trail": 5 * 365, "privacy_receipts": 5 * 365}


class PrivacySettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=None, extra="ignore", frozen=True)

    environment: Literal["development", "test", "production"] = "development"
    # Keyed pseudonyms: the same NIP gives the same pseudonym in every service (statistics stay
    # consistent), and only who holds the key can link one back to a person.
    privacy_pseudonym_key: SecretStr = SecretStr(DEV_PSEUDONYM_KEY)
    # Retention in days per kind of record, overriding the service's defaults: RETENTION_DAYS='{"messages": 180}'.
    retention_days: dict[str, int] = Field(default_factory=dict)
    retention_enabled: bool = True
    retention_interval_s: float = Field(default=24 * 3600, gt=0)
    # The answers to data-subject requests carry the person's data (access): their topics keep it briefly.
    privacy_topic_retention_ms: int = Field(default=7 * 24 * 3600 * 1000, ge=60_000)

    @model_validator(mode="after")
    def _check_key(self) -> PrivacySettings:
        if self.environment == "production" and self.privacy_pseudonym_key.get_secret_value() == DEV_PSEUDONYM_KEY:
            raise ValueError("PRIVACY_PSEUDONYM_KEY still has the development default; set a real key in production")
        if any(days < 1 for days in self.retention_days.values()):
            raise ValueError("RETENTION_DAYS values are days, at least 1")
        short = {k: v for k, v in self.retention_days.items() if v < MINIMUM_RETENTION_DAYS.get(k, 1)}
        if short:
            floors = ", ".join(f"{k} {MINIMUM_RETENTION_DAYS[k]}" for k in sorted(short))
            raise ValueError(f"RETENTION_DAYS may not go under the minimum kept for accountability (days): {floors}")
        return self
