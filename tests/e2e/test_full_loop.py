"""The whole cycle over real Kafka and the real database, each service its own process:
assessment -> NeedIdentified -> a seat planned in a batch (EnrolmentChanged) -> confirmation -> attendance
-> completion -> ProgramCompleted -> evaluation opened -> submission -> EvaluationSubmitted -> inbox
messages for the employee and the supervisor; the seat's learning record stored in a real LRS (Ralph) and
its SIASN entry accepted by the SIASN receiver."""

import json
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import jsonschema
import pytest

from shared.events import ENROLMENT_CHANGED, EVALUATION_SUBMITTED, NEED_IDENTIFIED, PROGRAM_COMPLETED
from shared.http.auth import Role
from tests.conftest import bearer
from tests.support.demo import HEAD, NURSE, UNIT, program_body
from tests.support.kafka import wait_for_records
from tests.support.lrs import PASSWORD, USERNAME, Ralph, RalphUnavailable, ralph
from tests.support.metrics import sample
from tests.support.processes import SERVICES
from tests.support.siasn import SiasnReceiver, siasn_receiver
from tests.support.waiting import eventually

NURSE_IN_SIASN = "8ae483a87c3d2c77017c3f5e1b2a0011"


@dataclass
class Outside:
    lrs: Ralph
    siasn: SiasnReceiver

    def env(self) -> dict[str, str]:
        """Notifications sends to both; the SIASN job runs on demand (POST /siasn/sync) here."""
        return {
            "XAPI_ENABLED": "true",
            "XAPI_LRS_ENDPOINT": self.lrs.endpoint,
            "XAPI_LRS_USERNAME": USERNAME,
            "XAPI_LRS_PASSWORD": PASSWORD,
            "SIASN_ENABLED": "true",
            "SIASN_BASE_URL": self.siasn.api_url,
            "SIASN_TOKEN_URL": self.siasn.token_url,
            "SIASN_CLIENT_ID": self.siasn.client_id,
            "SIASN_CLIENT_SECRET": self.siasn.client_secret,
            "SIASN_INSTANSI_ID": "A5EB03E23CFBF6A0E040640A040252AD",
            "SIASN_LOKASI_ID": "A5EB03E21D9EF6A0E040640A040252AD",
            "SIASN_SYNC_INTERVAL_S": "86400",
        }


@pytest.fixture
def outside(tmp_path) -> Iterator[Outside]:
    try:
        with ralph(tmp_path / "ralph") as lrs, siasn_receiver({NURSE: NURSE_IN_SIASN}) as siasn:
            yield Outside(lrs, siasn)
    except RalphUnavailable as exc:
        pytest.fail(str(exc), pytrace=False)


@pytest.fixture
def system(start_service, outside):
    return {name: start_service(name, **(outside.env() if name == "notifications" else {})) for name in SERVICES}


def ok(response: httpx.Response, status: int = 200) -> dict:
    assert response.status_code == status, f"{response.request.method} {response.request.url}: {response.text}"
    return response.json()


def test_one_need_travels_the_whole_cycle(system, outside, admin, infra, namespace):
    needs, training, evaluation, notifications = (
        system[s].url for s in ("needs", "training", "evaluation", "notifications")
    )
    nurse = bearer(NURSE, Role.EMPLOYEE, unit=UNIT)
    http = httpx.Client(timeout=10)

    for path, body in [
        ("/units/DINKES", {"name": "Dinas Kesehatan", "kind": "opd"}),
        (
            f"/units/{UNIT}",
            {"name": "Puskesmas Padang Bulan", "kind": "puskesmas", "parent_code": "DINKES", "front_line": True},
        ),
        ("/positions/KAPUS", {"title": "Kepala Puskesmas", "type": "pengawas"}),
        ("/positions/PERAWAT", {"title": "Perawat", "type": "fungsional", "standard": {"M.05": 3}}),
        (f"/employees/{HEAD}", {"name": "dr. Ahmad Nasution", "unit_code": UNIT, "position_code": "KAPUS"}),
        (
            f"/employees/{NURSE}",
            {"name": "Siti Rahmawati", "unit_code": UNIT, "position_code": "PERAWAT", "supervisor_nip": HEAD},
        ),
    ]:
        ok(http.put(needs + path, json=body, headers=admin))
    ok(http.put(f"{training}/programs/PEL-PRIMA", json=program_body({"M.05": 3}), headers=admin))
    phase = {"fiscal_year": 2027, "title": "Tahap I", "starts_on": "2027-03-01", "ends_on": "2027-06-30", "budget": 5e7}
    ok(http.put(f"{training}/phases/T1-2027", json=phase, headers=admin))
    batch = {"phase_code": "T1-2027", "program_code": "PEL-PRIMA", "starts_on": "2027-03-01", "ends_on": "2027-03-04"}
    ok(http.put(f"{training}/batches/PEL-PRIMA-1", json=batch | {"sessions": 2}, headers=admin))

    # 1. needs: an assessment below the standard
    assessment = {
        "nip": NURSE,
        "competency_code": "M.05",
        "level": 1,
        "source": "assessment_centre",
        "assessed_on": "2027-02-10",
    }
    need = ok(http.post(f"{needs}/assessments", json=assessment, headers=admin), 201)["need"]
    assert need["gap"] == 2

    # 2. the training planner placed the need into the batch that covers it; the nurse confirms
    enrolment = eventually(
        lambda: ok(http.get(f"{training}/enrolments", params={"nip": NURSE}, headers=admin))["items"],
        what="seat planned from NeedIdentified",
    )[0]
    assert (enrolment["need_ids"], enrolment["batch_code"], enrolment["status"]) == (
        [need["need_id"]],
        "PEL-PRIMA-1",
        "proposed",
    )
    seat = f"{training}/enrolments/{enrolment['enrolment_id']}"
    assert ok(http.post(f"{seat}/confirm", headers=nurse))["status"] == "confirmed"

    # 3. attendance and scores, then completion called twice: one ProgramCompleted
    for session in (1, 2):
        ok(
            http.put(
                f"{training}/batches/PEL-PRIMA-1/sessions/{session}/attendance",
                json={"present": [NURSE]},
                headers=admin,
            )
        )
    ok(http.put(f"{seat}/scores", json={"pre_score": 55, "post_score": 82}, headers=admin))
    first = ok(http.post(f"{seat}/completion", json={"completed_on": "2027-03-04"}, headers=admin))
    again = ok(http.post(f"{seat}/completion", json={"completed_on": "2027-03-04"}, headers=admin))
    assert first["status"] == again["status"] == "completed"
    assert first["certificate_number"] == again["certificate_number"]

    # 4. evaluation opened a level-1 evaluation for the participant, who submits it
    opened = eventually(
        lambda: ok(http.get(f"{evaluation}/evaluations", headers=nurse))["items"],
        what="evaluation opened from ProgramCompleted",
    )[0]
    assert (opened["level"], opened["status"], opened["due_on"]) == (1, "open", "2027-03-11")
    answers = {"relevance": 5, "content": 4, "facilitator": 4, "organisation": 3, "overall": 4}
    someone_else = bearer(HEAD, Role.SUPERVISOR, unit=UNIT)
    refused = http.post(
        f"{evaluation}/evaluations/{opened['evaluation_id']}/submission",
        json={"answers": answers},
        headers=someone_else,
    )
    assert refused.status_code == 403
    submitted = ok(
        http.post(
            f"{evaluation}/evaluations/{opened['evaluation_id']}/submission", json={"answers": answers}, headers=nurse
        )
    )
    assert (submitted["score"], submitted["outcome"]) == (75.0, "satisfied")

    # 5. notifications: one inbox message for the employee per event, in Indonesian by default: the need,
    #    the seat proposed and confirmed (starting to attend and completing the seat are not messages of
    #    their own), the completion, and two evaluations (level 2 from the test scores, and her level 1)
    inbox = eventually(
        lambda: (r := ok(http.get(f"{notifications}/inbox", headers=nurse)))["total"] >= 6 and r,
        what="six inbox messages",
    )
    assert inbox["total"] == 6
    types = sorted(m["event_type"] for m in inbox["items"])
    expected = [NEED_IDENTIFIED, ENROLMENT_CHANGED, ENROLMENT_CHANGED, PROGRAM_COMPLETED, *[EVALUATION_SUBMITTED] * 2]
    assert types == sorted(c.type for c in expected)
    assert {m["language"] for m in inbox["items"]} == {"id"}
    # the completion message gives the public verification page of her signed certificate
    [completion] = [m for m in inbox["items"] if m["event_type"] == PROGRAM_COMPLETED.type]
    assert f"{training}/credentials/" in completion["body"], completion["body"]
    english = ok(http.get(f"{notifications}/inbox", headers={**nurse, "Accept-Language": "en"}))
    assert any(m["title"] == "Level 1 (reaction) evaluation received" for m in english["items"])
    assert ok(http.get(f"{notifications}/inbox/unread-count", headers=nurse))["unread"] == 6
    # the supervisor heard about the need and the proposed seat as well, and sees only those
    head_inbox = eventually(
        lambda: (r := ok(http.get(f"{notifications}/inbox", headers=someone_else)))["total"] >= 2 and r,
        what="the supervisor's two messages",
    )
    assert sorted(m["event_type"] for m in head_inbox["items"]) == sorted(
        [NEED_IDENTIFIED.type, ENROLMENT_CHANGED.type]
    )

    # 6. the topics hold exactly one record per event, keyed by NIP, with CloudEvents headers and a valid body
    for contract, count in (
        (NEED_IDENTIFIED, 1),
        (ENROLMENT_CHANGED, 4),
        (PROGRAM_COMPLETED, 1),
        (EVALUATION_SUBMITTED, 2),
    ):
        records = wait_for_records(
            infra.kafka_bootstrap_servers, f"{namespace}.{contract.topic}", lambda r: r.key == NURSE, count=count
        )
        assert len(records) == count, contract.name
        for record in records:
            assert record.headers["ce_type"] == contract.type
            assert record.headers["ce_source"] == contract.source
            assert record.headers["ce_specversion"] == "1.0"
            assert record.headers["ce_subject"] == NURSE
            assert record.headers["content-type"] == "application/json"
            jsonschema.validate(json.loads(record.value), contract.json_schema())

    # 7. operations see it too: the consumer and HTTP metrics on each service's /metrics
    metrics = http.get(f"{training}/metrics").text
    handled = sample(metrics, "faststream_received_processed_messages_total", app_name="training", status="acked")
    assert handled >= 1
    completions = sample(
        metrics,
        "http_requests_total",
        service="training",
        method="POST",
        route="/enrolments/{enrolment_id}/completion",
        status="200",
    )
    assert completions == 2
    published = sample(metrics, "outbox_events_published_total", service="training", topic=PROGRAM_COMPLETED.topic)
    assert published == 1

    # 8. the seat's learning record in the LRS: attended, pre-test, post-test, completed, evaluations 2 and 1,
    #    one registration, the NIP as the account
    stored = eventually(lambda: len(s := outside.lrs.stored()) >= 6 and s, timeout_s=60, what="six statements")
    assert len(stored) == 6 and len({s["id"] for s in stored}) == 6
    assert {s["actor"]["account"]["name"] for s in stored} == {NURSE}
    assert len({s["context"]["registration"] for s in stored}) == 1
    completed = next(s for s in stored if s["verb"]["id"] == "http://adlnet.gov/expapi/verbs/completed")
    assert completed["result"]["score"]["scaled"] == 0.82
    assert outside.lrs.strict_errors(stored) == []

    # 9. its SIASN entry, sent by a sync round and accepted by the receiver's checks
    eventually(
        lambda: ok(http.get(f"{notifications}/siasn/entries", headers=admin))["total"] == 1, what="the SIASN entry"
    )
    assert ok(http.post(f"{notifications}/siasn/sync", headers=admin)) == {"sent": 1, "refused": 0, "retryable": 0}
    [entry] = outside.siasn.records["kursus"]
    assert (entry["nipBaru"], entry["noSertipikat"]) == (NURSE, first["certificate_number"])
    assert (entry["tanggalKursus"], entry["tanggalSelesaiKursus"], entry["jenisDiklatId"]) == (
        "01-03-2027",
        "04-03-2027",
        "5",
    )
