"""Settings of the two outward integrations, read from the environment like every service setting (a bad
value stops the process at start-up). A service that wires them in instantiates these next to its own
settings, or mixes them into its settings class."""

from __future__ import annotations

from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.interop.siasn import Agency, JenisDiklatTable
from shared.interop.xapi import XapiProfile

_CONFIG = SettingsConfigDict(env_file=None, extra="ignore", frozen=True)
Environment = Literal["development", "test", "production"]


def _https(url: str) -> bool:
    return urlsplit(url).scheme == "https"


class XapiSettings(BaseSettings):
    """``XAPI_*``: where statements go and the IRIs they are written with."""

    model_config = _CONFIG

    environment: Environment = "development"
    xapi_enabled: bool = False
    # The LRS's xAPI endpoint; statements are PUT to <endpoint>/statements.
    xapi_lrs_endpoint: str = ""
    xapi_lrs_username: str = ""
    xapi_lrs_password: SecretStr = SecretStr("")
    xapi_timeout_s: float = Field(default=10.0, gt=0)
    # actor.account.homePage: the system the NIP accounts belong to.
    xapi_home_page: str = "https://kompetensi.pemkomedan.go.id"
    # Activities (programmes, batches, tests, evaluations) and extension keys are IRIs under this base.
    xapi_iri_base: str = "https://kompetensi.pemkomedan.go.id/xapi"

    def profile(self) -> XapiProfile:
        return XapiProfile(home_page=self.xapi_home_page, iri_base=self.xapi_iri_base)

    @model_validator(mode="after")
    def _check(self) -> XapiSettings:
        self.profile()  # refuses IRIs that are not absolute http(s)
        if self.xapi_enabled:
            if not (self.xapi_lrs_endpoint and self.xapi_lrs_username and self.xapi_lrs_password.get_secret_value()):
                raise ValueError("XAPI_ENABLED needs XAPI_LRS_ENDPOINT, XAPI_LRS_USERNAME and XAPI_LRS_PASSWORD")
            if self.environment == "production" and not _https(self.xapi_lrs_endpoint):
                raise ValueError("XAPI_LRS_ENDPOINT must be https in production (Basic auth sends the password)")
        return self


class SiasnSettings(BaseSettings):
    """``SIASN_*``: BKN's API gateway, the OAuth2 client of this agency, and the ids SIASN knows it by."""

    model_config = _CONFIG

    environment: Environment = "development"
    siasn_enabled: bool = False
    siasn_base_url: str = "https://apimws.bkn.go.id:8243/apisiasn/1.0"
    siasn_token_url: str = "https://apimws.bkn.go.id/oauth2/token"
    siasn_client_id: str = ""
    siasn_client_secret: SecretStr = SecretStr("")
    # SIASN's SSO token (sent as ``Auth: bearer``), from a password grant; empty: not sent.
    siasn_sso_token_url: str = ""
    siasn_sso_client_id: str = ""
    siasn_sso_username: str = ""
    siasn_sso_password: SecretStr = SecretStr("")
    siasn_timeout_s: float = Field(default=30.0, gt=0)
    # Fetch a new token this long before the current one expires.
    siasn_token_margin_s: float = Field(default=30.0, ge=0)
    siasn_instansi_id: str = ""
    siasn_lokasi_id: str = ""
    siasn_default_penyelenggara: str = "BKPSDM Kota Medan"
    # The table used until BKPSDM saves one through PUT /siasn/table; empty: the bundled default.
    siasn_jenis_diklat_table: Path | None = None
    # The sync job: how often it sends what is due, how many entries per round, and how long a retryable
    # entry waits (doubling from SIASN_RETRY_BACKOFF_S up to SIASN_RETRY_BACKOFF_MAX_S; it never gives up).
    siasn_sync_interval_s: float = Field(default=900.0, gt=0, le=86400)
    siasn_sync_batch_size: int = Field(default=50, ge=1, le=1000)
    siasn_retry_backoff_s: float = Field(default=300.0, ge=0, le=86400)
    siasn_retry_backoff_max_s: float = Field(default=21600.0, ge=0, le=604800)

    def agency(self) -> Agency:
        return Agency(self.siasn_instansi_id, self.siasn_lokasi_id, self.siasn_default_penyelenggara)

    def table(self) -> JenisDiklatTable:
        return JenisDiklatTable.load(self.siasn_jenis_diklat_table)

    @property
    def sso_enabled(self) -> bool:
        return bool(self.siasn_sso_token_url)

    @model_validator(mode="after")
    def _check(self) -> SiasnSettings:
        self.table()  # a broken table stops the start, not the first completion
        if not self.siasn_enabled:
            return self
        missing = [
            name
            for name, value in (
                ("SIASN_CLIENT_ID", self.siasn_client_id),
                ("SIASN_CLIENT_SECRET", self.siasn_client_secret.get_secret_value()),
                ("SIASN_INSTANSI_ID", self.siasn_instansi_id),
                ("SIASN_LOKASI_ID", self.siasn_lokasi_id),
            )
            if not value
        ]
        if self.sso_enabled and not (self.siasn_sso_username and self.siasn_sso_password.get_secret_value()):
            missing.append("SIASN_SSO_USERNAME/SIASN_SSO_PASSWORD")
        if missing:
            raise ValueError(f"SIASN_ENABLED needs {', '.join(missing)}")
        if self.environment == "production":
            plain = [
                u for u in (self.siasn_base_url, self.siasn_token_url, self.siasn_sso_token_url) if u and not _https(u)
            ]
            if plain:
                raise ValueError(f"SIASN URLs must be https in production: {', '.join(plain)}")
        return self
