"""Requests from unit heads: only an approved one becomes needs."""

from shared.http.auth import Role
from tests.conftest import bearer
from tests.support.demo import HEAD, NURSE, UNIT, load_puskesmas


def test_a_rejected_request_raises_nothing_and_an_approved_one_raises_its_needs(run_service, admin):
    head = bearer(HEAD, Role.UNIT_HEAD, Role.EMPLOYEE, unit=UNIT)
    other_head = bearer("198208082008011002", Role.UNIT_HEAD, unit="PKM-TELADAN")
    body = {
        "unit_code": UNIT,
        "competency_code": "M.03",
        "fiscal_year": 2027,
        "nips": [NURSE],
        "justification": "Banyak keluhan pasien tentang penjelasan perawat",
    }
    with run_service("needs") as needs:
        load_puskesmas(needs, admin)
        assert needs.post("/unit-requests", json=body, headers=other_head).status_code == 403

        rejected = needs.post("/unit-requests", json=body, headers=head).json()
        assert rejected["status"] == "draft"
        early = needs.post(f"/unit-requests/{rejected['request_id']}/decision", json={"approve": True}, headers=admin)
        assert early.status_code == 409 and early.json()["error"]["code"] == "invalid_transition"
        needs.post(f"/unit-requests/{rejected['request_id']}/submission", headers=head)
        decided = needs.post(
            f"/unit-requests/{rejected['request_id']}/decision",
            json={"approve": False, "note": "Sudah ada program tahun ini"},
            headers=admin,
        ).json()
        assert (decided["status"], decided["decided_by"]) == ("rejected", "197805122003121002")
        assert needs.get("/needs", params={"unit_code": UNIT}, headers=admin).json()["total"] == 0

        approved = needs.post("/unit-requests", json=body, headers=head).json()
        assert (
            needs.post(
                f"/unit-requests/{approved['request_id']}/decision", json={"approve": True}, headers=head
            ).status_code
            == 403
        )  # a unit head cannot decide
        needs.post(f"/unit-requests/{approved['request_id']}/submission", headers=head)
        needs.post(f"/unit-requests/{approved['request_id']}/decision", json={"approve": True}, headers=admin)
        (need,) = needs.get("/needs", params={"unit_code": UNIT}, headers=admin).json()["items"]
        assert (need["nip"], need["source"], need["competency_code"]) == (NURSE, "unit_request", "M.03")
        assert need["reason"].startswith("Permintaan unit: Banyak keluhan")

        listed = needs.get("/unit-requests", headers=head).json()
        assert {r["status"] for r in listed["items"]} == {"rejected", "approved"}
        assert needs.get("/unit-requests", headers=other_head).json()["total"] == 0
