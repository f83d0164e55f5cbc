"""Curricula co-developed with partner institutions: versions drafted by the author (a partner or
BKPSDM), reviewed by BKPSDM, one approved at a time; every step records who and when."""

from __future__ import annotations

from datetime import UTC, datetime

from services.training import domain
from services.training.documents import CurriculumDocument
from shared.domain.errors import NotFound
from shared.messaging.outbox import commit, retrying
from shared.persistence import get_or_not_found

# Every write below goes through commit(), whose version guard refuses a write over a concurrent one;
# retrying() reads and applies the change again.


def save(code: str, title: str, partner: str) -> CurriculumDocument:
    def attempt() -> CurriculumDocument:
        doc = CurriculumDocument.objects(id=code).first() or CurriculumDocument(id=code)
        doc.title, doc.partner = title, partner
        commit(doc)
        return doc

    return retrying(attempt)


def add_version(code: str, modules: list[dict[str, object]], by: str) -> CurriculumDocument:
    def attempt() -> CurriculumDocument:
        doc = get_or_not_found(CurriculumDocument, code, "Kurikulum", "Curriculum")
        doc.versions.append(
            {
                "version": len(doc.versions) + 1,
                "status": domain.CurriculumStatus.DRAFT.value,
                "modules": modules,
                "history": [{"status": "draft", "by": by, "at": datetime.now(UTC)}],
            }
        )
        commit(doc)
        return doc

    return retrying(attempt)


def review(code: str, version: int, action: str, by: str, note: str | None) -> CurriculumDocument:
    def attempt() -> CurriculumDocument:
        doc = get_or_not_found(CurriculumDocument, code, "Kurikulum", "Curriculum")
        if not 1 <= version <= len(doc.versions):
            raise NotFound(f"Versi {version} kurikulum", f"Version {version} of curriculum", code)
        entry = doc.versions[version - 1]
        target = domain.CURRICULUM_LIFECYCLE.next(action, domain.CurriculumStatus(entry["status"]))
        now = datetime.now(UTC)
        if target == domain.CurriculumStatus.APPROVED:
            # One approved version at a time: the one it replaces is retired.
            for other in doc.versions:
                if other["status"] == domain.CurriculumStatus.APPROVED.value:
                    other["status"] = domain.CurriculumStatus.RETIRED.value
                    other["history"].append(
                        {"status": "retired", "by": by, "at": now, "note": f"replaced by version {version}"}
                    )
        entry["status"] = target.value
        entry["history"].append({"status": target.value, "by": by, "at": now, "note": note})
        commit(doc)
        return doc

    return retrying(attempt)
