"""Sending what the consumers recorded: e-mail over SMTP, signed webhook calls and xAPI statements to the
LRS, with retries.

The dispatcher claims due deliveries per channel and sends each in its own task, so a receiver that
hangs or fails holds one slot of its own channel until its timeout, never the consumer, another channel
or the next round. A claim is a conditional update of ``next_attempt_at`` (a lease): two dispatchers
never send the same delivery at once, and a crashed one's claim expires and is tried again.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import smtplib
import time
from collections.abc import Awaitable, Callable, Mapping
from concurrent.futures import Executor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate

import httpx
from prometheus_client import CollectorRegistry, Counter

from services.notifications import domain
from services.notifications.application.records import lease_due
from services.notifications.destinations import DestinationPolicy, UnsafeDestination
from services.notifications.documents import DeliveryAttempt, DeliveryDocument, WebhookSubscriptionDocument
from services.notifications.domain import DeliveryStatus
from services.notifications.settings import NotificationsSettings
from shared.interop.lrs import LrsClient, Outcome
from shared.interop.xapi import Statement

log = logging.getLogger(__name__)

DELIVERY_ID_HEADER = "X-Bkpsdm-Delivery-Id"
TIMESTAMP_HEADER = "X-Bkpsdm-Timestamp"
SIGNATURE_HEADER = "X-Bkpsdm-Signature"


class DeliveryFailed(Exception):
    """``permanent``: sending the same thing again cannot succeed (the LRS refused the statement or our
    credentials), so the delivery is dead at once, to be replayed once someone has fixed the cause."""

    def __init__(self, error: str, status_code: int | None = None, *, permanent: bool = False) -> None:
        super().__init__(error)
        self.status_code = status_code
        self.permanent = permanent


Sender = Callable[[DeliveryDocument], Awaitable[None]]


def email_sender(settings: NotificationsSettings, pool: Executor) -> Sender:
    """Sends over SMTP in ``pool``, the e-mail channel's own threads: a mail server that hangs holds
    those (as many as may be in flight), never the threads the event handlers run on."""

    def send_now(d: DeliveryDocument) -> None:
        message = EmailMessage()
        message["From"] = settings.smtp_from
        message["To"] = d.address
        message["Subject"] = d.subject
        message["Date"] = formatdate(localtime=False)
        # The delivery id: a resend after a crash mid-send carries the same Message-ID.
        message["Message-ID"] = f"<{d.id}@bkpsdm-medan>"
        message.set_content(d.body)
        message["Content-Language"] = d.language or "id"  # after set_content, which clears Content-* headers
        try:
            with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=settings.smtp_timeout_s) as smtp:
                if settings.smtp_starttls:
                    smtp.starttls()
                if settings.smtp_username:
                    smtp.login(settings.smtp_username, settings.smtp_password.get_secret_value())
                smtp.send_message(message)
        except smtplib.SMTPResponseException as exc:
            raise DeliveryFailed(f"SMTP {exc.smtp_code}: {exc.smtp_error!r}", exc.smtp_code) from exc
        except (OSError, smtplib.SMTPException) as exc:
            raise DeliveryFailed(f"{type(exc).__name__}: {exc}") from exc

    async def send(d: DeliveryDocument) -> None:
        await asyncio.get_running_loop().run_in_executor(pool, send_now, d)

    return send


def webhook_sender(client: httpx.AsyncClient, pool: Executor, destinations: DestinationPolicy) -> Sender:
    """Calls are async; the blocking steps (reading the subscription, resolving its host) run in the
    channel's ``pool``."""

    def subscription(d: DeliveryDocument) -> WebhookSubscriptionDocument | None:
        return WebhookSubscriptionDocument.objects(id=d.subscription_id).first()

    async def send(d: DeliveryDocument) -> None:
        loop = asyncio.get_running_loop()
        sub = await loop.run_in_executor(pool, subscription, d)
        if sub is None or not sub.active:
            raise DeliveryFailed("the subscription was removed")
        try:
            # Checked at registration too, but the name may resolve elsewhere by now.
            await loop.run_in_executor(pool, destinations.check, d.url)
        except UnsafeDestination as exc:
            raise DeliveryFailed(f"not called: {exc.message_en}") from exc
        body = d.body.encode()
        timestamp = str(int(time.time()))
        headers = {
            **d.headers,
            "content-type": "application/json",
            DELIVERY_ID_HEADER: d.id,
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: domain.sign(sub.secret, timestamp, body),
        }
        try:
            response = await client.post(d.url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            raise DeliveryFailed(f"{type(exc).__name__}: {exc}") from exc
        if not response.is_success:
            raise DeliveryFailed(f"HTTP {response.status_code}", response.status_code)

    return send


def xapi_sender(client: LrsClient) -> Sender:
    """PUT at the statement's own id: a resend (after a timeout whose request did arrive) is the same
    statement, which the LRS keeps once (409 from Ralph counts as delivered, see ``shared.interop.lrs``)."""

    async def send(d: DeliveryDocument) -> None:
        result = await client.put(Statement(d.subject, json.loads(d.body)))
        if result.delivered:
            return
        error = f"LRS {result.status_code or 'unreachable'}: {result.detail}".strip()
        raise DeliveryFailed(error, result.status_code, permanent=result.outcome is Outcome.PERMANENT)

    return send


def claim_due(channel: str, limit: int, lease: timedelta) -> list[DeliveryDocument]:
    return lease_due(DeliveryDocument, {"status": DeliveryStatus.PENDING, "channel": channel}, limit, lease)


def record_attempt(
    d: DeliveryDocument, policy: domain.RetryPolicy, started: datetime, duration_ms: int, failure: DeliveryFailed | None
) -> str:
    """Log the attempt and decide what follows; returns the outcome (delivered, failed, dead, or
    lease_lost). Only the holder of the current lease decides: an attempt that outlived its lease was
    claimed again meanwhile, so it adds its log entry and count, and leaves the decision to the newer
    attempt (or marks the delivery delivered when it got through)."""
    now = datetime.now(UTC)
    entry = DeliveryAttempt(
        at=started,
        accepted=failure is None,
        status_code=failure.status_code if failure else None,
        error=str(failure)[:500] if failure else None,
        duration_ms=duration_ms,
    )
    # The count as of our claim; while we hold the lease nobody else has added to it.
    attempts = d.attempts + 1
    changes: dict[str, object] = {"push__log": entry, "inc__attempts": 1}
    if failure is None:
        outcome, changes = "delivered", changes | {"set__status": DeliveryStatus.DELIVERED, "set__delivered_at": now}
    elif failure.permanent or (delay := policy.delay_after(attempts)) is None:
        outcome, changes = "dead", changes | {"set__status": DeliveryStatus.DEAD, "set__dead_at": now}
    else:
        outcome, changes = "failed", changes | {"set__next_attempt_at": now + delay}
    if DeliveryDocument.objects(id=d.id, status=DeliveryStatus.PENDING, next_attempt_at=d.next_attempt_at).update_one(
        **changes
    ):
        return outcome
    late: dict[str, object] = {"push__log": entry, "inc__attempts": 1}
    if failure is None:
        # Got through after all: the newer attempt's own record then finds it delivered and only logs.
        late |= {"set__status": DeliveryStatus.DELIVERED, "set__delivered_at": now}
    DeliveryDocument.objects(id=d.id).update_one(**late)
    return "lease_lost"


class DispatchMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.attempts = Counter(
            "notification_delivery_attempts_total",
            "Attempts to send an e-mail, call a webhook or store an xAPI statement in the LRS (channel xapi), by "
            "outcome: delivered, failed (retried later), dead, lease_lost (outlived its lease and was claimed again)",
            ["channel", "outcome"],
            registry=registry,
        )


@dataclass
class Dispatcher:
    policy: domain.RetryPolicy
    interval_s: float
    batch_size: int
    concurrency: int
    lease: timedelta
    metrics: DispatchMetrics

    def __post_init__(self) -> None:
        self._wake = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._senders: Mapping[str, Sender] = {}
        self._in_flight: dict[str, set[asyncio.Task[None]]] = {}

    def notify(self) -> None:
        """Look for due deliveries now instead of at the next poll; safe to call from worker threads."""
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._wake.set)

    async def run(self, senders: Mapping[str, Sender]) -> None:
        self._senders = senders
        self._in_flight = {channel: set() for channel in senders}
        self._loop = asyncio.get_running_loop()
        try:
            while True:
                try:
                    await self.round()
                except Exception:
                    log.exception("dispatch round failed; next round in %s s", self.interval_s)
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=self.interval_s)
        finally:
            # What is cut off here was claimed; its lease expires and it is sent again.
            for tasks in self._in_flight.values():
                for task in tasks:
                    task.cancel()

    async def round(self) -> None:
        for channel, tasks in self._in_flight.items():
            free = min(self.batch_size, self.concurrency - len(tasks))
            if free <= 0:
                continue
            for d in await asyncio.to_thread(claim_due, channel, free, self.lease):
                task = asyncio.create_task(self._attempt(channel, d))
                tasks.add(task)
                task.add_done_callback(tasks.discard)

    async def _attempt(self, channel: str, d: DeliveryDocument) -> None:
        started, clock = datetime.now(UTC), time.perf_counter()
        failure: DeliveryFailed | None = None
        try:
            await self._senders[channel](d)
        except DeliveryFailed as exc:
            failure = exc
        except Exception as exc:
            log.exception("sending delivery %s failed unexpectedly", d.id)
            failure = DeliveryFailed(f"{type(exc).__name__}: {exc}")
        duration_ms = int((time.perf_counter() - clock) * 1000)
        try:
            outcome = await asyncio.to_thread(record_attempt, d, self.policy, started, duration_ms, failure)
        except Exception:
            log.exception("could not record the attempt at %s; it is tried again when its lease expires", d.id)
            return
        if outcome == "lease_lost":
            log.warning("the attempt at %s outlived its lease; the delivery was claimed again meanwhile", d.id)
        self.metrics.attempts.labels(channel, outcome).inc()
        # Another delivery may be waiting for this slot.
        self.notify()
