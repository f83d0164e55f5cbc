"""How many database round trips one POST /assessments costs, counted on the wire (pymongo's command
monitoring): every lookup is a round trip to FerretDB, so the count bounds the request's latency."""

import threading
from collections import Counter

import pymongo.monitoring
import pytest

from tests.support.demo import UNIT, assess, load_puskesmas

# Measured (issue 16): the first assessment after the master data was written costs 9 (was 11: the
# competency read twice, and mongoengine saving a new id as a failed replace then an insert): it reads
# the competency, the position and the unit, which the reference cache then keeps (shared/cache.py). With
# them cached, an assessment opening a need costs 6 (was 9) and the same assessment again 5 (was 8): the
# employee, the assessment's upsert, the employee's assessments of that competency, the performance, the
# need (and its insert, with its event in the outbox, when it opens). An assessment at the standard
# costs 4: the performance, which only weighs a gap's priority, is not read (it was, 5).
MAX_ROUND_TRIPS_COLD = 9
MAX_ROUND_TRIPS_OPENING = 6
MAX_ROUND_TRIPS_UNCHANGED = 5
MAX_ROUND_TRIPS_AT_THE_STANDARD = 4


# TestClient runs a sync endpoint in an AnyIO worker thread and an async one (its reads through the async
# client) on its event loop's thread; the relay and the background loops' database work run in asyncio's
# threads ("asyncio_"), as the consumers' handlers do.
REQUEST_THREADS = ("AnyIO worker thread", "asyncio-portal-")


class _Commands(pymongo.monitoring.CommandListener):
    """Counts the commands sent from request threads while armed (``threads``: their names' prefixes)."""

    def __init__(self) -> None:
        self.armed = False
        self.threads: str | tuple[str, ...] = REQUEST_THREADS
        self.seen: Counter[str] = Counter()
        self._lock = threading.Lock()

    def started(self, event: pymongo.monitoring.CommandStartedEvent) -> None:
        if self.armed and threading.current_thread().name.startswith(self.threads):
            with self._lock:
                self.seen[f"{event.command_name} {event.command.get(event.command_name)}"] += 1

    def succeeded(self, event: pymongo.monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: pymongo.monitoring.CommandFailedEvent) -> None:
        pass


# Registered once for the process (pymongo has no unregister); it counts only while a test arms it.
COMMANDS = _Commands()
pymongo.monitoring.register(COMMANDS)


@pytest.fixture
def commands():
    COMMANDS.seen.clear()
    yield COMMANDS
    COMMANDS.armed = False
    COMMANDS.threads = REQUEST_THREADS


def counted(commands, action):
    commands.seen.clear()
    commands.armed = True
    try:
        action()
    finally:
        commands.armed = False
    return dict(commands.seen)


def test_an_assessment_costs_a_bounded_number_of_round_trips(run_service, admin, commands):
    # The listener must exist before the service's client is created: run_service comes after it.
    with run_service("needs") as needs:
        load_puskesmas(needs, admin)
        cold = counted(commands, lambda: assess(needs, admin, 1))
        # Another fiscal year: a need of its own, opened with the reference data cached.
        opening = counted(commands, lambda: assess(needs, admin, 1, on="2028-02-10"))
        unchanged = counted(commands, lambda: assess(needs, admin, 1, on="2028-02-10"))
        # M.05 at the nurse's standard (3), in a year without a need: nothing to weigh, nothing to resolve.
        met = counted(commands, lambda: assess(needs, admin, 3, on="2029-02-10"))
    report = "; ".join(f"{sum(c.values())} {c}" for c in (cold, opening, unchanged, met))
    assert sum(cold.values()) <= MAX_ROUND_TRIPS_COLD, report
    assert sum(opening.values()) <= MAX_ROUND_TRIPS_OPENING, report
    assert sum(unchanged.values()) <= MAX_ROUND_TRIPS_UNCHANGED, report
    assert sum(met.values()) <= MAX_ROUND_TRIPS_AT_THE_STANDARD, report


# Measured (issue 16): a JP check with nothing to change read each employee's JP need, one round trip
# each (27-42 s for Medan's 13,000, at every start of the service); now it reads the year's JP needs in
# one query: the employees, the ledgers (twice: completions booked meanwhile), the units and the needs.
MAX_ROUND_TRIPS_JP_CHECK = 5
STAFF = [f"19900220201503{1 + i % 2}{i + 1:03d}" for i in range(20)]


def test_a_jp_check_with_nothing_to_change_costs_the_same_round_trips_for_any_workforce(run_service, admin, commands):
    with run_service("needs", JP_CHECK_ENABLED="false") as needs:
        load_puskesmas(needs, admin)
        for nip in STAFF:
            body = {"name": f"Staf {nip[-3:]}", "unit_code": UNIT, "position_code": "PERAWAT"}
            assert needs.put(f"/employees/{nip}", json=body, headers=admin).status_code == 200

        def check():
            answer = needs.post("/analysis/jp-shortfall", json={"fiscal_year": 2027}, headers=admin)
            assert answer.json() == {"checked": 22, "below_minimum": 22}, answer.text

        counted(commands, check)  # opens the 22 JP needs
        again = counted(commands, check)
    assert sum(again.values()) <= MAX_ROUND_TRIPS_JP_CHECK, f"{sum(again.values())} {again}"
