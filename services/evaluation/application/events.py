"""The events of the evaluation service, built from an evaluation in one place each."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from services.evaluation.documents import EvaluationDocument
from shared.events import (
    EvaluationDue,
    EvaluationEscalated,
    EvaluationSubmitted,
    EvaluatorRole,
    ReminderKind,
    TransferBarrier,
)


def _identity(e: EvaluationDocument) -> dict[str, Any]:
    """What every event about an evaluation names: the evaluation, the programme and the participant."""
    return {
        "evaluation_id": e.id,
        "enrolment_id": e.enrolment_id,
        "program_code": e.program_code,
        "nip": e.nip,
        "unit_code": e.unit_code,
    }


def evaluation_submitted(e: EvaluationDocument) -> EvaluationSubmitted:
    return EvaluationSubmitted(
        **_identity(e),
        level=e.level,
        evaluator_nip=e.submitted_by,  # None when the figures came with the completion
        score=e.score,
        outcome=e.outcome,
        struggling_to_apply=e.struggling_to_apply,
        barriers=[TransferBarrier(b) for b in e.barriers],
        competency_codes=list(e.competency_codes),
        submitted_at=e.submitted_at,
        measures=dict(e.measures),
    )


def evaluation_due(e: EvaluationDocument, kind: ReminderKind) -> EvaluationDue:
    return EvaluationDue(
        **_identity(e),
        program_title=e.program_title,
        level=e.level,
        evaluator_role=EvaluatorRole(e.evaluator_role),
        evaluator_nip=e.evaluator_nip,
        kind=kind,
        opens_on=e.opens_on,
        due_on=e.due_on,
        reminded_at=datetime.now(UTC),
    )


def evaluation_escalated(e: EvaluationDocument, earlier: list[str]) -> EvaluationEscalated:
    return EvaluationEscalated(
        **_identity(e),
        supervisor_nip=e.supervisor_nip,
        competency_codes=list(e.competency_codes),
        barriers=[TransferBarrier(b) for b in e.barriers],
        earlier_evaluation_ids=earlier,
        escalated_at=datetime.now(UTC),
    )
