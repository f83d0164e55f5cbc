"""Curricula co-developed with partner institutions: versions drafted by the author (a partner or
BKPSDM), reviewed by BKPSDM, one approved at a time; every step records who and when."""

from __future__ import annotations

from datetime import UTC, datetime

from services.training import domain
from services.training.documents import CurriculumDocument
from shared.domain.errors import NotFound
from shared.domain.identity import Principal
from shared.events import CurriculumRef
from shared.messaging.outbox import commit, retrying
from shared.persistence import get_or_not_found

# Every write below goes through commit(), whose version guard refuses a write over a concurrent one;
# retrying() reads and applies the change again.


def _owned(code: str, who: Principal) -> CurriculumDocument:
    """The curriculum, if ``who`` may change it (its institution's partners, BKPSDM), else Forbidden."""
    doc = get_or_not_found(CurriculumDocument, code, "Kurikulum", "Curriculum")
    if not domain.may_change_curriculum(who, doc.institution):
        raise domain.not_curriculum_owner()
    return doc


def in_force(code: str) -> CurriculumRef | None:
    """The version a programme built on the curriculum teaches now (the approved one), with its owner."""
    doc = CurriculumDocument.objects(id=code).first()
    approved = [v["version"] for v in doc.versions if v["status"] == domain.CurriculumStatus.APPROVED] if doc else []
    return CurriculumRef(code=code, version=approved[0], institution=doc.institution) if doc and approved else None


def save(code: str, title: str, partner: str, institution: str | None, who: Principal) -> CurriculumDocument:
    def attempt() -> CurriculumDocument:
        doc = CurriculumDocument.objects(id=code).first() or CurriculumDocument(id=code)
        doc.institution = domain.curriculum_owner(who, doc.institution, institution)
        doc.title, doc.partner = title, partner
        commit(doc)
        return doc

    return retrying(attempt)


def add_version(code: str, modules: list[dict[str, object]], who: Principal) -> CurriculumDocument:
    def attempt() -> CurriculumDocument:
        doc = _owned(code, who)
        doc.versions.append(
            {
                "version": len(doc.versions) + 1,
                "status": domain.CurriculumStatus.DRAFT.value,
                "modules": modules,
                "history": [{"status": "draft", "by": who.nip, "at": datetime.now(UTC)}],
            }
        )
        commit(doc)
        return doc

    return retrying(attempt)


def review(code: str, version: int, action: str, who: Principal, note: str | None) -> CurriculumDocument:
    by = who.nip

    def attempt() -> CurriculumDocument:
        doc = _owned(code, who)
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
