"""Pure rules of the evaluation plan: for each completion the four levels with who answers them, when
each opens and when it is due; the state of an evaluation on a day, and which reminder it is owed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from services.evaluation.domain import CURRENT, EvaluationStatus, Level, Questionnaire
from shared.domain.vocabulary import EvaluatorRole, ReminderKind

# --- The plan opened for a completion ----------------------------------------------------------------


@dataclass(frozen=True)
class Schedule:
    """When each level may be answered (opens) and by when (due), in days after completion."""

    reaction_due_days: int = 7
    behaviour_opens_days: int = 90
    behaviour_due_days: int = 180
    results_opens_days: int = 180
    results_due_days: int = 365


@dataclass(frozen=True)
class PlannedEvaluation:
    level: Level
    questionnaire: Questionnaire
    evaluator_role: EvaluatorRole
    evaluator_nip: str | None
    opens_on: date
    due_on: date


def plan(completed_on: date, participant: str, supervisor: str | None, schedule: Schedule) -> list[PlannedEvaluation]:
    """The four levels for one participant's completion: L1 from the participant at once; L2 from the
    test scores (BKPSDM enters them when the completion carried none); L3 from the supervisor in the
    3-6 month window; L4 from the unit (its head) or BKPSDM once the unit has figures after training."""

    def day(n: int) -> date:
        return completed_on + timedelta(days=n)

    s, q = schedule, CURRENT
    return [
        PlannedEvaluation(
            Level.REACTION, q[Level.REACTION], EvaluatorRole.PARTICIPANT, participant, day(0), day(s.reaction_due_days)
        ),
        PlannedEvaluation(Level.LEARNING, q[Level.LEARNING], EvaluatorRole.BKPSDM, None, day(0), day(0)),
        PlannedEvaluation(
            Level.BEHAVIOUR,
            q[Level.BEHAVIOUR],
            EvaluatorRole.SUPERVISOR,
            supervisor,
            day(s.behaviour_opens_days),
            day(s.behaviour_due_days),
        ),
        PlannedEvaluation(
            Level.RESULTS,
            q[Level.RESULTS],
            EvaluatorRole.UNIT,
            None,
            day(s.results_opens_days),
            day(s.results_due_days),
        ),
    ]


def evaluation_id(enrolment_id: str, level: Level) -> str:
    """One evaluation per participant, programme enrolment and level."""
    return f"{enrolment_id}-L{int(level)}"


# --- Monitoring ---------------------------------------------------------------------------------------


def state(status: str, opens_on: date, due_on: date, today: date) -> str:
    """submitted, upcoming (not open yet), due (open for answers) or overdue (deadline passed)."""
    if status == EvaluationStatus.SUBMITTED:
        return EvaluationStatus.SUBMITTED.value
    if today < opens_on:
        return "upcoming"
    return "overdue" if today > due_on else "due"


def reminder_due(status: str, opens_on: date, due_on: date, sent: Sequence[str], today: date) -> ReminderKind | None:
    """Each evaluation is reminded at most once as due and once as overdue; an overdue one that was
    never reminded as due gets only the overdue reminder."""
    now = state(status, opens_on, due_on, today)
    if now == "overdue" and ReminderKind.OVERDUE not in sent:
        return ReminderKind.OVERDUE
    if now == "due" and ReminderKind.DUE not in sent:
        return ReminderKind.DUE
    return None
