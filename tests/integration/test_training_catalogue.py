"""The catalogue and partner curricula, over the real broker and database."""

import json

from shared.events import PROGRAM_COMPLETED
from shared.http.auth import Role
from tests.conftest import bearer
from tests.support.demo import NURSE, program_body, schedule
from tests.support.events import enrolments, need_event, planned_needs, send
from tests.support.kafka import wait_for_records
from tests.support.waiting import eventually

PARTNER = bearer("198001012005011001", Role.PARTNER, institution="USU")


def test_a_seminar_given_in_days_earns_its_converted_jp(run_service, admin):
    with run_service("training") as training:
        body = program_body({"M.03": 2}) | {"form": "seminar", "days": 2, "international": True}
        del body["jp"]
        program = training.put("/programs/SEMINAR-INT", json=body, headers=admin).json()
        assert (program["jp"], program["classical"], program["ready"]) == (12, True, True)  # 2 days x 6 JP
        missing = training.put("/programs/SEMINAR-X", json=body | {"days": None}, headers=admin)
        assert missing.status_code == 422 and missing.json()["error"]["code"] == "jp_from_days"
        # One national day is 4 JP: a seminar entered as 20 JP would meet the whole yearly minimum.
        contradicting = body | {"days": 1, "international": False, "jp": 20}
        refused = training.put("/programs/SEMINAR-Y", json=contradicting, headers=admin)
        assert refused.status_code == 422 and refused.json()["error"]["code"] == "jp_contradicts_days"
        assert "earns 4 JP" in refused.json()["error"]["messages"]["en"]


def test_a_university_programme_takes_participants_once_its_curriculum_is_approved(
    run_service, admin, infra, namespace
):
    with run_service("training") as training:
        assert (
            training.put(
                "/curricula/USU-DIG",
                json={"title": "Digitalisasi Layanan Publik", "partner": "Universitas Sumatera Utara"},
                headers=PARTNER,
            ).status_code
            == 200
        )
        body = program_body({"M.05": 3}) | {"provider_kind": "university", "curriculum_code": "USU-DIG"}
        assert training.put("/programs/USU-DIG-1", json=body, headers=admin).json()["ready"] is False

        send(infra, namespace, need_event())
        first = eventually(lambda: planned_needs(training, admin)["items"], what="need")[0]
        assert first["status"] in ("open", "waitlisted")
        refused = training.put(
            "/phases/T1",
            json={
                "fiscal_year": 2027,
                "title": "Tahap 1",
                "starts_on": "2027-03-01",
                "ends_on": "2027-06-30",
                "budget": 50_000_000,
            },
            headers=admin,
        )
        assert refused.status_code == 200
        no_batch = training.put(
            "/batches/USU-DIG-1-A1",
            json={"phase_code": "T1", "program_code": "USU-DIG-1", "starts_on": "2027-04-05", "ends_on": "2027-04-09"},
            headers=admin,
        )
        assert no_batch.status_code == 409 and no_batch.json()["error"]["code"] == "program_not_ready"

        module = {
            "title": "Layanan daring",
            "jp": 24,
            "competency_code": "M.05",
            "learning_outcome": "Merancang layanan daring yang mudah diakses",
        }
        version = training.post("/curricula/USU-DIG/versions", json={"modules": [module]}, headers=PARTNER).json()
        assert version["versions"][0]["status"] == "draft"
        training.post("/curricula/USU-DIG/versions/1/review", json={"action": "submit"}, headers=PARTNER)
        refused = training.post("/curricula/USU-DIG/versions/1/review", json={"action": "approve"}, headers=PARTNER)
        assert refused.status_code == 403
        approved = training.post(
            "/curricula/USU-DIG/versions/1/review",
            json={"action": "approve", "note": "Sesuai standar kompetensi"},
            headers=admin,
        ).json()
        history = approved["versions"][0]["history"]
        assert [h["status"] for h in history] == ["draft", "in_review", "approved"]
        assert history[-1]["by"] == "197805122003121002"
        assert training.get("/programs/USU-DIG-1", headers=admin).json()["ready"] is True

        # Approved: the programme opens a batch, and the planner places the waiting nurse in it.
        schedule(training, admin, "USU-DIG-1-A1", "USU-DIG-1", phase="T1", starts_on="2027-04-05", ends_on="2027-04-09")
        placed = eventually(lambda: enrolments(training, admin, nip=NURSE)["items"], what="placement after approval")
        assert (placed[0]["program_code"], placed[0]["status"]) == ("USU-DIG-1", "proposed")

        training.post("/curricula/USU-DIG/versions", json={"modules": [module | {"jp": 32}]}, headers=PARTNER)
        training.post("/curricula/USU-DIG/versions/2/review", json={"action": "submit"}, headers=PARTNER)
        both = training.post("/curricula/USU-DIG/versions/2/review", json={"action": "approve"}, headers=admin).json()
        assert [v["status"] for v in both["versions"]] == ["retired", "approved"]
        mine = training.get("/curricula", params={"institution": "USU"}, headers=PARTNER).json()
        assert [c["code"] for c in mine["items"]] == ["USU-DIG"]
        assert training.get("/curricula", params={"institution": "UNIMED"}, headers=PARTNER).json()["items"] == []


def test_a_completion_names_the_curriculum_version_it_was_taught_from_and_its_owner(
    run_service, admin, infra, namespace
):
    with run_service("training") as training:
        curriculum = {"title": "Digitalisasi Layanan Publik", "partner": "Universitas Sumatera Utara"}
        assert training.put("/curricula/USU-DIG", json=curriculum, headers=PARTNER).status_code == 200
        module = {"title": "Layanan daring", "jp": 24, "competency_code": "M.05", "learning_outcome": "Layanan"}
        for version in (1, 2):  # version 2 replaces version 1 before the batch runs
            training.post("/curricula/USU-DIG/versions", json={"modules": [module]}, headers=PARTNER)
            training.post(f"/curricula/USU-DIG/versions/{version}/review", json={"action": "submit"}, headers=PARTNER)
            training.post(f"/curricula/USU-DIG/versions/{version}/review", json={"action": "approve"}, headers=admin)
        body = program_body({"M.05": 3}) | {"provider_kind": "university", "curriculum_code": "USU-DIG"}
        training.put("/programs/USU-DIG-1", json=body, headers=admin)
        schedule(training, admin, "USU-DIG-1-A1", "USU-DIG-1", sessions=1)
        send(infra, namespace, need_event())
        seat = eventually(lambda: enrolments(training, admin, nip=NURSE)["items"], what="a seat")[0]
        assert training.post(f"/enrolments/{seat['enrolment_id']}/confirm", headers=admin).status_code == 200
        training.put("/batches/USU-DIG-1-A1/sessions/1/attendance", json={"present": [NURSE]}, headers=admin)
        training.put(
            f"/enrolments/{seat['enrolment_id']}/scores", json={"pre_score": 60, "post_score": 85}, headers=admin
        )
        done = training.post(f"/enrolments/{seat['enrolment_id']}/completion", headers=admin)
        assert done.json()["status"] == "completed", done.text

    (record,) = wait_for_records(
        infra.kafka_bootstrap_servers, f"{namespace}.{PROGRAM_COMPLETED.topic}", lambda r: r.key == NURSE
    )
    assert json.loads(record.value)["curriculum"] == {"code": "USU-DIG", "version": 2, "institution": "USU"}
