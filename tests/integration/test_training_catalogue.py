"""The catalogue and partner curricula, over the real broker and database."""

from shared.http.auth import Role
from tests.conftest import bearer
from tests.support.demo import NURSE, program_body, schedule
from tests.support.events import enrolments, need_event, planned_needs, send
from tests.support.waiting import eventually

PARTNER = bearer("198001012005011001", Role.PARTNER, unit="USU")


def test_a_seminar_given_in_days_earns_its_converted_jp(run_service, admin):
    with run_service("training") as training:
        body = program_body({"M.03": 2}) | {"form": "seminar", "days": 2, "international": True}
        del body["jp"]
        program = training.put("/programs/SEMINAR-INT", json=body, headers=admin).json()
        assert (program["jp"], program["classical"], program["ready"]) == (12, True, True)  # 2 days x 6 JP
        missing = training.put("/programs/SEMINAR-X", json=body | {"days": None}, headers=admin)
        assert missing.status_code == 422 and missing.json()["error"]["code"] == "jp_unknown"


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
        mine = training.get("/curricula", params={"partner": "Universitas Sumatera Utara"}, headers=PARTNER).json()
        assert [c["code"] for c in mine["items"]] == ["USU-DIG"]
        assert (
            training.get("/curricula", params={"partner": "Universitas Negeri Medan"}, headers=PARTNER).json()["items"]
            == []
        )
