"""Use cases of the evaluation service: open the plan on completion, accept submissions from the right
person, remind, and read figures back."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from services.evaluation import analytics, domain
from services.evaluation.documents import EvaluationDocument, HistoryEntry, IndicatorEntry
from shared.events import (
    EVALUATION_DUE,
    EVALUATION_ESCALATED,
    EVALUATION_SUBMITTED,
    EvaluationDue,
    EvaluationEscalated,
    EvaluationSubmitted,
    EvaluatorRole,
    EventContext,
    EventRecord,
    ProgramCompleted,
    ReminderKind,
    TransferBarrier,
)
from shared.http.auth import Principal, Role
from shared.http.errors import ApiError, Conflict
from shared.messaging.outbox import ConcurrentUpdate, commit, new_event, retrying
from shared.persistence import get_or_404, objects_in

log = logging.getLogger(__name__)

Notify = Callable[[], None]
WIB = analytics.WIB


def today_in_medan() -> date:
    return datetime.now(WIB).date()


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


class EvaluationService:
    def __init__(
        self,
        *,
        thresholds: domain.Thresholds,
        schedule: domain.Schedule,
        bars: analytics.Bars,
        notify: Notify,
    ) -> None:
        self.thresholds = thresholds
        self.schedule = schedule
        self.bars = bars
        self.notify = notify

    # --- the plan ----------------------------------------------------------------------------------

    def on_program_completed(self, event: ProgramCompleted, ctx: EventContext) -> None:
        planned = domain.plan(event.completed_on, event.nip, event.supervisor_nip, self.schedule)
        keys = [domain.evaluation_id(event.enrolment_id, p.level) for p in planned]
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
                nip=event.nip,
                unit_code=event.unit_code,
                supervisor_nip=event.supervisor_nip,
                competency_codes=[c.code for c in event.competencies],
                completed_on=event.completed_on,
                level=int(p.level),
                questionnaire=p.questionnaire.code,
                questionnaire_version=p.questionnaire.version,
                evaluator_role=p.evaluator_role.value,
                evaluator_nip=p.evaluator_nip,
                status="open",
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
            evaluation = get_or_404(EvaluationDocument, evaluation_id, "Evaluasi", "Evaluation")
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
            raise ApiError(
                403,
                "not_evaluator",
                f"Evaluasi level {e.level} ini hanya dapat diisi oleh {who_id}.",
                f"Only {who_en} may submit this level-{e.level} evaluation.",
            )
        if e.status == "submitted":
            raise Conflict("already_submitted", "Evaluasi ini sudah dikirim.", "This evaluation was already submitted.")
        # Levels 3 and 4 judge the job after training, so they wait for their window; 1 and 2 do not.
        if e.opens_on > e.completed_on and today_in_medan() < e.opens_on:
            raise Conflict(
                "not_open_yet",
                f"Evaluasi ini baru dapat diisi mulai {e.opens_on:%d-%m-%Y}.",
                f"This evaluation can be answered from {e.opens_on:%Y-%m-%d}.",
            )

    def _assess(
        self, e: EvaluationDocument, answers: Mapping[str, domain.Answer], indicators: Sequence[IndicatorEntry]
    ) -> domain.Assessment:
        if indicators and e.level != domain.Level.RESULTS:
            raise ApiError(
                422,
                "invalid_answers",
                "Indikator unit hanya untuk evaluasi level 4.",
                "Unit indicators belong to level-4 evaluations only.",
            )
        extra = [domain.Indicator(i.code, i.before, i.after, i.higher_is_better) for i in indicators]
        try:
            # The version the evaluation was opened with, so a newer questionnaire never rescores it.
            questionnaire = domain.questionnaire(e.questionnaire, e.questionnaire_version)
            return domain.assess(questionnaire, answers, self.thresholds, extra)
        except domain.InvalidAnswers as exc:
            raise ApiError(422, "invalid_answers", exc.message_id, exc.message_en) from None

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
        e.struggling_to_apply = assessment.struggling
        e.barriers = [b.value for b in assessment.barriers]
        e.status = "submitted"
        e.submitted_by = by
        e.submitted_at = datetime.now(UTC)
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
        today = today_in_medan()

        def attempt() -> EvaluationDocument:
            e = get_or_404(EvaluationDocument, evaluation_id, "Evaluasi", "Evaluation")
            if e.evaluator_role != EvaluatorRole.SUPERVISOR.value or e.status != "open":
                raise Conflict(
                    "not_reassignable",
                    "Hanya evaluasi level 3 oleh atasan yang masih terbuka yang dapat dialihkan penilainya.",
                    "Only an open level-3 evaluation by a supervisor can be given to another evaluator.",
                )
            if evaluator_nip == e.nip:
                raise ApiError(
                    422,
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
            kind = domain.reminder_due(e.status, e.opens_on, e.due_on, [], today)
            e.reminders_sent = [] if kind is None else [ReminderKind.DUE.value, kind.value]
            events = [] if kind is None else [new_event(EVALUATION_DUE, evaluation_due(e, kind), subject=e.nip)]
            commit(e, events)  # the new evaluator, its history entry and the reminder in one write
            return e

        evaluation = retrying(attempt)
        self.notify()
        return evaluation

    # --- reminders ---------------------------------------------------------------------------------

    def remind_as_of(self, as_of: date | None) -> dict[str, int]:
        """Reminders on demand: as of a past day to catch up, never a future one, which would mark
        evaluations overdue-reminded before they are."""
        today = today_in_medan()
        if as_of is not None and as_of > today:
            raise ApiError(
                422,
                "as_of_in_future",
                f"as_of tidak boleh melewati hari ini ({today:%d-%m-%Y}).",
                f"as_of may not be later than today ({today:%Y-%m-%d}).",
            )
        return self.send_reminders(as_of or today)

    def send_reminders(self, today: date) -> dict[str, int]:
        """Publish EvaluationDue once per evaluation and kind (due, overdue). The kinds sent are written
        with their event in one document write, so running this again, or twice at once, reminds once."""
        counts = {kind.value: 0 for kind in ReminderKind}
        for e in EvaluationDocument.objects(status="open", opens_on__lte=today):
            kind = domain.reminder_due(e.status, e.opens_on, e.due_on, e.reminders_sent, today)
            if kind is None:
                continue
            e.reminders_sent = [*e.reminders_sent, kind.value]
            try:
                commit(e, [new_event(EVALUATION_DUE, evaluation_due(e, kind), subject=e.nip)])
            except ConcurrentUpdate:
                continue  # submitted or reminded meanwhile; if still open, the next round decides
            counts[kind.value] += 1
        if any(counts.values()):
            self.notify()
        return counts

    # --- reading figures back ----------------------------------------------------------------------

    def response_rates(self, by: str, today: date, filters: dict[str, Any]) -> list[dict[str, Any]]:
        # Level 2 asks no one when the completion carried its scores; only evaluations people answer count.
        docs = EvaluationDocument.objects(level__ne=int(domain.Level.LEARNING), **filters).only(
            "level", "unit_code", "evaluator_nip", "evaluator_role", "status", "opens_on", "due_on", "submitted_at"
        )
        asked = (
            analytics.Asked(
                _group_of(d, by),
                d.status,
                d.opens_on,
                d.due_on,
                analytics.day_in_medan(d.submitted_at) if d.submitted_at else None,
            )
            for d in docs
        )
        return analytics.response_rates(asked, today)

    def effectiveness(self, by: str, filters: dict[str, Any]) -> list[dict[str, Any]]:
        docs = EvaluationDocument.objects(status="submitted", **filters).only(
            "level", "score", "outcome", "measures", "program_code", "form", "unit_code", "completed_on"
        )
        results = (analytics.Result(_group_of(d, by), d.level, d.score, d.outcome, d.measures) for d in docs)
        return analytics.effectiveness(results, self.bars)

    def quarterly_report(self, year: int, quarter: int, today: date) -> dict[str, Any]:
        """What BKPSDM takes to the mayor's office: for the quarter, how many evaluations fell due and
        came back (per level and per unit), how well the programmes evaluated in it did, who struggles
        to apply their training and why."""
        start, end = analytics.quarter_bounds(year, quarter)
        as_of = min(today, end - timedelta(days=1))
        due_in_quarter = {"due_on__gte": start, "due_on__lt": end}
        begins, ends = analytics.quarter_instants(year, quarter)
        submitted_in_quarter = {"submitted_at__gte": begins, "submitted_at__lt": ends}
        programmes = self.effectiveness("program", submitted_in_quarter)
        struggles = list(
            EvaluationDocument.objects(
                level=int(domain.Level.BEHAVIOUR), struggling_to_apply=True, **submitted_in_quarter
            ).only("barriers", "escalated")
        )
        barrier_counts = dict.fromkeys((b.value for b in TransferBarrier), 0)
        escalated = 0
        for s in struggles:
            escalated += int(bool(s.escalated))
            for b in s.barriers:
                barrier_counts[b] += 1
        return {
            "period": f"{year}-Q{quarter}",
            "from": start.isoformat(),
            "to": (end - timedelta(days=1)).isoformat(),
            "as_of": as_of.isoformat(),
            "response_by_level": self.response_rates("level", as_of, due_in_quarter),
            "response_by_unit": self.response_rates("unit", as_of, due_in_quarter),
            "effectiveness_by_program": programmes,
            "flagged_programs": [p["group"] for p in programmes if p["flags"]],
            "transfer": {
                "struggling": len(struggles),
                "escalated": escalated,
                "barriers": barrier_counts,
            },
        }


def _group_of(e: EvaluationDocument, by: str) -> str:
    if by == "period":
        return analytics.quarter_of(e.completed_on)
    if by == "evaluator":
        return e.evaluator_nip or f"{e.evaluator_role}:{e.unit_code}"
    if by == "level":
        return f"L{e.level}"
    return str(getattr(e, {"program": "program_code", "unit": "unit_code"}.get(by, by)))


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
