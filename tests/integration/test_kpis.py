"""Leadership KPIs on /metrics over the real broker and database, with figures checked by hand."""

import json
from datetime import date, datetime
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from services.evaluation.application.figures import KPIS as EVALUATION_KPIS
from services.needs.application.figures import KPIS as NEEDS_KPIS
from services.training.plan.figures import KPIS as TRAINING_KPIS
from shared.domain import clock
from shared.events import PROGRAM_COMPLETED, ProgramCompleted
from shared.events.contracts import EventRecord, build_record
from shared.http.auth import Role
from tests.conftest import bearer
from tests.support.demo import NURSE, UNIT, assess, load_puskesmas, program_body, schedule
from tests.support.events import need_event, send
from tests.support.metrics import promtool_check
from tests.support.waiting import eventually

REPO = Path(__file__).resolve().parents[2]
FAST = {"KPI_REFRESH_INTERVAL_S": "0.3"}


def kpis(text: str, name: str) -> dict[tuple[tuple[str, str], ...], float]:
    return {
        tuple(sorted(s.labels.items())): s.value
        for f in text_string_to_metric_families(text)
        for s in f.samples
        if s.name == name
    }


def test_needs_exports_open_needs_by_source_and_jp_compliance_per_unit(
    run_service, admin, infra, namespace, monkeypatch
):
    monkeypatch.setattr(clock, "today", lambda: date(2027, 3, 20))
    with run_service("needs", **FAST) as needs:
        load_puskesmas(needs, admin)  # the head and the nurse of the puskesmas
        assess(needs, admin, 1)  # M.05: standard 3, assessed 1
        assess(needs, admin, 1, competency="M.03")  # M.03: standard 2, assessed 1
        send(infra, namespace, nurse_completed(jp=24))

        def figures() -> str | None:
            text = needs.get("/metrics").text
            jp = kpis(text, "asn_jp_compliance_ratio").get((("unit", UNIT),))
            return text if jp == 0.5 else None

        text = eventually(figures, timeout_s=30, what="the nurse's JP counted in the unit's compliance")
        # Two gaps of the nurse, both open; nobody else has a need.
        assert kpis(text, "asn_needs_open") == {(("source", "competency_gap"), ("unit", UNIT)): 2.0}
        # One of the unit's two people (the nurse, 24 JP) meets the 20 JP minimum of 2027.
        assert kpis(text, "asn_jp_compliance_ratio") == {(("unit", UNIT),): 0.5}
        promtool_check(text)


def nurse_completed(jp: int) -> EventRecord:
    """The nurse completing a programme of ``jp`` JP in March 2027."""
    payload = ProgramCompleted(
        enrolment_id=f"PRIMA-1:{NURSE}",
        nip=NURSE,
        unit_code=UNIT,
        program_code="PRIMA",
        program_title="Pelatihan Pelayanan Prima",
        form="training",
        competencies=[],
        jp=jp,
        attendance_pct=100,
        started_on=date(2027, 3, 8),
        completed_on=date(2027, 3, 11),
        certificate_number="CERT-KPI-1",
    )
    return build_record(PROGRAM_COMPLETED, payload, subject=NURSE)


def test_training_exports_budget_committed_and_left_per_phase(run_service, admin, infra, namespace, monkeypatch):
    monkeypatch.setattr(clock, "today", lambda: date(2027, 2, 1))
    with run_service("training", **FAST) as training:
        training.put("/programs/PRIMA", json=program_body({"M.05": 3}), headers=admin)
        schedule(training, admin, "PRIMA-1", "PRIMA", budget=10_000_000)
        send(infra, namespace, need_event())  # the nurse's M.05 need takes a seat at 2,500,000

        def figures() -> str | None:
            text = training.get("/metrics").text
            return text if kpis(text, "asn_phase_budget_committed_rupiah").get((("phase", "T1-2027"),)) else None

        text = eventually(figures, timeout_s=30, what="the seat's cost committed in the phase")
        assert kpis(text, "asn_phase_budget_committed_rupiah") == {(("phase", "T1-2027"),): 2_500_000}
        assert kpis(text, "asn_phase_budget_left_rupiah") == {(("phase", "T1-2027"),): 7_500_000}
        promtool_check(text)


def test_evaluation_exports_response_transfer_and_scrap_learning_per_unit(
    run_service, admin, infra, namespace, monkeypatch
):
    from tests.integration.test_evaluation_service import (
        BEHAVIOUR,
        HEAD_HEADERS,
        LIKERT,
        NURSE_2,
        completion,
        plan_of,
        submit,
    )

    # 20 June 2027 in Medan: the completions of 11 March have their level 1 overdue and level 3 open.
    monkeypatch.setattr(clock, "now", lambda: datetime(2027, 6, 20, 10, tzinfo=clock.WIB))
    with run_service("evaluation", **FAST) as evaluation:
        for nip in (NURSE, NURSE_2):
            send(infra, namespace, completion(f"enr-{nip}", date(2027, 3, 11), nip=nip))
            plan_of(evaluation, admin, nip=nip)
        nurse = bearer(NURSE, Role.EMPLOYEE, unit=UNIT)
        assert submit(evaluation, f"enr-{NURSE}-L1", nurse, dict.fromkeys(LIKERT, 4)).status_code == 200
        assert submit(evaluation, f"enr-{NURSE}-L3", HEAD_HEADERS, dict.fromkeys(BEHAVIOUR, 4)).status_code == 200
        struggling = dict.fromkeys(BEHAVIOUR, 2) | {"barriers": ["own_ability"]}
        assert submit(evaluation, f"enr-{NURSE_2}-L3", HEAD_HEADERS, struggling).status_code == 200

        def figures() -> str | None:
            text = evaluation.get("/metrics").text
            return text if kpis(text, "asn_evaluation_response_ratio").get((("unit", UNIT),)) == 0.75 else None

        text = eventually(figures, timeout_s=30, what="the unit's response rate on /metrics")
        # Asked: two level 1 and two level 3 (level 4 is not open yet, level 2 asks no one); 3 came back.
        assert kpis(text, "asn_evaluation_response_ratio") == {(("unit", UNIT),): 0.75}
        # One supervisor found the training applied, the other not.
        assert kpis(text, "asn_training_transfer_ratio") == {(("unit", UNIT),): 0.5}
        assert kpis(text, "asn_scrap_learning_ratio") == {(("unit", UNIT),): 0.5}
        promtool_check(text)


def test_the_leadership_dashboard_draws_every_kpi_with_indonesian_titles():
    dashboard = json.loads((REPO / "infra/grafana/dashboards/pengembangan-kompetensi.json").read_text())
    assert dashboard["title"] == "Pengembangan Kompetensi ASN"
    exprs = " ".join(t["expr"] for p in dashboard["panels"] for t in p["targets"])
    for kpi in (*NEEDS_KPIS, *TRAINING_KPIS, *EVALUATION_KPIS):
        assert kpi.name in exprs, f"no panel draws {kpi.name}"
    assert "asn_remedy_actions_open" in exprs
    titles = [p["title"] for p in dashboard["panels"]]
    assert "Kepatuhan JP per unit (minimal 20 JP setahun)" in titles
    assert all(p["datasource"]["uid"] == "prometheus" for p in dashboard["panels"])
