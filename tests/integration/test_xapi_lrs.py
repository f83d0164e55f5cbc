"""xAPI statements from real event payloads, sent to a real LRS (Ralph on loopback, fs backend, Basic auth)."""

import asyncio
import contextlib
from collections import Counter

import pytest

from shared.events.training import EnrolmentState
from shared.interop.lrs import LrsClient, Outcome
from shared.interop.xapi import Statement, XapiProfile, statements_for
from tests.support.demo import NURSE
from tests.support.interop import Received, completion, enrolment, evaluation, learning_record
from tests.support.lrs import PASSWORD, USERNAME, Ralph, RalphUnavailable, ensure_installed, ralph

PROFILE = XapiProfile(
    home_page="https://kompetensi.pemkomedan.go.id", iri_base="https://kompetensi.pemkomedan.go.id/xapi"
)
LRS_ADDS = {"stored", "authority"}


def build(events: list[Received]) -> list[Statement]:
    return [
        s
        for e in events
        for s in statements_for(e.payload, event_id=e.context.id, event_time=e.context.time, profile=PROFILE)
    ]


@pytest.fixture(scope="module")
def lrs_server(tmp_path_factory):
    try:
        with ralph(tmp_path_factory.mktemp("ralph")) as server:
            yield server
    except RalphUnavailable as exc:
        pytest.fail(str(exc), pytrace=False)


@contextlib.asynccontextmanager
async def client_of(server: Ralph, password: str = PASSWORD, endpoint: str | None = None):
    async with LrsClient(endpoint or server.endpoint, USERNAME, password, timeout_s=5) as client:
        yield client


async def test_statements_from_real_events_are_accepted_and_read_back_equal(lrs_server):
    statements = build(learning_record())
    assert len(statements) == 8  # attended, pre-test, post-test, completed, four evaluation levels
    assert lrs_server.strict_errors([s.body for s in statements]) == []
    async with client_of(lrs_server) as client:
        for statement in statements:
            result = await client.put(statement)
            assert result.outcome is Outcome.STORED, result
        for statement in statements:
            stored = await client.get(statement.id)
            assert stored is not None
            assert {k: v for k, v in stored.items() if k not in LRS_ADDS} == statement.body


async def test_the_same_statement_sent_twice_is_stored_once(lrs_server):
    event = enrolment(EnrolmentState.FAILED, enrolment_id=f"PL-2027-09:{NURSE}", batch_code="PL-2027-09")
    [statement] = build([event])
    redelivered = build([event])[0]  # the same event, consumed again after a crash
    async with client_of(lrs_server) as client:
        assert (await client.put(statement)).outcome is Outcome.STORED
        assert (await client.put(redelivered)).outcome is Outcome.STORED
        assert (await client.post([statement])).outcome is Outcome.STORED
    assert Counter(s["id"] for s in lrs_server.stored())[statement.id] == 1


async def test_a_different_statement_under_a_stored_id_is_reported_as_already_stored(lrs_server):
    [statement] = build([evaluation(1, enrolment_id=f"PL-2027-08:{NURSE}")])
    altered = Statement(statement.kind, statement.body | {"result": {"score": {"scaled": 0.1}}})
    async with client_of(lrs_server) as client:
        assert (await client.put(statement)).outcome is Outcome.STORED
        conflict = await client.put(altered)
    assert conflict.outcome is Outcome.ALREADY_STORED and conflict.delivered
    assert conflict.status_code == 409 and "already exists" in conflict.detail
    assert [s["result"]["score"]["scaled"] for s in lrs_server.stored() if s["id"] == statement.id] == [0.8]


async def test_wrong_credentials_and_a_wrong_endpoint_are_permanent(lrs_server):
    [statement] = build([completion(pre_score=None, post_score=None, enrolment_id=f"PL-2027-07:{NURSE}")])
    async with client_of(lrs_server, password="not-the-password") as client:
        refused = await client.put(statement)
    assert (refused.outcome, refused.status_code) == (Outcome.PERMANENT, 401)
    async with client_of(lrs_server, endpoint=lrs_server.endpoint.replace("/xAPI", "/lrs")) as client:
        misrouted = await client.put(statement)
    assert (misrouted.outcome, misrouted.status_code) == (Outcome.PERMANENT, 404)
    assert statement.id not in {s["id"] for s in lrs_server.stored()}


@pytest.mark.slow
async def test_a_restart_of_the_lrs_mid_stream_loses_nothing_and_doubles_nothing(tmp_path):
    seats = [f"PL-2027-{n:02d}:{NURSE}" for n in range(10, 30)]
    events = [
        e
        for seat in seats
        for e in (
            enrolment(EnrolmentState.ATTENDING, enrolment_id=seat, batch_code=seat.split(":")[0]),
            completion(enrolment_id=seat, batch_code=seat.split(":")[0]),
            evaluation(1, enrolment_id=seat),
        )
    ]
    statements = build(events)
    queue: asyncio.Queue[Statement] = asyncio.Queue()
    for statement in statements:
        queue.put_nowait(statement)
    outcomes: Counter[Outcome] = Counter()
    delivered = 0
    try:
        server = Ralph(ensure_installed(), tmp_path)
    except RalphUnavailable as exc:
        pytest.fail(str(exc), pytrace=False)
    server.create_user()
    server.start()
    restarted = asyncio.Event()

    async def sender(client: LrsClient) -> None:
        # What the delivery log does for each statement: send, and on a retryable answer send it again later.
        nonlocal delivered
        while not queue.empty():
            statement = queue.get_nowait()
            for _ in range(200):
                result = await client.put(statement)
                outcomes[result.outcome] += 1
                if result.delivered:
                    delivered += 1
                    break
                assert result.outcome is Outcome.RETRYABLE, result
                await asyncio.sleep(0.1)
            else:
                raise AssertionError(f"{statement.id} never delivered")

    async def restart_mid_stream() -> None:
        while delivered < len(statements) // 3:
            await asyncio.sleep(0.01)
        server.kill()
        await asyncio.sleep(1.0)
        server.start()
        restarted.set()

    try:
        async with LrsClient(server.endpoint, USERNAME, PASSWORD, timeout_s=5) as client:
            await asyncio.wait_for(
                asyncio.gather(restart_mid_stream(), *(sender(client) for _ in range(4))), timeout=240
            )
            assert restarted.is_set()
            stored_ids = Counter(s["id"] for s in server.stored())
            assert set(stored_ids) == {s.id for s in statements}, "a statement was lost"
            assert max(stored_ids.values()) == 1, "a statement was stored twice"
            for statement in statements[::7]:
                assert await client.get(statement.id) is not None
    finally:
        server.stop()
    assert outcomes[Outcome.RETRYABLE] > 0, "the restart did not interrupt the stream"
    assert len(statements) == 20 * 5
