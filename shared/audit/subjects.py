"""What a service holds about people, and how it answers data-subject requests and keeps retention.

Each service declares its kinds of personal records (``DataKind``): where they are, how to find one
person's, what erasure does to them (delete, pseudonymise, keep) and why, which codes a rectification
corrects, and how long they are kept. ``PersonalData`` then:

- handles ``DataSubjectRequested`` (access: collects the records; rectification: sets the corrected
  codes; erasure: deletes or pseudonymises) and answers with the service's
  ``DataSubjectRequestHandled``, recorded with a receipt in one write (the outbox), so the answer is
  published exactly when the work is done. The work itself is idempotent (a second erasure finds
  nothing left to change), so a redelivered request, or a crash before the receipt, redoes it
  harmlessly and answers once: the receipt's id is the request id.
- enforces retention: records older than their kind's period are deleted or pseudonymised.

Pseudonyms are keyed (HMAC-SHA256 of the NIP): the same in every service, unlinkable without the key,
and never 18 digits, so a pseudonymised record can never be taken for a person's.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol

from bson import ObjectId
from mongoengine import DateTimeField, DictField, Document, ListField, StringField

from shared.audit.exports import HeldExports
from shared.audit.settings import MINIMUM_RETENTION_DAYS, PrivacySettings
from shared.domain import clock
from shared.domain.errors import ConcurrentUpdate, NotFound
from shared.domain.identity import NIP_PATTERN, Principal
from shared.events import (
    DATA_SUBJECT_REQUEST_HANDLED,
    DataKindOutcome,
    DataSubjectRequested,
    DataSubjectRequestHandled,
    DataSubjectRequestKind,
    ErasureAction,
    EventContext,
    ExportReference,
)
from shared.messaging.outbox import Notify, OutboxDocument, commit, new_event

log = logging.getLogger(__name__)


class AuditRecords(Protocol):
    """The service's audit trail as personal data uses it (``shared.audit.trail.AuditTrail``): the
    collection it keeps, and a record of each run of processing no request names a person for."""

    @property
    def document(self) -> type[Document]: ...

    def record_run(self, job: str, *, by: Principal | None, purpose: str, detail: dict[str, Any]) -> None: ...


# Fields of the outbox machinery: never exported, never rewritten.
BOOKKEEPING = ("outbox", "outbox_pending", "outbox_batch", "outbox_batch_size", "version")


class OnErasure(StrEnum):
    DELETE = "delete"
    PSEUDONYMISE = "pseudonymise"
    KEEP = "keep"


@dataclass(frozen=True)
class DataKind:
    """One kind of personal record in a service's database."""

    name: str
    document: type[Document]
    # How to find one person's records: the fields that may hold the NIP (any of them matches).
    nip_fields: tuple[str, ...]
    on_erasure: OnErasure
    why: str  # why erasure does what it does (shown in /privacy/data-kinds)
    # Only these records of the collection (e.g. completed seats), as a raw filter.
    only: dict[str, Any] = field(default_factory=dict)
    # Rectifiable code -> field of this document.
    rectifies: dict[str, str] = field(default_factory=dict)
    # Free text that may describe the person and goes when the record is pseudonymised ("answers.comments").
    drop_on_pseudonymise: tuple[str, ...] = ()
    # Whether the export includes these records: not when they are someone else's that merely name
    # the person (as supervisor or evaluator); those are that other person's data.
    exported: bool = True
    # Pseudonymise every NIP in the record (the person's own record: their supervisor's NIP could
    # point back to them), or only the subject's (a record about someone else that names them).
    pseudonymise_all: bool = True
    # Retention: the date field that starts the period, the default period, and what happens at its end.
    retention_field: str | None = None
    retention_days: int | None = None
    on_retention: OnErasure = OnErasure.DELETE

    def filter_for(self, nip: str) -> dict[str, Any]:
        person = (
            {self.nip_fields[0]: nip} if len(self.nip_fields) == 1 else {"$or": [{f: nip} for f in self.nip_fields]}
        )
        return {**self.only, **person}


def _outcome(kind: str, action: ErasureAction, records: int) -> DataKindOutcome:
    return DataKindOutcome(data_kind=kind, action=action, records=records)


def pseudonym(key: str, nip: str) -> str:
    """A stable stand-in for a NIP: 'PSN' and 15 hex digits (never mistaken for an 18-digit NIP)."""
    return "PSN" + hmac.new(key.encode(), nip.encode(), hashlib.sha256).hexdigest()[:15].upper()


def _rewrite(value: Any, replace: Callable[[str], str]) -> Any:
    if isinstance(value, str):
        return replace(value)
    if isinstance(value, list):
        return [_rewrite(v, replace) for v in value]
    if isinstance(value, dict):
        return {k: (v if k in BOOKKEEPING else _rewrite(v, replace)) for k, v in value.items()}
    return value


def _without(doc: dict[str, Any], paths: tuple[str, ...]) -> dict[str, Any]:
    """A copy of ``doc`` without the fields at the given paths (``answers.comments``)."""
    copy = dict(doc)
    for path in paths:
        head, _, rest = path.partition(".")
        if rest and isinstance(copy.get(head), dict):
            copy[head] = _without(copy[head], (rest,))
        elif not rest:
            copy.pop(head, None)
    return copy


def plain(value: Any) -> Any:
    """A stored value as JSON (dates as ISO 8601)."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, ObjectId):
        return str(value)
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items() if k not in BOOKKEEPING}
    return value


class PrivacyReceipt(OutboxDocument):
    """That this service handled a request, and its answer waiting in the outbox. ``_id`` = request id."""

    meta = {"abstract": True, "auto_create_index": False}

    id = StringField(primary_key=True)
    nip = StringField(required=True)
    kind = StringField(required=True)
    outcomes = ListField()
    export = DictField()  # access: the ExportReference the answer carried
    handled_at = DateTimeField(required=True)


def receipt_document(alias: str) -> type[PrivacyReceipt]:
    meta = {"db_alias": alias, "collection": "privacy_receipts", "auto_create_index": False, "indexes": ["nip"]}
    return type(f"PrivacyReceipt_{alias}", (PrivacyReceipt,), {"meta": meta})


class PersonalData:
    """A service's personal records (its kinds, its audit trail, its receipts, its outbox dead letters):
    requests answered on them, retention enforced. ``ServiceRuntime`` builds it; main.py subscribes
    ``on_requested``."""

    def __init__(
        self,
        service: str,
        kinds: list[DataKind],
        settings: PrivacySettings,
        *,
        trail: AuditRecords,
        dead_letter_document: type[Document],
        notify: Notify,
    ) -> None:
        """``dead_letter_document``: where the outbox relay keeps the events no topic would take (they
        name the person as their key)."""
        self.service = service
        self.settings = settings
        self.receipts = receipt_document(service)
        self.exports = HeldExports(service)
        self.contract = DATA_SUBJECT_REQUEST_HANDLED[service]
        self.kinds = [
            *kinds,
            DataKind(
                "privacy_receipts",
                self.receipts,
                ("nip",),
                OnErasure.KEEP,
                "UU 27/2022 Art. 14: requests and how they were handled are recorded.",
                retention_field="handled_at",
                retention_days=MINIMUM_RETENTION_DAYS["privacy_receipts"],
            ),
            DataKind(
                "audit_trail",
                trail.document,
                ("subject_nips", "actor_nip"),
                OnErasure.KEEP,
                "UU 27/2022: the controller must account for every processing; who read or changed the "
                "person's data stays on record until the period ends.",
                retention_field="at",
                retention_days=MINIMUM_RETENTION_DAYS["audit_trail"],
            ),
            DataKind(
                "privacy_exports",
                self.exports.document,
                ("nip",),
                OnErasure.DELETE,
                "Copies of the person's data made for access requests: kept for download, then not kept.",
                # Never part of a later export: each export would hold all the earlier ones (issue 12).
                exported=False,
                retention_field="created_at",
                retention_days=30,
            ),
            DataKind(
                "outbox_dead_letters",
                dead_letter_document,
                ("key",),
                OnErasure.DELETE,
                "Copies of events about the person that Kafka refused, kept for an operator to replay; "
                "what they announce is kept as its own kind of record.",
                # An access answer that was refused holds an earlier export: never exported again.
                exported=False,
                retention_field="failed_at",
                retention_days=90,
            ),
        ]
        self._key = settings.privacy_pseudonym_key.get_secret_value()
        self._notify = notify
        self._trail = trail

    def retention_days(self, kind: DataKind) -> int | None:
        return self.settings.retention_days.get(kind.name, kind.retention_days)

    def describe(self) -> list[dict[str, Any]]:
        return [
            {
                "data_kind": k.name,
                "on_erasure": k.on_erasure.value,
                "why": k.why,
                "rectifies": sorted(k.rectifies),
                "retention_days": self.retention_days(k),
                "on_retention": k.on_retention.value if self.retention_days(k) else None,
            }
            for k in self.kinds
        ]

    # Requests ------------------------------------------------------------------------------------

    def on_requested(self, request: DataSubjectRequested, _: EventContext) -> None:
        if self.receipts.objects(id=request.request_id).count():
            return  # answered already; the outbox took care of publishing it
        export: ExportReference | None = None
        if request.kind is DataSubjectRequestKind.ACCESS:
            records = self.export(request.nip)
            export = self.exports.hold(request.request_id, request.nip, records)
            outcomes = [
                DataKindOutcome(data_kind=k, action=ErasureAction.EXPORTED, records=len(v)) for k, v in records.items()
            ]
        elif request.kind is DataSubjectRequestKind.RECTIFICATION:
            changes = request.rectification.changes() if request.rectification else {}
            outcomes = self.rectify(request.nip, changes)
        else:
            outcomes = self.erase(request.nip)
        now = datetime.now(UTC)
        answer = DataSubjectRequestHandled(
            request_id=request.request_id,
            nip=request.nip,
            kind=request.kind,
            service=self.service,
            outcomes=outcomes,
            export=export,
            handled_at=now,
        )
        receipt = self.receipts(
            id=request.request_id,
            nip=request.nip,
            kind=request.kind.value,
            outcomes=[o.model_dump(mode="json") for o in outcomes],
            export=export.model_dump(mode="json") if export else {},
            handled_at=now,
        )
        try:
            commit(receipt, [new_event(self.contract, answer, subject=request.nip)])
        except ConcurrentUpdate:
            return  # a concurrent redelivery answered first
        self._notify()

    def held_export(self, request_id: str) -> tuple[str, dict[str, Any]]:
        """The person an access request was about, and this service's export for it (NotFound if none)."""
        receipt = self.receipts.objects(id=request_id).first()
        if receipt is None or not receipt.export:
            raise NotFound("Ekspor permintaan", "The export of request", request_id)
        return receipt.nip, self.exports.download(request_id, receipt.export, receipt.nip)

    def export(self, nip: str) -> dict[str, list[dict[str, Any]]]:
        return {
            kind.name: [plain(d) for d in kind.document._get_collection().find(kind.filter_for(nip))]
            for kind in self.kinds
            if kind.exported
        }

    def rectify(self, nip: str, changes: dict[str, str]) -> list[DataKindOutcome]:
        outcomes = []
        for kind in self.kinds:
            fields = {kind.rectifies[c]: v for c, v in changes.items() if c in kind.rectifies}
            if not fields:
                continue
            update: dict[str, Any] = {"$set": fields}
            if issubclass(kind.document, OutboxDocument):
                update["$inc"] = {"version": 1}  # writers holding an older copy must reload
            result = kind.document._get_collection().update_many(kind.filter_for(nip), update)
            outcomes.append(
                DataKindOutcome(data_kind=kind.name, action=ErasureAction.RECTIFIED, records=result.matched_count)
            )
        return outcomes

    def erase(self, nip: str) -> list[DataKindOutcome]:
        outcomes = []
        for kind in self.kinds:
            coll = kind.document._get_collection()
            query = kind.filter_for(nip)
            if kind.on_erasure is OnErasure.DELETE:
                count = coll.delete_many(query).deleted_count
                action = ErasureAction.DELETED
            elif kind.on_erasure is OnErasure.PSEUDONYMISE:
                replace = self._replace_all if kind.pseudonymise_all else self._replace_one(nip)
                count = sum(self._pseudonymise(kind, doc, replace) for doc in coll.find(query))
                action = ErasureAction.PSEUDONYMISED
            else:
                count = coll.count_documents(query)
                action = ErasureAction.KEPT
            outcomes.append(_outcome(kind.name, action, count))
        return outcomes

    def _replace_all(self, text: str) -> str:
        return NIP_PATTERN.sub(lambda m: pseudonym(self._key, m.group(0)), text)

    def _replace_one(self, nip: str) -> Callable[[str], str]:
        stand_in = pseudonym(self._key, nip)
        return lambda text: text.replace(nip, stand_in)

    @staticmethod
    def _pseudonymise(kind: DataKind, doc: dict[str, Any], replace: Callable[[str], str]) -> bool:
        """Rewrite one record; returns whether anything changed. A NIP inside the id (``<batch>:<nip>``)
        gives the record a new id: written under the new id first, then the old one removed, so an
        interruption leaves at worst both, and running again finishes the job."""
        coll = kind.document._get_collection()
        new = _rewrite(_without(doc, kind.drop_on_pseudonymise), replace)
        if new == doc:
            return False
        if "version" in new:
            new["version"] += 1
        if new["_id"] == doc["_id"]:
            coll.replace_one({"_id": doc["_id"]}, new)
        else:
            coll.replace_one({"_id": new["_id"]}, new, upsert=True)
            coll.delete_one({"_id": doc["_id"]})
        return True

    # Retention -----------------------------------------------------------------------------------

    def enforce_retention(self, as_of: datetime | None = None, *, by: Principal | None = None) -> dict[str, int]:
        """Delete or pseudonymise what outlived its period as of now, or of an earlier moment (to catch up
        after an outage, never a later one: that would delete what is still within its period); returns
        the records changed per kind. Every run is itself recorded in the audit trail, after its work,
        so its entry is never among what it deletes."""
        now = datetime.now(UTC)
        if as_of is not None:
            # A later hour of today counts as now; no period is shortened by it.
            now = min(clock.checked_moment("as_of", as_of, before=clock.end_of_today()), now)
        done: dict[str, int] = {}
        for kind in self.kinds:
            days = self.retention_days(kind)
            if not days or not kind.retention_field:
                continue
            cutoff = now - timedelta(days=days)
            coll = kind.document._get_collection()
            query = {**kind.only, kind.retention_field: {"$lt": cutoff}}
            if kind.on_retention is OnErasure.DELETE:
                done[kind.name] = coll.delete_many(query).deleted_count
            else:
                done[kind.name] = sum(self._pseudonymise(kind, d, self._replace_all) for d in coll.find(query))
        self._trail.record_run("retention", by=by, purpose="retention", detail={"as_of": now, "changed": done})
        return done

    def retention_round(self) -> None:
        """One round of the periodic retention job."""
        counts = self.enforce_retention()
        log.info("retention enforced", extra={"fields": {"changed": counts}})
