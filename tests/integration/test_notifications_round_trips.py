"""How many database round trips GET /inbox and telling one event cost, counted on the wire as for
POST /assessments (tests/integration/test_needs_round_trips.py). Both read the directory (the caller's
language; the unit's heads and each recipient's preferences), which the reference cache keeps
(shared/cache.py)."""

from pymongo import MongoClient

from tests.integration.test_needs_round_trips import commands, counted  # noqa: F401  (the fixture)
from tests.integration.test_notifications import DIRECTORY, HEAD_H, inbox
from tests.integration.test_reference_freshness import unit_need
from tests.support.events import send
from tests.support.waiting import eventually

# Measured (issue 16): 3 with the directory entry read for each request (the person, the page, its
# total); 2 once the entry is cached; 1 since a page shorter than its limit gives its own total
# (shared/http/pagination.py). The audit entry is written apart from the request (shared/audit/trail.py).
MAX_ROUND_TRIPS_INBOX = 1


# Nothing else at work meanwhile: no sending, no measuring, no polling relay.
QUIET = {"DISPATCH_ENABLED": "false", "METRICS_REFRESH_INTERVAL_S": "3600", "OUTBOX_POLL_INTERVAL_S": "3600"}


def test_reading_the_inbox_costs_a_bounded_number_of_round_trips(run_service, admin, commands):  # noqa: F811
    with run_service("notifications", **QUIET) as notifications:
        assert notifications.post("/directory/import", content=DIRECTORY.encode(), headers=admin).status_code == 200
        counted(commands, lambda: inbox(notifications, HEAD_H))  # the first reads the head's entry
        again = counted(commands, lambda: inbox(notifications, HEAD_H))
    # At least the page itself: a count of none would mean the reads went uncounted.
    assert 1 <= sum(again.values()) <= MAX_ROUND_TRIPS_INBOX, again


# Measured (issue 16), a unit-level need told to the unit's head (inbox and e-mail): 9 with the
# directory read for each event (the inbox check, the unit's heads, the head's entry, what was told of
# the need and its insert, the message, the e-mail, the webhook subscriptions, the inbox mark); 7 with
# the directory cached.
MAX_ROUND_TRIPS_EVENT = 7


def test_telling_an_event_costs_a_bounded_number_of_round_trips(run_service, admin, infra, namespace, commands):  # noqa: F811
    with run_service("notifications", **QUIET) as notifications:
        assert notifications.post("/directory/import", content=DIRECTORY.encode(), headers=admin).status_code == 200
        commands.threads = "asyncio_"
        applied = MongoClient(infra.mongodb_uri)[f"{namespace}_notifications"].processed_events

        def told(need_id, count):
            send(infra, namespace, unit_need(need_id))
            # Watched from this thread, not through the API, whose requests would be counted too; the
            # inbox mark is the handling's last write.
            eventually(lambda: applied.count_documents({}) == count, what=f"{need_id} handled")

        counted(commands, lambda: told("2027-unit-M.05", 1))  # the first reads the directory
        again = counted(commands, lambda: told("2027-unit-M.03", 2))
    assert sum(again.values()) <= MAX_ROUND_TRIPS_EVENT, f"{sum(again.values())} {again}"
