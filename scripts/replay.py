"""Replay a consumer's topic into a service's database and prove its state is unchanged.

    python scripts/replay.py needs jp-ledger [--drop jp_ledgers]

Run with the service's own environment (KAFKA_BOOTSTRAP_SERVERS, MONGODB_URI, KAFKA_NAMESPACE, ...)
while the service is stopped. It prints the state digest, rewinds the consumer group to the start of
its topic, forgets the consumer's inbox (and with --drop, the read models it builds), runs the service's
consumers in this process until the group has caught up, and prints the digest again. Exit status 0
when the digests match, 1 when the replay changed the state.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from importlib import import_module
from typing import Any

from fastapi import FastAPI
from pymongo import MongoClient

from shared.messaging.lag import total_lag
from shared.messaging.replay import forget, rewind, state_digest
from shared.runtime import ServiceRuntime


async def _consume_until_caught_up(app: FastAPI, bootstrap: str, group: str, topic: str, timeout_s: float) -> None:
    async with app.router.lifespan_context(app):
        deadline = time.monotonic() + timeout_s
        while await asyncio.to_thread(total_lag, bootstrap, {group: [topic]}) > 0:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{group} did not catch up with {topic} within {timeout_s}s")
            await asyncio.sleep(0.5)


def replay(service: str, consumer: str, drop: list[str], timeout_s: float) -> bool:
    app: FastAPI = import_module(f"services.{service}.main").create_app()
    runtime: ServiceRuntime = app.state.runtime
    settings = runtime.settings
    group = runtime.naming(f"{service}.{consumer}")
    if group not in runtime.consumers.groups:
        known = ", ".join(g.rsplit(".", 1)[-1] for g in runtime.consumers.groups)
        raise SystemExit(f"{service} has no consumer {consumer!r} (it has: {known})")
    topic = runtime.consumers.groups[group]
    client: MongoClient[dict[str, Any]] = MongoClient(settings.mongodb_uri)
    try:
        db = client[settings.database_name]
        before = state_digest(db)
        print(f"state before: {before}")
        records = rewind(settings.kafka_bootstrap_servers, group, [topic])
        print(f"rewound {group} on {topic}: {records} records to replay")
        print(f"forgot {forget(db, consumer)} inbox entries of {consumer}")
        for collection in drop:
            db.drop_collection(collection)
            print(f"dropped {collection}, to be rebuilt from the topic")
        asyncio.run(_consume_until_caught_up(app, settings.kafka_bootstrap_servers, group, topic, timeout_s))
        after = state_digest(db)
    finally:
        client.close()
    print(f"state after:  {after}")
    print("unchanged" if after == before else "CHANGED by the replay")
    return after == before


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("service")
    parser.add_argument("consumer", help="consumer name, e.g. jp-ledger (group <service>.<consumer>)")
    parser.add_argument("--drop", action="append", default=[], help="read-model collection to rebuild")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds to wait for the group to catch up")
    args = parser.parse_args()
    return 0 if replay(args.service, args.consumer, args.drop, args.timeout) else 1


if __name__ == "__main__":
    sys.exit(main())
