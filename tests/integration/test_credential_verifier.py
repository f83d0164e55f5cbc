"""Our certificates as an outside verifier sees them: Digital Bazaar's VC libraries on node
(@digitalbazaar/vc 7.3, eddsa-rdfc-2022-cryptosuite 1.3, vc-bitstring-status-list 2.0; pinned in
tests/support/verifier/package-lock.json), fetching the issuer profile, key and status list from a
loopback host, with JSON-LD contexts from their own npm packages rather than ours."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from shared.credentials import Verdict
from shared.credentials.badge import WIB
from shared.credentials.keys import generate_seed
from shared.credentials.linked_data import BUNDLED, CONTEXTS_DIR, OB_V3P0
from tests.support.credentials import (
    VERIFIER_DIR,
    DocumentHost,
    award,
    document_host,
    independently_verify,
    run_verifier,
    service_for,
    verifier_or_fail,
)

LIST = "revocation-1"
TODAY = datetime.now(UTC)


@pytest.fixture(scope="module", autouse=True)
def verifier() -> None:
    verifier_or_fail()


@pytest.fixture
def host() -> Iterator[DocumentHost]:
    with document_host() as running:
        yield running


def recent_award(**changes):
    """A completion three days ago (the verifier checks validFrom against its own clock)."""
    completed = (TODAY - timedelta(days=3)).astimezone(WIB)
    return award(
        started_on=completed.date() - timedelta(days=3), completed_on=completed.date(), valid_from=completed, **changes
    )


def issued(host: DocumentHost, index: int = 4242, revoked: tuple[int, ...] = (), **changes):
    """A credential of a service published on the host, with its status list."""
    svc = service_for(host, **changes.pop("settings", {}))
    credential = svc.issue(recent_award(**changes), status_list_id=LIST, status_index=index)
    host.publish(svc.urls.status_list(LIST), svc.status_list(LIST, revoked))
    return svc, credential


def ours(svc, host: DocumentHost, credential):
    """Our own verdict, loading the status list from the same host."""
    return svc.verify(credential, load_status_list=lambda url: host.documents.get(url.removeprefix(host.base_url)))


def test_a_genuine_credential_passes_the_independent_verifier(host):
    svc, credential = issued(host)
    result = independently_verify(credential, host)
    assert result["accepted"] is True, result["errors"]
    assert (result["proofVerified"], result["statusVerified"], result["revoked"]) == (True, True, False)
    # It fetched the key, the issuer profile that lists it, and the status list; nothing else.
    assert set(result["fetched"]) == {svc.urls.issuer, svc.verification_method_url, svc.urls.status_list(LIST)}
    assert result["refused"] == []
    assert ours(svc, host, credential).verdict is Verdict.VALID


def test_a_tampered_credential_fails_it(host):
    svc, credential = issued(host)
    tampered = copy.deepcopy(credential)
    tampered["credentialSubject"]["creditsEarned"] = 40
    result = independently_verify(tampered, host)
    assert (result["accepted"], result["proofVerified"]) == (False, False)
    assert "Invalid signature." in result["errors"]
    assert ours(svc, host, tampered).verdict is Verdict.TAMPERED


def test_a_revoked_credential_fails_it(host):
    svc, credential = issued(host, index=4242, revoked=(4242,))
    result = independently_verify(credential, host)
    assert (result["accepted"], result["proofVerified"], result["statusVerified"]) == (False, True, True)
    assert result["revoked"] is True
    assert ours(svc, host, credential).verdict is Verdict.REVOKED
    # Revoking another index leaves this one accepted: the list is read bit by bit.
    host.publish(svc.urls.status_list(LIST), svc.status_list(LIST, [4241, 4243]))
    assert independently_verify(credential, host)["accepted"] is True


def test_an_expired_credential_fails_it(host):
    svc, credential = issued(host, valid_until=TODAY - timedelta(days=1))
    result = independently_verify(credential, host)
    assert result["accepted"] is False
    assert any('after "validUntil"' in e for e in result["errors"])
    assert ours(svc, host, credential).verdict is Verdict.EXPIRED


def test_a_forged_status_list_is_not_believed(host):
    svc, credential = issued(host, revoked=(4242,))
    forger = service_for(host, credentials_signing_key_seed=generate_seed())
    host.publish_issuer(svc)  # the genuine profile stays published; the forger only swaps the list
    host.publish(svc.urls.status_list(LIST), forger.status_list(LIST, []))
    result = independently_verify(credential, host)
    assert result["accepted"] is False and result["statusVerified"] is not True
    assert ours(svc, host, credential).verdict is Verdict.UNVERIFIABLE


def test_an_unknown_context_url_is_refused_by_the_loader(host):
    svc, credential = issued(host)
    credential["@context"] = [*credential["@context"], "https://contexts.example/extra/v1"]
    result = independently_verify(credential, host)
    assert result["accepted"] is False
    assert set(result["refused"]) == {"https://contexts.example/extra/v1"}
    assert ours(svc, host, credential).verdict is Verdict.TAMPERED


def test_after_a_key_rotation_old_credentials_still_pass(host):
    old_seed = generate_seed()
    old, credential = issued(host, settings={"credentials_signing_key_seed": old_seed})
    rotated = service_for(
        host,
        credentials_signing_key_seed=generate_seed(),
        credentials_retired_public_keys=old.public_keys[0],
    )
    host.documents.pop(old.urls.key(old.public_keys[0]).removeprefix(host.base_url))
    host.publish_issuer(rotated)  # republishes the retired key with the new one
    host.publish(rotated.urls.status_list(LIST), rotated.status_list(LIST, []))
    assert independently_verify(credential, host)["accepted"] is True
    fresh = rotated.issue(recent_award(), status_list_id=LIST, status_index=1)
    assert independently_verify(fresh, host)["accepted"] is True


def test_the_verifier_reads_the_same_contexts_from_its_own_packages():
    theirs = run_verifier("--print-contexts")
    assert set(theirs) == set(BUNDLED)
    for url, context in BUNDLED.items():
        mine = json.loads((CONTEXTS_DIR / context.file).read_text())
        if url == OB_V3P0:
            # 1EdTech's validator copy adds two terms our credentials never use (contexts/README.md).
            mine["@context"] = {k: v for k, v in mine["@context"].items() if k not in ("endorsementJwt", "jti")}
        assert theirs[url] == mine, url


@pytest.mark.parametrize(
    ("package_file", "bundled"),
    [
        ("did-context/contexts/did-v1.jsonld", "did-v1.jsonld"),
        ("@digitalbazaar/multikey-context/contexts/multikey-v1.jsonld", "multikey-v1.jsonld"),
    ],
)
def test_the_contexts_copied_from_npm_are_byte_identical_to_the_pinned_packages(package_file, bundled):
    assert (VERIFIER_DIR / "node_modules" / package_file).read_bytes() == (CONTEXTS_DIR / bundled).read_bytes()
