"""JSON logs, one object per line, carrying the service, the event id and the correlation id in scope."""

from __future__ import annotations

import json
import logging
import re
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime

correlation_id_var: ContextVar[str | None] = ContextVar("correlation_id", default=None)
event_id_var: ContextVar[str | None] = ContextVar("event_id", default=None)


# A caller's correlation id is echoed in a header, written in every log line and carried into events:
# it is taken only as a short token of safe characters (a UUID, a trace id), else replaced by a new one.
CORRELATION_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")


def correlation_token(value: str | None) -> str:
    return value if value is not None and CORRELATION_ID.fullmatch(value) else str(uuid.uuid4())


@contextmanager
def log_context(*, correlation_id: str | None = None, event_id: str | None = None) -> Iterator[None]:
    """Bind ids for everything logged (and every event recorded) inside the block."""
    tokens = []
    if correlation_id is not None:
        tokens.append((correlation_id_var, correlation_id_var.set(correlation_token(correlation_id))))
    if event_id is not None:
        tokens.append((event_id_var, event_id_var.set(event_id)))
    try:
        yield
    finally:
        for var, token in reversed(tokens):
            var.reset(token)


class JsonFormatter(logging.Formatter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "service": self.service,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if (cid := correlation_id_var.get()) is not None:
            entry["correlation_id"] = cid
        if (eid := event_id_var.get()) is not None:
            entry["event_id"] = eid
        extra = getattr(record, "fields", None)
        if isinstance(extra, dict):
            entry.update(extra)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


def configure_logging(service: str, level: str) -> None:
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonFormatter(service))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # uvicorn and faststream install their own handlers; route them through ours.
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "faststream", "faststream.access.kafka", "aiokafka"):
        lg = logging.getLogger(name)
        lg.handlers[:] = []
        lg.propagate = True
    logging.getLogger("aiokafka").setLevel("WARNING")
    logging.getLogger("kafka").setLevel("WARNING")
    logging.getLogger("httpx").setLevel("WARNING")
