"""Data-subject requests, coordinated here: BKPSDM records one (announced with ``DataSubjectRequested``),
every service, this one included, answers with its own ``DataSubjectRequestHandled``; once all have
answered, an access request's export lists where each service keeps its part (each is downloaded from
that service, checked against its digest): the records never travel in events."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from services.needs.documents import PrivacyAnswerDocument, PrivacyRequestDocument
from shared.domain.errors import Conflict
from shared.events import (
    DATA_SUBJECT_REQUESTED,
    PRIVACY_SERVICES,
    DataSubjectRequested,
    DataSubjectRequestHandled,
    DataSubjectRequestKind,
    EventContext,
    Rectification,
)
from shared.messaging.outbox import Notify, commit, new_event
from shared.persistence import get_or_not_found


class PrivacyRequests:
    def __init__(self, *, notify: Notify) -> None:
        self._notify = notify

    def record(
        self,
        *,
        nip: str,
        kind: DataSubjectRequestKind,
        rectification: Rectification | None,
        note: str | None,
        requested_by: str,
    ) -> PrivacyRequestDocument:
        now = datetime.now(UTC)
        request_id = str(uuid.uuid4())
        doc = PrivacyRequestDocument(
            id=request_id,
            nip=nip,
            kind=kind.value,
            rectification=rectification.changes() if rectification else {},
            note=note,
            requested_by=requested_by,
            requested_at=now,
        )
        event = DataSubjectRequested(
            request_id=request_id, nip=nip, kind=kind, rectification=rectification, requested_at=now
        )
        commit(doc, [new_event(DATA_SUBJECT_REQUESTED, event, subject=nip)])  # the request and its event
        self._notify()
        return doc

    def on_handled(self, answer: DataSubjectRequestHandled, _: EventContext) -> None:
        """Idempotent: the answer is saved under an id fixed by request and service."""
        if not PrivacyRequestDocument.objects(id=answer.request_id).count():
            return  # not ours (another deployment's request, or one dropped by retention)
        PrivacyAnswerDocument(
            id=f"{answer.request_id}:{answer.service}",
            request_id=answer.request_id,
            nip=answer.nip,
            service=answer.service,
            outcomes=[o.model_dump(mode="json") for o in answer.outcomes],
            export=answer.export.model_dump(mode="json") if answer.export else {},
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
        answers = PrivacyAnswerDocument.objects(request_id=request_id)
        return {
            "request_id": doc.id,
            "nip": doc.nip,
            "requested_at": doc.requested_at.isoformat(),
            "generated_at": datetime.now(UTC).isoformat(),
            # GET each path on its service; the digest is SHA-256 of the download's `data` (shared/audit/exports.py).
            "services": {
                a.service: {k: a.export[k] for k in ("path", "records", "size_bytes", "digest")}
                for a in sorted(answers, key=lambda a: a.service)
                if a.export  # answers before version 2 carried their records instead
            },
        }
