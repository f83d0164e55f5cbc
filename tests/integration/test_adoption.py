"""Adoption items over the real broker and database: a benchmarking visit's report turns each practice
into an item for the home unit's head, who hears of it in the inbox; the visit's level 4 counts the
practices adopted. A leadership programme's change project is tracked the same way, step by step,
confirmed by the supervisor, with its EPP 6-12 months after the programme."""

from datetime import timedelta

from shared.domain.clock import today as today_in_medan
from shared.events import ADOPTION_ITEM_OPENED
from shared.events.common import DevelopmentForm
from shared.http.auth import Role
from tests.conftest import bearer
from tests.integration.test_evaluation_service import HEAD_HEADERS, completion, plan_of, published, submit
from tests.integration.test_remedy_actions import DIRECTORY
from tests.support.demo import HEAD, NURSE, UNIT
from tests.support.events import send
from tests.support.waiting import eventually

NURSE_H = bearer(NURSE, Role.EMPLOYEE, unit=UNIT)
UNIT_FIGURES = {"skm_u6_before": 2.5, "skm_u6_after": 3.0}  # +20 %


def items_of(evaluation, headers, **params):
    return evaluation.get("/adoption-items", params=params, headers=headers).json()["items"]


def test_practices_from_a_visit_reach_the_unit_head_and_level_4_counts_those_adopted(
    run_service, admin, infra, namespace
):
    visited = today_in_medan() - timedelta(days=10)
    practice = {"title": "Antrean daring", "plan": "Pasang antrean daring di loket KIA", "due_on": None}
    with (
        run_service("notifications", DIGEST_ENABLED="false", DISPATCH_INTERVAL_S="0.2") as notifications,
        run_service("evaluation", RESULTS_OPENS_DAYS="0") as evaluation,
    ):
        assert notifications.post("/directory/import", content=DIRECTORY.encode(), headers=admin).status_code == 200
        visit = completion(
            "enr-pb", visited, program="PB-DIGITAL", form=DevelopmentForm.BENCHMARKING_VISIT, host_code="KOTA-CONTOH"
        )
        send(infra, namespace, visit)
        send(infra, namespace, completion("enr-prima", visited))
        plan_of(evaluation, admin, count=8)

        due = (visited + timedelta(days=90)).isoformat()
        report = {
            "practices": [
                practice | {"due_on": due},
                {"title": "Survei SKM lewat QR", "plan": "QR di ruang tunggu", "due_on": due},
            ]
        }
        path = "/enrolments/enr-pb/visit-report"
        assert evaluation.post(path, json=report, headers=HEAD_HEADERS).status_code == 403  # not the participant
        not_a_visit = evaluation.post("/enrolments/enr-prima/visit-report", json=report, headers=NURSE_H)
        assert (not_a_visit.status_code, not_a_visit.json()["error"]["code"]) == (409, "not_a_visit")
        too_late = {"practices": [practice | {"due_on": (visited + timedelta(days=366)).isoformat()}]}
        assert evaluation.post(path, json=too_late, headers=NURSE_H).status_code == 422  # within a year
        filed = evaluation.post(path, json=report, headers=NURSE_H)
        assert filed.status_code == 201, filed.text
        assert [(i["kind"], i["owner_role"], i["host_code"], i["due_on"]) for i in filed.json()] == [
            ("practice", "unit", "KOTA-CONTOH", due),
            ("practice", "unit", "KOTA-CONTOH", due),
        ]
        assert evaluation.post(path, json=report, headers=NURSE_H).status_code == 409  # filed once

        inbox = eventually(
            lambda: (
                len(m := [x for x in notifications.get("/inbox", headers=HEAD_HEADERS).json()["items"]
                          if x["title"].startswith("Practice from a benchmarking visit")]) == 2 and m
            ),
            what="both practices in the unit head's inbox",
        )  # fmt: skip
        assert any("Pasang antrean daring di loket KIA" in m["body"] for m in inbox)

        first, _ = items_of(evaluation, HEAD_HEADERS)
        assert (
            evaluation.post(f"/adoption-items/{first['item_id']}/done", json={"note": "x"}, headers=NURSE_H).status_code
            == 422
        )
        refused = evaluation.post(
            f"/adoption-items/{first['item_id']}/done", json={"note": "Sudah berjalan"}, headers=NURSE_H
        )
        assert refused.status_code == 403  # the participant reports; the unit head records the adoption
        adopted = evaluation.post(
            f"/adoption-items/{first['item_id']}/done", json={"note": "Sudah berjalan"}, headers=HEAD_HEADERS
        )
        assert adopted.json()["status"] == "done"
        assert [i["status"] for i in items_of(evaluation, NURSE_H)] == ["done", "open"]  # she sees her own

        results = submit(evaluation, "enr-pb-L4", HEAD_HEADERS, UNIT_FIGURES).json()
        # 2 practices reported, 1 adopted; the unit figure rose by (3.0 - 2.5) / 2.5 = 20 %
        assert (results["measures"]["practices_reported"], results["measures"]["practices_adopted"]) == (2, 1)
        assert results["measures"]["mean_change_pct"] == 20.0
        other = submit(evaluation, "enr-prima-L4", HEAD_HEADERS, UNIT_FIGURES).json()
        assert "practices_reported" not in other["measures"]

    assert len(published(infra, namespace, ADOPTION_ITEM_OPENED)) == 2


def test_a_change_project_is_confirmed_step_by_step_by_the_supervisor(run_service, admin, infra, namespace):
    finished = today_in_medan() - timedelta(days=5)
    with run_service("evaluation", RESULTS_OPENS_DAYS="0") as evaluation:
        send(infra, namespace, completion("enr-pkp", finished, program="PKP-2027"))
        send(infra, namespace, completion("enr-prima", finished))
        plan_of(evaluation, admin, count=8)

        def project(epp_days):
            return {
                "title": "Digitalisasi rekam medis puskesmas",
                "milestones": [
                    {"title": "Tim dibentuk", "due_on": (finished + timedelta(days=30)).isoformat()},
                    {"title": "Uji coba di poli umum", "due_on": (finished + timedelta(days=120)).isoformat()},
                ],
                "epp_on": (finished + timedelta(days=epp_days)).isoformat(),
            }

        path = "/enrolments/enr-pkp/change-project"
        for epp_days in (179, 366):  # the EPP falls 6-12 months (180-365 days) after the programme
            early = evaluation.post(path, json=project(epp_days), headers=NURSE_H)
            assert (early.status_code, early.json()["error"]["code"]) == (422, "invalid_dates")
        not_leadership = evaluation.post("/enrolments/enr-prima/change-project", json=project(200), headers=NURSE_H)
        assert not_leadership.json()["error"]["code"] == "not_leadership_training"
        filed = evaluation.post(path, json=project(200), headers=NURSE_H).json()
        assert [(i["kind"], i["owner_role"], i["owner_nip"]) for i in filed] == [
            ("milestone", "supervisor", HEAD),
            ("milestone", "supervisor", HEAD),
            ("epp", "supervisor", HEAD),
        ]
        confirmed = evaluation.post(
            f"/adoption-items/{filed[0]['item_id']}/done", json={"note": "SK tim terbit"}, headers=HEAD_HEADERS
        )
        assert confirmed.json()["status"] == "done"
        results = submit(evaluation, "enr-pkp-L4", HEAD_HEADERS, UNIT_FIGURES).json()
        assert (results["measures"]["change_steps"], results["measures"]["change_steps_confirmed"]) == (3, 1)
