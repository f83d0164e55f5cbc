"""The reference data an assessment's analysis reads every time (the competency, the position's standard,
whether the unit serves the public), through the process's cache (shared/cache.py).

Freshness: every write of this data in this service (``master_data``'s saves, the bulk imports) calls
``changed``, so this process sees it on its next read; what another replica or a direct database change
wrote is seen within ``REFERENCE_CACHE_TTL_S``. Values kept are immutable: callers share them.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from services.needs import domain
from services.needs.documents import CompetencyDocument, PositionDocument, UnitDocument
from shared.cache import ReferenceCache
from shared.persistence import get_or_not_found, levels_from_documents

UNITS, POSITIONS, COMPETENCIES = "needs.unit", "needs.position", "needs.competency"
# The bulk import's kinds and the cache kinds they change.
IMPORTED = {"units": UNITS, "positions": POSITIONS}


def competency_of(doc: CompetencyDocument) -> domain.Competency:
    return domain.Competency(doc.code, doc.name, domain.CompetencyKind(doc.kind), doc.weight)


def standard_of_position(position: PositionDocument | None) -> Mapping[str, int]:
    """The levels the position requires (empty when the position is unknown)."""
    if position is None:
        return MappingProxyType({})
    levels = domain.required_levels(domain.PositionType(position.type), levels_from_documents(position.standard))
    return MappingProxyType(levels)


@dataclass(frozen=True)
class Reference:
    cache: ReferenceCache

    def competency(self, code: str) -> domain.Competency:
        """The competency, or NotFound (a miss is not kept: a competency created elsewhere shows at once)."""
        return self.cache.get(
            COMPETENCIES,
            code,
            lambda: competency_of(get_or_not_found(CompetencyDocument, code, "Kompetensi", "Competency")),
        )

    def standard(self, position_code: str | None) -> Mapping[str, int]:
        """The position's required levels; NotFound when there is no such position."""
        return self.cache.get(
            POSITIONS,
            position_code,
            lambda: standard_of_position(
                get_or_not_found(PositionDocument, position_code or "", "Jabatan", "Position")
            ),
        )

    def front_line(self, unit_code: str) -> bool:
        """Whether the unit serves the public directly (an unknown unit does not)."""

        def load() -> bool:
            unit = UnitDocument.objects(code=unit_code).first()
            return bool(unit and unit.front_line)

        return self.cache.get(UNITS, unit_code, load)

    def changed(self, kind: str, key: Hashable | None = None) -> None:
        """Called by every write of reference data in this service, after it is stored."""
        self.cache.invalidate(kind, key)
