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
    Rectification,
)
from shared.events.training import (
    CERTIFICATE_REVOKED,
    ENROLMENT_CHANGED,
    PROGRAM_COMPLETED,
    CertificateRevoked,
    EnrolmentChanged,
    ProgramCompleted,
)

ALL_CONTRACTS: tuple[EventContract[Any], ...] = (
    NEED_IDENTIFIED,
    NEED_RESOLVED,
    ENROLMENT_CHANGED,
    PROGRAM_COMPLETED,
    CERTIFICATE_REVOKED,
    EVALUATION_SUBMITTED,
    EVALUATION_DUE,
    EVALUATION_ESCALATED,
    DATA_SUBJECT_REQUESTED,
    *DATA_SUBJECT_REQUEST_HANDLED.values(),
)

__all__ = [
    "ALL_CONTRACTS",
    "CERTIFICATE_REVOKED",
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
    "CertificateRevoked",
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
