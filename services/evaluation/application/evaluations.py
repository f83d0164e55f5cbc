"""Evaluations: the four opened for each completion, answers accepted from the right person only and once,
and another evaluator named when the supervisor moved. Each change is one ``commit`` of the evaluation
with the events announcing it (the embedded outbox)."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

from services.evaluation import domain
from services.evaluation.application.adoption import adoption_measures
from services.evaluation.application.events import evaluation_due, evaluation_escalated, evaluation_submitted
from services.evaluation.documents import EvaluationDocument, HistoryEntry, IndicatorEntry
from services.evaluation.schedule import Schedule, evaluation_id, plan, reminder_due
from shared.domain import clock
from shared.domain.errors import ConcurrentUpdate, Conflict, Forbidden, Invalid
from shared.domain.identity import Principal, Role
from shared.domain.nip import Nip
from shared.events import (
    EVALUATION_DUE,
    EVALUATION_ESCALATED,
    EVALUATION_SUBMITTED,
    EvaluatorRole,
    EventContext,
    EventRecord,
    ProgramCompleted,
    ReminderKind,
)
from shared.messaging.outbox import Notify, commit, new_event, retrying
from shared.persistence import get_or_not_found, objects_in

log = logging.getLogger(__name__)

WHO_MAY_SUBMIT = {
    EvaluatorRole.PARTICIPANT: ("peserta sendiri", "the participant"),
    EvaluatorRole.SUPERVISOR: ("atasan langsung peserta", "the participant's direct supervisor"),
    EvaluatorRole.UNIT: ("kepala unit kerja peserta atau BKPSDM", "the head of the participant's unit or BKPSDM"),
    EvaluatorRole.BKPSDM: ("BKPSDM", "BKPSDM"),
}


def may_submit(e: EvaluationDocument, who: Principal) -> bool:
    role = EvaluatorRole(e.evaluator_role)
    own_unit_head = who.has_any(Role.UNIT_HEAD) and who.unit_code == e.unit_code and who.nip != e.nip
    if role is EvaluatorRole.BKPSDM:
        return who.has_any(Role.BKPSDM_ADMIN)
    if role is EvaluatorRole.UNIT:
        return who.has_any(Role.BKPSDM_ADMIN) or own_unit_head
    if role is EvaluatorRole.SUPERVISOR and e.evaluator_nip is None:
        return own_unit_head  # no supervisor on record: the unit head stands in for them
    return who.nip == e.evaluator_nip


class Evaluations:
    def __init__(self, *, thresholds: domain.Thresholds, schedule: Schedule, notify: Notify) -> None:
        self.thresholds = thresholds
        self.schedule = schedule
        self.notify = notify

    # --- the plan ----------------------------------------------------------------------------------

    def on_program_completed(self, event: ProgramCompleted, ctx: EventContext) -> None:
        planned = plan(event.completed_on, event.nip, event.supervisor_nip, self.schedule)
        keys = [evaluation_id(event.enrolment_id, p.level) for p in planned]
        # Keyed on enrolment and level: a redelivered completion finds its evaluations and adds only
        # what a crash in the middle left missing.
        existing = {e.id for e in objects_in(EvaluationDocument.objects.only("id"), "id", keys)}
        now = datetime.now(UTC)
        for key, p in zip(keys, planned, strict=True):
            if key in existing:
                continue
            evaluation = EvaluationDocument(
                id=key,
                enrolment_id=event.enrolment_id,
                need_id=event.need_id,
                program_code=event.program_code,
                program_title=event.program_title,
                form=event.form.value,
                batch_code=event.batch_code,
                host_code=event.host_code,
                nip=event.nip,
                unit_code=event.unit_code,
                supervisor_nip=event.supervisor_nip,
                competency_codes=[c.code for c in event.competencies],
                curriculum_code=event.curriculum.code if event.curriculum else None,
                curriculum_version=event.curriculum.version if event.curriculum else None,
                curriculum_institution=event.curriculum.institution if event.curriculum else None,
                completed_on=event.completed_on,
                level=int(p.level),
                questionnaire=p.questionnaire.code,
                questionnaire_version=p.questionnaire.version,
                evaluator_role=p.evaluator_role.value,
                evaluator_nip=p.evaluator_nip,
                status=domain.EvaluationStatus.OPEN,
                opens_on=p.opens_on,
                due_on=p.due_on,
                opened_at=now,
            )
            events: list[EventRecord] = []
            if p.level is domain.Level.LEARNING and event.pre_score is not None and event.post_score is not None:
                # Level 2 needs no one: the completion's test scores are the answers.
                scores = {"pre_score": event.pre_score, "post_score": event.post_score}
                assessment = domain.assess(p.questionnaire, scores, self.thresholds)
                events = self._record(evaluation, scores, [], assessment, None)
            try:
                commit(evaluation, events)  # the evaluation and its EvaluationSubmitted, in one write
            except ConcurrentUpdate:
                log.info("evaluation %s was opened meanwhile by a redelivery", key)
        self.notify()

    # --- submissions -------------------------------------------------------------------------------

    def submit(
        self,
        evaluation_id: str,
        answers: Mapping[str, domain.Answer],
        indicators: Sequence[IndicatorEntry],
        who: Principal,
    ) -> EvaluationDocument:
        def attempt() -> EvaluationDocument:
            evaluation = get_or_not_found(EvaluationDocument, evaluation_id, "Evaluasi", "Evaluation")
            self._check_may_submit(evaluation, who)
            assessment = self._assess(evaluation, answers, indicators)
            events = self._record(evaluation, answers, indicators, assessment, who.nip)
            commit(evaluation, events)  # state and its events together (transactional outbox)
            return evaluation

        # A concurrent submission makes ours reload, find it submitted and answer 409.
        evaluation = retrying(attempt)
        self.notify()
        return evaluation

    def _check_may_submit(self, e: EvaluationDocument, who: Principal) -> None:
        if not may_submit(e, who):
            who_id, who_en = WHO_MAY_SUBMIT[EvaluatorRole(e.evaluator_role)]
            raise Forbidden(
                "not_evaluator",
                f"Evaluasi level {e.level} ini hanya dapat diisi oleh {who_id}.",
                f"Only {who_en} may submit this level-{e.level} evaluation.",
            )
        if e.status == domain.EvaluationStatus.SUBMITTED:
            raise Conflict("already_submitted", "Evaluasi ini sudah dikirim.", "This evaluation was already submitted.")
        # Levels 3 and 4 judge the job after training, so they wait for their window; 1 and 2 do not.
        if e.opens_on > e.completed_on and clock.today() < e.opens_on:
            raise Conflict(
                "not_open_yet",
                f"Evaluasi ini baru dapat diisi mulai {e.opens_on:%d-%m-%Y}.",
                f"This evaluation can be answered from {e.opens_on:%Y-%m-%d}.",
            )

    def _assess(
        self, e: EvaluationDocument, answers: Mapping[str, domain.Answer], indicators: Sequence[IndicatorEntry]
    ) -> domain.Assessment:
        if indicators and e.level != domain.Level.RESULTS:
            raise Invalid(
                "invalid_answers",
                "Indikator unit hanya untuk evaluasi level 4.",
                "Unit indicators belong to level-4 evaluations only.",
            )
        extra = [domain.Indicator(i.code, i.before, i.after, i.higher_is_better) for i in indicators]
        # The version the evaluation was opened with, so a newer questionnaire never rescores it.
        questionnaire = domain.questionnaire(e.questionnaire, e.questionnaire_version)
        return domain.assess(questionnaire, answers, self.thresholds, extra)

    def _record(
        self,
        e: EvaluationDocument,
        answers: Mapping[str, domain.Answer],
        indicators: Sequence[IndicatorEntry],
        assessment: domain.Assessment,
        by: str | None,
    ) -> list[EventRecord]:
        """Write the result onto the evaluation; return the events that announce it."""
        e.answers = dict(answers)
        e.indicators = list(indicators)
        e.score = assessment.score
        e.outcome = assessment.outcome
        e.measures = dict(assessment.measures)
        if e.level == domain.Level.RESULTS:
            # A benchmarking visit's results include the practices adopted at home; a leadership
            # programme's, the change-project steps the supervisor confirmed.
            e.measures |= adoption_measures(e.enrolment_id)
        e.struggling_to_apply = assessment.struggling
        e.barriers = [b.value for b in assessment.barriers]
        e.status = domain.EvaluationStatus.SUBMITTED
        e.submitted_by = by
        e.submitted_at = clock.now()
        events = [new_event(EVALUATION_SUBMITTED, evaluation_submitted(e), subject=e.nip)]
        if assessment.struggling:
            earlier = self._earlier_struggles(e)
            if earlier:
                e.escalated = True
                events.append(new_event(EVALUATION_ESCALATED, evaluation_escalated(e, earlier), subject=e.nip))
        return events

    @staticmethod
    def _earlier_struggles(e: EvaluationDocument) -> list[str]:
        earlier = EvaluationDocument.objects(nip=e.nip, level=int(domain.Level.BEHAVIOUR), struggling_to_apply=True)
        return domain.repeated_struggle(
            e.completed_on,
            e.competency_codes,
            [(o.id, o.submitted_at.date(), o.competency_codes) for o in earlier if o.id != e.id],
        )

    # --- who answers --------------------------------------------------------------------------------

    def reassign(self, evaluation_id: str, evaluator_nip: str, reason: str, who: Principal) -> EvaluationDocument:
        """BKPSDM names another supervisor (the named one moved or left): they answer, not BKPSDM on
        their behalf. The change is kept in the evaluation's history, and a window already open is
        announced to the new evaluator (EvaluationDue) in the same write."""
        today = clock.today()
        evaluator_nip = Nip.parse(evaluator_nip).value

        def attempt() -> EvaluationDocument:
            e = get_or_not_found(EvaluationDocument, evaluation_id, "Evaluasi", "Evaluation")
            if e.evaluator_role != EvaluatorRole.SUPERVISOR.value or e.status != domain.EvaluationStatus.OPEN:
                raise Conflict(
                    "not_reassignable",
                    "Hanya evaluasi level 3 oleh atasan yang masih terbuka yang dapat dialihkan penilainya.",
                    "Only an open level-3 evaluation by a supervisor can be given to another evaluator.",
                )
            if evaluator_nip == e.nip:
                raise Invalid(
                    "invalid_evaluator",
                    "Peserta tidak dapat menilai dirinya sendiri.",
                    "A participant cannot evaluate themselves.",
                )
            e.history = [
                *e.history,
                HistoryEntry(
                    at=datetime.now(UTC),
                    by=who.nip,
                    action="evaluator_changed",
                    from_nip=e.evaluator_nip,
                    to_nip=evaluator_nip,
                    reason=reason,
                ),
            ]
            e.evaluator_nip = evaluator_nip
            # The reminders so far went to someone else: the new evaluator hears of an open window now.
            kind = reminder_due(e.status, e.opens_on, e.due_on, [], today)
            e.reminders_sent = [] if kind is None else [ReminderKind.DUE.value, kind.value]
            events = [] if kind is None else [new_event(EVALUATION_DUE, evaluation_due(e, kind), subject=e.nip)]
            commit(e, events)  # the new evaluator, its history entry and the reminder in one write
            return e

        evaluation = retrying(attempt)
        self.notify()
        return evaluation
