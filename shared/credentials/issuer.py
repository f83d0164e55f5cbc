"""Where everything about a credential lives on the web, and the issuer's own documents.

The issuer is identified by an HTTPS URL rather than a DID: Open Badges 3.0 requires verifiers to
dereference HTTP URLs and leaves DID methods optional ("Dereferencing the Public Key"), and an HTTPS URL
needs nothing but the training service's public host. Each key has its own URL that answers with the
key document itself, so any loader that fetches URLs finds it without resolving fragments.

    {base}/credentials/issuer                 issuer profile: who BKPSDM is, and its keys
    {base}/credentials/issuer/keys/{multikey} one verification method (Multikey)
    {base}/credentials/status/{list_id}       a signed revocation list (Bitstring Status List)
    {base}/credentials/{credential_id}        the credential's id: its public verification page (QR)
    {base}/credentials/achievements/{code}    the programme a credential is awarded for
    {base}/credentials/competencies/{code}    a competency a programme aligns to
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from shared.credentials.keys import decode_multikey
from shared.credentials.linked_data import DID_V1, MULTIKEY_V1, OB_V3P0, VC_V2

# The profile is a controller document as well as an OB Profile. The DID v1 context defines
# verificationMethod and assertionMethod (1EdTech's quick-start profile uses it the same way, with an
# HTTPS host), Multikey v1 the key type.
PROFILE_CONTEXT = (DID_V1, VC_V2, OB_V3P0, MULTIKEY_V1)


@dataclass(frozen=True)
class CredentialUrls:
    base: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "base", self.base.rstrip("/"))

    @property
    def issuer(self) -> str:
        return f"{self.base}/credentials/issuer"

    def key(self, public_multikey: str) -> str:
        return f"{self.issuer}/keys/{public_multikey}"

    def status_list(self, list_id: str) -> str:
        return f"{self.base}/credentials/status/{quote(list_id, safe='')}"

    def credential(self, credential_id: str) -> str:
        return f"{self.base}/credentials/{quote(credential_id, safe='')}"

    def achievement(self, program_code: str) -> str:
        return f"{self.base}/credentials/achievements/{quote(program_code, safe='')}"

    def competency(self, code: str) -> str:
        return f"{self.base}/credentials/competencies/{quote(code, safe='')}"

    def key_of(self, verification_method: str) -> str | None:
        """The multikey a verification method URL of ours names, None for anyone else's."""
        prefix = f"{self.issuer}/keys/"
        return verification_method[len(prefix) :] if verification_method.startswith(prefix) else None


@dataclass(frozen=True)
class IssuerIdentity:
    """How BKPSDM presents itself in every credential and on the profile (settings)."""

    name: str
    url: str | None = None
    email: str | None = None
    description: str | None = None

    def profile(self, issuer_id: str) -> dict[str, Any]:
        """The ``issuer`` object embedded in a credential: an OB 3.0 Profile."""
        profile: dict[str, Any] = {"id": issuer_id, "type": ["Profile"], "name": self.name}
        if self.url:
            profile["url"] = self.url
        if self.email:
            profile["email"] = self.email
        return profile


def verification_method(urls: CredentialUrls, public_multikey: str, *, standalone: bool = True) -> dict[str, Any]:
    """A Multikey verification method; ``standalone`` adds its @context for serving it at its own URL."""
    decode_multikey(public_multikey)  # refuses anything that is not an Ed25519 Multikey
    method: dict[str, Any] = {
        "id": urls.key(public_multikey),
        "type": "Multikey",
        "controller": urls.issuer,
        "publicKeyMultibase": public_multikey,
    }
    return {"@context": MULTIKEY_V1, **method} if standalone else method


def issuer_profile_document(
    urls: CredentialUrls, identity: IssuerIdentity, public_multikeys: Iterable[str]
) -> dict[str, Any]:
    """The document at the issuer URL: the Profile, its keys, and which of them sign credentials.

    List the current key first and keep every retired key that signed credentials still in use: a key
    missing here makes every credential it signed fail verification.
    """
    keys = list(dict.fromkeys(public_multikeys))
    document: dict[str, Any] = {"@context": list(PROFILE_CONTEXT), **identity.profile(urls.issuer)}
    if identity.description:
        document["description"] = identity.description
    document["verificationMethod"] = [verification_method(urls, k, standalone=False) for k in keys]
    document["assertionMethod"] = [urls.key(k) for k in keys]
    return document
