"""Integration-event contracts: the public API between the services and towards other systems."""

from typing import Any

from shared.events.contracts import (
    EventContext,
    EventContract,
    EventPayload,
    EventRecord,
    InvalidEvent,
    build_record,
    read_context,
    read_payload,
)
from shared.events.evaluation import EVALUATION_SUBMITTED, EvaluationSubmitted, TransferBarrier
from shared.events.needs import NEED_IDENTIFIED, NeedIdentified, NeedSource
from shared.events.training import PROGRAM_COMPLETED, ProgramCompleted

ALL_CONTRACTS: tuple[EventContract[Any], ...] = (NEED_IDENTIFIED, PROGRAM_COMPLETED, EVALUATION_SUBMITTED)

__all__ = [
    "ALL_CONTRACTS",
    "EVALUATION_SUBMITTED",
    "NEED_IDENTIFIED",
    "PROGRAM_COMPLETED",
    "EvaluationSubmitted",
    "EventContext",
    "EventContract",
    "EventPayload",
    "EventRecord",
    "InvalidEvent",
    "NeedIdentified",
    "NeedSource",
    "ProgramCompleted",
    "TransferBarrier",
    "build_record",
    "read_context",
    "read_payload",
]
