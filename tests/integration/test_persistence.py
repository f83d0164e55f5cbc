"""Persistence helpers against the real MongoDB-wire database."""

import asyncio
import threading
import time
from datetime import UTC, datetime, timedelta

import mongoengine
import pytest
from mongoengine import Q
from prometheus_client import CollectorRegistry
from pymongo import MongoClient, UpdateOne
from pymongo.errors import OperationFailure
from pymongo.uri_parser import parse_uri

from services.notifications.documents import MessageDocument
from services.notifications.http.schemas import message_out
from services.notifications.settings import NotificationsSettings
from shared.domain.errors import NotFound
from shared.http.pagination import PageParams, page_of, read_page
from shared.persistence import (
    DatabaseCommands,
    async_collection,
    bulk_write,
    close_async_reads,
    connect_database,
    disconnect_database,
    open_async_reads,
    read_or_not_found,
)
from tests.support.forwarder import Forwarder

NIP = "198001012005011001"


def test_a_bulk_write_larger_than_the_database_pool_completes(infra, namespace):
    # One command of 60 updates never finished on FerretDB v1 and stalled every client after it.
    client: MongoClient = MongoClient(infra.mongodb_uri, socketTimeoutMS=30_000)
    try:
        items = client[f"{namespace}_bulk"]["items"]
        items.insert_many([{"_id": f"n{i}", "status": "open"} for i in range(120)])
        ops = [
            UpdateOne({"_id": f"n{i}", "status": {"$ne": "resolved"}}, {"$set": {"status": "placed"}})
            for i in range(120)
        ]
        bulk_write(items, ops)
        assert items.count_documents({"status": "placed"}) == 120
        assert client.admin.command("ping")["ok"] == 1.0
    finally:
        client.drop_database(f"{namespace}_bulk")
        client.close()


def test_an_answer_lost_on_an_open_connection_costs_one_socket_timeout_not_the_read(infra, namespace):
    """Seen once in CI: two reads blocked for good in recv while the database answered every other
    client, so its health checks passed. MONGODB_SOCKET_TIMEOUT_MS ends such a wait; the read is then
    retried on a new connection and answered."""
    forwarder = Forwarder(parse_uri(infra.mongodb_uri)["nodelist"][0]).open()
    settings = NotificationsSettings(
        mongodb_uri=f"mongodb://127.0.0.1:{forwarder.port}",
        mongodb_database=f"{namespace}_lost",
        mongodb_socket_timeout_ms=1000,
    )
    connect_database(settings)
    answers = mongoengine.get_db(alias=settings.service_name)["lost_answers"]
    try:
        answers.insert_one({"_id": "m1"})
        forwarder.lose_answer_to(b"lost_answers")
        found: list[object] = []
        asked = time.monotonic()
        reader = threading.Thread(target=lambda: found.append(answers.find_one({"_id": "m1"})), daemon=True)
        reader.start()
        reader.join(timeout=30)
        assert found == [{"_id": "m1"}], "the read never got its answer"
        assert time.monotonic() - asked >= 1.0  # the lost answer was waited for, up to the timeout
    finally:
        answers.database.client.drop_database(f"{namespace}_lost")
        disconnect_database(settings)
        forwarder.close()


def test_an_async_read_gives_the_same_documents_and_pages_as_mongoengine(infra, namespace):
    """The hot reads (async endpoints) go through the async client: the same filter, order, page, total
    and answers (read from Stored views) as page_of over documents, the same document as
    get_or_not_found, and a clear not-found."""
    settings = NotificationsSettings(mongodb_uri=infra.mongodb_uri, mongodb_database=f"{namespace}_notifications")
    connect_database(settings)
    start = datetime(2027, 3, 1, tzinfo=UTC)
    for i in range(7):
        MessageDocument(
            id=f"m{i}",
            recipient_nip=NIP if i < 5 else "198001012005011002",
            channel="inbox",
            role="employee",
            event_id=f"e{i}",
            event_type="EnrolmentChanged",
            subject="s",
            title_id="Judul",
            body_id="Isi",
            title_en="Title",
            body_en="Body",
            created_at=start + timedelta(hours=i % 3),
            read_at=start if i == 1 else None,
        ).save(force_insert=True)
    mine = MessageDocument.objects(recipient_nip=NIP).order_by("-created_at", "id")
    order = ("-created_at", "id")

    def as_read(message):  # every field, as an answer shows it
        return message_out(message, "en")

    async def reads():
        open_async_reads(settings)
        try:
            pages = {
                (limit, offset): await read_page(
                    MessageDocument, Q(recipient_nip=NIP), order, PageParams(limit=limit, offset=offset), as_read
                )
                for limit, offset in ((2, 0), (2, 4), (5, 0), (2, 6), (50, 0))
            }
            unread_q = Q(recipient_nip=NIP, read_at=None)
            unread = await read_page(MessageDocument, unread_q, order, PageParams(limit=50, offset=0), as_read)
            nobody = await read_page(MessageDocument, None, order, PageParams(limit=50, offset=0), as_read)
            one = await read_or_not_found(MessageDocument, "m3", "Pesan", "Message")
            with pytest.raises(NotFound) as missing:
                await read_or_not_found(MessageDocument, "m99", "Pesan", "Message")
            return pages, unread, nobody, one, missing.value
        finally:
            await close_async_reads(settings)

    try:
        pages, unread, nobody, one, missing = asyncio.run(reads())
        for (limit, offset), page in pages.items():
            assert page == page_of(mine, PageParams(limit=limit, offset=offset), as_read), (limit, offset)
        # Newest first, ties by id; a full page counts the total, a page past the end too.
        assert [m.message_id for m in pages[(5, 0)].items] == ["m2", "m1", "m4", "m0", "m3"]
        assert [(p.total, len(p.items)) for p in pages.values()] == [(5, 2), (5, 1), (5, 5), (5, 0), (5, 5)]
        assert [m.message_id for m in unread.items] == ["m2", "m4", "m0", "m3"]
        assert pages[(5, 0)].items[1].read_at == start and pages[(5, 0)].items[0].read_at is None
        assert (nobody.items, nobody.total) == ([], 0)
        assert one == MessageDocument.objects(id="m3").first() and one.created_at == start
        assert missing.message_en == "Message m99 was not found."
    finally:
        MessageDocument._get_collection().database.client.drop_database(f"{namespace}_notifications")
        disconnect_database(settings)


def test_every_command_to_the_database_is_counted_by_kind_and_collection(infra, namespace):
    """What operations read in Prometheus: the service's database round trips, through either client."""
    registry = CollectorRegistry()
    commands = DatabaseCommands("notifications", registry)
    settings = NotificationsSettings(mongodb_uri=infra.mongodb_uri, mongodb_database=f"{namespace}_notifications")
    connect_database(settings, [commands])

    def sent(command: str, collection: str) -> float:
        labels = {"service": "notifications", "command": command, "collection": collection}
        return registry.get_sample_value("database_commands_total", labels) or 0.0

    async def read_async() -> None:
        open_async_reads(settings, [commands])
        try:
            await async_collection(MessageDocument).find_one({"_id": "m0"})
        finally:
            await close_async_reads(settings)

    try:
        messages = MessageDocument._get_collection()
        messages.insert_many([{"_id": f"m{i}", "recipient_nip": NIP} for i in range(3)])
        messages.find_one({"_id": "m1"})
        asyncio.run(read_async())
        with pytest.raises(OperationFailure):
            messages.database.command("noSuchCommand")
        assert sent("insert", messages.name) == 1  # three documents, one round trip
        assert sent("find", messages.name) == 2  # the sync client's and the async one's
        assert (
            registry.get_sample_value(
                "database_commands_failed_total", {"service": "notifications", "command": "noSuchCommand"}
            )
            == 1
        )
    finally:
        MessageDocument._get_collection().database.client.drop_database(f"{namespace}_notifications")
        disconnect_database(settings)
