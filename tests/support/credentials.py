"""For certificate tests: a loopback web host for the issuer's documents, and the independent verifier.

The host answers like the training service will: the issuer profile, each key and each status list at
the URLs ``CredentialUrls`` gives, under ``http://127.0.0.1:<port>``. The verifier is node with Digital
Bazaar's VC libraries (tests/support/verifier, pinned by its package-lock.json), installed with
``npm ci`` when missing.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from shared.credentials import Award, Competency, CredentialService, CredentialSettings, Programme, Recipient
from shared.credentials.badge import WIB
from shared.http.auth import Role
from tests.conftest import bearer
from tests.support.demo import UNIT, program_body, schedule
from tests.support.events import enrolments, need_event, send
from tests.support.receivers import serving
from tests.support.waiting import eventually

VERIFIER_DIR = Path(__file__).with_name("verifier")

NIP = "199002202015032001"
BASE = "https://sertifikat.bkpsdm.example.go.id"
NOW = datetime(2027, 3, 10, 8, 0, tzinfo=UTC)


def service(**settings: Any) -> CredentialService:
    return CredentialService(CredentialSettings(credentials_base_url=BASE, **settings))


def award(**changes: Any) -> Award:
    base = Award(
        credential_id="8a1f0b52-3c4d-4e6f-9a0b-1c2d3e4f5a6b",
        certificate_number="BKPSDM-MDN/2027/5E1A2B3C",
        programme=Programme(
            code="2027-PRIMA",
            title="Pelayanan Prima",
            form="training",
            jp=24,
            provider="BPSDM Provinsi Sumatera Utara",
            competencies=(Competency("M.05", 3, "Pelayanan Publik"), Competency("M.03", 2)),
            passing_score=70,
        ),
        recipient=Recipient(NIP, "3f9c1d2e4b5a69788796a5b4c3d2e1f0", "Siti Aminah, S.Kep."),
        started_on=date(2027, 3, 1),
        completed_on=date(2027, 3, 4),
        valid_from=datetime(2027, 3, 4, 15, 0, tzinfo=WIB),
        post_score=82,
    )
    return dataclasses.replace(base, **changes)


def issue(svc: CredentialService | None = None, index: int = 77, **changes: Any) -> dict[str, Any]:
    return (svc or service()).issue(award(**changes), status_list_id="revocation-1", status_index=index, now=NOW)


def lists(svc: CredentialService, revoked: list[int] | None = None) -> Callable[[str], dict[str, Any] | None]:
    """A status list loader that answers for list revocation-1 only, like the training service will."""
    document = svc.status_list("revocation-1", revoked or [], now=NOW - timedelta(hours=1))
    return lambda url: document if svc.status_list_id(url) == "revocation-1" else None


class VerifierUnavailable(Exception):
    pass


@dataclass
class DocumentHost:
    """Serves JSON documents by path; tests change ``documents`` to publish or revoke."""

    port: int
    documents: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def publish(self, url: str, document: dict[str, Any]) -> None:
        self.documents[urlsplit(url).path] = document

    def publish_issuer(self, service: CredentialService) -> None:
        self.publish(service.urls.issuer, service.issuer_profile())
        for key in service.public_keys:
            method = service.verification_method(key)
            assert method is not None
            self.publish(service.urls.key(key), method)


@contextmanager
def document_host() -> Iterator[DocumentHost]:
    host: DocumentHost

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            document = host.documents.get(urlsplit(self.path).path)
            body = json.dumps(document).encode() if document is not None else b'{"error": "not found"}'
            self.send_response(200 if document is not None else 404)
            self.send_header("content-type", "application/ld+json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    host = DocumentHost(port=server.server_address[1])
    with serving(server):
        yield host


def service_for(host: DocumentHost, **settings: Any) -> CredentialService:
    """A CredentialService whose public URLs are the host's, its documents published there."""
    service = CredentialService(CredentialSettings(credentials_base_url=host.base_url, **settings))
    host.publish_issuer(service)
    return service


def ensure_verifier() -> Path:
    """The verifier's directory with its node_modules (npm ci from the lock file if missing)."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        raise VerifierUnavailable(
            "The independent verifier needs node >= 18 and npm (Debian: apt-get install nodejs npm); "
            f"then run: npm ci --prefix {VERIFIER_DIR}"
        )
    if not (VERIFIER_DIR / "node_modules" / "@digitalbazaar" / "vc").is_dir():
        done = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund"], cwd=VERIFIER_DIR, capture_output=True, text=True, timeout=300
        )
        if done.returncode != 0:
            raise VerifierUnavailable(f"npm ci in {VERIFIER_DIR} failed:\n{done.stdout}\n{done.stderr}")
    return VERIFIER_DIR


def verifier_or_fail() -> None:
    """For a module fixture: the independent verifier is there, or the tests fail saying how to get it."""
    try:
        ensure_verifier()
    except VerifierUnavailable as exc:
        pytest.fail(str(exc), pytrace=False)


def run_verifier(*args: str, stdin: str = "") -> dict[str, Any]:
    directory = ensure_verifier()
    done = subprocess.run(
        ["node", "verify.mjs", *args], cwd=directory, input=stdin, capture_output=True, text=True, timeout=120
    )
    if done.returncode != 0:
        raise AssertionError(f"the verifier crashed ({done.returncode}):\n{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def independently_verify(credential: dict[str, Any], host: DocumentHost, now: datetime | None = None) -> dict[str, Any]:
    args = ["--origin", host.base_url]
    if now is not None:
        args += ["--now", now.isoformat()]
    return run_verifier(*args, stdin=json.dumps(credential))


def completed_seat(
    training: Any, admin: dict[str, str], infra: Any, namespace: str, nip: str, *, name: str | None = None
) -> dict[str, Any]:
    """A seat of ``nip`` planned from a need, confirmed, attended, scored and completed in the training
    service (a TestClient or an httpx.Client with its base_url); ``name``: the participant's consent."""
    if training.get("/programs/PRIMA", headers=admin).status_code == 404:
        assert training.put("/programs/PRIMA", json=program_body({"M.05": 3}), headers=admin).status_code == 200
        schedule(training, admin, "PRIMA-1", "PRIMA", sessions=1)
    send(infra, namespace, need_event(nip=nip))
    seat = eventually(lambda: enrolments(training, admin, nip=nip)["items"], what=f"a seat for {nip}")[0]
    path = f"/enrolments/{seat['enrolment_id']}"
    person = bearer(nip, Role.EMPLOYEE, unit=UNIT)
    assert training.post(f"{path}/confirm", headers=person).status_code == 200
    if name is not None:
        chosen = training.put(f"{path}/certificate-name", json={"name": name}, headers=person)
        assert chosen.status_code == 200, chosen.text
    marked = training.put("/batches/PRIMA-1/sessions/1/attendance", json={"present": [nip]}, headers=admin)
    assert marked.status_code == 200, marked.text
    scored = training.put(f"{path}/scores", json={"pre_score": 55, "post_score": 82}, headers=admin)
    assert scored.status_code == 200, scored.text
    done = training.post(f"{path}/completion", json={"completed_on": "2027-03-11"}, headers=admin)
    assert done.status_code == 200, done.text
    completed: dict[str, Any] = done.json()
    assert completed["status"] == "completed", completed
    return completed
