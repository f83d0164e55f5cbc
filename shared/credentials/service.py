"""The one object a service holds to issue, publish, revoke and verify certificates.

Built once from ``CredentialSettings`` (which refuse production without a signing key). Pure apart from
the clock: storage stays with the caller (see ``docs/credentials.md``, "Wiring it into a service").
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from shared.credentials import certificate, proof
from shared.credentials.badge import Award, build_credential
from shared.credentials.issuer import CredentialUrls, IssuerIdentity, issuer_profile_document, verification_method
from shared.credentials.keys import decode_multikey
from shared.credentials.settings import CredentialSettings
from shared.credentials.status import LIST_ID, status_list_credential
from shared.credentials.verify import StatusListLoader, TrustedIssuer, Verification, verify_credential


class CredentialService:
    def __init__(self, settings: CredentialSettings) -> None:
        self.settings = settings
        self.urls = CredentialUrls(settings.credentials_base_url)
        self.identity = IssuerIdentity(
            name=settings.credentials_issuer_name,
            url=settings.credentials_issuer_url or None,
            email=settings.credentials_issuer_email or None,
        )
        self._key = settings.signing_key
        # The current key signs; retired ones stay published so what they signed still verifies.
        self.public_keys = list(dict.fromkeys([self._key.public_multikey, *settings.retired_public_keys]))
        self.trusted_issuer = TrustedIssuer(
            self.urls.issuer, {self.urls.key(k): decode_multikey(k) for k in self.public_keys}
        )

    @property
    def verification_method_url(self) -> str:
        return self.urls.key(self._key.public_multikey)

    def _sign(self, document: dict[str, Any], now: datetime | None) -> dict[str, Any]:
        return proof.sign(document, self._key, self.verification_method_url, now or datetime.now(UTC))

    def issue(
        self, award: Award, *, status_list_id: str, status_index: int, now: datetime | None = None
    ) -> dict[str, Any]:
        """The signed credential for a completion (InvalidCredentialInput if an input is wrong).

        Signing twice gives two documents (the proof carries its time): store the first and serve it.
        """
        unsigned = build_credential(
            award, urls=self.urls, issuer=self.identity, status_list_id=status_list_id, status_index=status_index
        )
        return self._sign(unsigned, now)

    def issuer_profile(self) -> dict[str, Any]:
        """The document at ``urls.issuer`` (serve as ``application/ld+json``)."""
        return issuer_profile_document(self.urls, self.identity, self.public_keys)

    def verification_method(self, public_multikey: str) -> dict[str, Any] | None:
        """The document at ``urls.key(...)``; None (404) for a key that is not ours."""
        return verification_method(self.urls, public_multikey) if public_multikey in self.public_keys else None

    def status_list(self, list_id: str, revoked: Iterable[int], now: datetime | None = None) -> dict[str, Any]:
        """The signed list at ``urls.status_list(list_id)`` with these indexes revoked.

        Sign it again after every revocation and serve the stored copy (with ``Cache-Control: max-age``
        matching its ``ttl``); its ``validFrom`` says how fresh it is.
        """
        if not LIST_ID.fullmatch(list_id):
            raise ValueError(f"a status list id is 1-64 letters, digits, '-' or '_', not {list_id!r}")
        moment = now or datetime.now(UTC)
        return self._sign(
            status_list_credential(self.urls.status_list(list_id), self.urls.issuer, revoked, moment), now
        )

    def status_list_id(self, url: str) -> str | None:
        """Which of our lists a ``statusListCredential`` URL names; None if it is not ours."""
        prefix = self.urls.status_list("")
        if not url.startswith(prefix):
            return None
        list_id = url[len(prefix) :]
        return list_id if LIST_ID.fullmatch(list_id) else None

    def verify(
        self, credential: Any, *, load_status_list: StatusListLoader, now: datetime | None = None
    ) -> Verification:
        """Valid, revoked, tampered, expired, not yet valid or unverifiable, with the reasons."""
        return verify_credential(credential, issuer=self.trusted_issuer, load_status_list=load_status_list, now=now)

    def render_certificate(self, credential: dict[str, Any], *, language: str = "id", revoked: bool = False) -> str:
        """The printable certificate (HTML, one A4 landscape page) with its verification QR code."""
        return certificate.render(
            credential,
            language=language,
            signatory_title=self.settings.credentials_signatory_title,
            signatory_name=self.settings.credentials_signatory_name or None,
            revoked=revoked,
        )
