"""The planning lease (issue 12): short, renewed by a heartbeat while a run works, and free again about
one lease after a holder that died stopped renewing it. Storage is tested in tests/integration and by
the SIGKILL fault test in tests/reliability."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from services.training.plan.lease import Heartbeat, Terms
from services.training.settings import TrainingSettings

T0 = datetime(2027, 3, 1, 8, 0, tzinfo=UTC)


def test_the_lease_lasts_planner_lease_s_twenty_seconds_unless_set():
    assert TrainingSettings().planner_lease_s == 20
    assert TrainingSettings(planner_lease_s=15).planner_lease_s == 15


def test_a_holder_that_stops_renewing_frees_the_lease_one_lease_later():
    terms = Terms(lease_s=20)
    until = terms.until(T0)  # taken by "dead" at T0, never renewed
    assert not terms.free_for("next", "dead", until, T0 + timedelta(seconds=19.9))
    assert terms.free_for("next", "dead", until, T0 + timedelta(seconds=20))
    # Nobody holds it, or we do: free at once.
    assert terms.free_for("next", None, None, T0)
    assert terms.free_for("dead", "dead", until, T0)


def test_a_working_holder_keeps_the_lease_by_renewing_it_three_times_a_lease():
    terms = Terms(lease_s=20)
    assert terms.renew_every_s < terms.lease_s / 2  # one late heartbeat does not lose it
    clock, until = T0, terms.until(T0)
    for _ in range(30):  # a run ten times longer than the lease
        clock += timedelta(seconds=terms.renew_every_s)
        assert not terms.free_for("other", "worker", until, clock)
        until = terms.until(clock)


def test_the_heartbeat_renews_until_stopped():
    renewed = threading.Semaphore(0)

    def renew() -> bool:
        renewed.release()
        return True

    beat = Heartbeat(renew, every_s=0.01)
    beat.start()
    for _ in range(3):
        assert renewed.acquire(timeout=5)
    beat.stop()
    while renewed.acquire(blocking=False):  # a beat may have been under way when stopped
        pass
    assert not renewed.acquire(timeout=0.1)
    assert not beat.lost


def test_the_heartbeat_gives_up_when_the_lease_is_no_longer_ours_and_survives_errors():
    answers = iter([RuntimeError("database stalled"), True, False])
    calls = []

    def renew() -> bool:
        calls.append(1)
        answer = next(answers)
        if isinstance(answer, Exception):
            raise answer
        return answer

    beat = Heartbeat(renew, every_s=0.01)
    beat.start()
    beat._thread.join(timeout=5)
    assert beat.lost and len(calls) == 3
    beat.stop()
