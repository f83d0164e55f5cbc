"""Citizens answer a unit's SKM questionnaire themselves, over the real broker and database: anonymous,
no sign-in, counted once per submission, rate-limited, and weak results raise the unit's needs."""

import json
import uuid

from shared.events import NEED_IDENTIFIED
from tests.support.demo import UNIT, load_puskesmas
from tests.support.kafka import wait_for_records

ELEMENTS = [f"U{i}" for i in range(1, 10)]


def answer(needs, answers, submission_id=None):
    body = {"submission_id": submission_id or uuid.uuid4().hex, "answers": answers}
    return needs.post(f"/public/skm/{UNIT}/responses", json=body)


def test_citizens_answers_join_the_entered_survey_and_raise_unit_needs(run_service, admin, infra, namespace):
    with run_service("needs", SKM_PUBLIC_PER_MINUTE="4") as needs:
        load_puskesmas(needs, admin)
        # BKPSDM's survey: 2 respondents, every element at 3.5 (87.5, band B): no need.
        entered = needs.post(
            f"/units/{UNIT}/skm",
            json={"fiscal_year": 2026, "respondents": 2, "nrr": dict.fromkeys(ELEMENTS, 3.5)},
            headers=admin,
        )
        assert entered.status_code == 201 and entered.json()["band"] == "B" and entered.json()["needs"] == []

        # Two citizens, no token, all elements 1: NRR = (2 x 3.5 + 2 x 1) / 4 = 2.25 -> 56.25, band D.
        first = answer(needs, dict.fromkeys(ELEMENTS, 1), submission_id="citizen-0001")
        assert first.status_code == 201, first.text
        assert first.json()["counted"] is True and first.json()["respondents"] == 1
        second = answer(needs, dict.fromkeys(ELEMENTS, 1))
        assert second.status_code == 201 and second.json()["respondents"] == 2

        # The same submission sent again (a citizen's retry) is not a third respondent.
        again = answer(needs, dict.fromkeys(ELEMENTS, 1), submission_id="citizen-0001")
        assert again.status_code == 200 and again.json() == {**first.json(), "counted": False, "respondents": 2}

        needs_of_unit = needs.get("/needs", params={"unit_code": UNIT, "status": "open"}, headers=admin).json()
        raised = {n["competency_code"]: n for n in needs_of_unit["items"] if n["source"] == "public_satisfaction"}
        assert sorted(raised) == ["M.01", "M.03", "M.05"]
        assert "56.25" in raised["M.05"]["reason"] and "mutu D" in raised["M.05"]["reason"]

        # Four submissions a minute from one address: the retry and a refused one count too.
        bad = answer(needs, dict.fromkeys(ELEMENTS, 1) | {"U3": 5})
        assert bad.status_code == 422 and "U3" in json.dumps(bad.json())
        limited = answer(needs, dict.fromkeys(ELEMENTS, 4))
        assert limited.status_code == 429 and int(limited.headers["retry-after"]) > 0

    announced = wait_for_records(
        infra.kafka_bootstrap_servers,
        f"{namespace}.{NEED_IDENTIFIED.topic}",
        lambda r: json.loads(r.value)["source"] == "public_satisfaction",
        count=3,
    )
    assert {json.loads(r.value)["unit_code"] for r in announced} == {UNIT}
    assert all(json.loads(r.value)["nip"] is None for r in announced)


def test_the_questionnaire_page_works_without_scripts_and_says_what_is_missing(run_service, admin):
    with run_service("needs") as needs:
        load_puskesmas(needs, admin)
        page = needs.get(f"/public/skm/{UNIT}")
        assert page.status_code == 200 and "Survei Kepuasan Masyarakat" in page.text
        assert "Puskesmas Padang Bulan" in page.text and "Kompetensi Pelaksana" in page.text
        assert "form-action 'self'" in page.headers["content-security-policy"]
        assert "<script" not in page.text
        english = needs.get(f"/public/skm/{UNIT}", params={"lang": "en"})
        assert "Public Satisfaction Survey" in english.text and "Competence of the staff" in english.text

        form = {"submission_id": "page-000001"} | {e: "3" for e in ELEMENTS if e != "U8"}
        refused = needs.post(f"/public/skm/{UNIT}", data=form)
        assert refused.status_code == 200 and "belum dijawab: U8" in refused.text and 'role="alert"' in refused.text
        # The page keeps what was chosen, so the citizen only adds the missing answer.
        assert refused.text.count("checked") == 8

        done = needs.post(f"/public/skm/{UNIT}", data=form | {"U8": "4"})
        assert done.status_code == 200 and "Terima kasih" in done.text
        result = needs.post(
            f"/public/skm/{UNIT}/responses",
            json={"submission_id": "page-000001", "answers": dict.fromkeys(ELEMENTS, 1)},
        )
        assert result.status_code == 200 and result.json()["counted"] is False  # the page's answer counted
        assert needs.get("/public/skm/NO-SUCH-UNIT").status_code == 404
