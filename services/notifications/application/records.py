"""What a notice leaves behind: inbox messages and e-mail deliveries, each inserted once under the key
``domain.message_id(event, recipient, channel)``, so a redelivered event records nothing twice."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from mongoengine import Document
from mongoengine.errors import NotUniqueError

from services.notifications import domain
from services.notifications.documents import DeliveryDocument, MessageDocument, PersonDocument
from services.notifications.domain import DeliveryStatus


def insert_once(doc: Document) -> bool:
    """Insert keyed on (event, recipient, channel); False when it was recorded before (a redelivery)."""
    try:
        doc.save(force_insert=True)
    except NotUniqueError:
        return False
    return True


D = TypeVar("D", bound=Document)


def lease_due(doc_type: type[D], filters: dict[str, Any], limit: int, lease: timedelta) -> list[D]:
    """Claim up to ``limit`` documents matching ``filters`` whose ``next_attempt_at`` is due, by pushing it
    ``lease`` ahead. Conditional on the due time read: whoever moves it first holds the lease, so two
    senders never send one thing at once, and a crashed sender's claim simply expires."""
    now = datetime.now(UTC)
    claimed = []
    for d in doc_type.objects(**filters, next_attempt_at__lte=now).order_by("next_attempt_at").limit(limit):
        # Milliseconds, as the database stores them, so the holder can match the lease it holds.
        until = now + lease
        until = until.replace(microsecond=until.microsecond // 1000 * 1000)
        if doc_type.objects(id=d.id, next_attempt_at=d.next_attempt_at, **filters).update_one(
            set__next_attempt_at=until
        ):
            d.next_attempt_at = until
            claimed.append(d)
    return claimed


def preferences(person: PersonDocument | None) -> domain.Preferences:
    if person is None:
        return domain.UNKNOWN_PERSON
    return domain.Preferences(
        language=person.language,
        channels=frozenset(person.channels) | {domain.INBOX},  # always on, also for entries older than that rule
        email=person.email or None,
        digest=bool(person.digest),
    )


def texts(id_: domain.Text, en: domain.Text) -> dict[str, str]:
    return {"title_id": id_.title, "body_id": id_.body, "title_en": en.title, "body_en": en.body}


def inbox_message(
    key: str, event_type: str, subject: str, nip: str, role: str, texts: dict[str, str], now: datetime
) -> MessageDocument:
    return MessageDocument(
        id=domain.message_id(key, nip, domain.INBOX),
        recipient_nip=nip,
        channel=domain.INBOX,
        role=role,
        event_id=key,
        event_type=event_type,
        subject=subject,
        created_at=now,
        **texts,
    )


def text_of(doc: Any, language: str) -> domain.Text:
    if language == "en":
        return domain.Text(doc.title_en, doc.body_en)
    return domain.Text(doc.title_id, doc.body_id)


def email_delivery(
    key: str, event_type: str, nip: str, address: str, language: str, text: domain.Text, now: datetime
) -> DeliveryDocument:
    return DeliveryDocument(
        id=domain.message_id(key, nip, domain.EMAIL),
        channel=domain.EMAIL,
        event_id=key,
        event_type=event_type,
        recipient_nip=nip,
        address=address,
        language=language,
        subject=text.title,
        body=text.body,
        status=DeliveryStatus.PENDING,
        next_attempt_at=now,
        created_at=now,
    )
