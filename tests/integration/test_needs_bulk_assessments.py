"""POST /assessments/bulk over the real database and broker: validated whole, written in bulk, each
need announced once, and a retry of the same body announcing nothing new."""

import pytest
from pymongo import MongoClient

from shared.events import NEED_IDENTIFIED
from shared.http.auth import Role
from tests.conftest import bearer
from tests.integration.test_needs_imports import POSITIONS, UNITS, run_job
from tests.support.kafka import read_topic, wait_for_records

HEAD = "198208082008011002"
STAFF = [f"199504042022032{i + 1:03d}" for i in range(500)]


def _employees() -> str:
    rows = [f"{HEAD},dr. Budi Harahap,PKM-TELADAN,KAPUS,,PNS"]
    rows += [f"{nip},Perawat {i},PKM-TELADAN,PERAWAT,{HEAD},PPPK" for i, nip in enumerate(STAFF)]
    return "nip,nama,kode_unit,kode_jabatan,nip_atasan,status_kepegawaian\n" + "\n".join(rows) + "\n"


def _assessments(nips) -> list[dict[str, object]]:
    # PERAWAT's standard is M.05=3 and M.03=2: level 1 in both opens two needs per nurse.
    return [
        {"nip": nip, "competency_code": code, "level": 1, "source": "assessment_centre", "assessed_on": "2027-02-10"}
        for nip in nips
        for code in ("M.05", "M.03")
    ]


@pytest.mark.slow  # about 30 s here: 1,000 analyses, each a need written with its event
def test_a_thousand_assessments_in_one_request_raise_a_thousand_needs_once(run_service, admin, infra, namespace):
    topic = f"{namespace}.{NEED_IDENTIFIED.topic}"
    with run_service("needs") as needs:
        for kind, body in (("units", UNITS), ("positions", POSITIONS), ("employees", _employees())):
            assert run_job(needs, admin, f"/imports/{kind}", body)["status"] == "done"
        body = {"assessments": _assessments(STAFF)}
        response = needs.post("/assessments/bulk", json=body, headers=admin)
        assert response.status_code == 201, response.text
        assert response.json() == {"assessments": 1000, "analysed": 1000}
        wait_for_records(infra.kafka_bootstrap_servers, topic, lambda r: True, count=1000, timeout_s=120)
        again = needs.post("/assessments/bulk", json=body, headers=admin)
        assert again.status_code == 201, again.text
        assert needs.get("/needs", params={"status": "open"}, headers=admin).json()["total"] == 1000
    # Nothing left to publish (the relay's last round runs at shutdown), and nothing new was published.
    needs_db = MongoClient(infra.mongodb_uri)[f"{namespace}_needs"]
    assert needs_db.needs.count_documents({"outbox_pending": True}) == 0
    published = read_topic(infra.kafka_bootstrap_servers, topic)
    assert len({r.headers["ce_id"] for r in published}) == 1000
    assert len({r.headers["ce_subject"] for r in published}) == 500


def test_an_invalid_list_is_refused_whole_naming_the_items_and_nothing_is_written(run_service, admin, infra, namespace):
    with run_service("needs", ASSESSMENTS_BULK_MAX="4") as needs:
        for kind, body in (("units", UNITS), ("positions", POSITIONS), ("employees", _employees())):
            assert run_job(needs, admin, f"/imports/{kind}", body)["status"] == "done"
        items = _assessments(STAFF[:2])
        items[1] = items[1] | {"nip": "199901012020011999"}  # nobody
        items[3] = items[3] | {"competency_code": "X.99"}
        refused = needs.post("/assessments/bulk", json={"assessments": items}, headers=admin)
        assert refused.status_code == 422, refused.text
        assert [(i["index"], i["field"]) for i in refused.json()["error"]["items"]] == [
            (1, "nip"),
            (3, "competency_code"),
        ]
        too_many = needs.post("/assessments/bulk", json={"assessments": _assessments(STAFF[:3])}, headers=admin)
        assert too_many.status_code == 422 and too_many.json()["error"]["code"] == "too_many"
        # A supervisor may send only direct reports: the head is nobody's report here.
        head = bearer(HEAD, Role.SUPERVISOR)
        own = needs.post("/assessments/bulk", json={"assessments": _assessments([STAFF[0], HEAD])}, headers=head)
        assert own.status_code == 422 and [i["index"] for i in own.json()["error"]["items"]] == [2, 3]
        mine = needs.post("/assessments/bulk", json={"assessments": _assessments([STAFF[0]])}, headers=head)
        assert mine.status_code == 201, mine.text
    assert MongoClient(infra.mongodb_uri)[f"{namespace}_needs"].assessments.count_documents({}) == 2
