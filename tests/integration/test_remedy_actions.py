"""Remedy actions over the real broker and database: a struggling level 3 whose barriers training does not
remove opens one action per barrier, the owner hears of it in their inbox, closes or drops it, BKPSDM sees
the figures (monitoring, quarterly report, Prometheus), and the person's next level 3 shows what was done."""

from datetime import timedelta

from shared.domain.clock import today as today_in_medan
from shared.events import (
    EVALUATION_SUBMITTED,
    REMEDY_ACTION_CLOSED,
    REMEDY_ACTION_OPENED,
    EvaluationSubmitted,
    build_record,
)
from shared.http.auth import Role
from tests.conftest import bearer
from tests.integration.test_evaluation_service import BEHAVIOUR, HEAD_HEADERS, completion, plan_of, published, submit
from tests.support.demo import HEAD, NURSE, UNIT
from tests.support.events import send
from tests.support.kafka import wait_for_records
from tests.support.waiting import eventually

OTHER_SUPERVISOR = "198001012005011001"
DIRECTORY = f"""nip;nama;email;bahasa;kanal;ringkasan_harian;kode_unit;kepala_unit;admin_bkpsdm
{HEAD};dr. Ahmad Nasution;ahmad@puskesmas.example;en;inbox;tidak;{UNIT};{UNIT};tidak
"""


def actions_of(evaluation, headers, **params):
    return evaluation.get("/actions", params=params, headers=headers).json()["items"]


def test_a_struggling_level_3_opens_actions_that_reach_their_owner_and_the_next_level_3_shows_them(
    run_service, admin, infra, namespace
):
    today = today_in_medan()
    low = dict.fromkeys(BEHAVIOUR, 1) | {"barriers": ["own_ability", "lack_of_resources", "no_opportunity_to_apply"]}
    with (
        run_service("notifications", DIGEST_ENABLED="false", DISPATCH_INTERVAL_S="0.2") as notifications,
        run_service("evaluation", BEHAVIOUR_OPENS_DAYS="0", KPI_REFRESH_INTERVAL_S="0.3") as evaluation,
    ):
        imported = notifications.post("/directory/import", content=DIRECTORY.encode(), headers=admin)
        assert imported.status_code == 200, imported.text
        send(infra, namespace, completion("enr-first", today - timedelta(days=120)))
        plan_of(evaluation, admin)
        assert submit(evaluation, "enr-first-L3", HEAD_HEADERS, low).status_code == 200

        # own_ability goes back to training (a follow-up need); the other two become actions
        opened = eventually(lambda: (a := actions_of(evaluation, admin)) and len(a) == 2 and a, what="two actions")
        due = (today + timedelta(days=30)).isoformat()
        assert sorted((a["barrier"], a["owner_role"], a["owner_nip"], a["due_on"]) for a in opened) == [
            ("lack_of_resources", "unit", None, due),
            ("no_opportunity_to_apply", "supervisor", HEAD, due),
        ]
        # A submission announced again under another event id opens nothing twice (keyed on evaluation and barrier).
        wait_for_records(infra.kafka_bootstrap_servers, f"{namespace}.{EVALUATION_SUBMITTED.topic}", lambda r: True)
        (l3,) = [e for e in published(infra, namespace, EVALUATION_SUBMITTED) if e["level"] == 3]
        send(infra, namespace, build_record(EVALUATION_SUBMITTED, EvaluationSubmitted(**l3), subject=NURSE))

        # The head owns both: as the supervisor on record and as the unit's head; nobody else any.
        assert len(actions_of(evaluation, HEAD_HEADERS)) == 2
        assert actions_of(evaluation, bearer(OTHER_SUPERVISOR, Role.SUPERVISOR, unit=UNIT)) == []
        assert actions_of(evaluation, bearer(NURSE, Role.EMPLOYEE, unit=UNIT)) == []
        late = {"overdue": "true", "as_of": (today + timedelta(days=31)).isoformat()}
        assert len(actions_of(evaluation, admin, **late)) == 2
        assert actions_of(evaluation, admin, overdue="true") == []

        inbox = eventually(
            lambda: (
                len(m := [x for x in notifications.get("/inbox", headers=HEAD_HEADERS).json()["items"]
                          if x["title"].startswith("A remedy action")]) == 2 and m
            ),
            what="both actions in the head's inbox",
        )  # fmt: skip
        bodies = " ".join(m["body"] for m in inbox)
        assert "provide the means" in bodies and "assign work that applies" in bodies and due in bodies

        both_open = (
            f'asn_remedy_actions_open{{owner="unit_head",unit="{UNIT}"}} 1.0',
            f'asn_remedy_actions_open{{owner="supervisor",unit="{UNIT}"}} 1.0',
        )
        eventually(lambda: all(s in evaluation.get("/metrics").text for s in both_open), what="both open on /metrics")

        resources, opportunity = sorted(opened, key=lambda a: a["barrier"])
        done_path = f"/actions/{resources['action_id']}/done"
        nurse = bearer(NURSE, Role.EMPLOYEE, Role.UNIT_HEAD, unit=UNIT)
        refused = evaluation.post(done_path, json={"note": "Saya sendiri"}, headers=nurse)
        assert (refused.status_code, refused.json()["error"]["code"]) == (403, "not_action_owner")
        assert evaluation.post(done_path, json={"note": "-"}, headers=HEAD_HEADERS).status_code == 422
        done = evaluation.post(done_path, json={"note": "Timbangan bayi disediakan"}, headers=HEAD_HEADERS)
        assert (done.status_code, done.json()["status"], done.json()["closed_by"]) == (200, "done", HEAD)
        again = evaluation.post(done_path, json={"note": "Timbangan bayi disediakan"}, headers=HEAD_HEADERS)
        assert (again.status_code, again.json()["error"]["code"]) == (409, "action_closed")
        dropped = evaluation.post(
            f"/actions/{opportunity['action_id']}/drop", json={"reason": "Pegawai dimutasi"}, headers=admin
        )
        assert dropped.json()["status"] == "dropped"

        summary = evaluation.get("/monitoring/actions", headers=admin).json()
        assert summary == [{"group": UNIT, "open": 0, "overdue": 0, "done": 1, "dropped": 1, "done_rate": 0.5}]
        assert evaluation.get("/monitoring/actions", headers=bearer(NURSE, Role.EMPLOYEE)).status_code == 403
        eventually(lambda: "asn_remedy_actions_open{" not in evaluation.get("/metrics").text, what="none open")
        period = {"year": today.year, "quarter": (today.month - 1) // 3 + 1}
        report = evaluation.get("/reports/quarterly", params=period, headers=admin).json()
        assert [(r["group"], r["done"], r["dropped"]) for r in report["actions_by_barrier"]] == [
            ("lack_of_resources", 1, 0),
            ("no_opportunity_to_apply", 0, 1),
        ]

        # The follow-up programme's level 3 shows the supervisor what became of the earlier actions.
        send(infra, namespace, completion("enr-follow-up", today, program="P-COACHING"))
        plan_of(evaluation, admin, count=8)
        follow_up = evaluation.get("/evaluations/enr-follow-up-L3", headers=HEAD_HEADERS).json()
        assert [(a["barrier"], a["status"], a["note"]) for a in follow_up["earlier_actions"]] == [
            ("lack_of_resources", "done", "Timbangan bayi disediakan"),
            ("no_opportunity_to_apply", "dropped", "Pegawai dimutasi"),
        ]
        assert len(actions_of(evaluation, admin)) == 2  # the redelivered submission opened nothing more

    opened_events = published(infra, namespace, REMEDY_ACTION_OPENED)
    assert sorted(e["barrier"] for e in opened_events) == ["lack_of_resources", "no_opportunity_to_apply"]
    closed_events = published(infra, namespace, REMEDY_ACTION_CLOSED)
    assert sorted((e["status"], e["closed_by"]) for e in closed_events) == [
        ("done", HEAD),
        ("dropped", "197805122003121002"),
    ]
