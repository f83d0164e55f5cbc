"""The needs counted per unit and year (``NeedCountDocument``): what BKPSDM's city-wide pages read.

Why recounts, not counters: on FerretDB v1 ``$inc`` is not atomic. It reads the document, adds in Go and
writes the whole document back, so increments made side by side are lost (8 threads x 100 ``$inc`` of
one document kept 134 of 800 here), and a counter that drifts stays wrong. So the count of a unit's
needs in a year is always a recount of them: an indexed equality query (``fiscal_year`` and
``unit_code``, a few hundred needs) grouped in ``reports.count_groups``, written over the previous one.
A lost or late recount leaves the count stale, never off for good.

Freshness: every write of a need marks its unit and year (``touched``); a periodic job (``settle``, every
``need_counts_interval_s``) recounts what was marked. Recounts in a process run one at a time and a mark made
while a recount reads is kept for the next, so after the last write of a need the counts match it within an
interval and a recount. A recount costs the database a read of its unit's needs (0.13 s for a Medan unit of
~750): under a burst of writes that touches every unit, rounds of all 51 back to back kept FerretDB busy and
made ``POST /assessments`` five times slower. So a round stops after ``need_counts_round_s`` (the rest stays
marked, first in line), and the rounds are paced (main.py, ``Paced``): one that took longer than
``need_counts_max_share`` of its cycle waits longer for the next. The recounts of a burst are spread over
time, at most a tenth of it, and the counts follow within about ten times the recounts' own time (about a
minute for all of Medan's units) until the burst ends.
Marks live in memory: what a crash drops, or a write of another replica while this one recounted the same
unit, or a change made behind the service's back (a rectification moving needs to another unit), is repaired
by the sweep (``sweep``: every unit, every ``need_counts_sweep_s``). At start-up, ``backfill`` counts the
units that have no counts (a deployment that had needs before this read model): a full sweep there would read
every need at each start.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Collection, Mapping
from datetime import UTC, datetime
from typing import Any

from services.needs import reports
from services.needs.documents import NeedCountDocument, NeedDocument, UnitDocument

log = logging.getLogger(__name__)

COUNTED_FIELDS = dict.fromkeys(("fiscal_year", "competency_name", "priority", *reports.GROUP_KEYS), 1)
# The counts are read from memory: reading the 51 documents of a year took 0.2-0.3 s on FerretDB under
# load, more than a page may take. This process's recounts update the copy as they are written; what
# other replicas counted is read again this often.
REREAD_S = 10.0


class NeedCounts:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        # Oldest mark first (a dict keeps insertion order): a unit written again and again cannot keep
        # another's recount waiting, however short the rounds.
        self._marked: dict[tuple[int, str], None] = {}
        self._marks = threading.Lock()
        self._recounting = threading.Lock()
        self._read: dict[tuple[int, str], list[dict[str, Any]]] | None = None
        self._read_at = 0.0
        self._clock = clock

    def touched(self, fiscal_year: int, unit_code: str) -> None:
        """A need of this unit and year was written (called after the write)."""
        with self._marks:
            self._marked.setdefault((fiscal_year, unit_code), None)

    def settle(self, budget_s: float | None = None) -> int:
        """Recount the units and years marked since the last round, oldest mark first, until the round has
        taken ``budget_s`` (None: all of them); how many were recounted. What is left stays marked, ahead
        of the marks made meanwhile: short rounds spread a burst's recounts over time instead of loading
        the database with all of them at once."""
        with self._marks:
            marked, self._marked = list(self._marked), {}
        started = self._clock()
        done = 0
        try:
            for fiscal_year, unit_code in marked:
                if budget_s is not None and done and self._clock() - started >= budget_s:
                    break
                self.recount(fiscal_year, unit_code)
                done += 1
        finally:
            if done < len(marked):  # over budget, or a failed recount: tried again first next round
                with self._marks:
                    self._marked = dict.fromkeys(marked[done:]) | self._marked
        if self._clock() - self._read_at > REREAD_S:
            self.reread()
        return done

    def waiting(self, fiscal_year: int | None, unit_codes: Collection[str] | None) -> int:
        """How many of these units (None: all) have needs of the year (None: any) written since their last
        recount in this process: the pages say so, since their figures lag by that much."""
        units = None if unit_codes is None else set(unit_codes)
        with self._marks:
            return sum(1 for y, u in self._marked if fiscal_year in (None, y) and (units is None or u in units))

    def reread(self) -> None:
        """Read every count into memory (what other replicas counted too)."""
        with self._recounting:
            docs = NeedCountDocument._get_collection().find({}, {"fiscal_year": 1, "unit_code": 1, "groups": 1})
            self._read = {(d["fiscal_year"], d["unit_code"]): d["groups"] for d in docs}
            self._read_at = self._clock()

    def recount(self, fiscal_year: int, unit_code: str) -> None:
        with self._recounting:
            needs = NeedDocument._get_collection().find(
                {"fiscal_year": fiscal_year, "unit_code": unit_code}, COUNTED_FIELDS
            )
            self._store(fiscal_year, unit_code, reports.count_groups(needs).get(fiscal_year, []))

    def sweep(self) -> int:
        """Recount every unit, all years (the units known, and those counted before); how many units."""
        units = self._known_units() | self._counted_units()
        self._recount_units(units)
        log.info("need counts swept", extra={"fields": {"units": len(units)}})
        return len(units)

    def backfill(self) -> None:
        """Count the units that have no counts yet (a deployment whose needs predate them, a unit whose
        first recount never came). A start-up step: the service is ready once the pages can answer."""
        missing = self._known_units() - self._counted_units()
        self._recount_units(missing)
        self.reread()
        if missing:
            log.info("need counts backfilled", extra={"fields": {"units": len(missing)}})

    @staticmethod
    def _known_units() -> set[str]:
        return {u["_id"] for u in UnitDocument._get_collection().find({}, {"_id": 1})}

    @staticmethod
    def _counted_units() -> set[str]:
        return {c["unit_code"] for c in NeedCountDocument._get_collection().find({}, {"unit_code": 1})}

    def _recount_units(self, units: set[str]) -> None:
        for unit_code in sorted(units):
            with self._recounting:
                needs = NeedDocument._get_collection().find({"unit_code": unit_code}, COUNTED_FIELDS)
                by_year = reports.count_groups(needs)
                for fiscal_year, groups in by_year.items():
                    self._store(fiscal_year, unit_code, groups)
                for stale in NeedCountDocument.objects(unit_code=unit_code).only("fiscal_year"):
                    if stale.fiscal_year not in by_year:
                        stale.delete()
                        if self._read is not None:
                            self._read.pop((stale.fiscal_year, unit_code), None)

    def _store(self, fiscal_year: int, unit_code: str, groups: list[dict[str, Any]]) -> None:
        key = f"{fiscal_year}-{unit_code}"
        doc = NeedCountDocument(
            id=key, fiscal_year=fiscal_year, unit_code=unit_code, groups=groups, counted_at=datetime.now(UTC)
        )
        NeedCountDocument._get_collection().replace_one({"_id": key}, doc.to_mongo().to_dict(), upsert=True)
        if self._read is not None:
            self._read[(fiscal_year, unit_code)] = groups

    def groups(self, fiscal_year: int | None, unit_codes: Collection[str] | None) -> list[dict[str, Any]]:
        """The counted groups (each with its year and unit) of one year or all, of these units or all:
        ordered by year (latest first), unit, then ``reports.GROUP_KEYS``."""
        if self._read is None:
            self.reread()
        read = dict(self._read or {})  # a copy (one C call): recounts change the original meanwhile
        units = None if unit_codes is None else set(unit_codes)
        chosen = sorted(
            (key for key in read if fiscal_year in (None, key[0]) and (units is None or key[1] in units)),
            key=lambda key: (-key[0], key[1]),
        )
        return [{"fiscal_year": y, "unit_code": u} | g for y, u in chosen for g in read[(y, u)]]

    def page(
        self, filters: Mapping[str, Any], unit_codes: Collection[str] | None, offset: int, limit: int
    ) -> tuple[list[NeedDocument], int] | None:
        """A page of the needs matching ``filters`` (on ``fiscal_year``, ``source``, ``status``) of these
        units, and their number, in the counted groups' order (year, unit, competency, source, status,
        gap, largest first), highest priority first within a group. Each page reads only the groups it
        shows (an equality query of some tens of needs), at any offset. None when nothing is counted for them (no such
        needs, or not counted yet): the caller lists them the ordinary way."""
        wanted = {k: v for k, v in filters.items() if k in ("source", "status")}
        groups = [
            g for g in self.groups(filters.get("fiscal_year"), unit_codes) if all(g[k] == v for k, v in wanted.items())
        ]
        if not groups:
            return None
        needs: list[NeedDocument] = []
        for index, first, end in reports.page_slices([g["needs"] for g in groups], offset, limit):
            group = {k: groups[index][k] for k in ("fiscal_year", "unit_code", *reports.GROUP_KEYS)}
            # Without the outbox (a need not yet relayed carries its announcement): half the time here.
            needs += NeedDocument.objects(**group).exclude("outbox").order_by("-priority", "id")[first:end]
        return needs, sum(g["needs"] for g in groups)
