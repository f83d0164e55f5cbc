"""The issued certificates: looked up, verified for anyone, revoked by BKPSDM, the name chosen by the
participant, and the status lists published.

Revoking writes who, when and why on the seat first, with the CertificateRevoked announcing it (one
write through the embedded outbox: the seat is the truth, and the event is published at least once
after it), then publishes the list re-signed from every revoked seat of that list. The list is derived data: if a crash
falls between the two writes, the next start (``repair``) or revocation rebuilds it whole.
"""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from typing import Any

from services.training import domain
from services.training.documents import EnrolmentDocument, StatusListDocument
from services.training.seats.changes import program_of, seat
from shared.credentials import CredentialService, Verification
from shared.domain.errors import Conflict, NotFound
from shared.events import CERTIFICATE_REVOKED, CertificateRevoked
from shared.messaging.outbox import Notify, commit, new_event, retrying


def _no_certificate(key: str) -> NotFound:
    return NotFound("Sertifikat", "Certificate", key)


class Register:
    def __init__(self, credentials: CredentialService, *, notify: Notify) -> None:
        self.credentials = credentials
        self.notify = notify  # wakes the relay after a revocation
        self._publishing = threading.Lock()

    # Finding and reading

    @staticmethod
    def by_credential_id(credential_id: str) -> EnrolmentDocument:
        found = EnrolmentDocument.objects(credential_id=credential_id).first()
        if found is None or not found.credential:
            raise _no_certificate(credential_id)
        return found

    @staticmethod
    def by_number(number: str) -> EnrolmentDocument:
        found = EnrolmentDocument.objects(certificate_number=number).first()
        if found is None or not found.credential:
            raise _no_certificate(number)
        return found

    @staticmethod
    def credential_of(e: EnrolmentDocument) -> dict[str, Any]:
        """The signed credential exactly as issued."""
        if not e.credential:
            raise _no_certificate(e.id)
        document: dict[str, Any] = json.loads(e.credential)
        return document

    @staticmethod
    def status_list(list_id: str) -> dict[str, Any] | None:
        found = StatusListDocument.objects(pk=list_id).only("signed").first()
        return json.loads(found.signed) if found is not None else None

    def verify(self, credential: Any) -> Verification:
        """Our verdict on any credential presented, reading our own status lists from the database."""

        def load(url: str) -> dict[str, Any] | None:
            list_id = self.credentials.status_list_id(url)
            return self.status_list(list_id) if list_id else None

        return self.credentials.verify(credential, load_status_list=load)

    # Changing

    @staticmethod
    def choose_name(enrolment_id: str, name: str | None) -> EnrolmentDocument:
        """The participant's consent: their name on the certificate, or (None) only the hashed NIP."""

        def attempt() -> EnrolmentDocument:
            e = seat(enrolment_id)
            if e.credential:
                raise Conflict(
                    "certificate_issued",
                    "Sertifikat sudah diterbitkan; isinya tidak dapat diubah lagi.",
                    "The certificate has been issued; what it says can no longer be changed.",
                )
            if e.status not in domain.OPEN:
                raise Conflict(
                    "enrolment_closed",
                    f"Pendaftaran berstatus {e.status} tidak dapat diubah lagi.",
                    f"An enrolment that is {e.status} can no longer be changed.",
                )
            now = datetime.now(UTC)
            e.name_on_certificate, e.name_consent_at = (name, now) if name else (None, None)
            e.updated_at = now
            commit(e)
            return e

        return retrying(attempt)

    def revoke(self, enrolment_id: str, by: str, reason: str) -> EnrolmentDocument:
        """Withdraw a certificate for good. Asking again changes nothing and keeps the first reason."""

        def attempt() -> EnrolmentDocument:
            e = seat(enrolment_id)
            if not e.credential:
                raise _no_certificate(enrolment_id)
            if e.revoked_at is not None:
                return e
            now = datetime.now(UTC)
            e.revoked_at, e.revoked_by, e.revocation_reason = now, by, reason
            e.history.append({"status": e.status, "by": by, "at": now, "note": f"certificate revoked: {reason}"})
            e.updated_at = now
            revoked = CertificateRevoked(
                enrolment_id=e.id,
                nip=e.nip,
                unit_code=e.unit_code,
                program_code=e.program_code,
                program_title=program_of(e.program_code).title,
                certificate_number=e.certificate_number,
                certificate_url=self.credentials.urls.credential(e.credential_id),
                reason=reason,
                revoked_by=by,
                revoked_at=now,
            )
            commit(e, [new_event(CERTIFICATE_REVOKED, revoked, subject=e.nip)])
            return e

        e = retrying(attempt)
        self.notify()
        self.republish(e.credential_status_list)
        return e

    def repair(self) -> None:
        """At start-up: publish again every list that counts fewer revocations than its seats record
        (a crash fell between a revocation and its list)."""
        for listed in StatusListDocument.objects.only("id", "revoked_count"):
            if len(self._revoked(listed.id)) > listed.revoked_count:
                self.republish(listed.id)

    @staticmethod
    def _revoked(list_id: str) -> list[int]:
        seats = EnrolmentDocument.objects(credential_status_list=list_id, revoked_at__ne=None)
        return [e.credential_status_index for e in seats.only("credential_status_index")]

    def republish(self, list_id: str) -> None:
        """Sign the list again from every revoked seat on it, and store it unless a fuller one is there."""
        with self._publishing:
            revoked = self._revoked(list_id)
            signed = self.credentials.status_list(list_id, revoked)
            # Revocations only add: of two publishers across replicas, the one that counted more wins.
            StatusListDocument._get_collection().update_one(
                {"_id": list_id, "revoked_count": {"$lte": len(revoked)}},
                {
                    "$set": {
                        "signed": json.dumps(signed),
                        "revoked_count": len(revoked),
                        "updated_at": datetime.now(UTC),
                    }
                },
            )
