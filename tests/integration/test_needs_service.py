"""The needs service in-process over the real Kafka broker and MongoDB-wire database."""

import json

from pymongo import MongoClient

from services.needs.documents import NeedDocument
from shared.events import NEED_IDENTIFIED, NEED_RESOLVED
from shared.http.access import Scope
from shared.http.auth import Role
from tests.conftest import bearer
from tests.support.demo import HEAD, NURSE, UNIT, assess, load_puskesmas
from tests.support.kafka import read_topic, wait_for_records


def test_an_assessment_below_the_standard_opens_a_need_and_announces_it(run_service, admin, infra, namespace):
    with run_service("needs") as needs:
        load_puskesmas(needs, admin)
        result = assess(needs, admin, 1)

        # Standard M.05 = 3, assessed 1, front-line puskesmas: gap 2, priority 2 x 1.0 x 1.5 = 3.0
        need = result["need"]
        assert (need["required_level"], need["assessed_level"], need["gap"], need["priority"]) == (3, 1, 2, 3.0)
        assert need["status"] == "open"

        topic = f"{namespace}.{NEED_IDENTIFIED.topic}"
        (record,) = wait_for_records(infra.kafka_bootstrap_servers, topic, lambda r: r.key == NURSE)
        payload = json.loads(record.value)
        assert payload["need_id"] == "2027-199002202015032001-M.05"
        assert payload["supervisor_nip"] == HEAD and payload["unit_code"] == UNIT
        assert payload["priority_parts"] == {"gap": 2.0, "competency_weight": 1.0, "front_line_factor": 1.5}
        assert record.headers["ce_type"] == NEED_IDENTIFIED.type
        assert record.headers["ce_subject"] == NURSE


def test_rerunning_the_analysis_on_unchanged_data_announces_nothing_new(run_service, admin, infra, namespace):
    topic = f"{namespace}.{NEED_IDENTIFIED.topic}"
    with run_service("needs") as needs:
        load_puskesmas(needs, admin)
        assess(needs, admin, 1)
        wait_for_records(infra.kafka_bootstrap_servers, topic, lambda r: r.key == NURSE)
        assess(needs, admin, 1)  # the same assessment again
        assess(needs, admin, 3, source="self", on="2027-05-01")  # a self-assessment does not outrank the centre
        # A newer assessment-centre result changes the gap: that is announced, superseding the first.
        changed = assess(needs, admin, 2, on="2027-06-01")["need"]
        assert (changed["gap"], changed["priority"]) == (1, 1.5)
        records = wait_for_records(infra.kafka_bootstrap_servers, topic, lambda r: r.key == NURSE, count=2)
    assert [json.loads(r.value)["gap"] for r in records] == [2, 1]
    assert len({r.headers["ce_id"] for r in records}) == 2
    assert len(read_topic(infra.kafka_bootstrap_servers, topic)) == 2


def test_meeting_the_standard_resolves_the_need_and_announces_it(run_service, admin, infra, namespace):
    with run_service("needs") as needs:
        load_puskesmas(needs, admin)
        assess(needs, admin, 1)
        resolved = assess(needs, admin, 3, on="2027-09-01")["need"]
        assert resolved["status"] == "resolved"
        open_needs = needs.get("/needs", params={"status": "open"}, headers=admin).json()
        assert open_needs["total"] == 0
    (record,) = wait_for_records(
        infra.kafka_bootstrap_servers, f"{namespace}.{NEED_RESOLVED.topic}", lambda r: r.key == NURSE
    )
    assert json.loads(record.value)["need_id"] == resolved["need_id"]


def test_a_wrong_nip_is_refused_with_the_part_that_is_wrong(run_service, admin):
    with run_service("needs") as needs:
        load_puskesmas(needs, admin)
        body = {"name": "Salah NIP", "unit_code": UNIT, "position_code": "PERAWAT"}
        response = needs.put("/employees/199002202015033001", json=body, headers=admin)
        assert response.status_code == 422
        error = response.json()["error"]
        assert error["code"] == "invalid_nip.gender"
        assert error["message"] == "Digit 15 (3) harus 1 (laki-laki) atau 2 (perempuan)."
        assert needs.get("/employees/199002202015033001", headers=admin).status_code == 404
        # A superscript digit used to reach int() and answer 500; a full-width NIP was stored as a second person.
        for wrong in ("19900220²015032001", "１９９００２２０２０１５０３２００１"):
            refused = needs.put(f"/employees/{wrong}", json=body, headers=admin)
            assert (refused.status_code, refused.json()["error"]["code"]) == (422, "invalid_nip.length")


def test_staff_may_read_but_only_bkpsdm_may_change_master_data(run_service, admin):
    nurse = bearer(NURSE, Role.EMPLOYEE, unit=UNIT)
    with run_service("needs") as needs:
        load_puskesmas(needs, admin)
        assert needs.get(f"/units/{UNIT}", headers=nurse).json()["front_line"] is True
        refused = needs.put("/units/X", json={"name": "X", "kind": "opd"}, headers=nurse)
        assert refused.status_code == 403
        assert needs.get("/units/X", headers=admin).status_code == 404
        position = needs.get("/positions/PERAWAT", headers=nurse).json()
        assert position["required_levels"]["M.05"] == 3 and position["required_levels"]["M.01"] == 2


def test_an_employee_sees_only_their_own_needs(run_service, admin):
    with run_service("needs") as needs:
        load_puskesmas(needs, admin)
        assess(needs, admin, 1)
        other = bearer("198208082008011002", Role.EMPLOYEE, unit="PKM-TELADAN")
        assert needs.get("/needs", params={"nip": NURSE}, headers=other).json()["total"] == 0
        own = needs.get("/needs", headers=bearer(NURSE, Role.EMPLOYEE, unit=UNIT)).json()
        assert [n["competency_code"] for n in own["items"]] == ["M.05"]
        assert needs.get("/needs/2027-199002202015032001-M.05", headers=other).status_code == 403
        # The console's "my needs" asks with the NIP too: the same need, not an empty or a refused list.
        mine = needs.get("/needs", params={"nip": NURSE}, headers=bearer(NURSE, Role.EMPLOYEE, unit=UNIT)).json()
        assert [n["competency_code"] for n in mine["items"]] == ["M.05"]


def test_an_employees_needs_list_is_answered_from_the_nip_index_not_a_scan(run_service, admin, infra, namespace):
    # FerretDB scans the whole collection for $and/$or; Scope.within keeps an employee's list one equality
    # (98 s over 37,655 needs before). On MongoDB the same query is answered from the nip index.
    with run_service("needs") as needs:
        load_puskesmas(needs, admin)
        assess(needs, admin, 1)
        db = MongoClient(infra.mongodb_uri)[f"{namespace}_needs"]
        on_ferretdb = "ferretdbVersion" in db.client.admin.command("buildInfo")
        for given in ({}, {"nip": NURSE, "fiscal_year": 2027}):
            query = Scope(nip=NURSE).within(given)
            assert query is not None
            explained = db.command("explain", {"find": "needs", "filter": query.to_query(NeedDocument)})
            if on_ferretdb:
                assert explained["filterPushdown"] is True, explained
            else:
                assert "IXSCAN" in str(explained["queryPlanner"]["winningPlan"]), explained


def test_an_employee_sees_their_positions_standard_beside_the_assessed_level(run_service, admin):
    with run_service("needs") as needs:
        load_puskesmas(needs, admin)
        assess(needs, admin, 1)
        nurse = bearer(NURSE, Role.EMPLOYEE, unit=UNIT)
        rows = {r["competency_code"]: r for r in needs.get(f"/employees/{NURSE}/competencies", headers=nurse).json()}
        assert {k: rows["M.05"][k] for k in ("required_level", "assessed_level", "gap", "source")} == {
            "required_level": 3,
            "assessed_level": 1,
            "gap": 2,
            "source": "assessment_centre",
        }
        assert (rows["M.03"]["required_level"], rows["M.03"]["assessed_level"], rows["M.03"]["gap"]) == (2, None, None)
        stranger = bearer("199301012018011001", Role.EMPLOYEE, unit="DISDUKCAPIL")
        assert needs.get(f"/employees/{NURSE}/competencies", headers=stranger).status_code in (403, 404)
