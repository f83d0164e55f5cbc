"""A partner sees how programmes built on its curricula perform, per curriculum version, over the real
broker and database: aggregated only, its own institution only, nothing resting on too few answers."""

from datetime import timedelta

from shared.domain.clock import today as today_in_medan
from shared.events import PROGRAM_COMPLETED, CurriculumRef, ProgramCompleted, build_record
from shared.http.auth import Role
from tests.conftest import bearer
from tests.integration.test_evaluation_service import BEHAVIOUR, HEAD_HEADERS, LIKERT, completion, plan_of, submit
from tests.support.console import console_over, sign_in
from tests.support.demo import UNIT
from tests.support.events import send

USU = bearer("198001012005011001", Role.PARTNER, institution="USU")
UNIMED = bearer("198102022006021002", Role.PARTNER, institution="UNIMED")
NO_INSTITUTION = bearer("198203032007031003", Role.PARTNER)
# Three nurses taught from USU's version 1, one from its version 2, one from UNIMED's curriculum.
TAUGHT = {
    "199002202015032001": ("USU-DIG", 1, "USU", 5, 4),  # reaction answer (1-5), behaviour answer (1-5)
    "199105152016042002": ("USU-DIG", 1, "USU", 4, 2),
    "199208082017011003": ("USU-DIG", 1, "USU", 3, 5),
    "199304042018012004": ("USU-DIG", 2, "USU", 5, 5),
    "199405052019022005": ("UNIMED-PEL", 1, "UNIMED", 2, 1),
}


def taught_from(nip: str, code: str, version: int, institution: str, completed_on):
    plain = ProgramCompleted.model_validate_json(completion(f"enr-{nip}", completed_on, nip=nip).value)
    payload = plain.model_copy(
        update={"curriculum": CurriculumRef(code=code, version=version, institution=institution)}
    )
    return build_record(PROGRAM_COMPLETED, payload, subject=nip)


def test_a_partner_sees_its_curriculum_versions_results_and_nothing_under_the_minimum(
    run_service, admin, infra, namespace
):
    completed = today_in_medan() - timedelta(days=100)
    with run_service("evaluation", BAR_MIN_RESPONSES="3") as evaluation:
        for nip, (code, version, institution, *_) in TAUGHT.items():
            send(infra, namespace, taught_from(nip, code, version, institution, completed))
        for nip, (*_, reaction, behaviour) in TAUGHT.items():
            plan_of(evaluation, admin, nip=nip)
            mine = bearer(nip, Role.EMPLOYEE, unit=UNIT)
            assert submit(evaluation, f"enr-{nip}-L1", mine, dict.fromkeys(LIKERT, reaction)).status_code == 200
            answers = dict.fromkeys(BEHAVIOUR, behaviour) | ({"barriers": ["own_ability"]} if behaviour < 3 else {})
            assert submit(evaluation, f"enr-{nip}-L3", HEAD_HEADERS, answers).status_code == 200

        seen = evaluation.get("/analytics/curricula", headers=USU)
        assert seen.status_code == 200, seen.text
        # Version 1: three answers at each level shown; L1 (100 + 75 + 50) / 3 = 75, L3 two of three applied.
        # Version 2 rests on one person's answers: withheld whole. UNIMED's curriculum is not USU's.
        (v1,) = seen.json()
        assert (v1["curriculum_code"], v1["curriculum_version"]) == ("USU-DIG", 1)
        assert (v1["l1_count"], v1["l1_mean_satisfaction"]) == (3, 75.0)
        assert (v1["l3_count"], v1["l3_transfer_rate"]) == (3, round(2 / 3, 4))
        # No pre/post scores were given, so level 2 has no answers and is withheld, as is level 4.
        assert v1["withheld_levels"] == [2, 4] and v1["l2_mean_raw_gain"] is None
        assert not any(nip in seen.text for nip in TAUGHT)

        # A partner asking for another institution still gets only its own.
        assert evaluation.get("/analytics/curricula", params={"institution": "USU"}, headers=UNIMED).json() == []
        assert evaluation.get("/analytics/curricula", headers=NO_INSTITUTION).status_code == 403
        # BKPSDM sees every institution's (still aggregated), or one.
        everything = evaluation.get("/analytics/curricula", headers=admin).json()
        assert [(r["curriculum_code"], r["curriculum_version"]) for r in everything] == [("USU-DIG", 1)]
        employee = bearer("199002202015032001", Role.EMPLOYEE, unit=UNIT)
        assert evaluation.get("/analytics/curricula", headers=employee).status_code == 403

        # The console's page shows the partner (demo "mitra", of USU) the same figures, and says why a
        # level shows nothing: a table per version, no NIP anywhere.
        with console_over({"evaluation": evaluation}) as console:
            sign_in(console, "mitra")
            page = console.get("/partner/effectiveness")
            assert page.status_code == 200, page.text
            assert "USU-DIG · versi 1" in page.text and "versi 2" not in page.text
            assert "75,0" in page.text and "66,7 %" in page.text  # L1 mean, L3 transfer rate
            assert page.text.count("tidak ditampilkan: kurang dari 3 jawaban") == 2  # levels 2 and 4
            assert not any(nip in page.text for nip in TAUGHT)
