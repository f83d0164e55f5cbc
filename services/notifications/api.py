"""HTTP API of the notifications service: each person's own inbox."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Request
from pydantic import BaseModel

from services.notifications.documents import MessageDocument
from shared.http.auth import CurrentPrincipal
from shared.http.errors import NotFound, wants_english
from shared.http.pagination import Page, Pagination, page_of


class MessageOut(BaseModel):
    message_id: str
    event_type: str
    event_id: str
    title: str
    body: str
    language: str
    created_at: datetime
    read_at: datetime | None


class UnreadCount(BaseModel):
    unread: int


def _message(m: MessageDocument, english: bool) -> MessageOut:
    return MessageOut(
        message_id=m.id,
        event_type=m.event_type,
        event_id=m.event_id,
        title=m.title_en if english else m.title_id,
        body=m.body_en if english else m.body_id,
        language="en" if english else "id",
        created_at=m.created_at,
        read_at=m.read_at,
    )


def build_router() -> APIRouter:
    router = APIRouter(prefix="/inbox", tags=["inbox"])

    @router.get("", summary="The caller's own messages, newest first")
    def list_messages(
        request: Request, who: CurrentPrincipal, page: Pagination, unread: bool = False
    ) -> Page[MessageOut]:
        qs = MessageDocument.objects(recipient_nip=who.nip)
        if unread:
            qs = qs(read_at=None)
        english = wants_english(request)
        return page_of(qs.order_by("-created_at", "id"), page, lambda m: _message(m, english))

    @router.get("/unread-count")
    def unread_count(who: CurrentPrincipal) -> UnreadCount:
        return UnreadCount(unread=MessageDocument.objects(recipient_nip=who.nip, read_at=None).count())

    @router.post("/{message_id}/read", summary="Mark one of the caller's messages as read")
    def mark_read(message_id: str, request: Request, who: CurrentPrincipal) -> MessageOut:
        # Filtering on the recipient makes another person's message indistinguishable from a missing one.
        message = MessageDocument.objects(id=message_id, recipient_nip=who.nip).first()
        if message is None:
            raise NotFound("Pesan", "Message", message_id)
        if message.read_at is None:
            MessageDocument.objects(id=message_id, read_at=None).update_one(set__read_at=datetime.now(UTC))
            message.reload()
        return _message(message, wants_english(request))

    return router
