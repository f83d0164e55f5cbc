"""Dead letters: records set aside so the flow behind them goes on, with what an operator needs to act.

Two sources, one shape. A consumer dead-letters a record it cannot apply (``consumer.py``); the outbox
relay dead-letters an entry Kafka refuses for good (``outbox.py``). Both go to the source topic's
dead-letter topic (``<topic>.dlq``) with the original headers and ``dlq_*`` headers saying why, how
often it was tried, where it came from and when. An entry the dead-letter topic refuses too (it is
too large for any topic) is kept in the service's own ``outbox_dead_letters`` collection instead.
``scripts/dead_letters.py`` lists both and replays one once the cause is fixed.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from aiokafka.errors import (
    CorruptRecordException,
    InvalidTimestampError,
    InvalidTopicError,
    MessageSizeTooLargeError,
    RecordListTooLargeError,
)
from mongoengine import DateTimeField, DictField, Document, StringField

# Refusals that sending again cannot cure: the record itself is wrong for Kafka (larger than the
# producer's max_request_size or the topic's max.message.bytes, corrupt, an invalid topic name or
# timestamp). Anything else (no broker, no leader, timeouts, authorisation) is the infrastructure's
# problem and is retried. An unknown topic is judged by the caller: permanent only while the broker
# answers, since an unreachable broker reports every topic as unknown.
PERMANENT_PUBLISH_ERRORS: tuple[type[Exception], ...] = (
    MessageSizeTooLargeError,
    RecordListTooLargeError,
    CorruptRecordException,
    InvalidTopicError,
    InvalidTimestampError,
)
MAX_ERROR_CHARS = 2000
OUTBOX_DEAD_LETTERS = "outbox_dead_letters"


def dead_letter_headers(
    headers: Mapping[str, str], *, reason: str, attempts: int, original_topic: str, **origin: str
) -> dict[str, str]:
    """The record's own headers (earlier ``dlq_*`` ones dropped) with why and where it failed;
    ``origin`` adds ``dlq_<name>`` headers (partition and offset, consumer group, outbox service)."""
    kept = {k: v for k, v in headers.items() if not k.startswith("dlq_")}
    return kept | {
        "dlq_error": reason[:MAX_ERROR_CHARS],
        "dlq_attempts": str(attempts),
        "dlq_original_topic": original_topic,
        **{f"dlq_{name}": value for name, value in origin.items()},
        "dlq_failed_at": datetime.now(UTC).isoformat(),
    }


class OutboxDeadLetter(Document):
    """An outbox entry no topic would take, not even the dead-letter topic. ``_id`` = event id."""

    meta = {"abstract": True, "auto_create_index": False}

    id = StringField(primary_key=True)
    service = StringField(required=True)
    topic = StringField(required=True)  # the topic it was for, with the deployment's namespace
    key = StringField()
    headers = DictField()  # the event's headers and the dlq_* ones of the refusal
    value = StringField(required=True)
    error = StringField(required=True)  # why the topic refused it
    dead_letter_error = StringField(required=True)  # why the dead-letter topic refused it too
    failed_at = DateTimeField(required=True)


def outbox_dead_letter_document(alias: str) -> type[OutboxDeadLetter]:
    """The collection in the given service's database."""
    meta = {"db_alias": alias, "collection": OUTBOX_DEAD_LETTERS, "auto_create_index": False}
    return type(f"OutboxDeadLetter_{alias}", (OutboxDeadLetter,), {"meta": meta})
