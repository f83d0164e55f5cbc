"""Personal data in the needs service, and the coordination of data-subject requests.

BKPSDM records a request here (``POST /privacy/requests``); it is announced with ``DataSubjectRequested``
and every service, this one included, answers with its own ``DataSubjectRequestHandled``. The request
shows each service's status; once all have answered, an access request's export is assembled from the
parts they sent.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from mongoengine import DateTimeField, DictField, Document, ListField, StringField
from pydantic import BaseModel, ConfigDict, Field, model_validator

from services.needs.documents import (
    ALIAS,
    AssessmentDocument,
    EmployeeDocument,
    JpLedgerDocument,
    NeedDocument,
    PerformanceDocument,
    UnitRequestDocument,
)
from shared.audit.subjects import DataKind, OnErasure
from shared.domain.errors import Conflict
from shared.events import (
    DATA_SUBJECT_REQUEST_HANDLED,
    DATA_SUBJECT_REQUESTED,
    PRIVACY_SERVICES,
    DataSubjectRequested,
    DataSubjectRequestHandled,
    DataSubjectRequestKind,
    EventContext,
    Rectification,
)
from shared.http.access import Admin
from shared.messaging.consumer import EventConsumer
from shared.messaging.outbox import OutboxDocument, commit, new_event
from shared.persistence import document_meta, get_or_not_found
from shared.runtime import ServiceRuntime

YEAR = 365
CODES = {"unit_code": "unit_code", "supervisor_nip": "supervisor_nip"}


class PrivacyRequestDocument(OutboxDocument):
    """A data subject's request (UU 27/2022 Art. 14: requests are recorded). Written once; the services'
    answers are documents of their own, so four answers arriving together never contend for one record."""

    meta = document_meta(ALIAS, "privacy_requests", "nip", "outbox_pending")

    id = StringField(primary_key=True)
    nip = StringField(required=True)
    kind = StringField(required=True, choices=[k.value for k in DataSubjectRequestKind])
    rectification = DictField()
    note = StringField()
    requested_by = StringField(required=True)
    requested_at = DateTimeField(required=True)


class PrivacyAnswerDocument(Document):
    """What one service did for a request (``_id`` = ``<request>:<service>``)."""

    meta = document_meta(ALIAS, "privacy_answers", "request_id", "nip")

    id = StringField(primary_key=True)
    request_id = StringField(required=True)
    nip = StringField(required=True)
    service = StringField(required=True)
    outcomes = ListField(DictField())
    handled_at = DateTimeField(required=True)


class PrivacyExportDocument(Document):
    """One service's part of an access request's export (``_id`` = ``<request>:<service>``)."""

    meta = document_meta(ALIAS, "privacy_exports", "request_id", "nip")

    id = StringField(primary_key=True)
    request_id = StringField(required=True)
    nip = StringField(required=True)
    service = StringField(required=True)
    records = DictField()
    received_at = DateTimeField(required=True)


def data_kinds() -> list[DataKind]:
    return [
        DataKind(
            "employees",
            EmployeeDocument,
            ("_id",),
            OnErasure.DELETE,
            "A copy of SIASN master data (name, unit, position, supervisor), kept only to compute needs; "
            "SIASN stays the personnel record.",
            rectifies={**CODES, "position_code": "position_code", "employment_type": "employment_type"},
        ),
        DataKind(
            "employees_as_supervisor",
            EmployeeDocument,
            ("supervisor_nip",),
            OnErasure.PSEUDONYMISE,
            "Subordinates' records name the person as their supervisor; only that NIP is replaced.",
            exported=False,
            pseudonymise_all=False,
        ),
        DataKind(
            "assessments",
            AssessmentDocument,
            ("nip",),
            OnErasure.DELETE,
            "Assessed levels serve the needs analysis only; no duty to keep them.",
            retention_field="recorded_at",
            retention_days=5 * YEAR,
        ),
        DataKind(
            "performance",
            PerformanceDocument,
            ("nip",),
            OnErasure.DELETE,
            "A copy of SKP figures for the priority score; the SKP itself is kept by e-Kinerja.",
            retention_field="recorded_at",
            retention_days=3 * YEAR,
        ),
        DataKind(
            "needs",
            NeedDocument,
            ("nip",),
            OnErasure.PSEUDONYMISE,
            "Needs recaps per unit and competency (already reported) must stay reproducible; the need is kept "
            "without anything that points to the person.",
            rectifies={**CODES, "position_code": "position_code"},
            retention_field="updated_at",
            retention_days=5 * YEAR,
            on_retention=OnErasure.PSEUDONYMISE,
        ),
        DataKind(
            "needs_as_supervisor",
            NeedDocument,
            ("supervisor_nip",),
            OnErasure.PSEUDONYMISE,
            "Subordinates' needs name the person as their supervisor; only that NIP is replaced.",
            exported=False,
            pseudonymise_all=False,
        ),
        DataKind(
            "jp_ledgers",
            JpLedgerDocument,
            ("nip",),
            OnErasure.PSEUDONYMISE,
            "The official record of JP earned towards the yearly minimum, reported per unit: kept, no longer "
            "linked to the person.",
            rectifies={"unit_code": "unit_code"},
        ),
        DataKind(
            "unit_requests",
            UnitRequestDocument,
            ("nips", "created_by", "decided_by"),
            OnErasure.PSEUDONYMISE,
            "A unit's request and BKPSDM's decision are the unit's record; only the person's NIP is replaced.",
            pseudonymise_all=False,
            retention_field="updated_at",
            retention_days=5 * YEAR,
        ),
        DataKind(
            "privacy_requests",
            PrivacyRequestDocument,
            ("nip",),
            OnErasure.KEEP,
            "UU 27/2022 Art. 14: requests are recorded, the erasure request itself included.",
            retention_field="requested_at",
            retention_days=5 * YEAR,
        ),
        DataKind(
            "privacy_answers",
            PrivacyAnswerDocument,
            ("nip",),
            OnErasure.KEEP,
            "What each service did for a request: the proof that it was carried out (Art. 14).",
            retention_field="handled_at",
            retention_days=5 * YEAR,
        ),
        DataKind(
            "privacy_exports",
            PrivacyExportDocument,
            ("nip",),
            OnErasure.DELETE,
            "Copies of the person's data made for an access request: handed over, then not kept.",
            retention_field="received_at",
            retention_days=30,
        ),
    ]


class RequestIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    nip: str = Field(pattern=r"^\d{18}$")
    kind: DataSubjectRequestKind
    rectification: Rectification | None = None
    note: str | None = Field(default=None, max_length=500, description="The request letter, the legal basis")

    @model_validator(mode="after")
    def _rectification_when_needed(self) -> RequestIn:
        correcting = bool(self.rectification and self.rectification.changes())
        if (self.kind is DataSubjectRequestKind.RECTIFICATION) != correcting:
            raise ValueError("rectification (with at least one value) is given exactly for kind=rectification")
        return self


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


class PrivacyRequests:
    def __init__(self, runtime: ServiceRuntime) -> None:
        self._notify = runtime.relay.notify
        for service, contract in DATA_SUBJECT_REQUEST_HANDLED.items():
            runtime.subscribe(EventConsumer(contract, f"privacy-answers-{service}", self.on_handled))

    def record(self, body: RequestIn, requested_by: str, request_id: str) -> PrivacyRequestDocument:
        now = datetime.now(UTC)
        doc = PrivacyRequestDocument(
            id=request_id,
            nip=body.nip,
            kind=body.kind.value,
            rectification=body.rectification.changes() if body.rectification else {},
            note=body.note,
            requested_by=requested_by,
            requested_at=now,
        )
        event = DataSubjectRequested(
            request_id=request_id, nip=body.nip, kind=body.kind, rectification=body.rectification, requested_at=now
        )
        commit(doc, [new_event(DATA_SUBJECT_REQUESTED, event, subject=body.nip)])  # the request and its event
        self._notify()
        return doc

    def on_handled(self, answer: DataSubjectRequestHandled, _: EventContext) -> None:
        """Idempotent: the answer and the export part are saved under ids fixed by request and service."""
        if not PrivacyRequestDocument.objects(id=answer.request_id).count():
            return  # not ours (another deployment's request, or one dropped by retention)
        if answer.export is not None:
            PrivacyExportDocument(
                id=f"{answer.request_id}:{answer.service}",
                request_id=answer.request_id,
                nip=answer.nip,
                service=answer.service,
                records=answer.export,
                received_at=datetime.now(UTC),
            ).save()
        # Saved after the export part: an answer on record means its part is there too.
        PrivacyAnswerDocument(
            id=f"{answer.request_id}:{answer.service}",
            request_id=answer.request_id,
            nip=answer.nip,
            service=answer.service,
            outcomes=[o.model_dump(mode="json") for o in answer.outcomes],
            handled_at=answer.handled_at,
        ).save()

    @staticmethod
    def export(request_id: str) -> dict[str, Any]:
        doc = get_or_not_found(PrivacyRequestDocument, request_id, "Permintaan", "Request")
        if doc.kind != DataSubjectRequestKind.ACCESS:
            raise Conflict("not_an_access_request", "Permintaan ini bukan permintaan akses.", "Not an access request.")
        if PrivacyAnswerDocument.objects(request_id=request_id).count() < len(PRIVACY_SERVICES):
            raise Conflict(
                "request_pending",
                "Belum semua layanan menjawab permintaan ini; coba lagi nanti.",
                "Not every service has answered this request yet; try again later.",
            )
        parts = PrivacyExportDocument.objects(request_id=request_id)
        return {
            "request_id": doc.id,
            "nip": doc.nip,
            "requested_at": doc.requested_at.isoformat(),
            "generated_at": datetime.now(UTC).isoformat(),
            "services": {p.service: p.records for p in sorted(parts, key=lambda p: p.service)},
        }


def requests_router(requests: PrivacyRequests) -> APIRouter:
    router = APIRouter(prefix="/privacy/requests", tags=["personal data"])

    @router.post("", status_code=202, summary="Record a data subject's request; every service handles it")
    def create(body: RequestIn, who: Admin) -> dict[str, Any]:
        return request_view(requests.record(body, who.nip, str(uuid.uuid4())))

    @router.get("", summary="Requests, newest first")
    def list_requests(_: Admin, nip: Annotated[str | None, Query(pattern=r"^\d{18}$")] = None) -> list[dict[str, Any]]:
        found = PrivacyRequestDocument.objects(**({"nip": nip} if nip else {})).order_by("-requested_at").limit(200)
        return [request_view(d) for d in found]

    @router.get("/{request_id}", summary="A request and each service's answer")
    def show(request_id: str, _: Admin) -> dict[str, Any]:
        return request_view(get_or_not_found(PrivacyRequestDocument, request_id, "Permintaan", "Request"))

    @router.get("/{request_id}/export", summary="Everything the four services hold about the person (access)")
    def export(request_id: str, _: Admin) -> dict[str, Any]:
        return requests.export(request_id)

    return router


DOCUMENTS = (PrivacyRequestDocument, PrivacyAnswerDocument, PrivacyExportDocument)
