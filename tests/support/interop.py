"""Events as the interop adapters receive them: built by the producers' contracts, put on the wire
(CloudEvents binary mode) and read back as a consumer would, for the nurse of the puskesmas scenario."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from shared.events import (
    ENROLMENT_CHANGED,
    EVALUATION_SUBMITTED,
    PROGRAM_COMPLETED,
    EnrolmentChanged,
    EvaluationSubmitted,
    EventContext,
    EventContract,
    EventPayload,
    EventRecord,
    ProgramCompleted,
    TransferBarrier,
    build_record,
    read_context,
    read_payload,
)
from shared.events.common import CompetencyTarget, DevelopmentForm
from shared.events.training import EnrolmentState
from tests.support.demo import HEAD, NURSE, UNIT

BATCH = "PL-2027-01"
PROGRAM = "PELAYANAN-PRIMA"
ENROLMENT = f"{BATCH}:{NURSE}"


@dataclass(frozen=True)
class Received:
    context: EventContext
    payload: Any
    record: EventRecord  # what was on the wire, to publish to a running service


def received(contract: EventContract[Any], payload: EventPayload, time: datetime) -> Received:
    record = build_record(contract, payload, subject=payload.nip, time=time)  # type: ignore[attr-defined]
    return Received(read_context(contract, record.headers), read_payload(contract, record.value), record)


def completion(**overrides: Any) -> Received:
    fields: dict[str, Any] = {
        "enrolment_id": ENROLMENT,
        "need_id": f"2027-{NURSE}-M.05",
        "nip": NURSE,
        "unit_code": UNIT,
        "supervisor_nip": HEAD,
        "program_code": PROGRAM,
        "program_title": "Pelatihan Pelayanan Prima",
        "batch_code": BATCH,
        "form": DevelopmentForm.TRAINING,
        "competencies": [CompetencyTarget(code="M.05", target_level=3)],
        "jp": 24,
        "pre_score": 55.0,
        "post_score": 85.5,
        "attendance_pct": 100.0,
        "started_on": date(2027, 3, 1),
        "completed_on": date(2027, 3, 3),
        "certificate_number": "BKPSDM-MDN/2027/1A2B3C4D",
    }
    payload = ProgramCompleted(**(fields | overrides))
    return received(PROGRAM_COMPLETED, payload, datetime(2027, 3, 3, 9, 30, 12, 345678, tzinfo=UTC))


def enrolment(status: EnrolmentState, **overrides: Any) -> Received:
    previous = {EnrolmentState.ATTENDING: EnrolmentState.CONFIRMED, EnrolmentState.FAILED: EnrolmentState.ATTENDING}
    fields: dict[str, Any] = {
        "enrolment_id": ENROLMENT,
        "nip": NURSE,
        "unit_code": UNIT,
        "supervisor_nip": HEAD,
        "need_ids": [f"2027-{NURSE}-M.05"],
        "program_code": PROGRAM,
        "program_title": "Pelatihan Pelayanan Prima",
        "form": DevelopmentForm.TRAINING,
        "batch_code": BATCH,
        "phase_code": "T1-2027",
        "starts_on": date(2027, 3, 1),
        "ends_on": date(2027, 3, 3),
        "status": status,
        "previous_status": previous.get(status, EnrolmentState.PROPOSED),
        "changed_at": datetime(2027, 3, 1, 1, 15, tzinfo=UTC),
    }
    if status is EnrolmentState.FAILED:
        fields |= {"reason": "Kehadiran di bawah batas minimal", "reason_en": "Attendance below the minimum"}
    payload = EnrolmentChanged(**(fields | overrides))
    return received(ENROLMENT_CHANGED, payload, datetime(2027, 3, 1, 1, 15, 1, tzinfo=UTC))


def evaluation(level: int, **overrides: Any) -> Received:
    by_level: dict[int, dict[str, Any]] = {
        1: {"score": 80.0, "outcome": "satisfied", "evaluator_nip": NURSE},
        2: {"score": 67.8, "outcome": "medium_gain", "measures": {"raw_gain": 30.5, "normalised_gain": 0.678}},
        3: {
            "score": 45.0,
            "outcome": "struggling",
            "evaluator_nip": HEAD,
            "struggling_to_apply": True,
            "barriers": [TransferBarrier.LACK_OF_SUPPORT],
            "recommended_form": DevelopmentForm.MENTORING,
        },
        4: {"score": 75.0, "outcome": "improved", "evaluator_nip": HEAD, "measures": {"mean_change_pct": 12.5}},
    }
    fields: dict[str, Any] = {
        "evaluation_id": f"{ENROLMENT}:L{level}",
        "enrolment_id": ENROLMENT,
        "program_code": PROGRAM,
        "nip": NURSE,
        "unit_code": UNIT,
        "level": level,
        "competency_codes": ["M.05"],
        "submitted_at": datetime(2027, 3, 3 + level, 2, 0, tzinfo=UTC),
        **by_level[level],
    }
    payload = EvaluationSubmitted(**(fields | overrides))
    return received(EVALUATION_SUBMITTED, payload, datetime(2027, 3, 3 + level, 2, 0, 1, tzinfo=UTC))


def learning_record() -> list[Received]:
    """One seat's whole record: attended, completed (with both tests), the four evaluations."""
    return [enrolment(EnrolmentState.ATTENDING), completion(), *(evaluation(level) for level in (1, 2, 3, 4))]
