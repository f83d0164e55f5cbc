"""The directory of people: contact details, language, channels, digest choice and the roles routing
asks about (head of which units, BKPSDM administrator). Maintained one person at a time or by CSV.

A CSV import is all or nothing: every row is checked first, and one bad row rejects the file with each
problem's line and column, in Bahasa Indonesia and English.

Routing reads the directory for every event (``People``), through the process's reference cache
(shared/cache.py). Every write here, and every data-subject request handled (an erasure deletes an
entry), forgets the whole directory in it: one person's entry changes who heads a unit or who is an
administrator, which other keys answer. Another replica's writes are seen within REFERENCE_CACHE_TTL_S.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from pymongo import UpdateOne

from services.notifications import domain
from services.notifications.application.records import preferences
from services.notifications.documents import PersonDocument
from shared.cache import ReferenceCache
from shared.domain.errors import Invalid
from shared.persistence import async_collection, bulk_write

DIRECTORY = "notifications.directory"

# Indonesian column names, as the BKPSDM staff list is kept; the first is the key.
COLUMNS = {
    "nip": "nip",
    "nama": "name",
    "email": "email",
    "bahasa": "language",
    "kanal": "channels",
    "ringkasan_harian": "digest",
    "kode_unit": "unit_code",
    "kepala_unit": "head_of_units",
    "admin_bkpsdm": "bkpsdm_admin",
}
FIELD_COLUMN = {f: c for c, f in COLUMNS.items()}
TRUE_WORDS, FALSE_WORDS = {"ya", "y", "yes", "true", "1"}, {"tidak", "t", "no", "false", "0", ""}


class InvalidFile(Invalid):
    def __init__(self, message_id: str, message_en: str) -> None:
        super().__init__("invalid_file", message_id, message_en)


@dataclass(frozen=True)
class RowProblem:
    line: int
    column: str
    message_id: str
    message_en: str


@dataclass
class ImportReport:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[RowProblem] = field(default_factory=list)


def parse_csv(content: bytes) -> tuple[list[domain.PersonRecord], list[RowProblem]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidFile("Berkas CSV harus berkode UTF-8.", "The CSV file must be UTF-8 encoded.") from None
    header = text.split("\n", 1)[0]
    reader = csv.DictReader(io.StringIO(text), delimiter=";" if header.count(";") > header.count(",") else ",")
    names = [n.strip().lower() for n in reader.fieldnames or []]
    if "nip" not in names:
        raise InvalidFile(
            f"Kolom nip wajib ada. Kolom yang dikenal: {', '.join(COLUMNS)}.",
            f"The nip column is required. Known columns: {', '.join(COLUMNS)}.",
        )
    records: list[domain.PersonRecord] = []
    problems: list[RowProblem] = []
    seen: dict[str, int] = {}
    for line, raw in enumerate(reader, start=2):
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items() if k is not None}
        record, row_problems = _record(row, line)
        if record.nip in seen:
            row_problems.append(
                RowProblem(
                    line,
                    "nip",
                    f"NIP ganda: sama dengan baris {seen[record.nip]}.",
                    f"Duplicate NIP: same as line {seen[record.nip]}.",
                )
            )
        seen.setdefault(record.nip, line)
        problems.extend(row_problems)
        records.append(record)
    return records, problems


def _record(row: dict[str, str], line: int) -> tuple[domain.PersonRecord, list[RowProblem]]:
    problems: list[RowProblem] = []

    def flag(column: str) -> bool:
        value = row.get(column, "").lower()
        if value not in TRUE_WORDS | FALSE_WORDS:
            problems.append(
                RowProblem(line, column, f"Isi {column} dengan ya atau tidak.", f"Fill {column} with ya or tidak.")
            )
        return value in TRUE_WORDS

    def listed(column: str) -> tuple[str, ...]:
        return tuple(v.strip() for v in row.get(column, "").replace(",", ";").split(";") if v.strip())

    record = domain.PersonRecord(
        nip=row.get("nip", "").replace(" ", ""),
        name=row.get("nama") or None,
        email=row.get("email") or None,
        language=(row.get("bahasa") or "id").lower(),
        channels=listed("kanal") or (domain.INBOX,),
        digest=flag("ringkasan_harian"),
        unit_code=row.get("kode_unit") or None,
        head_of_units=listed("kepala_unit"),
        bkpsdm_admin=flag("admin_bkpsdm"),
    )
    problems += [
        RowProblem(line, FIELD_COLUMN[p.field], p.message_id, p.message_en) for p in domain.check_person(record)
    ]
    # The database can neither store nor compare a NUL (it was a 500).
    problems += [
        RowProblem(line, column, f"Kolom {column} memuat karakter NUL.", f"Column {column} contains a NUL character.")
        for column, value in row.items()
        if "\x00" in value
    ]
    return record, problems


def _fields(record: domain.PersonRecord) -> dict[str, Any]:
    values = asdict(record)
    values.pop("nip")
    values["channels"] = list(record.channels)
    values["head_of_units"] = list(record.head_of_units)
    return values


def _stored(person: PersonDocument) -> dict[str, Any]:
    return {
        "name": person.name,
        "email": person.email,
        "language": person.language,
        "channels": list(person.channels),
        "digest": bool(person.digest),
        "unit_code": person.unit_code,
        "head_of_units": list(person.head_of_units),
        "bkpsdm_admin": bool(person.bkpsdm_admin),
    }


@dataclass(frozen=True)
class People:
    """What routing asks the directory, cached: the heads of a unit, the administrators, a person's
    preferences (the defaults for someone not in it)."""

    cache: ReferenceCache

    def heads_of(self, unit_code: str) -> tuple[str, ...]:
        return self.cache.get(
            DIRECTORY,
            ("heads", unit_code),
            lambda: tuple(p.id for p in PersonDocument.objects(head_of_units=unit_code).only("id")),
        )

    def admins(self) -> tuple[str, ...]:
        return self.cache.get(
            DIRECTORY, ("admins",), lambda: tuple(p.id for p in PersonDocument.objects(bkpsdm_admin=True).only("id"))
        )

    def preferences(self, nip: str) -> domain.Preferences:
        # One key per person: FerretDB v1 answers an $in by one lookup per value anyway (objects_in).
        return self.cache.get(DIRECTORY, ("person", nip), lambda: preferences(PersonDocument.objects(id=nip).first()))

    async def read_preferences(self, nip: str) -> domain.Preferences:
        """``preferences`` for an async endpoint, read through the async client when not cached."""

        async def load() -> domain.Preferences:
            raw = await async_collection(PersonDocument).find_one({"_id": nip})
            return preferences(None if raw is None else PersonDocument._from_son(raw))

        return await self.cache.aget(DIRECTORY, ("person", nip), load)

    def preferences_of(self, nips: Iterable[str]) -> dict[str, domain.Preferences]:
        return {nip: self.preferences(nip) for nip in nips}

    def changed(self) -> None:
        """Called after every write of the directory in this process."""
        self.cache.invalidate(DIRECTORY)


def save_person(record: domain.PersonRecord, people: People) -> PersonDocument:
    """Create or replace one person's entry; refused whole, naming every problem, if any field is wrong."""
    problems = domain.check_person(record)
    if problems:
        raise Invalid(
            "invalid_person",
            " ".join(p.message_id for p in problems),
            " ".join(p.message_en for p in problems),
        )
    person = PersonDocument(id=record.nip, updated_at=datetime.now(UTC), **_fields(record))
    person.save()
    people.changed()
    return person


def import_people(content: bytes, people: People) -> ImportReport:
    records, problems = parse_csv(content)
    report = ImportReport(rows=len(records), problems=problems)
    if problems:
        return report
    existing = {p.id: p for p in PersonDocument.objects(id__in=[r.nip for r in records])}
    now = datetime.now(UTC)
    writes = []
    for record in records:
        fields = _fields(record)
        before = existing.get(record.nip)
        if before is not None and _stored(before) == fields:
            report.unchanged += 1
            continue
        if before is None:
            report.created += 1
        else:
            report.updated += 1
        writes.append(UpdateOne({"_id": record.nip}, {"$set": {**fields, "updated_at": now}}, upsert=True))
    # One bulk write instead of a save per person: a city's whole staff list is thousands of rows.
    if writes:
        try:
            bulk_write(PersonDocument._get_collection(), writes)
        finally:
            people.changed()  # also after a failure part-way: some rows may be stored
    return report
