"""Open Badges 3.0 certificates: build, sign (eddsa-rdfc-2022), revoke (Bitstring Status List), verify, print.

Generic plumbing with no knowledge of any service; ``CredentialService`` is the entry point. What a
credential contains, how it is signed and verified, and the settings: ``docs/credentials.md``.
"""

from shared.credentials.badge import Award, Competency, InvalidCredentialInput, Programme, Recipient
from shared.credentials.service import CredentialService
from shared.credentials.settings import CredentialSettings
from shared.credentials.verify import Verdict, Verification

__all__ = [
    "Award",
    "Competency",
    "CredentialService",
    "CredentialSettings",
    "InvalidCredentialInput",
    "Programme",
    "Recipient",
    "Verdict",
    "Verification",
]
