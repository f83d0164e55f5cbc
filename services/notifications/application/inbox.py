"""Each person's own inbox: messages are only ever marked read, by their recipient."""

from __future__ import annotations

from datetime import UTC, datetime

from services.notifications.documents import MessageDocument
from shared.domain.errors import NotFound


def mark_read(message_id: str, recipient_nip: str) -> MessageDocument:
    # Filtering on the recipient makes another person's message indistinguishable from a missing one.
    message = MessageDocument.objects(id=message_id, recipient_nip=recipient_nip).first()
    if message is None:
        raise NotFound("Pesan", "Message", message_id)
    if message.read_at is None:
        MessageDocument.objects(id=message_id, read_at=None).update_one(set__read_at=datetime.now(UTC))
        message.reload()
    return message
