"""How many database round trips GET /inbox and telling one event cost, counted on the wire as for
POST /assessments (tests/integration/test_needs_round_trips.py). Both read the directory (the caller's
language; the unit's heads and each recipient's preferences), which the reference cache keeps
(shared/cache.py)."""

import time

from pymongo import MongoClient

from shared.events import NEED_IDENTIFIED, build_record
from tests.integration.test_needs_round_trips import commands, counted  # noqa: F401  (the fixture)
from tests.integration.test_notifications import DIRECTORY, HEAD_H, inbox
from tests.integration.test_reference_freshness import unit_need
from tests.support.events import need_payload, send
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
# the directory cached; 5 since what was told of a need is inserted first and read only when it was told
# before, and the subscriptions are cached too (application/webhooks.py): the inbox check, the insert of
# what was told, the message, the e-mail and the inbox mark.
MAX_ROUND_TRIPS_EVENT = 5


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


def test_an_event_told_only_in_the_inbox_wakes_no_sending(run_service, admin, infra, namespace, commands):  # noqa: F811
    """The dispatcher reads the due deliveries of each channel when woken: an inbox message is stored, not
    sent, so telling one must not wake it (a read per channel per event, half the service's reads)."""
    sending = QUIET | {"DISPATCH_ENABLED": "true", "DISPATCH_INTERVAL_S": "3600"}
    with run_service("notifications", **sending) as notifications:
        assert notifications.post("/directory/import", content=DIRECTORY.encode(), headers=admin).status_code == 200
        commands.threads = "asyncio_"
        applied = MongoClient(infra.mongodb_uri)[f"{namespace}_notifications"].processed_events

        def told(nip, count):
            # Someone not in the directory, of a unit without heads: the inbox, and nothing to send.
            payload = need_payload(need_id=f"2027-{nip}-M.05", nip=nip, unit_code="PKM-TANPA-KEPALA")
            send(infra, namespace, build_record(NEED_IDENTIFIED, payload, subject=nip))
            eventually(lambda: applied.count_documents({}) == count, what=f"{nip}'s need handled")
            time.sleep(0.5)  # a woken dispatcher would read now

        counted(commands, lambda: told("198501012010011001", 1))
        again = counted(commands, lambda: told("198501012010011002", 2))
    assert sum(again.values()) >= 1 and not [k for k in again if k.startswith("find deliveries")], again
