"""Use cases of the notifications service: turn events into messages for the people concerned."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from datetime import UTC, datetime
from typing import TypeVar

from mongoengine.errors import NotUniqueError

from services.notifications import templates
from services.notifications.documents import MessageDocument
from shared.events import EventContext, EventPayload

INBOX = "inbox"

P = TypeVar("P", bound=EventPayload)


def deliver(render: Callable[[P], list[templates.Notice]]) -> Callable[[P, EventContext], None]:
    """A consumer handler that stores one inbox message per recipient of the event."""

    def handle(event: P, ctx: EventContext) -> None:
        for notice in render(event):
            message = MessageDocument(
                id=templates.message_id(ctx.id, notice.recipient_nip, INBOX),
                recipient_nip=notice.recipient_nip,
                channel=INBOX,
                role=notice.role,
                event_id=ctx.id,
                event_type=ctx.type,
                subject=ctx.subject,
                title_id=notice.id.title,
                body_id=notice.id.body,
                title_en=notice.en.title,
                body_en=notice.en.body,
                created_at=datetime.now(UTC),
            )
            # Delivered before if the id exists: it is derived from (event, recipient, channel).
            with suppress(NotUniqueError):
                message.save(force_insert=True)

    return handle
