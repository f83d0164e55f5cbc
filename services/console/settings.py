"""The console's settings. It is no event-driven service (no Kafka, no database of its own), so it does
not take ServiceSettings: it needs the four services' addresses, the session key and the sign-in."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from services.console.oidc import OidcSettings
from shared.domain import clock

DEV_SESSION_SECRET = "dev-only-console-session-secret-0123456789"


class ConsoleSettings(OidcSettings):
    """Besides its own, the OIDC_* settings of production sign-in: OpenID Connect (authorization code +
    PKCE) against the city's identity provider, with the claims that carry the NIP, roles, unit and a
    partner's institution named by settings (``services.console.oidc``)."""

    model_config = SettingsConfigDict(env_file=None, extra="ignore", frozen=True)

    environment: Literal["development", "test", "production"] = "development"
    http_host: str = "127.0.0.1"
    # The address people reach the console at (behind the city's proxy): the OIDC redirect URI is made
    # from it. Unset: the address of the request.
    console_public_url: str = ""
    # The services the console calls (a backend-for-frontend: it never reads their databases).
    needs_url: str = "http://127.0.0.1:8001"
    training_url: str = "http://127.0.0.1:8002"
    evaluation_url: str = "http://127.0.0.1:8003"
    notifications_url: str = "http://127.0.0.1:8004"
    # The fiscal year the pages show unless the person picks another; unset: this year in Medan.
    # (`make up` loads the demo plan for next year, the one BKPSDM drafts now, and sets it so.)
    fiscal_year: int | None = Field(default=None, ge=2000, le=2100)
    service_timeout_s: float = Field(default=15.0, gt=0, le=300)
    # Signs the session cookie (HMAC-SHA256); a session lasts at most this long, whatever its token says.
    console_session_secret: SecretStr = SecretStr(DEV_SESSION_SECRET)
    console_session_max_age_s: int = Field(default=8 * 3600, ge=60, le=7 * 24 * 3600)

    def default_year(self) -> int:
        return self.fiscal_year or clock.today().year

    @property
    def dev_sign_in(self) -> bool:
        return self.environment == "development"

    @property
    def oidc_configured(self) -> bool:
        return bool(self.oidc_issuer and self.oidc_client_id)

    @property
    def secure_cookies(self) -> bool:
        return self.environment == "production"

    @model_validator(mode="after")
    def _production_needs_real_secrets(self) -> ConsoleSettings:
        if self.environment == "production":
            secret = self.console_session_secret.get_secret_value()
            if secret == DEV_SESSION_SECRET or len(secret) < 32:
                raise ValueError("CONSOLE_SESSION_SECRET must be set (32 characters or more) in production")
            if not self.oidc_configured:
                raise ValueError("OIDC_ISSUER and OIDC_CLIENT_ID are required in production: nobody could sign in")
        return self
