"""What every benchmark shares: leaving nothing behind on the broker and the database."""

from __future__ import annotations

import os
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


def postgresql_url() -> str:
    """FerretDB's PostgreSQL, where a service's start-up creates the indexes its lookups use: a benchmark
    without them would measure collection scans, not what a service does (see shared/ferretdb.py)."""
    return os.environ.get(
        "FERRETDB_POSTGRESQL_URL",
        f"postgres://ferretdb@127.0.0.1:{os.environ.get('FERRETDB_PG_PORT', '54329')}/ferretdb",
    )
