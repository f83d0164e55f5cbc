"""Event contracts and their CloudEvents 1.0 wire form in the Kafka protocol binding.

Binary content mode: the CloudEvents attributes travel as ``ce_*`` headers and the Kafka value is the
bare JSON payload, so consumers that know nothing of CloudEvents still read plain JSON, and routing
needs no parsing of the body. The Kafka key is the employee's NIP (the unit code for unit-level events)
so each person's events stay on one partition, in order.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

SPEC_VERSION = "1.0"
TYPE_PREFIX = "id.go.pemkomedan.bkpsdm"
SOURCE_PREFIX = "/bkpsdm-medan"
TOPIC_PREFIX = "bkpsdm"
CONTENT_TYPE = "application/json"
CORRELATION_HEADER = "ce_correlationid"


class EventPayload(BaseModel):
    """Base of every event payload. Unknown fields are ignored on read (tolerant reader), so additive
    changes stay within a version; anything else is a new version on a new topic."""

    model_config = ConfigDict(extra="ignore", frozen=True)


P = TypeVar("P", bound=EventPayload)


def _kebab(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "-", name).lower()


def dead_letter_topic(topic: str) -> str:
    """Where records of ``topic`` go that cannot be consumed, or could not be published to it."""
    return f"{topic}.dlq"


@dataclass(frozen=True)
class EventContract(Generic[P]):
    name: str
    version: int
    producer: str
    model: type[P]
    summary: str

    @property
    def type(self) -> str:
        return f"{TYPE_PREFIX}.{self.producer}.{self.name}.v{self.version}"

    @property
    def topic(self) -> str:
        return f"{TOPIC_PREFIX}.{self.producer}.{_kebab(self.name)}.v{self.version}"

    @property
    def dead_letter_topic(self) -> str:
        return dead_letter_topic(self.topic)

    @property
    def source(self) -> str:
        return f"{SOURCE_PREFIX}/{self.producer}"

    @property
    def dataschema(self) -> str:
        return f"urn:bkpsdm-medan:event-schema:{_kebab(self.name)}:v{self.version}"

    @property
    def schema_filename(self) -> str:
        return f"{_kebab(self.name)}.v{self.version}.json"

    def json_schema(self) -> dict[str, Any]:
        schema = self.model.model_json_schema(mode="serialization")
        return {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": self.dataschema,
            "title": self.name,
            "description": self.summary,
            **{k: v for k, v in schema.items() if k not in ("title", "description")},
        }


class InvalidEvent(Exception):
    """A record that is not a valid event of the contract it arrived under. Never retried."""


@dataclass(frozen=True)
class EventRecord:
    """One event as it goes onto Kafka (also what the outbox stores until it is relayed)."""

    event_id: str
    topic: str
    key: str
    headers: dict[str, str]
    value: bytes


@dataclass(frozen=True)
class EventContext:
    """The CloudEvents attributes of a received event."""

    id: str
    source: str
    type: str
    time: datetime
    subject: str
    correlation_id: str


def build_record(
    contract: EventContract[P],
    payload: P,
    *,
    subject: str,
    correlation_id: str | None = None,
    event_id: str | None = None,
    time: datetime | None = None,
) -> EventRecord:
    if not isinstance(payload, contract.model):
        raise TypeError(f"{contract.name} carries {contract.model.__name__}, not {type(payload).__name__}")
    event_id = event_id or str(uuid.uuid4())
    headers = {
        "ce_specversion": SPEC_VERSION,
        "ce_id": event_id,
        "ce_source": contract.source,
        "ce_type": contract.type,
        "ce_time": (time or datetime.now(UTC)).isoformat(),
        "ce_subject": subject,
        "ce_dataschema": contract.dataschema,
        "content-type": CONTENT_TYPE,
        CORRELATION_HEADER: correlation_id or event_id,
    }
    return EventRecord(
        event_id=event_id,
        topic=contract.topic,
        key=subject,
        headers=headers,
        value=payload.model_dump_json().encode(),
    )


def read_context(contract: EventContract[Any], headers: dict[str, str]) -> EventContext:
    """Check the CloudEvents headers of a record received on ``contract.topic``.

    Only the owning service's ``source`` is accepted for an event type: a record claiming another
    origin is forged or misrouted.
    """
    missing = [h for h in ("ce_specversion", "ce_id", "ce_source", "ce_type", "ce_time") if not headers.get(h)]
    if missing:
        raise InvalidEvent(f"missing CloudEvents headers: {', '.join(missing)}")
    if headers["ce_specversion"] != SPEC_VERSION:
        raise InvalidEvent(f"unsupported specversion {headers['ce_specversion']!r}")
    if headers["ce_type"] != contract.type:
        raise InvalidEvent(f"type {headers['ce_type']!r} does not belong on {contract.topic}")
    if headers["ce_source"] != contract.source:
        raise InvalidEvent(f"source {headers['ce_source']!r} may not publish {contract.name}")
    try:
        time = datetime.fromisoformat(headers["ce_time"])
    except ValueError as exc:
        raise InvalidEvent(f"ce_time is not RFC 3339: {headers['ce_time']!r}") from exc
    return EventContext(
        id=headers["ce_id"],
        source=headers["ce_source"],
        type=headers["ce_type"],
        time=time,
        subject=headers.get("ce_subject", ""),
        correlation_id=headers.get(CORRELATION_HEADER) or headers["ce_id"],
    )


def read_payload(contract: EventContract[P], value: bytes) -> P:
    try:
        return contract.model.model_validate_json(value)
    except ValidationError as exc:
        raise InvalidEvent(
            f"payload does not match {contract.dataschema}: {exc.error_count()} error(s): {exc}"
        ) from exc
