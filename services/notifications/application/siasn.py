"""Training history for BKN's SIASN: every completion becomes an entry (riwayat kursus or riwayat diklat,
``shared.interop.siasn``), exported for upload by hand or sent by the sync job, each entry's outcome kept
(sent with SIASN's id, refused with SIASN's reason, retryable with the time of the next attempt).

Once per completion: the entry's id is the enrolment id, inserted with ``insert_once``, so a redelivered
ProgramCompleted adds nothing. Once in SIASN: the client reads the person's history before saving and
counts an entry with the same certificate number as already sent (``shared.interop.siasn_client``), so a
round cut off after SIASN stored an entry does not store it again when the lease expires.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from mongoengine.errors import NotUniqueError
from prometheus_client import CollectorRegistry, Counter

from services.notifications import domain
from services.notifications.application.records import insert_once, lease_due
from services.notifications.documents import SiasnAttempt, SiasnEntryDocument, SiasnTableDocument
from shared.domain.errors import Conflict, Invalid
from shared.events import EventContext, ProgramCompleted
from shared.interop.settings import SiasnSettings
from shared.interop.siasn import InvalidTable, JenisDiklatTable, SiasnItem, map_completion, select
from shared.interop.siasn_client import ClientCredentials, ItemOutcome, SiasnClient, SsoPassword, Status
from shared.persistence import get_or_not_found, objects_in

DUE = ("pending", "retryable")


@dataclass(frozen=True)
class SyncRound:
    sent: int
    refused: int
    retryable: int


class SiasnHistory:
    def __init__(
        self,
        settings: SiasnSettings,
        *,
        registry: CollectorRegistry,
        client: Callable[[], SiasnClient] | None = None,
    ) -> None:
        self.settings = settings
        self.outcomes = Counter(
            "siasn_entries_synced_total",
            "SIASN entries a sync round tried, by outcome: sent, refused (SIASN's reason on the entry), retryable",
            ["outcome"],
            registry=registry,
        )
        self.retry = domain.RetryPolicy(1, settings.siasn_retry_backoff_s, settings.siasn_retry_backoff_max_s)
        self.client = client or (lambda: siasn_client(settings))
        # Longer than a round can take: each item makes at most four calls (data utama, history, save, and
        # one repeat after a 401), each bounded by the timeout.
        self.lease = timedelta(seconds=settings.siasn_sync_batch_size * 4 * settings.siasn_timeout_s + 60)

    # -- recording ---------------------------------------------------------------------------------

    def on_completed(self, e: ProgramCompleted, ctx: EventContext) -> None:
        now = datetime.now(UTC)
        insert_once(
            SiasnEntryDocument(
                id=e.enrolment_id,
                event_id=ctx.id,
                nip=e.nip,
                unit_code=e.unit_code,
                completed_on=e.completed_on.isoformat(),
                certificate_number=e.certificate_number,
                completion=e.model_dump(mode="json"),
                status="pending",
                next_attempt_at=now,
                created_at=now,
            )
        )

    # -- the form-to-jenisDiklatId table -----------------------------------------------------------

    def current_table(self) -> tuple[JenisDiklatTable, SiasnTableDocument | None]:
        """BKPSDM's latest saved version, or (before the first edit) the one from settings."""
        latest = SiasnTableDocument.objects.order_by("-id").first()
        if latest is None:
            return self.settings.table(), None
        return JenisDiklatTable.parse(json.dumps(latest.table)), latest

    def replace_table(self, table: dict[str, Any], *, by: str, note: str | None) -> SiasnTableDocument:
        try:
            JenisDiklatTable.parse(json.dumps(table))
        except InvalidTable as exc:
            raise Invalid("invalid_siasn_table", f"Tabel jenis diklat ditolak: {exc}", f"Table refused: {exc}") from exc
        _, latest = self.current_table()
        version = SiasnTableDocument(
            id=(latest.id if latest else 0) + 1, table=table, changed_by=by, changed_at=datetime.now(UTC), note=note
        )
        try:
            version.save(force_insert=True)
        except NotUniqueError as exc:
            raise Conflict(
                "concurrent_table_edit",
                "Tabel diubah bersamaan oleh orang lain; muat ulang lalu simpan lagi.",
                "Someone else changed the table meanwhile; reload it and save again.",
            ) from exc
        return version

    # -- export ------------------------------------------------------------------------------------

    def items(
        self, *, completed_from: date | None, completed_until: date | None, unit_codes: list[str]
    ) -> list[SiasnItem]:
        """Every entry completed in the period (both ends inclusive) of the units (all when none), mapped
        with the current table. The units are asked one by one (``objects_in``) and the period is applied
        here: FerretDB answers equality from an index but scans for ranges and ``$in``."""
        qs = SiasnEntryDocument.objects
        entries = objects_in(qs, "unit_code", unit_codes) if unit_codes else list(qs)
        table, _ = self.current_table()
        items = [self._mapped(entry, table) for entry in entries]
        return select(items, completed_from=completed_from, completed_until=completed_until)

    def _mapped(self, entry: SiasnEntryDocument, table: JenisDiklatTable) -> SiasnItem:
        completion = ProgramCompleted.model_validate(entry.completion)
        return map_completion(completion, table=table, agency=self.settings.agency())

    # -- sending -----------------------------------------------------------------------------------

    def sync_round(self) -> SyncRound:
        """Send what is due (new and retryable entries), record each outcome. Blocking: the periodic job
        runs it in a worker thread, the route in FastAPI's."""
        entries: list[SiasnEntryDocument] = []
        for status in DUE:  # one equality each, which FerretDB answers from the index
            limit = self.settings.siasn_sync_batch_size - len(entries)
            entries += lease_due(SiasnEntryDocument, {"status": status}, limit, self.lease) if limit else []
        if not entries:
            return SyncRound(0, 0, 0)
        table, _ = self.current_table()
        items = [self._mapped(entry, table) for entry in entries]
        outcomes = asyncio.run(self._send(items))
        for entry, item, outcome in zip(entries, items, outcomes, strict=True):
            self._record(entry, item, outcome)
            self.outcomes.labels(outcome.status.value).inc()
        counts = {s: sum(o.status is s for o in outcomes) for s in Status}
        return SyncRound(counts[Status.SENT], counts[Status.REFUSED], counts[Status.RETRYABLE])

    async def _send(self, items: list[SiasnItem]) -> list[ItemOutcome]:
        async with self.client() as client:
            return await client.sync(items)

    def _record(self, entry: SiasnEntryDocument, item: SiasnItem, outcome: ItemOutcome) -> None:
        now = datetime.now(UTC)
        attempt = SiasnAttempt(
            at=now,
            status=outcome.status.value,
            siasn_id=outcome.siasn_id,
            reason=outcome.reason or None,
            reason_en=outcome.reason_en or None,
            http_status=outcome.http_status,
            already_in_siasn=outcome.already_in_siasn,
        )
        changes: dict[str, Any] = {
            "push__log": attempt,
            "inc__attempts": 1,
            "set__status": outcome.status.value,
            "set__riwayat": item.riwayat,
            "set__reason": outcome.reason or None,
            "set__reason_en": outcome.reason_en or None,
        }
        if outcome.status is Status.SENT:
            changes |= {"set__siasn_id": outcome.siasn_id, "set__sent_at": now}
        elif outcome.status is Status.RETRYABLE:
            changes["set__next_attempt_at"] = now + self.retry.backoff(entry.attempts + 1)
        # Conditional on the lease this round holds: a round that outlived it leaves the entry to the newer
        # one (which finds it in SIASN's history if this one stored it).
        SiasnEntryDocument.objects(id=entry.id, next_attempt_at=entry.next_attempt_at).update_one(**changes)

    @staticmethod
    def resend(entry_id: str) -> SiasnEntryDocument:
        """A refused entry, once its data or the table is fixed, goes with the next round."""
        entry = get_or_not_found(SiasnEntryDocument, entry_id, "Entri SIASN", "SIASN entry")
        if not SiasnEntryDocument.objects(id=entry.id, status="refused").update_one(
            set__status="pending", set__next_attempt_at=datetime.now(UTC)
        ):
            raise Conflict(
                "not_refused",
                f"Hanya entri yang ditolak SIASN yang dapat dikirim ulang; status saat ini: {entry.status}.",
                f"Only an entry SIASN refused can be sent again; its status is {entry.status}.",
            )
        entry.reload()
        return entry


def siasn_client(settings: SiasnSettings) -> SiasnClient:
    sso = None
    if settings.sso_enabled:
        sso = SsoPassword(
            settings.siasn_sso_token_url,
            settings.siasn_sso_client_id,
            settings.siasn_sso_username,
            settings.siasn_sso_password.get_secret_value(),
        )
    credentials = ClientCredentials(
        settings.siasn_token_url, settings.siasn_client_id, settings.siasn_client_secret.get_secret_value()
    )
    return SiasnClient(
        settings.siasn_base_url,
        credentials,
        sso=sso,
        timeout_s=settings.siasn_timeout_s,
        token_margin_s=settings.siasn_token_margin_s,
    )
