"""What every benchmark shares: leaving nothing behind on the broker and the database."""

from __future__ import annotations

from typing import Any

from kafka.admin import KafkaAdminClient
from pymongo import MongoClient


def clean_up(kafka: str, mongo: str, namespace: str) -> None:
    """Drop the run's databases and delete its topics (each run uses a namespace of its own)."""
    client: MongoClient[dict[str, Any]] = MongoClient(mongo)
    for name in client.list_database_names():
        if name.startswith(namespace):
            client.drop_database(name)
    client.close()
    with KafkaAdminClient(bootstrap_servers=kafka) as admin:
        topics = [t for t in admin.list_topics() if t.startswith(f"{namespace}.")]
        if topics:
            admin.delete_topics(topics)
