"""HTTP API of the notifications service: each person's own inbox and preferences; for BKPSDM the
directory, webhook subscriptions, the delivery log with replay, and the digest on demand."""

from __future__ import annotations

import asyncio
import secrets
import uuid
from datetime import UTC, date, datetime
from typing import Annotated, Literal
from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from services.notifications import directory, domain
from services.notifications.application import NotificationService, language_of
from services.notifications.destinations import DestinationPolicy, UnsafeDestination
from services.notifications.documents import (
    DeliveryDocument,
    MessageDocument,
    PersonDocument,
    WebhookSubscriptionDocument,
)
from shared.clock import today_in_medan
from shared.events import ALL_CONTRACTS
from shared.http.access import Admin
from shared.http.auth import CurrentPrincipal
from shared.http.errors import ApiError, Conflict, NotFound, error_body
from shared.http.pagination import Page, Pagination, page_of
from shared.persistence import get_or_404

EVENT_TYPES = tuple(c.type for c in ALL_CONTRACTS)
MAX_IMPORT_BYTES = 20_000_000


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


def _language(request: Request, nip: str) -> str:
    """The language the request asks for, else the one the person chose in the directory."""
    asked = request.headers.get("accept-language", "").strip().lower()[:2]
    return asked if asked in domain.LANGUAGES else language_of(nip)


def _message(m: MessageDocument, language: str) -> MessageOut:
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


def inbox_router() -> APIRouter:
    router = APIRouter(prefix="/inbox", tags=["inbox"])

    @router.get("", summary="The caller's own messages, newest first")
    def list_messages(
        request: Request, who: CurrentPrincipal, page: Pagination, unread: bool = False
    ) -> Page[MessageOut]:
        qs = MessageDocument.objects(recipient_nip=who.nip)
        if unread:
            qs = qs(read_at=None)
        language = _language(request, who.nip)
        return page_of(qs.order_by("-created_at", "id"), page, lambda m: _message(m, language))

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
        return _message(message, _language(request, who.nip))

    return router


class PersonFields(BaseModel):
    name: str | None = None
    email: str | None = None
    language: str = "id"
    channels: list[str] = Field(default_factory=lambda: [domain.INBOX])
    digest: bool = False
    unit_code: str | None = None
    head_of_units: list[str] = Field(default_factory=list, description="Units this person heads")
    bkpsdm_admin: bool = False


class PersonIn(PersonFields):
    """The same fields, bounded, and nothing else."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, max_length=200)
    email: str | None = Field(default=None, max_length=320)
    language: str = Field(default="id", max_length=10)
    channels: list[Annotated[str, Field(max_length=20)]] = Field(default_factory=lambda: [domain.INBOX], max_length=10)
    unit_code: str | None = Field(default=None, max_length=40)
    head_of_units: list[Annotated[str, Field(max_length=40)]] = Field(
        default_factory=list, max_length=100, description="Units this person heads"
    )


class PreferencesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    language: str | None = Field(default=None, max_length=10)
    channels: list[Annotated[str, Field(max_length=20)]] | None = Field(default=None, max_length=10)
    digest: bool | None = None


class PersonOut(PersonFields):
    nip: str
    updated_at: datetime


def _person(p: PersonDocument) -> PersonOut:
    return PersonOut(
        nip=p.id,
        name=p.name,
        email=p.email,
        language=p.language,
        channels=list(p.channels),
        digest=bool(p.digest),
        unit_code=p.unit_code,
        head_of_units=list(p.head_of_units),
        bkpsdm_admin=bool(p.bkpsdm_admin),
        updated_at=p.updated_at,
    )


def _save(record: domain.PersonRecord) -> PersonOut:
    problems = domain.check_person(record)
    if problems:
        raise ApiError(
            422,
            "invalid_person",
            " ".join(p.message_id for p in problems),
            " ".join(p.message_en for p in problems),
        )
    return _person(directory.save_person(record))


class ImportOut(BaseModel):
    rows: int
    created: int
    updated: int
    unchanged: int


def directory_router() -> APIRouter:
    router = APIRouter(prefix="/directory", tags=["directory"])

    @router.get("/me", summary="The caller's own entry (defaults when not in the directory yet)")
    def get_me(who: CurrentPrincipal) -> PersonOut:
        person = PersonDocument.objects(id=who.nip).first()
        if person is None:
            return PersonOut(nip=who.nip, unit_code=who.unit_code, updated_at=datetime.now(UTC))
        return _person(person)

    @router.patch("/me", summary="The caller chooses their language, channels and digest")
    def patch_me(body: PreferencesIn, who: CurrentPrincipal) -> PersonOut:
        current = get_me(who)
        chosen = body.model_dump(exclude_none=True)
        return _save(_record(who.nip, current.model_copy(update=chosen)))

    @router.put("/{nip}", summary="Create or replace a person's entry")
    def put_person(nip: str, body: PersonIn, _: Admin) -> PersonOut:
        return _save(_record(nip, body))

    @router.get("/{nip}")
    def get_person(nip: str, _: Admin) -> PersonOut:
        return _person(get_or_404(PersonDocument, nip, "Orang", "Person"))

    @router.get("", summary="People in the directory, filtered by unit or role")
    def list_people(
        _: Admin,
        page: Pagination,
        unit_code: str | None = None,
        head_of: str | None = None,
        bkpsdm_admin: bool | None = None,
    ) -> Page[PersonOut]:
        filters: dict[str, object] = {"unit_code": unit_code, "head_of_units": head_of, "bkpsdm_admin": bkpsdm_admin}
        qs = PersonDocument.objects(**{k: v for k, v in filters.items() if v is not None})
        return page_of(qs.order_by("id"), page, _person)

    @router.post(
        "/import",
        summary="Import people from CSV: nip, nama, email, bahasa, kanal, ringkasan_harian, kode_unit, "
        "kepala_unit, admin_bkpsdm. All rows or none.",
        responses={422: {"description": "The file was rejected; each problem names its line and column"}},
        max_body_size=MAX_IMPORT_BYTES,
    )
    async def import_people(request: Request, _: Admin) -> ImportOut:
        content = await request.body()  # at most MAX_IMPORT_BYTES: the route's body limit answers 413 beyond
        try:
            report = await asyncio.to_thread(directory.import_people, content)
        except directory.InvalidFile as exc:
            raise ApiError(422, "invalid_file", exc.message_id, exc.message_en) from exc
        if report.problems:
            problems = [
                {"line": p.line, "column": p.column, "messages": {"id": p.message_id, "en": p.message_en}}
                for p in report.problems
            ]
            body = error_body(
                request,
                "invalid_rows",
                f"{len(problems)} masalah dalam berkas; tidak ada yang disimpan.",
                f"{len(problems)} problems in the file; nothing was saved.",
                problems=problems,
            )
            return JSONResponse(body, status_code=422)  # type: ignore[return-value]
        return ImportOut(rows=report.rows, created=report.created, updated=report.updated, unchanged=report.unchanged)

    return router


def _record(nip: str, body: PersonFields) -> domain.PersonRecord:
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


class WebhookIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(max_length=2000, description="Where to POST each event (https in production)")
    event_types: list[Annotated[str, Field(max_length=200)]] = Field(
        min_length=1, max_length=50, description="CloudEvents types, e.g. id.go.pemkomedan.bkpsdm..."
    )
    description: str | None = Field(default=None, max_length=500)
    secret: str | None = Field(
        default=None, min_length=32, max_length=200, description="Shared HMAC secret; generated if absent"
    )


class WebhookOut(BaseModel):
    subscription_id: str
    url: str
    event_types: list[str]
    description: str | None
    active: bool
    created_at: datetime


class WebhookCreated(WebhookOut):
    secret: str = Field(description="Shown once: the receiver checks X-Bkpsdm-Signature with it")


def _webhook(s: WebhookSubscriptionDocument) -> WebhookOut:
    return WebhookOut(
        subscription_id=s.id,
        url=s.url,
        event_types=list(s.event_types),
        description=s.description,
        active=s.active,
        created_at=s.created_at,
    )


class AttemptOut(BaseModel):
    at: datetime
    accepted: bool
    status_code: int | None = None
    error: str | None = None
    duration_ms: int


class DeliveryOut(BaseModel):
    delivery_id: str
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


def _delivery(d: DeliveryDocument) -> DeliveryOut:
    return DeliveryOut(
        delivery_id=d.id,
        channel=d.channel,
        event_id=d.event_id,
        event_type=d.event_type,
        recipient_nip=d.recipient_nip,
        address=d.address,
        subscription_id=d.subscription_id,
        url=d.url,
        status=d.status,
        attempts=d.attempts,
        next_attempt_at=d.next_attempt_at if d.status == "pending" else None,
        delivered_at=d.delivered_at,
        dead_at=d.dead_at,
        replays=d.replays,
        log=[AttemptOut(**a.to_mongo().to_dict()) for a in d.log],
    )


class DigestRunOut(BaseModel):
    day: date
    digests: int
    items: int


def delivery_router(service: NotificationService, require_https: bool, destinations: DestinationPolicy) -> APIRouter:
    router = APIRouter(tags=["webhooks and deliveries"])

    @router.post("/webhooks", status_code=201, summary="Subscribe another system to event types")
    def create_webhook(body: WebhookIn, who: Admin) -> WebhookCreated:
        url = urlsplit(body.url)
        schemes = ("https",) if require_https else ("http", "https")
        if url.scheme not in schemes or not url.hostname:
            raise ApiError(
                422,
                "invalid_url",
                f"URL webhook harus memakai {' atau '.join(schemes)}.",
                f"A webhook URL must use {' or '.join(schemes)}.",
            )
        try:
            destinations.check(body.url)
        except UnsafeDestination as exc:
            raise ApiError(422, "unsafe_url", exc.message_id, exc.message_en) from None
        unknown = sorted(set(body.event_types) - set(EVENT_TYPES))
        if unknown:
            raise ApiError(
                422,
                "unknown_event_type",
                f"Jenis event tidak dikenal: {', '.join(unknown)}. Yang dikenal: {', '.join(EVENT_TYPES)}.",
                f"Unknown event types: {', '.join(unknown)}. Known: {', '.join(EVENT_TYPES)}.",
            )
        sub = WebhookSubscriptionDocument(
            id=str(uuid.uuid4()),
            url=body.url,
            secret=body.secret or secrets.token_urlsafe(32),
            event_types=sorted(set(body.event_types)),
            description=body.description,
            created_by=who.nip,
            created_at=datetime.now(UTC),
        )
        sub.save(force_insert=True)
        return WebhookCreated(**_webhook(sub).model_dump(), secret=sub.secret)

    @router.get("/webhooks")
    def list_webhooks(_: Admin, page: Pagination) -> Page[WebhookOut]:
        return page_of(WebhookSubscriptionDocument.objects.order_by("created_at"), page, _webhook)

    @router.delete("/webhooks/{subscription_id}", summary="End a subscription; its pending deliveries are dropped")
    def delete_webhook(subscription_id: str, _: Admin) -> WebhookOut:
        sub = get_or_404(WebhookSubscriptionDocument, subscription_id, "Langganan webhook", "Webhook subscription")
        WebhookSubscriptionDocument.objects(id=sub.id).update_one(set__active=False)
        DeliveryDocument.objects(subscription_id=sub.id, status="pending").update(
            set__status="dead", set__dead_at=datetime.now(UTC)
        )
        sub.reload()
        return _webhook(sub)

    @router.get("/deliveries", summary="The delivery log of e-mails and webhook calls")
    def list_deliveries(
        _: Admin,
        page: Pagination,
        channel: Literal["email", "webhook"] | None = None,
        status: Literal["pending", "delivered", "dead"] | None = None,
        subscription_id: str | None = None,
        event_id: str | None = None,
        recipient_nip: str | None = None,
    ) -> Page[DeliveryOut]:
        filters = {
            "channel": channel,
            "status": status,
            "subscription_id": subscription_id,
            "event_id": event_id,
            "recipient_nip": recipient_nip,
        }
        qs = DeliveryDocument.objects(**{k: v for k, v in filters.items() if v is not None})
        return page_of(qs.order_by("-created_at", "id"), page, _delivery)

    @router.get("/deliveries/{delivery_id}", summary="One delivery with every attempt")
    def get_delivery(delivery_id: str, _: Admin) -> DeliveryOut:
        return _delivery(get_or_404(DeliveryDocument, delivery_id, "Pengiriman", "Delivery"))

    @router.post("/deliveries/{delivery_id}/replay", summary="Try a dead delivery again, with a fresh retry budget")
    def replay(delivery_id: str, _: Admin) -> DeliveryOut:
        d = get_or_404(DeliveryDocument, delivery_id, "Pengiriman", "Delivery")
        if d.channel == domain.WEBHOOK and not WebhookSubscriptionDocument.objects(id=d.subscription_id, active=True):
            raise Conflict(
                "subscription_inactive",
                "Langganan webhook ini sudah diakhiri.",
                "This webhook subscription was ended.",
            )
        # Conditional on the dead state, so two replays at once revive it once.
        revived = DeliveryDocument.objects(id=d.id, status="dead").update_one(
            set__status="pending", set__attempts=0, set__next_attempt_at=datetime.now(UTC), inc__replays=1
        )
        if not revived:
            raise Conflict(
                "not_dead",
                f"Hanya pengiriman berstatus dead yang dapat diulang; status saat ini: {d.status}.",
                f"Only a dead delivery can be replayed; its status is {d.status}.",
            )
        service.wake_dispatcher()
        d.reload()
        return _delivery(d)

    @router.post("/digests/run", tags=["digest"], summary="Gather the daily digests now (the job runs daily)")
    def run_digests(_: Admin, day: date | None = None) -> DigestRunOut:
        done = service.run_digests(day or today_in_medan())
        return DigestRunOut(day=done.day, digests=done.digests, items=done.items)

    return router
