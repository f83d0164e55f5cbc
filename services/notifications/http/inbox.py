"""The caller's own inbox, in the language the request asks for or the one they chose."""

from __future__ import annotations

from fastapi import APIRouter, Request
from mongoengine import Q

from services.notifications import domain
from services.notifications.application import inbox
from services.notifications.application.directory import People
from services.notifications.documents import MessageDocument
from services.notifications.http.schemas import MessageOut, UnreadCount, message_out
from shared.http.auth import CurrentPrincipal
from shared.http.pagination import Page, Pagination, read_page


def build_router(people: People) -> APIRouter:
    router = APIRouter(prefix="/inbox", tags=["inbox"])

    def _asked(request: Request) -> str | None:
        asked = request.headers.get("accept-language", "").strip().lower()[:2]
        return asked if asked in domain.LANGUAGES else None

    def _language(request: Request, nip: str) -> str:
        """The language the request asks for, else the one the person chose in the directory (cached)."""
        return _asked(request) or people.preferences(nip).language

    @router.get("", summary="The caller's own messages, newest first")
    async def list_messages(
        request: Request, who: CurrentPrincipal, page: Pagination, unread: bool = False
    ) -> Page[MessageOut]:
        # Async (no worker thread): the console shows the inbox's messages on every page.
        mine = Q(recipient_nip=who.nip, read_at=None) if unread else Q(recipient_nip=who.nip)
        language = _asked(request) or (await people.read_preferences(who.nip)).language
        return await read_page(MessageDocument, mine, ("-created_at", "id"), page, lambda m: message_out(m, language))

    @router.get("/unread-count")
    def unread_count(who: CurrentPrincipal) -> UnreadCount:
        return UnreadCount(unread=MessageDocument.objects(recipient_nip=who.nip, read_at=None).count())

    @router.post("/{message_id}/read", summary="Mark one of the caller's messages as read")
    def mark_read(message_id: str, request: Request, who: CurrentPrincipal) -> MessageOut:
        return message_out(inbox.mark_read(message_id, who.nip), _language(request, who.nip))

    return router
