"""Persistence helpers against the real MongoDB-wire database."""

from pymongo import MongoClient, UpdateOne

from shared.persistence import bulk_write


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
