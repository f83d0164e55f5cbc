"""The relay's rhythm: idle rounds back off up to OUTBOX_IDLE_POLL_MAX_S, a commit of this process wakes it at
once, and a round that publishes or fails goes back to the poll interval. The rounds themselves are
tested over the real broker and database (tests/integration/test_outbox.py)."""

import asyncio
import itertools
import time

from prometheus_client import CollectorRegistry

from shared.messaging.relay import OutboxRelay
from shared.messaging.topics import Naming


def relay(outcomes):
    """A relay whose rounds return (or raise) the next of ``outcomes``, then 0; the rounds' times."""
    r = OutboxRelay(
        broker=None,
        documents=[],
        service="test",
        naming=Naming(""),
        registry=CollectorRegistry(),
        poll_interval_s=0.02,
        idle_poll_max_s=0.32,
        batch_size=10,
    )
    rounds: list[float] = []
    pending = list(outcomes)

    async def run_once():
        rounds.append(time.monotonic())
        outcome = pending.pop(0) if pending else 0
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    r.run_once = run_once
    r.sweep = lambda: 0
    return r, rounds


async def running(r, seconds):
    task = asyncio.create_task(r.run())
    await asyncio.sleep(seconds)
    r.stop()
    await asyncio.wait_for(task, timeout=5)


async def test_idle_rounds_wait_longer_and_longer_up_to_the_maximum():
    r, rounds = relay([])
    await running(r, 1.0)
    # Waits of 0.04, 0.08, 0.16, then 0.32: about 6 rounds in a second, not the 50 of a fixed 0.02 s.
    assert 4 <= len(rounds) <= 8
    gaps = [b - a for a, b in itertools.pairwise(rounds)]
    assert gaps[-1] >= 0.3  # backed off to the maximum
    assert max(gaps) < 0.5  # and no further


async def test_a_commit_wakes_an_idle_relay_at_once():
    r, rounds = relay([])
    task = asyncio.create_task(r.run())
    await asyncio.sleep(0.7)  # backed off to 0.32 s
    woken = time.monotonic()
    r.notify()
    await asyncio.sleep(0.1)
    r.stop()
    await asyncio.wait_for(task, timeout=5)
    assert any(0 <= t - woken < 0.05 for t in rounds)


async def test_a_round_that_publishes_or_fails_goes_back_to_the_poll_interval():
    # Idle long enough to back off, then a round that publishes, then one that fails.
    r, rounds = relay([0, 0, 0, 0, 3, ConnectionError("database"), 0])
    await running(r, 1.2)
    gaps = [b - a for a, b in itertools.pairwise(rounds)]
    after_publishing, after_failing = gaps[4], gaps[5]
    assert gaps[3] >= 0.3
    assert after_publishing < 0.1 and after_failing < 0.1
