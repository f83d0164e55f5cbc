"""Object-level authorisation (BOLA) with real records: an employee sees their own, a supervisor their
direct reports, a unit head their unit and its sub-units, BKPSDM everyone; a partner no one."""

from __future__ import annotations

from datetime import UTC, datetime

from shared.http.auth import Role
from tests.conftest import bearer
from tests.support.demo import HEAD, NURSE, UNIT, assess, load_puskesmas

CLERK = "198507152010012003"  # another unit (Disdukcapil), nobody's report here
DINKES_HEAD = "197501012000031001"  # heads Dinas Kesehatan, the puskesmas' parent unit


def nips(response) -> set[str]:
    assert response.status_code == 200, response.text
    return {item["nip"] for item in response.json()["items"]}


def test_needs_records_are_seen_within_the_callers_scope_only(run_service, admin):
    with run_service("needs") as needs:
        load_puskesmas(needs, admin)
        assert needs.put("/units/DISDUK", json={"name": "Disdukcapil", "kind": "opd"}, headers=admin).status_code == 200
        clerk = {"name": "Budi Santoso", "unit_code": "DISDUK", "position_code": "PERAWAT"}
        assert needs.put(f"/employees/{CLERK}", json=clerk, headers=admin).status_code == 200
        nurse_need = assess(needs, admin, 1)["need"]["need_id"]
        clerk_need = assess(needs, admin, 1, nip=CLERK)["need"]["need_id"]

        nurse = bearer(NURSE, Role.EMPLOYEE, unit=UNIT)
        supervisor = bearer(HEAD, Role.SUPERVISOR, unit=UNIT)
        dinkes_head = bearer(DINKES_HEAD, Role.UNIT_HEAD, unit="DINKES")
        puskesmas_head = bearer(HEAD, Role.UNIT_HEAD, unit=UNIT)
        partner = bearer("198001012005011001", Role.PARTNER, unit="USU")

        assert nips(needs.get("/employees", headers=nurse)) == {NURSE}
        assert nips(needs.get("/employees", headers=supervisor)) == {HEAD, NURSE}
        assert nips(needs.get("/employees", headers=dinkes_head)) == {HEAD, NURSE}  # the puskesmas is below Dinkes
        assert nips(needs.get("/employees", headers=admin)) == {HEAD, NURSE, CLERK}
        # A filter cannot widen the scope: it is ANDed with it.
        assert nips(needs.get("/employees", params={"unit_code": "DISDUK"}, headers=dinkes_head)) == set()

        assert nips(needs.get("/needs", headers=nurse)) == {NURSE}
        assert nips(needs.get("/needs", params={"nip": CLERK}, headers=nurse)) == set()
        assert nips(needs.get("/needs", headers=supervisor)) == {NURSE}
        assert nips(needs.get("/needs", headers=admin)) == {NURSE, CLERK}

        for who in (nurse, supervisor, dinkes_head):
            for path in (f"/employees/{CLERK}", f"/needs/{clerk_need}", f"/jp-ledgers/{CLERK}?fiscal_year=2027"):
                assert needs.get(path, headers=who).status_code == 403, path
        assert needs.get(f"/needs/{nurse_need}", headers=dinkes_head).status_code == 200
        assert needs.get(f"/jp-ledgers/{NURSE}?fiscal_year=2027", headers=supervisor).status_code == 200
        assert needs.get("/needs", headers=partner).status_code == 403

        # Writing: a supervisor assesses their own report, not someone else's.
        body = {"competency_code": "M.05", "level": 2, "source": "assessment_centre", "assessed_on": "2027-03-01"}
        assert needs.post("/assessments", json=body | {"nip": NURSE}, headers=supervisor).status_code == 201
        assert needs.post("/assessments", json=body | {"nip": CLERK}, headers=supervisor).status_code == 403

        # Unit figures: a head sees their unit and below, never a sibling or the parent.
        recap = {"fiscal_year": 2027}
        assert needs.get("/reports/needs-recap", params=recap, headers=puskesmas_head).status_code == 200
        for unit in ("DINKES", "DISDUK"):
            denied = needs.get("/reports/needs-recap", params=recap | {"unit_code": unit}, headers=puskesmas_head)
            assert denied.status_code == 403, unit
        people = needs.get("/reports/jp-compliance", params=recap | {"unit_code": UNIT}, headers=dinkes_head)
        assert people.status_code == 200
        assert {r["nip"] for r in people.json()["rows"]} == {HEAD, NURSE}


def test_training_enrolments_are_seen_within_the_callers_scope_only(run_service, admin):
    from services.training.documents import EnrolmentDocument

    with run_service("training") as training:
        now = datetime.now(UTC)
        for nip, unit, supervisor in ((NURSE, UNIT, HEAD), (CLERK, "DISDUK", None)):
            EnrolmentDocument(
                id=f"B1:{nip}",
                batch_code="B1",
                phase_code="T1",
                program_code="P1",
                fiscal_year=2027,
                nip=nip,
                unit_code=unit,
                supervisor_nip=supervisor,
                cost=0,
                status="proposed",
                created_at=now,
                updated_at=now,
            ).save()
        nurse = bearer(NURSE, Role.EMPLOYEE, unit=UNIT)
        supervisor = bearer(HEAD, Role.SUPERVISOR, unit=UNIT)
        head = bearer("197501012000031001", Role.UNIT_HEAD, unit=UNIT)

        assert nips(training.get("/enrolments", headers=nurse)) == {NURSE}
        assert nips(training.get("/enrolments", params={"nip": CLERK}, headers=nurse)) == set()
        assert nips(training.get("/enrolments", headers=supervisor)) == {NURSE}
        assert nips(training.get("/enrolments", headers=head)) == {NURSE}
        assert nips(training.get("/enrolments", headers=admin)) == {NURSE, CLERK}
        for who in (nurse, supervisor, head):
            assert training.get(f"/enrolments/B1:{CLERK}", headers=who).status_code == 403
            assert training.post(f"/enrolments/B1:{CLERK}/confirm", headers=who).status_code == 403
        # The supervisor sees the report's seat but the decision is the participant's (or the unit head's).
        assert training.get(f"/enrolments/B1:{NURSE}", headers=supervisor).status_code == 200
        assert training.post(f"/enrolments/B1:{NURSE}/confirm", headers=supervisor).status_code == 403


def test_a_partner_changes_only_its_own_institutions_curricula(run_service, admin):
    """Issue 12: partner B once renamed partner A's curriculum (200), drafted a version of it (201) and
    submitted A's version for review (200)."""
    from services.training.documents import CurriculumDocument

    usu = bearer("198505052010011005", Role.PARTNER, institution="USU")
    itm = bearer("198606062011011006", Role.PARTNER, institution="ITM")
    no_institution = bearer("198707072012011007", Role.PARTNER)
    module = {"title": "Layanan daring", "jp": 24, "competency_code": "M.05", "learning_outcome": "Merancang"}
    with run_service("training") as training:
        created = training.put("/curricula/USU-DIG", json={"title": "Digital", "partner": "USU"}, headers=usu)
        assert created.status_code == 200 and created.json()["institution"] == "USU"
        assert training.post("/curricula/USU-DIG/versions", json={"modules": [module]}, headers=usu).status_code == 201

        attempts = [
            ("PUT", "/curricula/USU-DIG", {"title": "Diambil alih", "partner": "ITM"}),
            ("PUT", "/curricula/USU-DIG", {"title": "Diambil alih", "partner": "ITM", "institution": "ITM"}),
            ("POST", "/curricula/USU-DIG/versions", {"modules": [module]}),
            ("POST", "/curricula/USU-DIG/versions/1/review", {"action": "submit"}),
        ]
        for method, path, body in attempts:
            for who in (itm, no_institution):
                denied = training.request(method, path, json=body, headers=who)
                assert denied.status_code == 403, (method, path, denied.text)
                messages = denied.json()["error"]["messages"]
                assert messages["id"].startswith("Hanya mitra pemilik kurikulum"), messages
                assert messages["en"].startswith("Only the partner institution that owns this curriculum"), messages
        # A partner cannot create one for another institution, nor without naming its own in the token.
        assert (
            training.put("/curricula/X", json={"title": "X", "partner": "U", "institution": "USU"}, headers=itm)
        ).status_code == 403
        assert (
            training.put("/curricula/Y", json={"title": "Y", "partner": "U"}, headers=no_institution).status_code == 403
        )

        unchanged = training.get("/curricula/USU-DIG", headers=admin).json()
        assert (unchanged["title"], len(unchanged["versions"]), unchanged["versions"][0]["status"]) == (
            "Digital",
            1,
            "draft",
        )
        assert (
            training.post("/curricula/USU-DIG/versions/1/review", json={"action": "submit"}, headers=usu).status_code
            == 200
        )
        assert (
            training.put("/curricula/USU-DIG", json={"title": "Digital 2", "partner": "USU"}, headers=usu).status_code
            == 200
        )

        # BKPSDM changes any, and must name the institution of a new one.
        nameless = training.put("/curricula/BKPSDM-1", json={"title": "K", "partner": "USU"}, headers=admin)
        assert nameless.status_code == 422 and nameless.json()["error"]["code"] == "institution_required"
        body = {"title": "K", "partner": "Universitas Sumatera Utara", "institution": "USU"}
        assert training.put("/curricula/BKPSDM-1", json=body, headers=admin).json()["institution"] == "USU"
        assert (
            training.post("/curricula/USU-DIG/versions", json={"modules": [module]}, headers=admin).status_code == 201
        )

        # One made before ownership existed: BKPSDM's alone until BKPSDM names its institution.
        legacy = {"_id": "OLD", "title": "Lama", "partner": "USU", "versions": [], "version": 1}
        CurriculumDocument._get_collection().insert_one(legacy)
        assert training.post("/curricula/OLD/versions", json={"modules": [module]}, headers=usu).status_code == 403
        assert (
            training.put("/curricula/OLD", json={"title": "Lama", "partner": "USU"}, headers=admin).status_code == 422
        )
        adopted = training.put(
            "/curricula/OLD", json={"title": "Lama", "partner": "USU", "institution": "USU"}, headers=admin
        )
        assert adopted.status_code == 200
        assert training.post("/curricula/OLD/versions", json={"modules": [module]}, headers=usu).status_code == 201
