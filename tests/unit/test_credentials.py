"""Certificates as a person, a verifier and BKPSDM meet them: what a credential says and hides, how
verification answers (valid, revoked, tampered, expired, ...), revocation lists, keys and settings."""

from __future__ import annotations

import copy
import dataclasses
import json
from datetime import UTC, date, datetime

import pytest
from pydantic import ValidationError

from shared.credentials import CredentialService, CredentialSettings, InvalidCredentialInput, Recipient, Verdict
from shared.credentials import keys as key_tool
from shared.credentials.badge import hash_identity, identity_matches, new_credential_id, new_salt
from shared.credentials.keys import SigningKey, generate_seed
from shared.credentials.linked_data import canonicalize
from shared.credentials.settings import DEV_SIGNING_KEY_SEED
from shared.credentials.status import (
    LIST_LENGTH,
    ListFull,
    bit_is_set,
    decode_list,
    encode_list,
    new_list_key,
    permuted_index,
)
from tests.support.credentials import BASE, NIP, NOW, award, issue, lists, service

# --- What a credential says ---------------------------------------------------------------------


def test_the_credential_is_an_open_badge_with_everything_the_ob_schema_requires():
    credential = issue()
    assert credential["@context"] == [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ]
    assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    for field in ("id", "issuer", "validFrom", "credentialSubject"):
        assert field in credential
    assert credential["issuer"] == {
        "id": f"{BASE}/credentials/issuer",
        "type": ["Profile"],
        "name": "Badan Kepegawaian dan Pengembangan Sumber Daya Manusia Kota Medan",
    }
    subject = credential["credentialSubject"]
    assert subject["type"] == ["AchievementSubject"]
    achievement = subject["achievement"]
    assert {"id", "type", "criteria", "description", "name"} <= achievement.keys()
    assert achievement["type"] == ["Achievement"] and achievement["criteria"]["narrative"]
    # IdentityObject: exactly these properties (the strict schema allows no other).
    for identity in subject["identifier"]:
        assert set(identity) <= {"type", "hashed", "identityHash", "identityType", "salt"}
        assert {"type", "hashed", "identityHash", "identityType"} <= set(identity)
    # Every type a list (strict schema), except the status entry's and the proof's, which are strings.
    assert all(isinstance(p["type"], str) for p in credential["proof"])
    assert isinstance(credential["proof"], list)
    assert credential["id"] == f"{BASE}/credentials/8a1f0b52-3c4d-4e6f-9a0b-1c2d3e4f5a6b"


def test_the_credential_carries_the_programme_competencies_jp_provider_dates_score_and_number():
    subject = issue()["credentialSubject"]
    achievement = subject["achievement"]
    assert (achievement["name"], achievement["humanCode"], achievement["tag"]) == (
        "Pelayanan Prima",
        "2027-PRIMA",
        ["Pelatihan klasikal"],
    )
    assert [(a["targetCode"], a["targetName"], a["targetDescription"]) for a in achievement["alignment"]] == [
        ("M.05", "M.05 Pelayanan Publik", "Level 3 (PermenPANRB 38/2017)"),
        ("M.03", "M.03", "Level 2 (PermenPANRB 38/2017)"),
    ]
    assert achievement["alignment"][0]["targetUrl"] == f"{BASE}/credentials/competencies/M.05"
    assert (achievement["creditsAvailable"], subject["creditsEarned"]) == (24, 24)
    assert achievement["creator"]["name"] == "BPSDM Provinsi Sumatera Utara"
    assert (subject["activityStartDate"], subject["activityEndDate"]) == (
        "2027-03-01T00:00:00+07:00",
        "2027-03-04T00:00:00+07:00",
    )
    assert subject["result"] == [
        {"type": ["Result"], "resultDescription": f"{achievement['id']}#post-test", "value": "82"}
    ]
    assert achievement["resultDescription"][0]["requiredValue"] == "70"
    assert subject["licenseNumber"] == "BKPSDM-MDN/2027/5E1A2B3C"


def test_the_nip_is_only_ever_in_the_credential_hashed_with_its_salt():
    credential = issue()
    assert NIP not in json.dumps(credential)
    (nip,) = [i for i in credential["credentialSubject"]["identifier"] if i["identityType"] == "ext:NIP"]
    assert nip["hashed"] is True and nip["identityHash"].startswith("sha256$")
    assert identity_matches(nip, NIP)
    assert not identity_matches(nip, "199002202015032002")
    # Another certificate of the same person, another salt: the two cannot be linked by their hashes.
    other = hash_identity(NIP, new_salt())
    assert other != nip["identityHash"]


def test_the_name_appears_only_where_the_person_allows_it():
    named = issue()["credentialSubject"]
    assert named["name"] == "Siti Aminah, S.Kep."
    assert {
        "type": "IdentityObject",
        "hashed": False,
        "identityHash": "Siti Aminah, S.Kep.",
        "identityType": "name",
    } in (named["identifier"])
    anonymous = issue(recipient=Recipient(NIP, new_salt(), None))
    assert "Siti" not in json.dumps(anonymous)
    assert [i["identityType"] for i in anonymous["credentialSubject"]["identifier"]] == ["ext:NIP"]


@pytest.mark.parametrize(
    ("changes", "complaint"),
    [
        ({"recipient": Recipient("19900220", new_salt())}, "NIP harus 18 digit angka 0-9"),
        ({"completed_on": date(2027, 2, 27)}, "Tanggal selesai sebelum tanggal mulai"),
        ({"post_score": 104}, "Nilai post-test harus 0-100"),
        ({"recipient": Recipient(NIP, "short")}, "Salt NIP terlalu pendek"),
    ],
    ids=["short-nip", "end-before-start", "score-above-100", "short-salt"],
)
def test_wrong_inputs_are_refused_in_both_languages_and_nothing_is_signed(changes, complaint):
    with pytest.raises(InvalidCredentialInput) as refused:
        issue(**changes)
    assert complaint in refused.value.message_id and refused.value.message_en


def test_an_unknown_form_and_an_index_outside_the_list_are_refused():
    with pytest.raises(InvalidCredentialInput, match="Unknown form"):
        issue(programme=dataclasses.replace(award().programme, form="webinar"))
    with pytest.raises(InvalidCredentialInput, match="status index"):
        issue(index=LIST_LENGTH)


def test_every_published_document_is_fully_defined_by_its_contexts():
    svc = service(credentials_retired_public_keys=SigningKey.from_seed_hex(generate_seed()).public_multikey)
    documents = [
        issue(svc),
        svc.issuer_profile(),
        svc.verification_method(svc.public_keys[0]),
        svc.status_list("revocation-1", [3]),
    ]
    for document in documents:
        assert document is not None
        assert canonicalize(document)  # raises UnsafeDocument on anything left undefined


# --- Verification ---------------------------------------------------------------------------------


def test_a_genuine_credential_is_valid_with_every_check_passed():
    svc = service()
    result = svc.verify(issue(svc), load_status_list=lists(svc), now=NOW)
    assert result.verdict is Verdict.VALID
    assert [f.code for f in result.findings] == ["proof_valid", "not_revoked", "in_validity_period"]
    assert result.reasons == ()


@pytest.mark.parametrize(
    "tamper",
    [
        lambda c: c["credentialSubject"].update(creditsEarned=40),
        lambda c: c["credentialSubject"]["achievement"].update(name="Kepemimpinan Strategis"),
        lambda c: c.update(validFrom="2020-01-01T00:00:00Z"),
        lambda c: c["credentialSubject"]["identifier"][0].update(identityHash=hash_identity("1" * 18, "x" * 16)),
    ],
    ids=["jp", "programme", "valid-from", "holder"],
)
def test_any_change_to_a_signed_credential_makes_it_tampered(tamper):
    svc = service()
    credential = issue(svc)
    tamper(credential)
    result = svc.verify(credential, load_status_list=lists(svc), now=NOW)
    assert result.verdict is Verdict.TAMPERED
    assert [r.code for r in result.reasons] == ["signature_mismatch"]
    assert "telah diubah" in result.reasons[0].message_id


def test_a_property_added_outside_the_contexts_makes_it_tampered_not_valid():
    svc = service()
    credential = issue(svc)
    credential["credentialSubject"]["nip"] = NIP  # would not be covered by the signature
    result = svc.verify(credential, load_status_list=lists(svc), now=NOW)
    assert (result.verdict, result.reasons[0].code) == (Verdict.TAMPERED, "malformed")


def test_a_credential_signed_with_a_key_the_issuer_does_not_publish_is_tampered():
    forger = service(credentials_signing_key_seed=generate_seed())
    svc = service()
    result = svc.verify(issue(forger), load_status_list=lists(svc), now=NOW)
    assert (result.verdict, result.reasons[0].code) == (Verdict.TAMPERED, "unknown_key")


def test_a_credential_of_another_issuer_is_not_vouched_for():
    other = CredentialService(CredentialSettings(credentials_base_url="https://other.example"))
    result = service().verify(issue(other), load_status_list=lists(other), now=NOW)
    assert (result.verdict, result.reasons[0].code) == (Verdict.TAMPERED, "other_issuer")


def test_a_revoked_credential_is_revoked():
    svc = service()
    credential = issue(svc, index=77)
    result = svc.verify(credential, load_status_list=lists(svc, revoked=[76, 77, 78]), now=NOW)
    assert result.verdict is Verdict.REVOKED
    assert [r.code for r in result.reasons] == ["revoked"]
    # Its neighbours on the list are not.
    neighbour = issue(svc, index=79)
    assert svc.verify(neighbour, load_status_list=lists(svc, revoked=[76, 77, 78]), now=NOW).verdict is Verdict.VALID


def test_an_expired_credential_is_expired_and_one_not_yet_valid_says_so():
    svc = service()
    limited = issue(svc, valid_until=datetime(2027, 3, 9, tzinfo=UTC))
    result = svc.verify(limited, load_status_list=lists(svc), now=NOW)
    assert (result.verdict, [r.code for r in result.reasons]) == (Verdict.EXPIRED, ["expired"])
    early = svc.verify(issue(svc), load_status_list=lists(svc), now=datetime(2027, 3, 1, tzinfo=UTC))
    assert early.verdict is Verdict.NOT_YET_VALID


def test_revocation_outranks_expiry_and_tampering_outranks_everything():
    svc = service()
    limited = issue(svc, valid_until=datetime(2027, 3, 9, tzinfo=UTC))
    result = svc.verify(limited, load_status_list=lists(svc, revoked=[77]), now=NOW)
    assert result.verdict is Verdict.REVOKED
    assert {r.code for r in result.reasons} == {"revoked", "expired"}
    limited["credentialSubject"]["creditsEarned"] = 1
    assert svc.verify(limited, load_status_list=lists(svc, revoked=[77]), now=NOW).verdict is Verdict.TAMPERED


def test_without_a_genuine_status_list_the_credential_is_unverifiable_not_valid():
    svc = service()
    credential = issue(svc)
    nothing = svc.verify(credential, load_status_list=lambda url: None, now=NOW)
    assert (nothing.verdict, nothing.reasons[0].code) == (Verdict.UNVERIFIABLE, "status_unavailable")
    # A list that says "nothing revoked" but was not signed by the issuer is worth nothing.
    forged_list = service(credentials_signing_key_seed=generate_seed()).status_list("revocation-1", [], now=NOW)
    forged = svc.verify(credential, load_status_list=lambda url: forged_list, now=NOW)
    assert (forged.verdict, forged.reasons[0].code) == (Verdict.UNVERIFIABLE, "status_list_not_genuine")
    # A genuine list altered to clear the bit fails its own proof.
    altered = svc.status_list("revocation-1", [77], now=NOW)
    altered["credentialSubject"]["encodedList"] = encode_list([])
    cleared = svc.verify(credential, load_status_list=lambda url: altered, now=NOW)
    assert cleared.verdict is Verdict.UNVERIFIABLE


def test_the_verification_answer_is_bilingual_json():
    svc = service()
    answer = svc.verify(issue(svc), load_status_list=lists(svc, revoked=[77]), now=NOW).as_dict()
    assert answer["verdict"] == "revoked"
    assert answer["credential_id"] == f"{BASE}/credentials/8a1f0b52-3c4d-4e6f-9a0b-1c2d3e4f5a6b"
    revoked = next(c for c in answer["checks"] if c["code"] == "revoked")
    assert revoked == {
        "code": "revoked",
        "passed": False,
        "messages": {"id": "Kredensial ini telah dicabut oleh penerbit.", "en": "The issuer revoked it."},
    }
    json.dumps(answer)


def test_anything_that_is_not_an_open_badge_is_refused():
    svc = service()
    for thing in (
        [],
        {"type": ["VerifiableCredential"]},
        {**issue(svc), "@context": ["https://www.w3.org/ns/credentials/v2"]},
    ):
        assert svc.verify(thing, load_status_list=lists(svc), now=NOW).verdict is Verdict.TAMPERED


# --- Keys -----------------------------------------------------------------------------------------


def test_after_a_key_rotation_old_certificates_verify_while_the_old_key_is_listed():
    old_seed = generate_seed()
    old = service(credentials_signing_key_seed=old_seed)
    credential = issue(old)
    old_key = SigningKey.from_seed_hex(old_seed).public_multikey
    rotated = service(credentials_signing_key_seed=generate_seed(), credentials_retired_public_keys=old_key)
    assert rotated.verify(credential, load_status_list=lists(rotated), now=NOW).verdict is Verdict.VALID
    profile = rotated.issuer_profile()
    assert [m["publicKeyMultibase"] for m in profile["verificationMethod"]] == rotated.public_keys
    assert profile["assertionMethod"] == [rotated.urls.key(k) for k in rotated.public_keys]
    assert issue(rotated)["proof"][0]["verificationMethod"] == rotated.urls.key(rotated.public_keys[0])
    # Dropping the old key from the profile withdraws every certificate it signed.
    dropped = service(credentials_signing_key_seed=generate_seed())
    result = dropped.verify(credential, load_status_list=lists(dropped), now=NOW)
    assert (result.verdict, result.reasons[0].code) == (Verdict.TAMPERED, "unknown_key")


def test_the_key_documents_name_only_our_keys():
    svc = service()
    (key,) = svc.public_keys
    assert svc.verification_method(key) == {
        "@context": "https://w3id.org/security/multikey/v1",
        "id": f"{BASE}/credentials/issuer/keys/{key}",
        "type": "Multikey",
        "controller": f"{BASE}/credentials/issuer",
        "publicKeyMultibase": key,
    }
    assert svc.verification_method(SigningKey.from_seed_hex(generate_seed()).public_multikey) is None


def test_the_key_tool_prints_a_seed_that_the_settings_accept(capsys, monkeypatch):
    monkeypatch.setattr("sys.argv", ["keys"])
    key_tool.main()
    printed = capsys.readouterr().out
    seed = printed.splitlines()[0].removeprefix("CREDENTIALS_SIGNING_KEY_SEED=")
    settings = CredentialSettings(
        environment="production", credentials_base_url=BASE, credentials_signing_key_seed=seed
    )
    assert settings.signing_key.public_multikey in printed
    assert seed not in repr(settings.signing_key)


# --- Settings -------------------------------------------------------------------------------------


def test_production_refuses_to_start_without_a_signing_key():
    with pytest.raises(ValidationError, match="CREDENTIALS_SIGNING_KEY_SEED is required in production"):
        CredentialSettings(environment="production", credentials_base_url=BASE)
    with pytest.raises(ValidationError, match="CREDENTIALS_SIGNING_KEY_SEED is required in production"):
        CredentialSettings(
            environment="production", credentials_base_url=BASE, credentials_signing_key_seed=DEV_SIGNING_KEY_SEED
        )


@pytest.mark.parametrize(
    ("settings", "complaint"),
    [
        ({"credentials_signing_key_seed": "not-hex"}, "CREDENTIALS_SIGNING_KEY_SEED: .*hexadecimal"),
        ({"credentials_signing_key_seed": "ab" * 16}, "CREDENTIALS_SIGNING_KEY_SEED: .*32 bytes"),
        ({"credentials_retired_public_keys": "z6MkNotAKey"}, "CREDENTIALS_RETIRED_PUBLIC_KEYS"),
        ({"credentials_base_url": "sertifikat.example"}, "must be an http"),
        (
            {"environment": "production", "credentials_base_url": "http://sertifikat.example"},
            "must be https in production",
        ),
    ],
    ids=["seed-not-hex", "seed-too-short", "retired-key-invalid", "base-url-not-url", "production-http"],
)
def test_bad_credential_settings_stop_the_process_naming_the_variable(settings, complaint):
    with pytest.raises(ValidationError, match=complaint):
        CredentialSettings(**({"credentials_signing_key_seed": generate_seed()} | settings))


def test_settings_come_from_the_environment(monkeypatch):
    seed = generate_seed()
    monkeypatch.setenv("ENVIRONMENT", "production")
    monkeypatch.setenv("CREDENTIALS_BASE_URL", "https://sertifikat.example/")
    monkeypatch.setenv("CREDENTIALS_SIGNING_KEY_SEED", seed)
    svc = CredentialService(CredentialSettings())
    assert svc.urls.issuer == "https://sertifikat.example/credentials/issuer"
    assert svc.public_keys == [SigningKey.from_seed_hex(seed).public_multikey]


# --- Revocation lists -----------------------------------------------------------------------------


def test_a_status_list_is_16_kb_of_bits_left_to_right_gzip_base64url():
    encoded = encode_list([0, 9, LIST_LENGTH - 1])
    assert encoded.startswith("u") and "=" not in encoded
    bits = decode_list(encoded)
    assert len(bits) == 16 * 1024
    assert (bits[0], bits[1], bits[-1]) == (0x80, 0x40, 0x01)
    assert [i for i in (0, 1, 8, 9, LIST_LENGTH - 1) if bit_is_set(bits, i)] == [0, 9, LIST_LENGTH - 1]
    assert encode_list([9, 0, LIST_LENGTH - 1]) == encoded  # the same list, the same text


def test_the_signed_status_list_is_a_bitstring_status_list_credential():
    svc = service()
    document = svc.status_list("revocation-1", [5], now=NOW)
    assert document["id"] == f"{BASE}/credentials/status/revocation-1"
    assert document["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert document["issuer"] == svc.urls.issuer
    assert document["credentialSubject"]["type"] == "BitstringStatusList"
    assert document["credentialSubject"]["statusPurpose"] == "revocation"
    assert bit_is_set(decode_list(document["credentialSubject"]["encodedList"]), 5)
    assert svc.status_list_id(document["id"]) == "revocation-1"
    assert svc.status_list_id("https://elsewhere.example/credentials/status/revocation-1") is None
    with pytest.raises(ValueError, match="status list id"):
        svc.status_list("../issuer", [])


def test_status_list_entry_points_at_the_list_with_the_index_as_a_string():
    assert issue(index=4242)["credentialStatus"] == {
        "id": f"{BASE}/credentials/status/revocation-1#4242",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "4242",
        "statusListCredential": f"{BASE}/credentials/status/revocation-1",
    }


def test_indexes_are_a_keyed_permutation_never_reused_and_not_in_issue_order():
    key = new_list_key()
    indexes = [permuted_index(n, key) for n in range(LIST_LENGTH)]
    assert sorted(indexes) == list(range(LIST_LENGTH))  # every index once: none is ever given twice
    first = indexes[:50]
    assert first != sorted(first)  # the order of issue does not show
    assert [permuted_index(n, new_list_key()) for n in range(50)] != first  # each list its own order
    assert permuted_index(12, key) == indexes[12]  # the same sequence number, the same index
    with pytest.raises(ListFull):
        permuted_index(LIST_LENGTH, key)


# --- Round trip through JSON (what the training service stores and serves) -------------------------


def test_a_credential_stored_as_json_and_read_back_still_verifies():
    svc = service()
    stored = json.loads(json.dumps(issue(svc)))
    assert svc.verify(copy.deepcopy(stored), load_status_list=lists(svc), now=NOW).verdict is Verdict.VALID


def test_ids_and_salts_are_fresh_each_time():
    assert new_credential_id() != new_credential_id()
    assert len(new_salt()) == 32 and new_salt() != new_salt()
