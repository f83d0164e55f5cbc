"""Integration-event contracts: the public API between the services and towards other systems."""

from typing import Any

from shared.domain.vocabulary import EnrolmentState, EvaluatorRole, ReminderKind, TransferBarrier
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
)
from shared.events.needs import (
    JP_COMPETENCY_CODE,
    NEED_IDENTIFIED,
    NEED_RESOLVED,
    NeedIdentified,
    NeedResolved,
    NeedSource,
)
from shared.events.privacy import (
    DATA_SUBJECT_REQUEST_HANDLED,
    DATA_SUBJECT_REQUESTED,
    PRIVACY_SERVICES,
    DataKindOutcome,
    DataSubjectRequested,
    DataSubjectRequestHandled,
    DataSubjectRequestKind,
    ErasureAction,
    ExportReference,
    Rectification,
)
from shared.events.training import (
    ENROLMENT_CHANGED,
    PROGRAM_COMPLETED,
    CurriculumRef,
    EnrolmentChanged,
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
    DATA_SUBJECT_REQUESTED,
    *DATA_SUBJECT_REQUEST_HANDLED.values(),
)

__all__ = [
    "ALL_CONTRACTS",
    "DATA_SUBJECT_REQUESTED",
    "DATA_SUBJECT_REQUEST_HANDLED",
    "ENROLMENT_CHANGED",
    "EVALUATION_DUE",
    "EVALUATION_ESCALATED",
    "EVALUATION_SUBMITTED",
    "JP_COMPETENCY_CODE",
    "NEED_IDENTIFIED",
    "NEED_RESOLVED",
    "PRIVACY_SERVICES",
    "PROGRAM_COMPLETED",
    "CurriculumRef",
    "DataKindOutcome",
    "DataSubjectRequestHandled",
    "DataSubjectRequestKind",
    "DataSubjectRequested",
    "EnrolmentChanged",
    "EnrolmentState",
    "ErasureAction",
    "EvaluationDue",
    "EvaluationEscalated",
    "EvaluationSubmitted",
    "EvaluatorRole",
    "EventContext",
    "EventContract",
    "EventPayload",
    "EventRecord",
    "ExportReference",
    "InvalidEvent",
    "NeedIdentified",
    "NeedResolved",
    "NeedSource",
    "ProgramCompleted",
    "Rectification",
    "ReminderKind",
    "TransferBarrier",
    "build_record",
    "read_context",
    "read_payload",
]
