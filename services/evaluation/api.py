"""HTTP API of the evaluation service."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, Response
from mongoengine import Q
from pydantic import BaseModel, ConfigDict, Field

from services.evaluation import domain, reports
from services.evaluation.analytics import quarter_bounds
from services.evaluation.application import EvaluationService
from services.evaluation.documents import EvaluationDocument, IndicatorEntry
from shared.clock import today_in_medan
from shared.http.access import Admin, Head, Staff
from shared.http.auth import CurrentPrincipal, Principal, Role
from shared.http.errors import ApiError
from shared.http.pagination import Page, Pagination, page_of
from shared.http.reports import report_formats
from shared.persistence import get_or_404

FiniteFloat = Annotated[float, Field(allow_inf_nan=False)]


class IndicatorIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(pattern=r"^[a-z0-9_]{1,40}$", description="The unit's own indicator, e.g. antrian_harian")
    label: str | None = Field(default=None, max_length=200)
    before: FiniteFloat
    after: FiniteFloat
    higher_is_better: bool = True


class SubmissionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # Item codes are plain identifiers: no operator ("$...") or dotted key can reach a stored document.
    answers: dict[Annotated[str, Field(pattern=r"^[a-z0-9_]{1,40}$")], int | float | str | list[str]] = Field(
        description="Item code -> answer: Likert 1-5, a number, free text, or a list of barriers", max_length=100
    )
    indicators: list[IndicatorIn] = Field(
        default_factory=list, max_length=20, description="Level 4 only: the unit's own indicators"
    )


class RemindIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    as_of: date | None = Field(default=None, description="Judge due/overdue as of this day (default: today)")


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


class EvaluationOut(BaseModel):
    evaluation_id: str
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


def _items(q: domain.Questionnaire) -> list[ItemOut]:
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


def _evaluation(e: EvaluationDocument, today: date) -> EvaluationOut:
    questionnaire = domain.questionnaire(e.questionnaire, e.questionnaire_version)
    return EvaluationOut(
        evaluation_id=e.id,
        enrolment_id=e.enrolment_id,
        program_code=e.program_code,
        program_title=e.program_title,
        nip=e.nip,
        unit_code=e.unit_code,
        level=e.level,
        evaluator_role=e.evaluator_role,
        evaluator_nip=e.evaluator_nip,
        status=e.status,
        state=domain.state(e.status, e.opens_on, e.due_on, today),
        opens_on=e.opens_on,
        due_on=e.due_on,
        questionnaire=questionnaire.key,
        items=_items(questionnaire),
        score=e.score,
        outcome=e.outcome,
        measures=dict(e.measures),
        struggling_to_apply=e.struggling_to_apply,
        barriers=list(e.barriers),
        escalated=e.escalated,
        submitted_at=e.submitted_at,
    )


def _visible(e: EvaluationDocument, who: Principal) -> bool:
    own_unit = who.has_any(Role.UNIT_HEAD) and who.unit_code == e.unit_code
    return who.nip in (e.nip, e.evaluator_nip, e.supervisor_nip) or own_unit or who.has_any(Role.BKPSDM_ADMIN)


def _scope(who: Principal, unit_code: str | None) -> dict[str, Any]:
    """Figures over many people: BKPSDM sees every unit, a unit head their own, nobody else any."""
    if who.has_any(Role.BKPSDM_ADMIN):
        return {"unit_code": unit_code} if unit_code else {}
    if who.has_any(Role.UNIT_HEAD) and who.unit_code:
        return {"unit_code": who.unit_code}
    raise ApiError(
        403,
        "forbidden",
        "Rekap ini hanya untuk kepala unit kerja dan BKPSDM.",
        "This summary is for unit heads and BKPSDM only.",
    )


def _completed_between(year: int | None, quarter: int | None) -> dict[str, Any]:
    if year is None:
        return {}
    if quarter is None:
        return {"completed_on__gte": date(year, 1, 1), "completed_on__lt": date(year + 1, 1, 1)}
    start, end = quarter_bounds(year, quarter)
    return {"completed_on__gte": start, "completed_on__lt": end}


AsOf = Annotated[date | None, Query(description="Judge due/overdue as of this day (default: today in Medan)")]
Year = Annotated[int | None, Query(ge=2000, le=2100)]
Quarter = Annotated[int | None, Query(ge=1, le=4)]


def build_router(service: EvaluationService) -> APIRouter:
    router = APIRouter(tags=["evaluations"])

    @router.get("/questionnaires", summary="The versioned questionnaires, per Kirkpatrick level")
    def list_questionnaires(_: CurrentPrincipal) -> list[QuestionnaireOut]:
        return [
            QuestionnaireOut(
                questionnaire=q.key, level=int(q.level), current=domain.CURRENT[q.level] is q, items=_items(q)
            )
            for q in domain.QUESTIONNAIRES.values()
        ]

    @router.get("/evaluations", summary="Evaluations for the caller to fill in (BKPSDM sees all)")
    def list_evaluations(
        who: Staff, page: Pagination, nip: str | None = None, status: str | None = None
    ) -> Page[EvaluationOut]:
        filters: dict[str, str] = {k: v for k, v in {"nip": nip, "status": status}.items() if v is not None}
        query = EvaluationDocument.objects(**filters)
        if not who.has_any(Role.BKPSDM_ADMIN):
            mine = Q(evaluator_nip=who.nip)
            if who.has_any(Role.UNIT_HEAD) and who.unit_code:
                mine |= Q(evaluator_role="unit", unit_code=who.unit_code)
                # Standing in for a supervisor not on record (as application.may_submit allows).
                mine |= Q(evaluator_role="supervisor", evaluator_nip=None, unit_code=who.unit_code)
            query = query.filter(mine)
        today = today_in_medan()
        return page_of(query.order_by("due_on", "id"), page, lambda e: _evaluation(e, today))

    @router.get("/evaluations/{evaluation_id}")
    def get_evaluation(evaluation_id: str, who: Staff) -> EvaluationOut:
        evaluation = get_or_404(EvaluationDocument, evaluation_id, "Evaluasi", "Evaluation")
        if not _visible(evaluation, who):
            raise ApiError(
                403, "forbidden", "Anda tidak berhak melihat evaluasi ini.", "You may not see this evaluation."
            )
        return _evaluation(evaluation, today_in_medan())

    @router.post("/evaluations/{evaluation_id}/submission", summary="Submit the answers (the evaluator only)")
    def submit(evaluation_id: str, body: SubmissionIn, who: Staff) -> EvaluationOut:
        indicators = [IndicatorEntry(**i.model_dump()) for i in body.indicators]
        return _evaluation(service.submit(evaluation_id, body.answers, indicators, who), today_in_medan())

    @router.get("/monitoring/evaluations", summary="Due, overdue or upcoming evaluations per unit or evaluator")
    def monitoring(
        who: Staff,
        page: Pagination,
        state: Literal["due", "overdue", "upcoming"] = "due",
        unit_code: str | None = None,
        evaluator_nip: str | None = None,
        level: Annotated[int | None, Query(ge=1, le=4)] = None,
        as_of: AsOf = None,
    ) -> Page[EvaluationOut]:
        today = as_of or today_in_medan()
        filters: dict[str, Any] = {"status": "open"}
        if who.has_any(Role.BKPSDM_ADMIN, Role.UNIT_HEAD):
            filters |= _scope(who, unit_code)
            if evaluator_nip:
                filters["evaluator_nip"] = evaluator_nip
        else:
            filters["evaluator_nip"] = who.nip
        if level is not None:
            filters["level"] = level
        filters |= {
            "due": {"opens_on__lte": today, "due_on__gte": today},
            "overdue": {"due_on__lt": today},
            "upcoming": {"opens_on__gt": today},
        }[state]
        query = EvaluationDocument.objects(**filters).order_by("due_on", "id")
        return page_of(query, page, lambda e: _evaluation(e, today))

    @router.get("/monitoring/response-rates", summary="Evaluations asked for, answered and overdue, with the rate")
    def response_rates(
        who: Head,
        by: Literal["unit", "evaluator", "level"] = "unit",
        unit_code: str | None = None,
        as_of: AsOf = None,
    ) -> list[dict[str, Any]]:
        return service.response_rates(by, as_of or today_in_medan(), _scope(who, unit_code))

    @router.post("/monitoring/reminders", summary="Send the reminders the periodic job would send now (BKPSDM)")
    def remind(_: Admin, body: RemindIn | None = None) -> dict[str, int]:
        return service.remind_as_of(body.as_of if body else None)

    @router.get("/analytics/effectiveness", summary="L1-L4 figures per programme, form, unit or period")
    def effectiveness(
        who: Head,
        by: Literal["program", "form", "unit", "period"] = "program",
        year: Year = None,
        quarter: Quarter = None,
        unit_code: str | None = None,
        program_code: str | None = None,
    ) -> list[dict[str, Any]]:
        filters = _scope(who, unit_code) | _completed_between(year, quarter)
        if program_code:
            filters["program_code"] = program_code
        return service.effectiveness(by, filters)

    @router.get(
        "/reports/quarterly",
        summary="The quarterly monitoring report (JSON, CSV or a printable HTML page)",
        response_model=None,
        responses=report_formats("text/csv", "text/html"),
    )
    def quarterly(
        _: Admin,
        year: Annotated[int, Query(ge=2000, le=2100)],
        quarter: Annotated[int, Query(ge=1, le=4)],
        format: Literal["json", "csv", "html"] = "json",
    ) -> dict[str, Any] | Response:
        report = service.quarterly_report(year, quarter, today_in_medan())
        if format == "csv":
            name = f"monitoring-evaluasi-{year}-Q{quarter}.csv"
            return Response(
                reports.to_csv(report),
                media_type="text/csv; charset=utf-8",
                headers={"Content-Disposition": f'attachment; filename="{name}"'},
            )
        if format == "html":
            return HTMLResponse(reports.to_html(report))
        return report

    return router
