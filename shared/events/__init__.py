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
from shared.events.evaluation import (
    EVALUATION_DUE,
    EVALUATION_ESCALATED,
    EVALUATION_SUBMITTED,
    EvaluationDue,
    EvaluationEscalated,
    EvaluationSubmitted,
    EvaluatorRole,
    ReminderKind,
    TransferBarrier,
)
from shared.events.needs import NEED_IDENTIFIED, NEED_RESOLVED, NeedIdentified, NeedResolved, NeedSource
from shared.events.training import (
    ENROLMENT_CHANGED,
    PROGRAM_COMPLETED,
    EnrolmentChanged,
    EnrolmentState,
    ProgramCompleted,
)

ALL_CONTRACTS: tuple[EventContract[Any], ...] = (
    NEED_IDENTIFIED,
    NEED_RESOLVED,
    ENROLMENT_CHANGED,
    PROGRAM_COMPLETED,
    EVALUATION_SUBMITTED,
    EVALUATION_DUE,
    EVALUATION_ESCALATED,
)

__all__ = [
    "ALL_CONTRACTS",
    "ENROLMENT_CHANGED",
    "EVALUATION_DUE",
    "EVALUATION_ESCALATED",
    "EVALUATION_SUBMITTED",
    "NEED_IDENTIFIED",
    "NEED_RESOLVED",
    "PROGRAM_COMPLETED",
    "EnrolmentChanged",
    "EnrolmentState",
    "EvaluationDue",
    "EvaluationEscalated",
    "EvaluationSubmitted",
    "EvaluatorRole",
    "EventContext",
    "EventContract",
    "EventPayload",
    "EventRecord",
    "InvalidEvent",
    "NeedIdentified",
    "NeedResolved",
    "NeedSource",
    "ProgramCompleted",
    "ReminderKind",
    "TransferBarrier",
    "build_record",
    "read_context",
    "read_payload",
]
