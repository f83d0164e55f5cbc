"""The audit trail: who read or changed whose personal records, when, how and for what purpose.

Every HTTP request that names a person (a path or query parameter holding a NIP, a NIP inside an id
such as ``<batch>:<nip>``) or whose JSON/CSV answer carries people's NIPs leaves one entry in the
service's own ``audit_trail`` collection. Append-only by construction: this module only ever inserts;
no route updates or deletes an entry; the only removal is the retention job, by age.

Reads fail closed: if the entry cannot be written, the caller gets 503 instead of the data. A change
that could not be recorded has already happened, so it is logged and counted instead.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from fastapi import Request, Response
from fastapi.responses import JSONResponse
from mongoengine import DateTimeField, DictField, Document, IntField, ListField, StringField
from prometheus_client import CollectorRegistry, Counter
from pymongo.errors import BulkWriteError
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.domain.identity import NIP_PATTERN, Principal
from shared.http.errors import error_body
from shared.http.reports import csv_text
from shared.logging import correlation_id_var
from shared.persistence import BULK_STATEMENTS

log = logging.getLogger(__name__)

PURPOSE_HEADER = "X-Purpose"
MAX_SUBJECTS = 500  # per entry; ``subject_count`` keeps the true number
MAX_SCANNED_BYTES = 20_000_000
# Operations and documentation: they carry no personal data (not audited) and answer while the service
# is still waiting for its dependencies (shared.runtime).
OPERATIONS_PATHS = ("/health/", "/metrics", "/asyncapi.json", "/docs", "/redoc", "/openapi.json")

# The purpose recorded when the request does not state one (X-Purpose), by the route's first segment.
DEFAULT_PURPOSES = {
    "privacy": "data_subject_request",
    "audit": "audit",
    "reports": "reporting",
    "analytics": "reporting",
    "monitoring": "monitoring",
    "imports": "administration",
    "jobs": "administration",
    "directory": "administration",
}
DEFAULT_PURPOSE = "competency_development"
# Routes about the caller's own records, which name nobody: the caller is the subject.
OWN_RECORD_ROUTES = ("/inbox", "/directory/me")


class AuditEntry(Document):
    meta = {"abstract": True, "auto_create_index": False}

    id = StringField(primary_key=True)
    at = DateTimeField(required=True)
    service = StringField(required=True)
    actor_nip = StringField()  # empty when the caller could not be identified (401)
    actor_roles = ListField(StringField())
    action = StringField(required=True, choices=("read", "change"))
    method = StringField(required=True)
    route = StringField(required=True)
    path = StringField(required=True)
    purpose = StringField(required=True)
    subject_nips = ListField(StringField())
    subject_count = IntField(required=True)
    status = IntField(required=True)
    correlation_id = StringField()
    detail = DictField()  # what a job did (retention: as_of and the records changed per kind)


def audit_entry_document(alias: str) -> type[AuditEntry]:
    """The audit collection inside the given service's database."""
    meta = {
        "db_alias": alias,
        "collection": "audit_trail",
        "auto_create_index": False,
        "indexes": ["subject_nips", "actor_nip", "at"],
    }
    return type(f"AuditEntry_{alias}", (AuditEntry,), {"meta": meta})


def _walk(value: Any, key: str = "") -> Iterator[str]:
    """NIPs under keys that name people (nip, nips, *_nip) anywhere in a JSON document."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _walk(v, k)
    elif isinstance(value, list):
        for v in value:
            yield from _walk(v, key)
    elif isinstance(value, str) and (key in ("nip", "nips", "id") or key.endswith("_nip")):
        yield from NIP_PATTERN.findall(value)


def nips_in_response(content_type: str, body: bytes) -> list[str]:
    if not body or len(body) > MAX_SCANNED_BYTES:
        return []
    if content_type.startswith("application/json"):
        try:
            return list(_walk(json.loads(body)))
        except ValueError:
            return []
    if content_type.startswith("text/csv"):
        return NIP_PATTERN.findall(body.decode("utf-8", "replace"))
    return []


def nips_in_request(path_params: dict[str, Any], query: Iterable[tuple[str, str]]) -> list[str]:
    found = [n for v in path_params.values() for n in NIP_PATTERN.findall(str(v))]
    found += [n for k, v in query if k == "nip" or k.endswith("_nip") for n in NIP_PATTERN.findall(v)]
    return found


def purpose_of(request: Request) -> str:
    stated = request.headers.get(PURPOSE_HEADER, "").strip()
    if stated:
        return re.sub(r"[^\w .:/-]", "", stated)[:120] or DEFAULT_PURPOSE
    first = request.url.path.strip("/").split("/", 1)[0]
    return DEFAULT_PURPOSES.get(first, DEFAULT_PURPOSE)


@dataclass
class AuditTrail:
    service: str
    document: type[AuditEntry]

    @classmethod
    def for_service(cls, service: str) -> AuditTrail:
        return cls(service, audit_entry_document(service))

    def record(self, entry: dict[str, Any]) -> None:
        # Insert only: an entry, once written, is never touched again (retention aside).
        self.document._get_collection().insert_one(entry)

    def record_many(self, entries: list[dict[str, Any]]) -> None:
        """Ordered: on a failure, the entries before it are written (BulkWriteError's nInserted)."""
        self.document._get_collection().insert_many(entries, ordered=True)

    def record_run(self, job: str, *, by: Principal | None, purpose: str, detail: dict[str, Any]) -> None:
        """A piece of processing no request names a person for (retention): what ran, for whom, with what
        outcome. ``by`` is who started it; nobody for the periodic job."""
        self.record(
            {
                "_id": str(uuid.uuid4()),
                "at": datetime.now(UTC),
                "service": self.service,
                "actor_nip": by.nip if by else None,
                "actor_roles": sorted(r.value for r in by.roles) if by else [],
                "action": "change",
                "method": "JOB",
                "route": job,
                "path": job,
                "purpose": purpose,
                "subject_nips": [],
                "subject_count": 0,
                "status": 200,
                "correlation_id": correlation_id_var.get(),
                "detail": detail,
            }
        )

    def query(self, *, nip: str | None, actor: str | None, since: datetime | None, until: datetime | None) -> Any:
        filters: dict[str, Any] = {}
        if nip:
            filters["subject_nips"] = nip
        if actor:
            filters["actor_nip"] = actor
        if since:
            filters["at__gte"] = since
        if until:
            filters["at__lt"] = until
        return self.document.objects(**filters).order_by("-at", "id")


AUDIT_FIELDS = (
    "id",
    "at",
    "service",
    "actor_nip",
    "actor_roles",
    "action",
    "method",
    "route",
    "path",
    "purpose",
    "subject_nips",
    "subject_count",
    "status",
    "correlation_id",
    "detail",
)


def entry_row(doc: AuditEntry) -> dict[str, Any]:
    row = {name: getattr(doc, name) for name in AUDIT_FIELDS}
    return row | {
        "at": doc.at.isoformat(),
        "actor_nip": doc.actor_nip or "",
        "actor_roles": list(doc.actor_roles),
        "subject_nips": list(doc.subject_nips),
        "correlation_id": doc.correlation_id or "",
        "detail": _jsonable(doc.detail or {}),
    }


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    return value.isoformat() if isinstance(value, datetime) else value


def rows_as_csv(rows: list[dict[str, Any]]) -> str:
    def cell(value: Any) -> Any:
        return ";".join(value) if isinstance(value, list) else json.dumps(value) if isinstance(value, dict) else value

    return csv_text(AUDIT_FIELDS, ([cell(row[k]) for k in AUDIT_FIELDS] for row in rows))


class GroupCommit:
    """Audit entries written together: the entries of the requests that arrive while a write is under
    way go in the next one, so under load one insert carries many entries, and alone an entry is
    written at once. Each request still waits for its own entry (reads fail closed). Inserts are
    ordered, so when one fails the entries before it are written and only the rest are refused."""

    def __init__(self, trail: AuditTrail) -> None:
        self.trail = trail
        self._waiting: list[tuple[dict[str, Any], asyncio.Future[None]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def write(self, entry: dict[str, Any]) -> None:
        done = asyncio.get_running_loop().create_future()
        self._waiting.append((entry, done))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_waiting())
        await done

    async def _write_waiting(self) -> None:
        while self._waiting:
            group, self._waiting = self._waiting[:BULK_STATEMENTS], self._waiting[BULK_STATEMENTS:]
            written = len(group)
            failure: Exception | None = None
            try:
                await asyncio.to_thread(self.trail.record_many, [entry for entry, _ in group])
            except BulkWriteError as exc:
                written, failure = exc.details.get("nInserted", 0), exc
            except Exception as exc:
                written, failure = 0, exc
            for i, (_, done) in enumerate(group):
                if done.done():  # the request went away (client disconnected)
                    continue
                if failure is None or i < written:
                    done.set_result(None)
                else:
                    done.set_exception(failure)


class AuditRequests:
    """Plain ASGI (see shared/http/observe.py for why): answers that name nobody pass straight through;
    the others are held until their entry is written."""

    def __init__(self, app: ASGIApp, trail: AuditTrail, registry: CollectorRegistry) -> None:
        self.app = app
        self.trail = trail
        self.entries = GroupCommit(trail)
        self.failures = Counter(
            "audit_write_failures_total",
            "Audit entries that could not be written (reads were refused, changes were logged)",
            ["service", "action"],
            registry=registry,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope["path"] if scope["type"] == "http" else ""
        if not path or path.startswith(OPERATIONS_PATHS) or path == "/":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        held: list[Message] = []
        named: Named | None = None

        async def hold(message: Message) -> None:
            nonlocal named
            if message["type"] == "http.response.start":
                named = Named.at_start(request, message)
            if named is not None and not named.may_name_anyone:
                await send(message)
            else:
                held.append(message)

        await self.app(scope, receive, hold)
        if named is None or not named.may_name_anyone:
            return
        start = held[0]
        body = b"".join(m.get("body", b"") for m in held[1:] if m["type"] == "http.response.body")
        entry = self._entry(request, start, named, body)
        refusal = await self._record(request, entry) if entry is not None else None
        if refusal is not None:
            await refusal(scope, receive, send)
            return
        await send(start)
        await send({"type": "http.response.body", "body": body, "more_body": False})

    def _entry(self, request: Request, start: Message, named: Named, body: bytes) -> dict[str, Any] | None:
        subjects = list(named.in_request)
        if named.scanned_type:
            subjects += nips_in_response(named.scanned_type, body)
        principal = _principal(request)
        if named.route.startswith(OWN_RECORD_ROUTES) and principal[0]:
            subjects.append(principal[0])
        if not subjects and not named.route.startswith(("/audit", "/privacy")):
            return None
        unique = list(dict.fromkeys(subjects))
        return {
            "_id": str(uuid.uuid4()),
            "at": datetime.now(UTC),
            "service": self.trail.service,
            "actor_nip": principal[0],
            "actor_roles": principal[1],
            "action": "read" if request.method in ("GET", "HEAD") else "change",
            "method": request.method,
            "route": named.route,
            "path": request.url.path,
            "purpose": purpose_of(request),
            "subject_nips": unique[:MAX_SUBJECTS],
            "subject_count": len(unique),
            "status": start["status"],
            "correlation_id": correlation_id_var.get(),
        }

    async def _record(self, request: Request, entry: dict[str, Any]) -> Response | None:
        """None once written; the 503 a read gets instead of its data when the entry is not written."""
        try:
            await self.entries.write(entry)
            return None
        except Exception:
            action, route = entry["action"], entry["route"]
            self.failures.labels(self.trail.service, action).inc()
            log.exception("audit entry not written", extra={"fields": {"route": route, "action": action}})
            if action != "read":
                return None
            return JSONResponse(
                error_body(
                    request,
                    "audit_unavailable",
                    "Akses ke data pribadi tidak dapat dicatat saat ini; coba lagi.",
                    "Access to personal data cannot be recorded right now; try again.",
                ),
                status_code=503,
            )


@dataclass(frozen=True)
class Named:
    """What the request and the start of its answer say about whom it concerns, read once when the
    answer starts: the route template, the NIPs in the path and query, and the answer's content type
    when its body is to be searched for NIPs (a successful JSON or CSV answer, except the audit trail's
    own, which would name everyone it lists)."""

    route: str
    in_request: tuple[str, ...]
    scanned_type: str

    @classmethod
    def at_start(cls, request: Request, start: Message) -> Named:
        route = getattr(request.scope.get("route"), "path", "unmatched")
        content_type = Headers(raw=start.get("headers", [])).get("content-type", "")
        scanned = (
            start["status"] < 400
            and not route.startswith("/audit")
            and any(kind in content_type for kind in ("json", "csv"))
        )
        in_request = nips_in_request(request.path_params, request.query_params.multi_items())
        return cls(route, tuple(in_request), content_type if scanned else "")

    @property
    def may_name_anyone(self) -> bool:
        return bool(self.scanned_type or self.in_request) or self.route.startswith(
            (*OWN_RECORD_ROUTES, "/audit", "/privacy")
        )


def _principal(request: Request) -> tuple[str | None, list[str]]:
    """The caller as the token says, or nobody when there is no valid token (the request got 401). The
    route verified the same token already; the verifier remembers it (shared/http/auth.py)."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None, []
    try:
        principal = request.app.state.token_verifier.verify(token.strip())
    except Exception:
        return None, []
    return principal.nip, sorted(r.value for r in principal.roles)
