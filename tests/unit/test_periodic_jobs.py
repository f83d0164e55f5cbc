"""runtime.every: periodic jobs keep their rhythm through a failing round."""

import asyncio

from shared.runtime import ServiceRuntime
from shared.settings import ServiceSettings


def runtime():
    return ServiceRuntime(
        ServiceSettings(service_name="jobs", http_port=1), produces=[], documents=[], outbox_documents=[]
    )


async def run_for(seconds, rt):
    tasks = [asyncio.create_task(rt._run_periodically(job)) for job in rt.jobs]
    await asyncio.sleep(seconds)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


async def test_a_job_that_fails_once_runs_again_at_the_next_round():
    rounds = []

    def flaky():
        rounds.append(len(rounds))
        if len(rounds) == 1:
            raise RuntimeError("database blip")

    rt = runtime()
    rt.every(0.01, flaky, name="flaky", at_start=True)
    await run_for(0.2, rt)
    assert len(rounds) >= 3


async def test_a_job_waits_an_interval_first_unless_it_runs_at_start():
    ran = {"first": 0, "later": 0}
    rt = runtime()
    rt.every(0.01, lambda: ran.__setitem__("first", ran["first"] + 1), name="first", at_start=True)
    rt.every(10, lambda: ran.__setitem__("later", ran["later"] + 1), name="later")
    await run_for(0.05, rt)
    assert ran["first"] >= 1 and ran["later"] == 0


async def test_an_interval_given_as_a_function_is_asked_before_every_wait():
    asked = []

    def interval():
        asked.append(1)
        return 0.01

    rt = runtime()
    rt.every(interval, lambda: None, name="daily")
    await run_for(0.1, rt)
    assert len(asked) >= 3


def test_the_needs_recounts_wait_longer_after_a_round_that_took_more_than_its_share(monkeypatch):
    # A burst of writes touching every unit made the recounts run back to back and keep FerretDB busy.
    import time

    from services.needs.application.need_counts import NeedCounts
    from services.needs.main import create_app
    from services.needs.settings import NeedsSettings

    monkeypatch.setattr(NeedCounts, "settle", lambda self, budget_s: time.sleep(0.05))
    app = create_app(NeedsSettings(need_counts_interval_s=0.01, need_counts_max_share=0.1, jp_check_enabled=False))
    (job,) = [j for j in app.state.runtime.jobs if j.name == "need-counts"]
    assert job.interval_s() == 0.01
    job.run()
    assert job.interval_s() >= 0.45  # 0.05 s of every 0.5 s
