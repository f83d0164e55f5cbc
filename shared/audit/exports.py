"""Access exports held by the service that made them, downloaded by BKPSDM or the person (issue 12).

An access answer once carried the person's records inside ``DataSubjectRequestHandled``, earlier
exports included, so it grew with every request until Kafka refused it (past 1 MB after about 14) and
blocked the service's outbox. Now the service keeps its part of the export in its own database, in
parts of bounded size (the 16 MB document limit), and the answer carries only a reference: where to
download it, how many records, how many bytes, and a SHA-256 digest to check the download against.
Earlier exports are never part of an export (their kind is not exported).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import UTC, datetime
from typing import Any

from mongoengine import DateTimeField, DictField, Document, IntField, StringField

from shared.events import ExportReference

# One stored part of an export at most this many bytes of JSON, well under MongoDB's 16 MB.
PART_BYTES = 4_000_000
Export = dict[str, list[dict[str, Any]]]


def canonical(data: Export) -> bytes:
    """The bytes the digest is taken over: sorted keys, no spaces, UTF-8. A client checks a download by
    hashing its ``data`` the same way."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def digest_of(data: Export) -> str:
    return "sha256:" + hashlib.sha256(canonical(data)).hexdigest()


def split(data: Export, part_bytes: int = PART_BYTES) -> list[Export]:
    """The export in parts of at most about ``part_bytes`` of JSON each (one record is never split)."""
    parts: list[Export] = [{}]
    size = 0
    for kind, records in data.items():
        parts[-1].setdefault(kind, [])
        for record in records:
            record_bytes = len(json.dumps(record, ensure_ascii=False).encode())
            if size and size + record_bytes > part_bytes:
                parts.append({kind: []})
                size = 0
            parts[-1][kind].append(record)
            size += record_bytes
    return parts


def joined(parts: list[Export]) -> Export:
    data: Export = {}
    for part in parts:
        for kind, records in part.items():
            data.setdefault(kind, []).extend(records)
    return data


class ExportPart(Document):
    """One part of one export (``export_id`` names the export, ``n`` orders its parts)."""

    meta = {"abstract": True, "auto_create_index": False}

    id = StringField(primary_key=True)
    export_id = StringField(required=True)
    request_id = StringField(required=True)
    nip = StringField(required=True)
    n = IntField(required=True)
    data = DictField()
    created_at = DateTimeField(required=True)


def export_part_document(alias: str) -> type[ExportPart]:
    meta = {
        "db_alias": alias,
        "collection": "privacy_export_parts",
        "auto_create_index": False,
        "indexes": ["export_id", "nip"],
    }
    return type(f"PrivacyExportPart_{alias}", (ExportPart,), {"meta": meta})


class HeldExports:
    def __init__(self, service: str) -> None:
        self.service = service
        self.document = export_part_document(service)

    def hold(self, request_id: str, nip: str, data: Export) -> ExportReference:
        """Store the export under a new id and describe it. A redelivered request stores another copy
        whose reference is never published (the receipt's write refuses it); retention removes it."""
        export_id = uuid.uuid4().hex
        now = datetime.now(UTC)
        self.document._get_collection().insert_many(
            [
                {
                    "_id": f"{export_id}:{n}",
                    "export_id": export_id,
                    "request_id": request_id,
                    "nip": nip,
                    "n": n,
                    "data": part,
                    "created_at": now,
                }
                for n, part in enumerate(split(data))
            ]
        )
        return ExportReference(
            export_id=export_id,
            path=f"/privacy/exports/{request_id}",
            records=sum(len(v) for v in data.values()),
            size_bytes=len(canonical(data)),
            digest=digest_of(data),
        )

    def download(self, request_id: str, reference: dict[str, Any], nip: str) -> dict[str, Any]:
        """The export a receipt refers to, as one document."""
        found = self.document._get_collection().find({"export_id": reference["export_id"]}).sort("n", 1)
        data = joined([p["data"] for p in found])
        return {
            "service": self.service,
            "request_id": request_id,
            "nip": nip,
            "records": reference["records"],
            "digest": reference["digest"],
            "data": data,
        }
