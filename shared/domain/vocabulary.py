"""Words the event contracts and the pure domains share: forms of development, the states of a seat, who
answers an evaluation and why training does not transfer. Plain enums, so a domain can speak them without
loading pydantic; ``shared.events`` builds the contracts on them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

# The competency code of a need for the yearly minimum of JP rather than for a competency (PP 11/2017:
# 20 JP a year); the needs service announces such needs and the training planner fills them with JP.
JP_COMPETENCY_CODE = "JP"

# The fiscal years the system plans for and its events carry.
FIRST_FISCAL_YEAR = 2000
LAST_FISCAL_YEAR = 2100


class DevelopmentForm(StrEnum):
    """Forms of competency development after PerLAN 10/2018 (classical and non-classical)."""

    TRAINING = "training"
    COURSE = "course"
    SEMINAR = "seminar"
    WORKSHOP = "workshop"
    E_LEARNING = "e_learning"
    COACHING = "coaching"
    MENTORING = "mentoring"
    INTERNSHIP = "internship"
    EXCHANGE = "exchange"
    BENCHMARKING_VISIT = "benchmarking_visit"
    DETASERING = "detasering"
    SELF_STUDY = "self_study"
    COMMUNITY_OF_PRACTICE = "community_of_practice"
    REFRESHER = "refresher"


class NeedSource(StrEnum):
    COMPETENCY_GAP = "competency_gap"
    JP_SHORTFALL = "jp_shortfall"
    UNIT_REQUEST = "unit_request"
    PUBLIC_SATISFACTION = "public_satisfaction"
    EVALUATION_FOLLOW_UP = "evaluation_follow_up"


class EnrolmentState(StrEnum):
    PROPOSED = "proposed"
    CONFIRMED = "confirmed"
    ATTENDING = "attending"
    COMPLETED = "completed"
    WITHDRAWN = "withdrawn"
    FAILED = "failed"


class TransferBarrier(StrEnum):
    """Why trained staff struggle to apply what they learned (post-training evaluation practice)."""

    LACK_OF_RESOURCES = "lack_of_resources"
    NO_OPPORTUNITY = "no_opportunity_to_apply"
    LACK_OF_SUPPORT = "lack_of_support"
    TRANSFER_OR_PROMOTION = "transfer_or_promotion"
    CONTENT_MISMATCH = "content_mismatch"
    OWN_ABILITY = "own_ability"


@dataclass(frozen=True)
class TrainingRemedy:
    """What training gives a follow-up for one barrier: the recommended form (None: any form) and whether
    the programme that did not transfer is excluded."""

    form: DevelopmentForm | None
    exclude_programme: bool = False


# The training remedy of each barrier training can fix, in order of precedence (the first barrier found
# decides the form). PerLAN 10/2018 lists coaching and mentoring among the non-classical forms and PP
# 11/2017 Pasal 212 ayat (3) names on-the-job coaching: the remedy for someone who cannot yet do it alone.
# Content that did not fit the job is not taught again: any form, but never the same programme. After a
# transfer or promotion the skill was never practised in the new post: a refresher there.
TRAINING_REMEDIES: dict[TransferBarrier, TrainingRemedy] = {
    TransferBarrier.OWN_ABILITY: TrainingRemedy(DevelopmentForm.COACHING),
    TransferBarrier.CONTENT_MISMATCH: TrainingRemedy(None, exclude_programme=True),
    TransferBarrier.TRANSFER_OR_PROMOTION: TrainingRemedy(DevelopmentForm.REFRESHER),
}

# Forms a planner may use in place of a recommended one: coaching and mentoring are both one-to-one
# guidance at work (PerLAN 10/2018 lists them side by side); a refresher may be taken as e-learning.
EQUIVALENT_FORMS: dict[DevelopmentForm, frozenset[DevelopmentForm]] = {
    DevelopmentForm.COACHING: frozenset({DevelopmentForm.COACHING, DevelopmentForm.MENTORING}),
    DevelopmentForm.MENTORING: frozenset({DevelopmentForm.MENTORING, DevelopmentForm.COACHING}),
    DevelopmentForm.REFRESHER: frozenset({DevelopmentForm.REFRESHER, DevelopmentForm.E_LEARNING}),
}


def accepted_forms(recommended: str | None) -> frozenset[str] | None:
    """The forms that satisfy a recommendation (None: any form)."""
    if recommended is None:
        return None
    form = DevelopmentForm(recommended)
    return frozenset(EQUIVALENT_FORMS.get(form, frozenset({form})))


def training_remedy(barriers: Iterable[str]) -> TrainingRemedy | None:
    """The training a follow-up with these barriers gets, or None when only actions can remedy them (or
    none was named: then nothing is known to call for training either way, and the need goes to training
    like any other, with no form)."""
    named = [TransferBarrier(b) for b in barriers]
    if named and all(b in ACTION_BARRIERS for b in named):
        return None
    form = next((r.form for b, r in TRAINING_REMEDIES.items() if b in named and r.form), None)
    return TrainingRemedy(form, exclude_programme=TransferBarrier.CONTENT_MISMATCH in named)


class EmploymentType(StrEnum):
    """PNS (civil servant) or PPPK (government employee on contract): their JP rules differ (PP 11/2017,
    PP 49/2018)."""

    PNS = "PNS"
    PPPK = "PPPK"


class ReminderKind(StrEnum):
    DUE = "due"
    OVERDUE = "overdue"


class EvaluatorRole(StrEnum):
    """Who answers an evaluation: a named person, or whoever holds a role for the participant's unit."""

    PARTICIPANT = "participant"
    SUPERVISOR = "supervisor"
    UNIT = "unit"
    BKPSDM = "bkpsdm"


# Barriers that training does not remove, and who owns the action that does (issue 14): the unit head
# provides the means; the supervisor assigns work that applies the skill (the on-the-job part of
# development, PerLAN 10/2018) and backs the employee in it. The other barriers go back to training; a
# follow-up whose barriers are all of these goes to no training (``training_remedy``).
ACTION_BARRIERS: dict[TransferBarrier, EvaluatorRole] = {
    TransferBarrier.LACK_OF_RESOURCES: EvaluatorRole.UNIT,
    TransferBarrier.NO_OPPORTUNITY: EvaluatorRole.SUPERVISOR,
    TransferBarrier.LACK_OF_SUPPORT: EvaluatorRole.SUPERVISOR,
}


class ActionStatus(StrEnum):
    """A remedy action: open until its owner reports it done, or drops it with a reason."""

    OPEN = "open"
    DONE = "done"
    DROPPED = "dropped"


class AdoptionKind(StrEnum):
    """What an adoption item tracks after a programme."""

    PRACTICE = "practice"  # seen on a benchmarking visit; the home unit's head adopts it
    MILESTONE = "milestone"  # a step of the change project (aksi perubahan); the supervisor confirms it
    EPP = "epp"  # the post-training evaluation of the change project (evaluasi pasca pelatihan)
