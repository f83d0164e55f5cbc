"""Request and response models of the notifications API; responses read from their documents (DocumentView)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, Field, field_validator

from services.notifications import domain
from services.notifications.documents import DeliveryDocument, MessageDocument
from services.notifications.domain import DeliveryStatus
from shared.http.schemas import DocumentView, RequestModel
from shared.persistence import Stored


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


class PersonFields(BaseModel):
    name: str | None = None
    email: str | None = None
    language: str = "id"
    channels: list[str] = Field(default_factory=lambda: [domain.INBOX])
    digest: bool = False
    unit_code: str | None = None
    head_of_units: list[str] = Field(default_factory=list, description="Units this person heads")
    bkpsdm_admin: bool = False


class PersonIn(PersonFields, RequestModel):
    """The same fields, bounded, and nothing else."""

    name: str | None = Field(default=None, max_length=200)
    email: str | None = Field(default=None, max_length=320)
    language: str = Field(default="id", max_length=10)
    channels: list[Annotated[str, Field(max_length=20)]] = Field(default_factory=lambda: [domain.INBOX], max_length=10)
    unit_code: str | None = Field(default=None, max_length=40)
    head_of_units: list[Annotated[str, Field(max_length=40)]] = Field(
        default_factory=list, max_length=100, description="Units this person heads"
    )


class PreferencesIn(RequestModel):
    language: str | None = Field(default=None, max_length=10)
    channels: list[Annotated[str, Field(max_length=20)]] | None = Field(default=None, max_length=10)
    digest: bool | None = None


class PersonOut(PersonFields, DocumentView):
    nip: str = Field(validation_alias="id")
    updated_at: datetime

    @field_validator("digest", "bkpsdm_admin", mode="before")
    @classmethod
    def _unset_is_no(cls, value: object) -> bool:
        return bool(value)


class ImportOut(BaseModel):
    rows: int
    created: int
    updated: int
    unchanged: int


class WebhookIn(RequestModel):
    url: str = Field(max_length=2000, description="Where to POST each event (https in production)")
    event_types: list[Annotated[str, Field(max_length=200)]] = Field(
        min_length=1, max_length=50, description="CloudEvents types, e.g. id.go.pemkomedan.bkpsdm..."
    )
    description: str | None = Field(default=None, max_length=500)
    secret: str | None = Field(
        default=None, min_length=32, max_length=200, description="Shared HMAC secret; generated if absent"
    )


class WebhookOut(DocumentView):
    subscription_id: str = Field(validation_alias="id")
    url: str
    event_types: list[str]
    description: str | None
    active: bool
    created_at: datetime


class WebhookCreated(WebhookOut):
    secret: str = Field(description="Shown once: the receiver checks X-Bkpsdm-Signature with it")


class AttemptOut(DocumentView):
    at: datetime
    accepted: bool
    status_code: int | None = None
    error: str | None = None
    duration_ms: int


class DeliveryOut(DocumentView):
    delivery_id: str = Field(validation_alias="id")
    channel: str
    event_id: str
    event_type: str
    recipient_nip: str | None
    address: str | None
    subscription_id: str | None
    url: str | None
    status: str
    attempts: int
    next_attempt_at: datetime | None
    delivered_at: datetime | None
    dead_at: datetime | None
    replays: int
    log: list[AttemptOut]


class DigestRunOut(BaseModel):
    day: date
    digests: int
    items: int


def message_out(m: MessageDocument | Stored, language: str) -> MessageOut:
    english = language == "en"
    return MessageOut(
        message_id=m.id,
        event_type=m.event_type,
        event_id=m.event_id,
        title=m.title_en if english else m.title_id,
        body=m.body_en if english else m.body_id,
        language=language,
        created_at=m.created_at,
        read_at=m.read_at,
    )


def delivery_out(d: DeliveryDocument) -> DeliveryOut:
    # When the next attempt is due means something only while the delivery waits for one.
    return DeliveryOut.of(d, next_attempt_at=d.next_attempt_at if d.status == DeliveryStatus.PENDING else None)


def person_record(nip: str, body: PersonFields) -> domain.PersonRecord:
    return domain.PersonRecord(
        nip=nip,
        name=body.name,
        email=body.email,
        language=body.language,
        channels=tuple(body.channels),
        digest=body.digest,
        unit_code=body.unit_code,
        head_of_units=tuple(body.head_of_units),
        bkpsdm_admin=body.bkpsdm_admin,
    )
