"""Data subjects' requests (BKPSDM): record one, follow each service's answer, download an access export."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from services.needs.application.privacy import PrivacyRequests
from services.needs.documents import PrivacyAnswerDocument, PrivacyRequestDocument
from services.needs.http.schemas import RequestIn, valid_nip
from shared.domain.nip import NIP_REGEX
from shared.events import PRIVACY_SERVICES
from shared.http.access import Admin
from shared.persistence import get_or_not_found


def request_view(doc: PrivacyRequestDocument) -> dict[str, Any]:
    answers = {a.service: a for a in PrivacyAnswerDocument.objects(request_id=doc.id)}
    services = [
        {"service": s, "status": "done", "handled_at": a.handled_at.isoformat(), "outcomes": a.outcomes}
        if (a := answers.get(s))
        else {"service": s, "status": "pending"}
        for s in PRIVACY_SERVICES
    ]
    done = len(answers) == len(PRIVACY_SERVICES)
    return {
        "request_id": doc.id,
        "nip": doc.nip,
        "kind": doc.kind,
        "rectification": doc.rectification or None,
        "note": doc.note,
        "requested_by": doc.requested_by,
        "requested_at": doc.requested_at.isoformat(),
        "status": "completed" if done else "pending",
        "completed_at": max(a.handled_at for a in answers.values()).isoformat() if done else None,
        "services": services,
    }


def requests_router(requests: PrivacyRequests) -> APIRouter:
    router = APIRouter(prefix="/privacy/requests", tags=["personal data"])

    @router.post("", status_code=202, summary="Record a data subject's request; every service handles it")
    def create(body: RequestIn, who: Admin) -> dict[str, Any]:
        recorded = requests.record(
            nip=valid_nip(body.nip),
            kind=body.kind,
            rectification=body.rectification,
            note=body.note,
            requested_by=who.nip,
        )
        return request_view(recorded)

    @router.get("", summary="Requests, newest first")
    def list_requests(_: Admin, nip: Annotated[str | None, Query(pattern=NIP_REGEX)] = None) -> list[dict[str, Any]]:
        found = PrivacyRequestDocument.objects(**({"nip": nip} if nip else {})).order_by("-requested_at").limit(200)
        return [request_view(d) for d in found]

    @router.get("/{request_id}", summary="A request and each service's answer")
    def show(request_id: str, _: Admin) -> dict[str, Any]:
        return request_view(get_or_not_found(PrivacyRequestDocument, request_id, "Permintaan", "Request"))

    @router.get("/{request_id}/export", summary="Everything the four services hold about the person (access)")
    def export(request_id: str, _: Admin) -> dict[str, Any]:
        return requests.export(request_id)

    return router
