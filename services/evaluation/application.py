"""Use cases of the evaluation service: open evaluations on completion, accept submissions."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from services.evaluation import domain
from services.evaluation.documents import EvaluationDocument
from shared.events import EVALUATION_SUBMITTED, EvaluationSubmitted, EventContext, ProgramCompleted
from shared.http.auth import Principal
from shared.http.errors import ApiError, Conflict
from shared.messaging.outbox import commit, new_event
from shared.persistence import get_or_404

Notify = Callable[[], None]


class EvaluationService:
    def __init__(self, *, satisfied_threshold: float, notify: Notify) -> None:
        self.satisfied_threshold = satisfied_threshold
        self.notify = notify

    def on_program_completed(self, event: ProgramCompleted, ctx: EventContext) -> None:
        questionnaire = domain.REACTION_V1
        key = domain.evaluation_id(event.enrolment_id, questionnaire.level)
        # Keyed on the enrolment: a redelivered completion finds its evaluation and changes nothing.
        if EvaluationDocument.objects(id=key).count():
            return
        evaluation = EvaluationDocument(
            id=key,
            enrolment_id=event.enrolment_id,
            program_code=event.program_code,
            program_title=event.program_title,
            nip=event.nip,
            unit_code=event.unit_code,
            supervisor_nip=event.supervisor_nip,
            competency_codes=[c.code for c in event.competencies],
            level=int(questionnaire.level),
            questionnaire=questionnaire.code,
            questionnaire_version=questionnaire.version,
            evaluator_nip=event.nip,  # level 1 is the participant's own reaction
            status="open",
            due_on=domain.reaction_due(event.completed_on),
            opened_at=datetime.now(UTC),
        )
        commit(evaluation)

    def submit(self, evaluation_id: str, answers: dict[str, int], who: Principal) -> EvaluationDocument:
        evaluation = get_or_404(EvaluationDocument, evaluation_id, "Evaluasi", "Evaluation")
        if evaluation.evaluator_nip != who.nip:
            raise ApiError(
                403,
                "not_evaluator",
                "Evaluasi ini hanya dapat diisi oleh penilai yang ditunjuk.",
                "Only the designated evaluator may submit this evaluation.",
            )
        if evaluation.status == "submitted":
            raise Conflict("already_submitted", "Evaluasi ini sudah dikirim.", "This evaluation was already submitted.")
        try:
            score = domain.score_answers(domain.REACTION_V1, answers)
        except domain.InvalidAnswers as exc:
            raise ApiError(422, "invalid_answers", exc.message_id, exc.message_en) from None
        evaluation.answers = answers
        evaluation.score = score
        evaluation.outcome = domain.reaction_outcome(score, self.satisfied_threshold)
        evaluation.status = "submitted"
        evaluation.submitted_at = datetime.now(UTC)
        commit(evaluation, [new_event(EVALUATION_SUBMITTED, evaluation_submitted(evaluation), subject=evaluation.nip)])
        self.notify()
        return evaluation


def evaluation_submitted(e: EvaluationDocument) -> EvaluationSubmitted:
    return EvaluationSubmitted(
        evaluation_id=e.id,
        enrolment_id=e.enrolment_id,
        program_code=e.program_code,
        nip=e.nip,
        unit_code=e.unit_code,
        level=e.level,
        evaluator_nip=e.evaluator_nip,
        score=e.score,
        outcome=e.outcome,
        competency_codes=list(e.competency_codes),
        submitted_at=e.submitted_at,
    )
