"""Find or start the real Kafka broker and MongoDB-wire database the tests run against.

In order: KAFKA_BOOTSTRAP_SERVERS / MONGODB_URI when set; else the project's own local infrastructure
(infra/local.sh: Kafka from Maven jars, FerretDB built from Go modules); else, where a Docker engine
answers, containers of the official images via testcontainers. If none works the session fails with a
message saying how to start them: these tests never skip and never fall back to an in-memory fake.
"""

from __future__ import annotations

import os
import socket
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from kafka.admin import KafkaAdminClient
from pymongo import MongoClient

REPO = Path(__file__).resolve().parents[2]

HOW_TO_START = (
    "Start the infrastructure with `make infra` (Kafka 4.4 on 127.0.0.1:9092 and FerretDB on 127.0.0.1:27017; "
    "needs Java 17, Maven and Go), or point KAFKA_BOOTSTRAP_SERVERS and MONGODB_URI at running ones, or run "
    "a Docker engine so testcontainers can start apache/kafka and mongo."
)


class InfrastructureUnavailable(RuntimeError):
    pass


@dataclass(frozen=True)
class Endpoints:
    kafka_bootstrap_servers: str
    mongodb_uri: str
    how: str
    # The PostgreSQL database under FerretDB (its lookup indexes); empty on MongoDB.
    postgresql_url: str = ""


def local_postgresql_url() -> str:
    """Where infra/local.sh's FerretDB stores its data."""
    return f"postgres://ferretdb@127.0.0.1:{os.environ.get('FERRETDB_PG_PORT', '54329')}/ferretdb"


def kafka_answers(bootstrap: str, timeout_s: float = 10) -> bool:
    try:
        with KafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=int(timeout_s * 1000)) as admin:
            admin.describe_cluster()
        return True
    except Exception:
        return False


def mongo_answers(uri: str, timeout_s: float = 5) -> bool:
    client: MongoClient[dict[str, object]] = MongoClient(uri, serverSelectionTimeoutMS=int(timeout_s * 1000))
    try:
        client.admin.command("ping")
        return True
    except Exception:
        return False
    finally:
        client.close()


def _from_environment() -> Endpoints | None:
    kafka, mongo = os.environ.get("KAFKA_BOOTSTRAP_SERVERS"), os.environ.get("MONGODB_URI")
    if not kafka and not mongo:
        return None
    if not (kafka and mongo):
        raise InfrastructureUnavailable("set both KAFKA_BOOTSTRAP_SERVERS and MONGODB_URI, or neither. " + HOW_TO_START)
    if not kafka_answers(kafka):
        raise InfrastructureUnavailable(f"KAFKA_BOOTSTRAP_SERVERS={kafka} does not answer. " + HOW_TO_START)
    if not mongo_answers(mongo):
        raise InfrastructureUnavailable(f"MONGODB_URI={mongo} does not answer. " + HOW_TO_START)
    return Endpoints(kafka, mongo, "environment", os.environ.get("FERRETDB_POSTGRESQL_URL", ""))


def _local() -> tuple[Endpoints | None, str]:
    result = subprocess.run(
        [str(REPO / "infra" / "local.sh"), "up"], capture_output=True, text=True, timeout=900, check=False
    )
    if result.returncode != 0:
        return None, result.stderr.strip()[-2000:]
    kafka = f"{os.environ.get('KAFKA_HOST', '127.0.0.1')}:{os.environ.get('KAFKA_PORT', '9092')}"
    mongo = f"mongodb://{os.environ.get('MONGODB_HOST', '127.0.0.1')}:{os.environ.get('MONGODB_PORT', '27017')}"
    if kafka_answers(kafka) and mongo_answers(mongo):
        return Endpoints(kafka, mongo, "infra/local.sh", local_postgresql_url()), ""
    return None, "infra/local.sh reported success but Kafka or FerretDB does not answer"


def _docker_available() -> bool:
    try:
        import docker

        docker.from_env(timeout=2).ping()
        return True
    except Exception:
        return False


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def _containers() -> Iterator[Endpoints]:
    from testcontainers.community.mongodb import MongoDbContainer
    from testcontainers.core.container import DockerContainer
    from testcontainers.core.wait_strategies import LogMessageWaitStrategy

    # The broker advertises the host port, so the container port is bound to the same number.
    port = _free_port()
    kafka = (
        DockerContainer("apache/kafka:4.4.0")
        .with_bind_ports(port, port)
        .with_envs(
            KAFKA_NODE_ID="1",
            KAFKA_PROCESS_ROLES="broker,controller",
            KAFKA_LISTENERS=f"PLAINTEXT://0.0.0.0:{port},CONTROLLER://0.0.0.0:9093",
            KAFKA_ADVERTISED_LISTENERS=f"PLAINTEXT://localhost:{port}",
            KAFKA_CONTROLLER_LISTENER_NAMES="CONTROLLER",
            KAFKA_LISTENER_SECURITY_PROTOCOL_MAP="CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
            KAFKA_CONTROLLER_QUORUM_VOTERS="1@localhost:9093",
            KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR="1",
            KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR="1",
            KAFKA_TRANSACTION_STATE_LOG_MIN_ISR="1",
            KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS="0",
            KAFKA_AUTO_CREATE_TOPICS_ENABLE="false",
        )
        .waiting_for(LogMessageWaitStrategy("Kafka Server started"))
    )
    with kafka, MongoDbContainer("mongo:7") as mongo:
        yield Endpoints(f"localhost:{port}", mongo.get_connection_url(), "testcontainers")


@contextmanager
def endpoints() -> Iterator[Endpoints]:
    found = _from_environment()
    if found is not None:
        yield found
        return
    found, local_error = _local()
    if found is not None:
        yield found
        return
    if _docker_available():
        with _containers() as started:
            yield started
        return
    raise InfrastructureUnavailable(
        f"no Kafka/MongoDB for the tests: infra/local.sh failed ({local_error or 'no output'}) and no Docker "
        f"engine answers. {HOW_TO_START}"
    )
