"""Programmes: what BKPSDM can offer, and which of them may take participants now.

The seat paths read a programme for every change of a seat (``Programmes``, through the process's
reference cache, shared/cache.py): ``save_program`` forgets it, so this process reads the new one at
once; another replica's change is seen within REFERENCE_CACHE_TTL_S.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from services.training import domain
from services.training.documents import CurriculumDocument, ProgramDocument
from shared.cache import ReferenceCache
from shared.persistence import get_or_not_found, levels_from_documents, levels_to_documents

PROGRAMMES = "training.programme"


@dataclass(frozen=True)
class Programmes:
    cache: ReferenceCache

    def of(self, code: str) -> ProgramDocument:
        """The programme, or NotFound. One copy is shared by every caller: read it, never change or save it."""
        return self.cache.get(PROGRAMMES, code, lambda: get_or_not_found(ProgramDocument, code, "Program", "Programme"))

    def changed(self, code: str) -> None:
        self.cache.invalidate(PROGRAMMES, code)


def offer_of(p: ProgramDocument) -> domain.ProgramOffer:
    """A programme as the rules see it: what it covers, earns, costs and asks of a participant."""
    return domain.ProgramOffer(
        code=p.code,
        title=p.title,
        form=p.form,
        competencies=levels_from_documents(p.competencies),
        jp=p.jp,
        cost_per_participant=p.cost_per_participant,
        min_attendance_pct=p.min_attendance_pct,
        passing_score=p.passing_score,
    )


def ready_offers() -> list[domain.ProgramOffer]:
    """Active programmes that may take participants (a partner curriculum must have an approved version)."""
    programs = list(ProgramDocument.objects(active=True))
    codes = {p.curriculum_code for p in programs if p.curriculum_code}
    statuses = {c.id: [v["status"] for v in c.versions] for c in CurriculumDocument.objects(id__in=list(codes))}
    return [
        offer_of(p)
        for p in programs
        if domain.ready_to_run(bool(p.curriculum_code), statuses.get(p.curriculum_code or "", []))
    ]


def ready_codes() -> set[str]:
    return {o.code for o in ready_offers()}


def save_program(code: str, fields: dict[str, Any], programmes: Programmes) -> ProgramDocument:
    """Create or replace a programme. Its JP follow the LAN conversion (``domain.program_jp``); a
    programme built on a partner curriculum names one that exists."""
    jp = domain.program_jp(fields["form"], jp=fields["jp"], days=fields["days"], international=fields["international"])
    if fields["curriculum_code"]:
        get_or_not_found(CurriculumDocument, fields["curriculum_code"], "Kurikulum", "Curriculum")
    competencies = levels_to_documents(fields["competencies"])
    ProgramDocument(code=code, **fields | {"competencies": competencies, "jp": jp}).save()
    programmes.changed(code)
    return get_or_not_found(ProgramDocument, code, "Program", "Programme")
