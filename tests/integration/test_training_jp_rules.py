"""The JP rules of the planner over the real broker and database: a shortfall met by a combination of
batches, and the PPPK cap on what is given, from NeedIdentified as the needs service announces them."""

from datetime import UTC, datetime

from shared.domain.vocabulary import JP_COMPETENCY_CODE, EmploymentType
from shared.events import NEED_IDENTIFIED, NeedIdentified, NeedSource, build_record
from tests.support.demo import HEAD, NURSE, UNIT, program_body, schedule
from tests.support.events import enrolments, need_event, planned_needs, send
from tests.support.waiting import eventually


def jp_need(nip, shortfall, employment_type="PNS"):
    payload = NeedIdentified(
        need_id=f"2027-{nip}-JP",
        nip=nip,
        unit_code=UNIT,
        competency_code=JP_COMPETENCY_CODE,
        competency_name="Pengembangan kompetensi minimal per tahun (JP)",
        gap=0,
        priority=1.2,
        priority_parts={"jp_shortfall": float(shortfall), "jp_minimum": 20.0},
        source=NeedSource.JP_SHORTFALL,
        fiscal_year=2027,
        employment_type=employment_type,
        identified_at=datetime(2027, 1, 2, tzinfo=UTC),
    )
    return build_record(NEED_IDENTIFIED, payload, subject=nip)


def test_a_20_jp_shortfall_is_met_by_a_12_and_an_8_jp_batch_and_a_rerun_writes_nothing(
    run_service, admin, infra, namespace
):
    with run_service("training") as training:
        training.put("/programs/DUA-BELAS", json=program_body({"M.07": 2}, jp=12), headers=admin)
        training.put("/programs/DELAPAN", json=program_body({"M.07": 2}, jp=8), headers=admin)
        schedule(training, admin, "D12-1", "DUA-BELAS", starts_on="2027-03-08", ends_on="2027-03-10")
        schedule(training, admin, "D8-1", "DELAPAN", starts_on="2027-04-05", ends_on="2027-04-06")
        send(infra, namespace, jp_need(NURSE, 20))
        need = eventually(
            lambda: (n := planned_needs(training, admin, nip=NURSE)["items"]) and n[0]["status"] == "placed" and n[0],
            what="the JP need placed",
        )
        assert need["batch_codes"] == ["D12-1", "D8-1"]
        assert "20 JP short are met by 2 batches together, 20 JP in all" in need["explanation_en"]
        seats = sorted(e["batch_code"] for e in enrolments(training, admin, nip=NURSE)["items"])
        assert seats == ["D12-1", "D8-1"]
        rerun = training.post("/plans/2027/run", headers=admin).json()
        assert (rerun["placed"], rerun["new_seats"], rerun["needs_updated"]) == (0, 0, 0)


def test_a_pppk_is_not_planned_past_24_jp_in_a_year(run_service, admin, infra, namespace):
    # Planned on demand once all four needs are in, so the order the events arrive in cannot matter.
    with run_service("training", PLANNER_ENABLED="false") as training:
        training.put("/programs/PRIMA", json=program_body({"M.05": 3}, jp=16), headers=admin)
        training.put("/programs/KOMUNIKASI", json=program_body({"M.03": 2}, jp=16), headers=admin)
        schedule(training, admin, "PRIMA-1", "PRIMA", starts_on="2027-03-08", ends_on="2027-03-10")
        schedule(training, admin, "KOM-1", "KOMUNIKASI", starts_on="2027-04-05", ends_on="2027-04-07")
        for nip, employment_type in ((NURSE, "PPPK"), (HEAD, "PNS")):
            # M.05 is the more urgent, so it is the one given first.
            first = need_event(nip=nip, priority=3.0)
            second = need_event(nip=nip, competency="M.03", required=2, priority=1.0)
            for record in (first, second):
                payload = NeedIdentified.model_validate_json(record.value).model_copy(
                    update={"employment_type": EmploymentType(employment_type)}
                )
                send(infra, namespace, build_record(NEED_IDENTIFIED, payload, subject=nip))

        eventually(lambda: planned_needs(training, admin, status="open")["total"] == 4, what="four needs")
        assert training.post("/plans/2027/run", headers=admin).json()["placed"] == 3

        def decided(nip):
            needs = planned_needs(training, admin, nip=nip)["items"]
            return len(needs) == 2 and all(n["status"] != "open" for n in needs) and needs

        # 16 + 16 = 32 JP: the PPPK (PP 49/2018, at most 24 given a year) gets the first only.
        pppk = {n["competency_code"]: n for n in eventually(lambda: decided(NURSE), what="the PPPK's needs")}
        assert (pppk["M.05"]["status"], pppk["M.05"]["employment_type"]) == ("placed", "PPPK")
        assert (pppk["M.03"]["status"], pppk["M.03"]["reason_code"]) == ("waitlisted", "jp_cap")
        assert "past 24 JP a year (PP 49/2018)" in pppk["M.03"]["explanation_en"]
        pns = eventually(lambda: decided(HEAD), what="the PNS's needs")
        assert [n["status"] for n in pns] == ["placed", "placed"]  # no cap for a PNS
