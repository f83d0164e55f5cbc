"""Days are Medan's days (WIB), whatever zone the server runs in."""

import time
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from services.training.settings import TrainingSettings
from shared.domain import clock
from shared.domain.errors import Invalid

# Far enough from WIB that, at any moment, one of them is on another calendar day than Medan.
ZONES = ("Etc/GMT+12", "Etc/GMT-14")


@pytest.fixture
def server_elsewhere(monkeypatch):
    """Run the server in a zone whose calendar day is not Medan's right now."""
    for zone in ZONES:
        monkeypatch.setenv("TZ", zone)
        time.tzset()
        if date.today() != clock.today():
            break
    assert date.today() != clock.today()
    yield
    monkeypatch.undo()
    time.tzset()


def test_the_planner_plans_on_medans_day_not_the_servers(server_elsewhere):
    assert TrainingSettings().plan_date() == clock.today()


def test_a_stored_instant_falls_on_its_day_in_medan():
    assert clock.day_of(datetime(2027, 6, 30, 16, 59, tzinfo=UTC)) == date(2027, 6, 30)
    assert clock.day_of(datetime(2027, 6, 30, 17, 0)) == date(2027, 7, 1)  # naive: UTC, as stored


def test_the_next_digest_hour_is_counted_in_medan():
    seven_in_the_evening_wib = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)
    assert clock.seconds_until(7, seven_in_the_evening_wib) == 12 * 3600
    assert clock.seconds_until(20, seven_in_the_evening_wib) == 3600


def test_a_moment_a_request_names_is_bounded_and_read_in_medan_time():
    assert clock.checked_moment("as_of", datetime(2026, 5, 1)) == datetime(2026, 5, 1, tzinfo=clock.WIB)
    now = datetime.now(UTC)
    assert clock.checked_moment("as_of", now, before=clock.end_of_today()) == now
    far_east, far_west = timezone(timedelta(hours=14)), timezone(timedelta(hours=-14))
    for moment in (
        datetime(1, 1, 1, tzinfo=far_east),  # a year 0 in UTC: once a 500
        datetime(9999, 12, 31, 23, 59, tzinfo=far_west),
        datetime(1999, 12, 31, 23, 59),
        now + timedelta(days=1, hours=1),
    ):
        with pytest.raises(Invalid) as refused:
            clock.checked_moment("as_of", moment, before=clock.end_of_today())
        assert refused.value.code == "out_of_range" and "as_of" in refused.value.message_en
