"""The register of benchmarking hosts: regions and agencies known for serving the public well with IT,
each with the evidence it was chosen on and where that evidence came from."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from services.training.documents import HostDocument, HostEvidence
from shared.domain.errors import Invalid
from shared.persistence import get_or_not_found


def save_host(code: str, fields: dict[str, Any], by: str) -> HostDocument:
    """Create or replace a host. Evidence already on record (same indicator and year) keeps who recorded
    it and when; each figure names its source (a URL or a document)."""
    unsourced = [e["indicator"] for e in fields["evidence"] if not (e["source_url"] or e["source_document"])]
    if unsourced:
        listed = ", ".join(unsourced)
        raise Invalid(
            "evidence_unsourced",
            f"Setiap bukti harus menyebut sumbernya (source_url atau source_document): {listed}.",
            f"Every piece of evidence must name its source (source_url or source_document): {listed}.",
        )
    now = datetime.now(UTC)
    existing = HostDocument.objects(code=code).first()
    known = {(e.indicator, e.year): e for e in (existing.evidence if existing else [])}
    evidence = []
    for e in fields["evidence"]:
        before = known.get((e["indicator"], e["year"]))
        same = before is not None and (before.value, before.source_url, before.source_document) == (
            e["value"],
            e["source_url"],
            e["source_document"],
        )
        recorded_by, recorded_at = (before.recorded_by, before.recorded_at) if same and before else (by, now)
        evidence.append(HostEvidence(**e, recorded_by=recorded_by, recorded_at=recorded_at))
    HostDocument(code=code, **(fields | {"evidence": evidence}), updated_at=now).save()
    return get_or_not_found(HostDocument, code, "Tuan rumah", "Host")  # as stored (times to the millisecond)


def is_registered(code: str | None) -> bool:
    return code is not None and HostDocument.objects(code=code).count() > 0
