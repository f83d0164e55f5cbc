"""Settings of the certificate machinery, read from the same environment as the service's own."""

from __future__ import annotations

from typing import Literal

from pydantic import SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.credentials.keys import BadKey, SigningKey, decode_multikey, parse_seed

# Development and tests only: a production process refuses it (anyone can sign with a published seed).
DEV_SIGNING_KEY_SEED = "0d15ea5e" * 8


class CredentialSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=None, extra="ignore", frozen=True)

    environment: Literal["development", "test", "production"] = "development"
    # Where the training service answers from the outside: credential ids, the issuer profile, keys and
    # status lists are URLs under it (``/credentials/...``), and the QR code points there. Never change
    # it once certificates are out: every issued credential names it.
    credentials_base_url: str = "http://127.0.0.1:8002"
    # 32 bytes as 64 hex digits (``python -m shared.credentials.keys`` makes one), from the secret store.
    credentials_signing_key_seed: SecretStr = SecretStr("")
    # Public keys (publicKeyMultibase, comma-separated) of earlier signing keys whose credentials are
    # still in use: listed in the issuer profile, so those credentials keep verifying after a rotation.
    credentials_retired_public_keys: str = ""
    credentials_issuer_name: str = "Badan Kepegawaian dan Pengembangan Sumber Daya Manusia Kota Medan"
    credentials_issuer_url: str = ""
    credentials_issuer_email: str = ""
    # Who signs the printed certificate (name and title under the signature block).
    credentials_signatory_title: str = "Kepala BKPSDM Kota Medan"
    credentials_signatory_name: str = ""

    @field_validator("credentials_base_url")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @property
    def signing_key(self) -> SigningKey:
        seed = self.credentials_signing_key_seed.get_secret_value() or DEV_SIGNING_KEY_SEED
        return SigningKey(parse_seed(seed))

    @property
    def retired_public_keys(self) -> list[str]:
        return [k.strip() for k in self.credentials_retired_public_keys.split(",") if k.strip()]

    @model_validator(mode="after")
    def _check(self) -> CredentialSettings:
        if not self.credentials_base_url.startswith(("https://", "http://")):
            raise ValueError("CREDENTIALS_BASE_URL must be an http(s) URL")
        seed = self.credentials_signing_key_seed.get_secret_value()
        try:
            if seed:
                parse_seed(seed)
            for key in self.retired_public_keys:
                decode_multikey(key)
        except BadKey as exc:
            name = "CREDENTIALS_SIGNING_KEY_SEED" if "seed" in str(exc) else "CREDENTIALS_RETIRED_PUBLIC_KEYS"
            raise ValueError(f"{name}: {exc}") from None
        if self.environment == "production":
            if not seed or seed.lower() == DEV_SIGNING_KEY_SEED:
                raise ValueError(
                    "CREDENTIALS_SIGNING_KEY_SEED is required in production (python -m shared.credentials.keys "
                    "makes one); certificates would otherwise be signed with the published development key"
                )
            if not self.credentials_base_url.startswith("https://"):
                raise ValueError("CREDENTIALS_BASE_URL must be https in production: verifiers fetch keys from it")
        return self
