"""Seats: who sees them, who may confirm or give one up, and what BKPSDM records about them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from services.training import domain
from services.training.documents import EnrolmentDocument
from services.training.http.schemas import (
    CompletionIn,
    EnrolmentOut,
    FinalReportIn,
    LearningAgreementIn,
    ScoresIn,
    WithdrawIn,
)
from services.training.seats.enrolments import Enrolments
from shared.domain.identity import Principal, Role
from shared.http.access import Admin, Staff, scope_of, visible
from shared.http.errors import ApiError
from shared.http.pagination import Page, Pagination, read_page
from shared.persistence import get_or_not_found


def _seat(enrolment_id: str, who: Principal) -> EnrolmentDocument:
    """The participant, their supervisor, the head of their unit, BKPSDM."""
    return visible(scope_of(who), get_or_not_found(EnrolmentDocument, enrolment_id, "Pendaftaran", "Enrolment"))


def _may_decide(e: EnrolmentDocument, who: Principal) -> bool:
    """Confirming or giving up a seat: the participant, the head of their unit, BKPSDM."""
    return (
        who.nip == e.nip
        or who.has_any(Role.BKPSDM_ADMIN)
        or (who.has_any(Role.UNIT_HEAD) and who.unit_code == e.unit_code)
    )


def _forbidden() -> ApiError:
    return ApiError(403, "forbidden", "Anda tidak berhak atas pendaftaran ini.", "You may not act on this enrolment.")


def build_router(enrolments: Enrolments) -> APIRouter:
    router = APIRouter(tags=["enrolments"])

    @router.get("/enrolments")
    async def list_enrolments(
        who: Staff,
        page: Pagination,
        nip: str | None = None,
        batch_code: str | None = None,
        status: domain.EnrolmentStatus | None = None,
        supervisor_nip: Annotated[
            str | None, Query(max_length=40, description="A supervisor's team: the seats of their direct reports")
        ] = None,
    ) -> Page[EnrolmentOut]:
        # A supervisor asking for their own team is one indexed equality (Scope.within), not a scan.
        filters: dict[str, object] = {
            "nip": nip,
            "batch_code": batch_code,
            "status": status,
            "supervisor_nip": supervisor_nip,
        }
        seen = scope_of(who).within({k: v for k, v in filters.items() if v is not None})
        # Async (no worker thread): a person's seats are read on every console page that shows them.
        return await read_page(EnrolmentDocument, seen, ("-updated_at", "id"), page, EnrolmentOut.of)

    @router.get("/enrolments/{enrolment_id}")
    def get_enrolment(enrolment_id: str, who: Staff) -> EnrolmentOut:
        return EnrolmentOut.of(_seat(enrolment_id, who))

    @router.post("/enrolments/{enrolment_id}/confirm", summary="Accept a proposed seat")
    def confirm(enrolment_id: str, who: Staff) -> EnrolmentOut:
        if not _may_decide(_seat(enrolment_id, who), who):
            raise _forbidden()
        return EnrolmentOut.of(enrolments.act(enrolment_id, "confirm", who.nip))

    @router.post("/enrolments/{enrolment_id}/withdraw", summary="Give up a seat; its needs go back to the planner")
    def withdraw(enrolment_id: str, body: WithdrawIn, who: Staff) -> EnrolmentOut:
        if not _may_decide(_seat(enrolment_id, who), who):
            raise _forbidden()
        return EnrolmentOut.of(enrolments.act(enrolment_id, "withdraw", who.nip, (body.reason, body.reason)))

    @router.put("/enrolments/{enrolment_id}/scores", summary="Pre-test and post-test scores")
    def put_scores(enrolment_id: str, body: ScoresIn, _: Admin) -> EnrolmentOut:
        return EnrolmentOut.of(enrolments.record_scores(enrolment_id, body.pre_score, body.post_score))

    @router.put(
        "/enrolments/{enrolment_id}/learning-agreement",
        summary="Internships and exchanges: the learning agreement with the host agency",
    )
    def put_learning_agreement(enrolment_id: str, body: LearningAgreementIn, _: Admin) -> EnrolmentOut:
        agreement = body.model_dump(mode="json", exclude={"host_agency"})
        return EnrolmentOut.of(enrolments.record_learning_agreement(enrolment_id, body.host_agency, agreement))

    @router.put(
        "/enrolments/{enrolment_id}/final-report", summary="Internships and exchanges: the participant's final report"
    )
    def put_final_report(enrolment_id: str, body: FinalReportIn, who: Staff) -> EnrolmentOut:
        if who.nip != _seat(enrolment_id, who).nip and not who.has_any(Role.BKPSDM_ADMIN):
            raise _forbidden()
        return EnrolmentOut.of(enrolments.record_final_report(enrolment_id, body.model_dump(mode="json")))

    @router.post(
        "/enrolments/{enrolment_id}/completion",
        summary="Judge a participant against the programme's criteria: completed (ProgramCompleted) or failed",
    )
    def complete(enrolment_id: str, who: Admin, body: CompletionIn | None = None) -> EnrolmentOut:
        return EnrolmentOut.of(enrolments.complete(enrolment_id, body.completed_on if body else None, who.nip))

    return router
