"""Certificates issued by the training service over the real broker and database: every completion
carries a signed Open Badges 3.0 credential with the facts of the completion; anyone can check it
without signing in; only the holder and BKPSDM get the file; BKPSDM revokes it with who and why."""

import json
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from pymongo import MongoClient

from services.training.certificates.issuing import Issuer
from shared.credentials import CredentialService, CredentialSettings
from shared.credentials.badge import identity_matches
from shared.credentials.status import bit_is_set, decode_list
from shared.events import CERTIFICATE_REVOKED, PROGRAM_COMPLETED
from shared.http.auth import Role
from tests.conftest import ADMIN_NIP, bearer
from tests.support.credentials import completed_seat
from tests.support.demo import HEAD, NURSE, UNIT
from tests.support.kafka import read_topic, wait_for_records

MIDWIFE = "199105112016042002"
STRANGER = bearer("199207072017011003", Role.EMPLOYEE, unit="DISDUKCAPIL")
BASE = "http://127.0.0.1:8002"  # CREDENTIALS_BASE_URL's default: the ids below are under it


def credential_of(training, seat, headers):
    response = training.get(f"/enrolments/{seat['enrolment_id']}/credential", headers=headers)
    assert response.status_code == 200, response.text
    return response


def test_a_completion_carries_its_signed_certificate_and_anyone_can_check_it(run_service, admin, infra, namespace):
    nurse = bearer(NURSE, Role.EMPLOYEE, unit=UNIT)
    with run_service("training") as training:
        seat = completed_seat(training, admin, infra, namespace, NURSE, name="Siti Rahmawati, S.Kep.")
        assert seat["name_on_certificate"] == "Siti Rahmawati, S.Kep."

        # The holder downloads the file; BKPSDM may; her supervisor sees the seat but not the certificate.
        download = credential_of(training, seat, nurse)
        assert download.headers["content-type"].startswith("application/ld+json")
        assert "attachment" in download.headers["content-disposition"]
        assert credential_of(training, seat, admin).json() == download.json()
        supervisor = bearer(HEAD, Role.SUPERVISOR, unit=UNIT)
        assert training.get(f"/enrolments/{seat['enrolment_id']}", headers=supervisor).status_code == 200
        assert training.get(f"/enrolments/{seat['enrolment_id']}/credential", headers=supervisor).status_code == 403
        assert training.get(f"/enrolments/{seat['enrolment_id']}/credential", headers=STRANGER).status_code == 403

        # What it says: the programme, competency and level, JP, form, provider, dates, score, number.
        credential = download.json()
        assert credential["id"] == f"{BASE}/credentials/{seat['credential_id']}"
        assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
        subject = credential["credentialSubject"]
        achievement = subject["achievement"]
        assert (achievement["humanCode"], achievement["name"]) == ("PRIMA", "Pelatihan Pelayanan Prima")
        assert (achievement["creditsAvailable"], subject["creditsEarned"]) == (24, 24)
        assert achievement["tag"] == ["Pelatihan klasikal"]
        assert achievement["creator"]["name"] == "BPSDM Provinsi Sumatera Utara"
        [alignment] = achievement["alignment"]
        assert (alignment["targetCode"], alignment["targetDescription"]) == ("M.05", "Level 3 (PermenPANRB 38/2017)")
        assert "90%" in achievement["criteria"]["narrative"] and "70" in achievement["criteria"]["narrative"]
        assert subject["activityStartDate"] == "2027-03-08T00:00:00+07:00"
        assert subject["activityEndDate"] == "2027-03-11T00:00:00+07:00"
        assert subject["result"][0]["value"] == "82"
        assert achievement["resultDescription"][0]["requiredValue"] == "70"
        assert subject["licenseNumber"] == seat["certificate_number"]
        assert subject["name"] == "Siti Rahmawati, S.Kep."
        # The NIP only hashed: not in the file, yet whoever knows it can tell the certificate is hers.
        assert NURSE not in download.text
        assert identity_matches(subject["identifier"][0], NURSE)
        assert credential["proof"][0]["cryptosuite"] == "eddsa-rdfc-2022"

        # Anyone, without signing in: by id, by number, or presenting the file.
        by_id = training.get(f"/credentials/{seat['credential_id']}/verification").json()
        assert by_id["verdict"] == "valid", by_id
        number = training.get("/credentials/verification", params={"number": seat["certificate_number"]}).json()
        assert (number["verdict"], number["certificate_number"]) == ("valid", seat["certificate_number"])
        assert number["credential_id"] is None  # the number does not lead to the page with her name
        assert training.post("/credentials/verification", json=credential).json()["verdict"] == "valid"
        unknown = training.get("/credentials/verification", params={"number": "BKPSDM-MDN/2027/00000000"})
        assert unknown.status_code == 404

        # A changed credential is tampered, whatever was changed.
        for change in (
            lambda c: c["credentialSubject"].update(creditsEarned=240),
            lambda c: c["credentialSubject"].update(name="Orang Lain"),
            lambda c: c["credentialSubject"]["result"][0].update(value="100"),
        ):
            forged = json.loads(download.text)
            change(forged)
            answer = training.post("/credentials/verification", json=forged).json()
            assert answer["verdict"] == "tampered", answer
        assert training.post("/credentials/verification", json=[1, 2]).json()["verdict"] == "tampered"

        # The page the QR code opens, in Bahasa Indonesia or English, and the printable certificate.
        page = training.get(f"/credentials/{seat['credential_id']}")
        assert page.headers["content-type"].startswith("text/html")
        assert "Sertifikat sah" in page.text and "Siti Rahmawati" in page.text
        assert "script-src" not in page.headers["content-security-policy"]  # no scripts at all
        english = training.get(f"/credentials/{seat['credential_id']}", headers={"Accept-Language": "en"})
        assert "Valid certificate" in english.text
        printable = training.get(f"/enrolments/{seat['enrolment_id']}/certificate", headers=nurse)
        assert printable.status_code == 200 and seat["certificate_number"] in printable.text
        assert "<svg" in printable.text and credential["id"] in printable.text  # the QR code and its URL
        assert (
            "Certificate"
            in training.get(
                f"/enrolments/{seat['enrolment_id']}/certificate", params={"lang": "en"}, headers=nurse
            ).text
        )

        # The issuer's documents a verifier fetches, public.
        profile = training.get("/credentials/issuer")
        assert profile.headers["content-type"].startswith("application/ld+json")
        [method] = profile.json()["assertionMethod"]
        assert training.get(method.removeprefix(BASE)).json()["type"] == "Multikey"
        status_url = subject and credential["credentialStatus"]["statusListCredential"]
        listed = training.get(status_url.removeprefix(BASE))
        assert listed.headers["cache-control"] == "public, max-age=300"
        assert listed.json()["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]

        # Completing again changes nothing: the same certificate, no second one; its content is fixed.
        again = training.post(f"/enrolments/{seat['enrolment_id']}/completion", headers=admin).json()
        assert again["credential_id"] == seat["credential_id"]
        assert credential_of(training, seat, nurse).text == download.text
        late = training.put(f"/enrolments/{seat['enrolment_id']}/certificate-name", json={"name": None}, headers=nurse)
        assert late.status_code == 409

    # ProgramCompleted names the verification page, so notifications can tell the employee.
    wait_for_records(infra.kafka_bootstrap_servers, f"{namespace}.{PROGRAM_COMPLETED.topic}", lambda r: r.key == NURSE)
    records = read_topic(infra.kafka_bootstrap_servers, f"{namespace}.{PROGRAM_COMPLETED.topic}")
    [completed] = [json.loads(r.value) for r in records if r.key == NURSE]
    assert completed["certificate_url"] == credential["id"]
    assert completed["certificate_number"] == seat["certificate_number"]


def test_bkpsdm_revokes_a_certificate_recording_who_and_why_and_it_then_fails_verification(
    run_service, admin, infra, namespace
):
    with run_service("training") as training:
        nurse_seat = completed_seat(training, admin, infra, namespace, NURSE)
        midwife_seat = completed_seat(training, admin, infra, namespace, MIDWIFE)
        nurse = bearer(NURSE, Role.EMPLOYEE, unit=UNIT)
        credential = credential_of(training, nurse_seat, admin).json()
        other = credential_of(training, midwife_seat, admin).json()
        # Without her consent the name stays off; each certificate has its own status position.
        assert "name" not in credential["credentialSubject"]
        assert [i["identityType"] for i in credential["credentialSubject"]["identifier"]] == ["ext:NIP"]
        index = int(credential["credentialStatus"]["statusListIndex"])
        assert index != int(other["credentialStatus"]["statusListIndex"])

        path = f"/enrolments/{nurse_seat['enrolment_id']}/certificate/revocation"
        reason = {"reason": "Nilai post-test terbukti dipalsukan (BA No. 12/2027)"}
        assert training.post(path, json=reason, headers=nurse).status_code == 403
        revoked = training.post(path, json=reason, headers=admin).json()
        assert (revoked["revoked_by"], revoked["revocation_reason"]) == (ADMIN_NIP, reason["reason"])
        assert revoked["history"][-1]["note"] == f"certificate revoked: {reason['reason']}"
        stored = training.get(f"/enrolments/{nurse_seat['enrolment_id']}", headers=admin).json()
        again = training.post(path, json={"reason": "sekali lagi"}, headers=admin).json()
        assert (again["revoked_at"], again["revocation_reason"]) == (stored["revoked_at"], reason["reason"])

        # The audit trail holds the request: who revoked whose certificate, and when.
        entries = training.get("/audit/entries", params={"nip": NURSE, "actor": ADMIN_NIP}, headers=admin).json()
        routes = [(e["method"], e["route"], e["status"]) for e in entries["items"]]
        assert ("POST", "/enrolments/{enrolment_id}/certificate/revocation", 200) in routes

        # The published list has her bit set, and only hers.
        url = credential["credentialStatus"]["statusListCredential"].removeprefix(BASE)
        bits = decode_list(training.get(url).json()["credentialSubject"]["encodedList"])
        assert bit_is_set(bits, index)
        assert not bit_is_set(bits, int(other["credentialStatus"]["statusListIndex"]))

        assert training.post("/credentials/verification", json=credential).json()["verdict"] == "revoked"
        answer = training.get(f"/credentials/{nurse_seat['credential_id']}/verification").json()
        assert answer["verdict"] == "revoked"
        assert "Sertifikat dicabut" in training.get(f"/credentials/{nurse_seat['credential_id']}").text
        stamped = training.get(f"/enrolments/{nurse_seat['enrolment_id']}/certificate", headers=nurse).text
        assert 'class="stamp"' in stamped
        assert training.post("/credentials/verification", json=other).json()["verdict"] == "valid"

    # One CertificateRevoked announces it, however often it was asked.
    topic = f"{namespace}.{CERTIFICATE_REVOKED.topic}"
    wait_for_records(infra.kafka_bootstrap_servers, topic, lambda r: r.key == NURSE)
    [announced] = [json.loads(r.value) for r in read_topic(infra.kafka_bootstrap_servers, topic)]
    assert (announced["enrolment_id"], announced["reason"], announced["revoked_by"]) == (
        nurse_seat["enrolment_id"],
        reason["reason"],
        ADMIN_NIP,
    )
    assert announced["certificate_url"] == credential["id"]


def test_a_revocation_whose_list_was_never_published_is_published_at_the_next_start(
    run_service, admin, infra, namespace
):
    with run_service("training") as training:
        seat = completed_seat(training, admin, infra, namespace, NURSE)
        credential = credential_of(training, seat, admin).json()
        assert training.post("/credentials/verification", json=credential).json()["verdict"] == "valid"
    # As if the process died after recording the revocation on the seat, before re-signing the list.
    client = MongoClient(infra.mongodb_uri)
    client[f"{namespace}_training"]["enrolments"].update_one(
        {"_id": seat["enrolment_id"]},
        {"$set": {"revoked_at": datetime.now(UTC), "revoked_by": ADMIN_NIP, "revocation_reason": "Data keliru"}},
    )
    client.close()
    with run_service("training") as training:
        assert training.post("/credentials/verification", json=credential).json()["verdict"] == "revoked"


def test_status_positions_taken_at_once_by_many_writers_are_all_different(run_service):
    with run_service("training"):
        issuer = Issuer(CredentialService(CredentialSettings()))
        with ThreadPoolExecutor(max_workers=8) as pool:
            slots = list(pool.map(lambda n: issuer.take_slot(f"seat-{n}"), range(40)))
    assert len({(s.list_id, s.index) for s in slots}) == 40
    assert {s.list_id for s in slots} == {"revocation-1"}
