"""The periodic JP shortfall check on the real database: each round is recorded as a job, and a restart
waits until the last round is an interval old instead of checking the whole workforce at every start."""

from datetime import UTC, date, datetime, timedelta

from pymongo import MongoClient

from services.needs.application.jp_check import JpCheck, job_id
from services.needs.documents import JobDocument
from shared.domain import clock
from tests.support.demo import NURSE, load_puskesmas
from tests.support.waiting import eventually

YEAR = clock.today().year
CHECKING = {"JP_CHECK_ENABLED": "true", "JP_CHECK_FROM": "01-01", "JP_CHECK_INTERVAL_S": "3600"}


def last_check(needs, admin):
    response = needs.get(f"/jobs/{job_id(YEAR)}", headers=admin)
    return response.json() if response.status_code == 200 else None


def test_a_start_checks_at_once_only_when_the_last_recorded_check_is_an_interval_old(
    run_service, admin, infra, namespace
):
    with run_service("needs", **CHECKING) as needs:
        first = eventually(lambda: last_check(needs, admin), what="the check at the first start, recorded")
        assert (first["kind"], first["status"], first["report"]["checked"]) == ("jp_check", "done", 0)
        load_puskesmas(needs, admin)  # after that check: the nurse has no JP need yet

    jobs = MongoClient(infra.mongodb_uri)[f"{namespace}_needs"].jobs
    jobs.update_one({"_id": job_id(YEAR)}, {"$set": {"updated_at": datetime.now(UTC) - timedelta(hours=2)}})
    with run_service("needs", **CHECKING) as needs:
        again = eventually(
            lambda: (c := last_check(needs, admin)) and c["report"]["checked"] == 2 and c,
            what="a check at this start: the last one is two hours old",
        )
        assert again["report"]["below_minimum"] == 2
        need = needs.get(f"/needs/{YEAR}-{NURSE}-JP", headers=admin)
        assert need.status_code == 200 and need.json()["source"] == "jp_shortfall", need.text


class Counting:
    """Stands in for the needs service's check (the rule is tested in test_needs_sources.py): counts calls."""

    def __init__(self):
        self.checks = 0

    def check_jp(self, fiscal_year):
        self.checks += 1
        return {"checked": 0, "below_minimum": 0}


def test_a_start_skips_the_check_while_the_last_is_recent_and_waits_for_what_is_left(run_service):
    with run_service("needs"):
        service = Counting()
        first = JpCheck(service, starts=lambda year: date(year, 1, 1), interval_s=3600)
        first.run()  # never checked: at once, and recorded
        assert (service.checks, first.wait_s()) == (1, 3600)
        restarted = JpCheck(service, starts=lambda year: date(year, 1, 1), interval_s=3600)
        restarted.run()  # the last check is seconds old
        assert service.checks == 1 and 3590 <= restarted.wait_s() < 3600
        restarted.run()  # the round after that checks
        assert (service.checks, restarted.wait_s()) == (2, 3600)
        assert JobDocument.objects(id=job_id(YEAR)).first().status == "done"
