"""The year's seats as the planner reads them, kept between runs in this process, so that a run reads only
the seats written since the one before: at North Sumatra's scale reading every seat of the year (9,584,
which FerretDB v1 decodes whole) was most of an incremental run (issue 16, item 3; README, planner).

Where the book's freshness comes from:

- every write of a seat through ``commit`` sets ``planner_seen`` to false in the same write
  (``EnrolmentDocument.written_marks``); a run reads the marked seats of its year (one indexed equality),
  takes them in, and clears each mark only if the seat is still the version it read, so a write racing
  the run stays marked for the next one;
- the seats a run inserts it takes in from what it wrote, unmarked (``insert_all(marked=False)``);
- the book is trusted only if the run before was this book's own: the lease says which run took the year
  last (``PlanLease``), and another replica's run may have cleared marks this book never saw;
- a run after a change of the plan, which reconsiders every need anyway, reads every seat again. That is
  also when what is written around ``commit`` reaches the planner: erasure, retention and rectification
  (``shared.audit.subjects``) delete or rewrite seats directly, as they always reached the plan at its
  next change;
- a run that fails drops the book (``PlanRunner``)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from pymongo import UpdateOne

from services.training.documents import EnrolmentDocument
from shared.messaging.outbox import one_writer
from shared.persistence import BULK_STATEMENTS, bulk_write

# What the planner reads of a seat, and what clearing its mark needs (its version and the mark).
SEAT_FIELDS = ("_id", "batch_code", "nip", "unit_code", "need_ids", "cost", "status", "version", "planner_seen")
UNSEEN, SEEN = {"planner_seen": False}, {"planner_seen": True}


class SeatBook:
    def __init__(self, fiscal_year: int) -> None:
        self.fiscal_year = fiscal_year
        self.seats: dict[str, dict[str, Any]] = {}  # by seat id, the fields of SEAT_FIELDS
        self.run: str | None = None  # the run that last brought it up to date (the lease's ``run``)
        self.read_all = False  # whether the last update read every seat of the year
        self.last_read = 0  # how many seats the last update read

    @classmethod
    def read(cls, fiscal_year: int) -> SeatBook:
        """Every seat of the year."""
        book = cls(fiscal_year)
        book._take_in(_find({"fiscal_year": fiscal_year}))
        book.read_all = True
        return book

    def refresh(self) -> None:
        """The seats written since the book was last brought up to date."""
        self._take_in(_find({"fiscal_year": self.fiscal_year} | UNSEEN))
        self.read_all = False

    def add(self, seats: Iterable[EnrolmentDocument]) -> None:
        """Seats this process has just inserted, unmarked."""
        for e in seats:
            self.seats[e.id] = {k: v for k, v in e.to_mongo().items() if k in SEAT_FIELDS}

    def values(self) -> Iterator[dict[str, Any]]:
        return iter(self.seats.values())

    def _take_in(self, docs: Iterable[dict[str, Any]]) -> None:
        marked: list[dict[str, Any]] = []
        self.last_read = 0
        for doc in docs:
            self.last_read += 1
            self.seats[doc["_id"]] = doc
            if doc.get("planner_seen") is False:
                marked.append(doc)
        clear_marks(marked)


def clear_marks(docs: list[dict[str, Any]]) -> int:
    """Clear the marks of seats as read: only where the seat is still that version (a mark is not state, so
    the version stays, and a writer holding the same version still commits, marking it again). Returns how
    many were cleared."""
    coll, cleared = EnrolmentDocument._get_collection(), 0
    for start in range(0, len(docs), BULK_STATEMENTS):
        chunk = docs[start : start + BULK_STATEMENTS]
        ops = [UpdateOne({"_id": d["_id"], "version": d.get("version")} | UNSEEN, {"$set": SEEN}) for d in chunk]
        with one_writer(coll, [d["_id"] for d in chunk]):  # FerretDB v1 rewrites the document: one at a time
            cleared += bulk_write(coll, ops)
    return cleared


def _find(query: dict[str, Any]) -> Iterator[dict[str, Any]]:
    return EnrolmentDocument._get_collection().find(query, dict.fromkeys(SEAT_FIELDS, 1))
