"""The notifications service sends learning records to a real LRS: events over the real broker, deliveries in
the real database, statements stored by Ralph (fs backend, Basic auth) on loopback. Counted in Ralph's own
file, so a statement stored twice would show twice."""

from collections import Counter

import pytest

from shared.events.training import EnrolmentState
from shared.interop.xapi import XapiProfile, statements_for
from tests.support.demo import NURSE
from tests.support.events import send
from tests.support.interop import Received, completion, enrolment, evaluation, learning_record
from tests.support.lrs import PASSWORD, USERNAME, Ralph, RalphUnavailable, ensure_installed
from tests.support.metrics import sample
from tests.support.waiting import eventually

QUICK = {
    "DELIVERY_MAX_ATTEMPTS": "50",
    "DELIVERY_BACKOFF_S": "0.2",
    "DELIVERY_BACKOFF_MAX_S": "1",
    "DISPATCH_INTERVAL_S": "0.2",
    "DIGEST_ENABLED": "false",
    "XAPI_TIMEOUT_S": "3",
}
PROFILE = XapiProfile(
    home_page="https://kompetensi.pemkomedan.go.id", iri_base="https://kompetensi.pemkomedan.go.id/xapi"
)


@pytest.fixture
def lrs(tmp_path):
    try:
        server = Ralph(ensure_installed(), tmp_path / "ralph")
        server.create_user()
        server.start()
    except RalphUnavailable as exc:
        pytest.fail(str(exc), pytrace=False)
    yield server
    server.stop()


def xapi_env(server: Ralph, password: str = PASSWORD) -> dict[str, str]:
    return QUICK | {
        "XAPI_ENABLED": "true",
        "XAPI_LRS_ENDPOINT": server.endpoint,
        "XAPI_LRS_USERNAME": USERNAME,
        "XAPI_LRS_PASSWORD": password,
    }


def statement_ids(events: list[Received]) -> set[str]:
    return {
        s.id
        for e in events
        for s in statements_for(e.payload, event_id=e.context.id, event_time=e.context.time, profile=PROFILE)
    }


def xapi_deliveries(client, admin, **params):
    return client.get("/deliveries", params={"channel": "xapi", "limit": 500, **params}, headers=admin).json()["items"]


def attempts(client, outcome: str) -> float:
    return sample(client.get("/metrics").text, "notification_delivery_attempts_total", channel="xapi", outcome=outcome)


def test_a_seats_record_is_stored_in_the_lrs_once_however_often_its_events_arrive(
    run_service, lrs, admin, infra, namespace
):
    events = learning_record()
    wanted = statement_ids(events)
    assert len(wanted) == 8  # attended, pre-test, post-test, completed, four evaluation levels
    with run_service("notifications", **xapi_env(lrs)) as client:
        for event in events:
            send(infra, namespace, event.record)
        eventually(lambda: {s["id"] for s in lrs.stored()} == wanted, timeout_s=60, what="8 statements in Ralph")
        for event in events:  # redelivered, as after a consumer crash before its offset was committed
            send(infra, namespace, event.record)
        eventually(
            lambda: attempts(client, "delivered") == 8 and len(xapi_deliveries(client, admin)) == 8,
            timeout_s=30,
            what="8 deliveries delivered",
        )
        logged = xapi_deliveries(client, admin)
    assert Counter(s["id"] for s in lrs.stored()) == Counter(wanted)
    assert {d["delivery_id"] for d in logged} == wanted and {d["status"] for d in logged} == {"delivered"}
    assert {d["recipient_nip"] for d in logged} == {NURSE}
    completed = next(s for s in lrs.stored() if s["verb"]["id"].endswith("/completed"))
    assert completed["actor"]["account"]["name"] == NURSE
    assert completed["result"]["score"]["scaled"] == 0.855
    assert completed["context"]["extensions"]["https://kompetensi.pemkomedan.go.id/xapi/extensions/jp"] == 24
    # One registration for the seat across every statement about it.
    assert len({s["context"]["registration"] for s in lrs.stored()}) == 1


def test_credentials_the_lrs_refuses_leave_the_statement_dead_at_once_not_retried(
    run_service, lrs, admin, infra, namespace
):
    event = enrolment(EnrolmentState.FAILED)
    with run_service("notifications", **xapi_env(lrs, password="not-the-password")) as client:
        send(infra, namespace, event.record)
        [dead] = eventually(
            lambda: [d for d in xapi_deliveries(client, admin) if d["status"] == "dead"], timeout_s=60, what="dead"
        )
        assert attempts(client, "dead") == 1 and attempts(client, "failed") == 0
    assert dead["attempts"] == 1 and dead["log"][0]["status_code"] == 401
    assert lrs.stored() == []


@pytest.mark.slow
def test_a_restart_of_the_lrs_mid_stream_loses_nothing_and_doubles_nothing(run_service, lrs, admin, infra, namespace):
    seats = [(f"PL-2027-{n:02d}", f"PL-2027-{n:02d}:{NURSE}") for n in range(10, 30)]
    events = [
        e
        for batch, seat in seats
        for e in (
            enrolment(EnrolmentState.ATTENDING, enrolment_id=seat, batch_code=batch),
            completion(enrolment_id=seat, batch_code=batch),
            evaluation(1, enrolment_id=seat),
        )
    ]
    wanted = statement_ids(events)
    assert len(wanted) == 100
    with run_service("notifications", **xapi_env(lrs)) as client:
        for event in events:
            send(infra, namespace, event.record)
        eventually(lambda: len(lrs.stored()) >= 20, timeout_s=60, what="a first part stored")
        lrs.kill()
        eventually(lambda: attempts(client, "failed") > 0, timeout_s=30, what="attempts failing while the LRS is down")
        lrs.start()
        eventually(lambda: {s["id"] for s in lrs.stored()} == wanted, timeout_s=180, what="all 100 statements")
        eventually(lambda: attempts(client, "delivered") >= 100, timeout_s=30, what="every delivery recorded")
        logged = xapi_deliveries(client, admin)
    stored = Counter(s["id"] for s in lrs.stored())
    assert max(stored.values()) == 1, "a statement was stored twice"
    assert len(logged) == 100 and {d["status"] for d in logged} == {"delivered"}
