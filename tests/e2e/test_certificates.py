"""A completion in the training service, run as its own process over the real broker and database,
yields a certificate that an independent verifier accepts: Digital Bazaar's VC libraries on node
(tests/support/verifier), fetching the issuer profile, key and status list from the service itself.
Changed or revoked, it fails there and in our own verification API alike; the holder is told both."""

import json

import httpx
import pytest

from shared.events import CERTIFICATE_REVOKED, PROGRAM_COMPLETED
from shared.http.auth import Role
from tests.conftest import bearer
from tests.support.credentials import completed_seat, run_verifier, verifier_or_fail
from tests.support.demo import NURSE, UNIT
from tests.support.waiting import eventually


@pytest.fixture(scope="module", autouse=True)
def verifier() -> None:
    verifier_or_fail()


def test_a_completed_seat_has_a_certificate_the_independent_verifier_accepts_until_changed_or_revoked(
    start_service, admin, infra, namespace
):
    training, notifications = start_service("training"), start_service("notifications")
    http = httpx.Client(base_url=training.url, timeout=30)
    seat = completed_seat(http, admin, infra, namespace, NURSE, name="Siti Rahmawati")
    nurse = bearer(NURSE, Role.EMPLOYEE, unit=UNIT)
    download = http.get(f"/enrolments/{seat['enrolment_id']}/credential", headers=nurse)
    assert download.status_code == 200, download.text
    credential = download.json()
    assert credential["id"] == f"{training.url}/credentials/{seat['credential_id']}"

    def independently(document):
        return run_verifier("--origin", training.url, stdin=json.dumps(document))

    def ours(document):
        return http.post("/credentials/verification", json=document).json()["verdict"]

    genuine = independently(credential)
    assert genuine["accepted"] is True, genuine["errors"]
    assert (genuine["proofVerified"], genuine["statusVerified"], genuine["revoked"]) == (True, True, False)
    status_list = credential["credentialStatus"]["statusListCredential"]
    profile = f"{training.url}/credentials/issuer"
    assert set(genuine["fetched"]) == {profile, credential["proof"][0]["verificationMethod"], status_list}
    assert ours(credential) == "valid"

    forged = json.loads(download.text)
    forged["credentialSubject"]["creditsEarned"] = 240
    refused = independently(forged)
    assert (refused["accepted"], refused["proofVerified"]) == (False, False)
    assert ours(forged) == "tampered"

    path = f"/enrolments/{seat['enrolment_id']}/certificate/revocation"
    revoked = http.post(path, json={"reason": "Diterbitkan untuk angkatan yang salah"}, headers=admin)
    assert revoked.status_code == 200, revoked.text
    withdrawn = independently(credential)
    assert (withdrawn["accepted"], withdrawn["proofVerified"], withdrawn["revoked"]) == (False, True, True)
    assert ours(credential) == "revoked"
    by_number = http.get("/credentials/verification", params={"number": seat["certificate_number"]}).json()
    assert by_number["verdict"] == "revoked"

    # The holder was told both: the certificate and where to check it, then its revocation and why.
    def inbox():
        items = httpx.get(f"{notifications.url}/inbox", headers=nurse, timeout=10).json()["items"]
        bodies = {m["event_type"]: m["body"] for m in items}
        return {PROGRAM_COMPLETED.type, CERTIFICATE_REVOKED.type} <= bodies.keys() and bodies

    bodies = eventually(inbox, what="the completion and revocation messages")
    assert bodies[PROGRAM_COMPLETED.type].endswith(credential["id"])
    assert "Diterbitkan untuk angkatan yang salah" in bodies[CERTIFICATE_REVOKED.type]
