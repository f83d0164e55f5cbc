"""Request and response models of the evaluation API; responses read from their documents (DocumentView)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import Query
from pydantic import BaseModel, Field

from services.evaluation import domain, schedule
from services.evaluation.documents import EvaluationDocument
from shared.http.bounds import Count, Measure, PlanningDate
from shared.http.schemas import DocumentView, RequestModel


class IndicatorIn(RequestModel):
    code: str = Field(pattern=r"^[a-z0-9_]{1,40}$", description="The unit's own indicator, e.g. antrian_harian")
    label: str | None = Field(default=None, max_length=200)
    before: Measure
    after: Measure
    higher_is_better: bool = True


class SubmissionIn(RequestModel):
    # Item codes are plain identifiers: no operator ("$...") or dotted key can reach a stored document.
    answers: dict[Annotated[str, Field(pattern=r"^[a-z0-9_]{1,40}$")], Count | Measure | str | list[str]] = Field(
        description="Item code -> answer: Likert 1-5, a number, free text, or a list of barriers", max_length=100
    )
    indicators: list[IndicatorIn] = Field(
        default_factory=list, max_length=20, description="Level 4 only: the unit's own indicators"
    )


class RemindIn(RequestModel):
    as_of: PlanningDate | None = Field(default=None, description="Judge due/overdue as of this day (default: today)")


class ItemOut(BaseModel):
    code: str
    text: str
    text_en: str
    required: bool
    kind: str
    minimum: float | None
    maximum: float | None


class QuestionnaireOut(BaseModel):
    questionnaire: str
    level: int
    current: bool
    items: list[ItemOut]


class EvaluationOut(DocumentView):
    evaluation_id: str = Field(validation_alias="id")
    enrolment_id: str
    program_code: str
    program_title: str | None
    nip: str
    unit_code: str
    level: int
    evaluator_role: str
    evaluator_nip: str | None
    status: str
    state: str = Field(description="upcoming, due, overdue or submitted (today in Medan)")
    opens_on: date
    due_on: date
    questionnaire: str
    items: list[ItemOut]
    score: float | None
    outcome: str | None
    measures: dict[str, float]
    struggling_to_apply: bool
    barriers: list[str]
    escalated: bool
    submitted_at: datetime | None
    earlier_actions: list[ActionOut] = Field(
        default_factory=list,
        description="Level 3, one evaluation: the actions earlier level-3 evaluations of this person opened, "
        "and whether each was done",
    )


class EvaluatorIn(RequestModel):
    # Checked by the shared NIP rule in the use case, so a wrong one is refused naming the wrong part.
    evaluator_nip: str = Field(max_length=40, description="NIP of the new evaluator (the new supervisor)")
    reason: str = Field(min_length=3, max_length=500, description="Why, kept in the evaluation's history")


class HistoryOut(DocumentView):
    at: datetime
    by: str
    action: str
    from_nip: str | None
    to_nip: str | None
    reason: str


class ReassignedOut(DocumentView):
    evaluation_id: str = Field(validation_alias="id")
    evaluator_role: str
    evaluator_nip: str | None
    history: list[HistoryOut]


AsOf = Annotated[PlanningDate | None, Query(description="Judge due/overdue as of this day (default: today in Medan)")]
Year = Annotated[int | None, Query(ge=2000, le=2100)]
Quarter = Annotated[int | None, Query(ge=1, le=4)]


def items_of(q: domain.Questionnaire) -> list[ItemOut]:
    ranged = (domain.Kind.LIKERT, domain.Kind.NUMBER)
    return [
        ItemOut(
            code=i.code,
            text=i.text_id,
            text_en=i.text_en,
            required=i.required,
            kind=i.kind.value,
            minimum=i.minimum if i.kind in ranged else None,
            maximum=i.maximum if i.kind in ranged else None,
        )
        for i in q.items
    ]


def evaluation_out(e: EvaluationDocument, today: date) -> EvaluationOut:
    questionnaire = domain.questionnaire(e.questionnaire, e.questionnaire_version)
    return EvaluationOut.of(
        e,
        state=schedule.state(e.status, e.opens_on, e.due_on, today),
        questionnaire=questionnaire.key,
        items=items_of(questionnaire),
    )


class ActionOut(DocumentView):
    action_id: str = Field(validation_alias="id")
    evaluation_id: str
    program_code: str
    nip: str
    unit_code: str
    barrier: str
    owner_role: str = Field(description="supervisor, or unit (the head of the participant's unit)")
    owner_nip: str | None
    status: str = Field(description="open, done or dropped")
    overdue: bool = Field(description="Still open after its due date (today in Medan)")
    due_on: date
    opened_at: datetime
    note: str | None = Field(description="The closing note (done) or the reason (dropped)")
    closed_by: str | None
    closed_at: datetime | None


class ActionDoneIn(RequestModel):
    note: str = Field(min_length=3, max_length=2000, description="What was done, e.g. the tool provided")


class ActionDroppedIn(RequestModel):
    reason: str = Field(min_length=3, max_length=2000, description="Why the action is dropped")


class PracticeIn(RequestModel):
    title: str = Field(min_length=3, max_length=300, description="The practice seen at the host")
    plan: str = Field(min_length=3, max_length=2000, description="The home unit's plan to adopt it")
    due_on: PlanningDate = Field(description="By when the home unit adopts it (within a year of the visit)")


class VisitReportIn(RequestModel):
    practices: list[PracticeIn] = Field(min_length=1, max_length=30)


class MilestoneIn(RequestModel):
    title: str = Field(min_length=3, max_length=300)
    due_on: PlanningDate


class ChangeProjectIn(RequestModel):
    title: str = Field(min_length=3, max_length=280, description="The change project (aksi perubahan)")
    milestones: list[MilestoneIn] = Field(min_length=1, max_length=20)
    epp_on: PlanningDate = Field(description="The post-training evaluation (EPP), 6-12 months after the programme")


class AdoptionItemOut(DocumentView):
    item_id: str = Field(validation_alias="id")
    kind: str = Field(description="practice, milestone or epp")
    enrolment_id: str
    program_code: str
    host_code: str | None
    nip: str
    unit_code: str
    title: str
    plan: str | None
    owner_role: str
    owner_nip: str | None
    status: str = Field(description="open, done (adopted or confirmed) or dropped")
    overdue: bool
    due_on: date
    note: str | None
    closed_by: str | None
    closed_at: datetime | None
