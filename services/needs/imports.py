"""Bulk import of master data in the shape of a SIASN export: reading, and validating every row.

Pure: bytes in, validated records and row errors out. Nothing is written unless every row is valid, so
a bad file leaves no trace; the application layer writes the records (see ``application.ImportWriter``).
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from services.needs import domain
from shared.domain.nip import InvalidNip, Nip

XLSX_TYPES = ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "application/xlsx")
UNIT_KINDS = ("opd", "bagian", "upt", "puskesmas", "kecamatan", "kelurahan", "sekolah", "other")
SURPLUS = "__surplus__"
NUMBER_MARK = "#number:"
YES = {"ya", "y", "yes", "true", "1"}
NO = {"tidak", "t", "no", "false", "0", ""}

# The columns of each kind; the first is the key. Indonesian names, as in SIASN exports.
COLUMNS: dict[str, tuple[str, ...]] = {
    "units": ("kode_unit", "nama_unit", "jenis", "kode_unit_induk", "garis_depan"),
    "positions": ("kode_jabatan", "nama_jabatan", "jenis_jabatan", "kode_unit", "standar"),
    "employees": ("nip", "nama", "kode_unit", "kode_jabatan", "nip_atasan", "status_kepegawaian"),
    "assessments": ("nip", "kode_kompetensi", "level", "sumber", "tanggal"),
}
# Optional columns and the field each fills. A column absent from the file leaves that field of existing
# records as it is (a new record gets the default); a present but empty cell clears it.
OPTIONAL: dict[str, dict[str, str]] = {
    "units": {"kode_unit_induk": "parent_code", "garis_depan": "front_line"},
    "positions": {"kode_unit": "unit_code", "standar": "standard"},
    "employees": {"nip_atasan": "supervisor_nip", "status_kepegawaian": "employment_type"},
    "assessments": {},
}
DEFAULTS: dict[str, dict[str, Any]] = {
    "units": {"front_line": False},
    "positions": {"standard": []},
    "employees": {"employment_type": "PNS"},
    "assessments": {},
}
REQUIRED: dict[str, tuple[str, ...]] = {
    "units": ("kode_unit", "nama_unit", "jenis"),
    "positions": ("kode_jabatan", "nama_jabatan", "jenis_jabatan"),
    "employees": ("nip", "nama", "kode_unit", "kode_jabatan"),
    "assessments": ("nip", "kode_kompetensi", "level", "sumber", "tanggal"),
}


# Columns holding codes and names: the same rules as the API's (services/needs/domain.py).
CODE_COLUMNS = ("kode_unit", "kode_unit_induk", "kode_jabatan", "kode_kompetensi")
NAME_COLUMNS = ("nama_unit", "nama_jabatan", "nama")
# A message in a report quotes the cell it is about; a cell of a megabyte must not make it one.
MAX_MESSAGE_CHARS = 500


@dataclass(frozen=True)
class ImportLimits:
    """What a file may hold before it is refused unread, and how much of a rejection is reported
    (NeedsSettings: IMPORT_MAX_ROWS, IMPORT_MAX_XLSX_MB, IMPORT_MAX_REPORTED_ERRORS)."""

    max_rows: int
    max_xlsx_bytes: int  # the workbook's parts once unzipped: a few kB can expand to gigabytes
    max_reported_errors: int


class UnreadableFile(ValueError):
    def __init__(self, message_id: str, message_en: str) -> None:
        super().__init__(message_en)
        self.message_id = message_id
        self.message_en = message_en


@dataclass(frozen=True)
class RowError:
    line: int
    column: str | None
    message_id: str
    message_en: str


@dataclass
class Validated:
    records: list[dict[str, Any]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


@dataclass(frozen=True)
class Known:
    """What already exists in the database, for references from the file."""

    units: frozenset[str] = frozenset()
    positions: frozenset[str] = frozenset()
    employees: frozenset[str] = frozenset()
    competencies: frozenset[str] = frozenset()


def read_rows(content: bytes, content_type: str, limits: ImportLimits) -> list[dict[str, str]]:
    """Rows as dicts keyed by lower-case column names; the header is line 1. A file over the limits is
    refused as soon as that is known: an XLSX before anything is unzipped, any file at the first row
    past the limit."""
    if content_type.split(";")[0].strip() in XLSX_TYPES:
        return _bounded(_xlsx_rows(content, limits.max_xlsx_bytes), limits.max_rows)
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UnreadableFile("Berkas CSV harus berkode UTF-8.", "The CSV file must be UTF-8 encoded.") from None
    # Exports from spreadsheets in Indonesian locales often use ';' as the separator.
    first_line = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first_line.count)
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    if not reader.fieldnames:
        raise UnreadableFile("Berkas kosong atau tanpa baris judul kolom.", "The file is empty or has no header row.")
    return _bounded(map(_clean_csv_row, reader), limits.max_rows)


def _clean_csv_row(row: dict[str | None, Any]) -> dict[str, str]:
    # DictReader files surplus values under the key None: an unquoted delimiter inside a value.
    surplus = row.pop(None, None)
    clean = {(k or "").strip().lower(): (v or "").strip() for k, v in row.items()}
    if surplus:
        clean[SURPLUS] = "1"
    return clean


def _bounded(rows: Iterable[dict[str, str]], max_rows: int) -> list[dict[str, str]]:
    taken: list[dict[str, str]] = []
    for row in rows:
        if len(taken) == max_rows:
            shown = f"{max_rows:,}"
            raise UnreadableFile(
                f"Berkas memuat lebih dari {shown.replace(',', '.')} baris data; pecah menjadi beberapa berkas.",
                f"The file holds more than {shown} data rows; split it into several files.",
            )
        taken.append(row)
    return taken


def _check_expansion(content: bytes, max_bytes: int) -> None:
    """Sum of the declared uncompressed sizes, read from the zip's directory alone. The declared size is
    what Python's zipfile lets a reader get (it stops there and fails the CRC), so it is a true bound."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            expanded = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError):
        raise UnreadableFile("Berkas XLSX tidak dapat dibaca.", "The XLSX file cannot be read.") from None
    if expanded > max_bytes:
        size, limit = f"{expanded / 1e6:,.0f}", f"{max_bytes / 1e6:,.0f}"
        raise UnreadableFile(
            f"Berkas XLSX berukuran {size.replace(',', '.')} MB setelah diekstrak, melebihi batas "
            f"{limit.replace(',', '.')} MB; pecah menjadi beberapa berkas atau kirim sebagai CSV.",
            f"The XLSX file expands to {size} MB, over the limit of {limit} MB; split it or send it as CSV.",
        )


def _xlsx_rows(content: bytes, max_bytes: int) -> Iterator[dict[str, str]]:
    from openpyxl import load_workbook

    _check_expansion(content, max_bytes)
    try:
        sheet = load_workbook(io.BytesIO(content), read_only=True, data_only=True).worksheets[0]
    except Exception as exc:
        raise UnreadableFile("Berkas XLSX tidak dapat dibaca.", f"The XLSX file cannot be read: {exc}.") from None
    rows = sheet.iter_rows(values_only=True)
    header = [str(c or "").strip().lower() for c in next(rows, ())]
    if not any(header):
        raise UnreadableFile("Berkas kosong atau tanpa baris judul kolom.", "The file is empty or has no header row.")

    def text(value: Any) -> str:
        if isinstance(value, date):
            return value.isoformat()[:10]
        if isinstance(value, int | float) and abs(value) >= 1e15:
            # A spreadsheet keeps numbers as doubles: an 18-digit NIP typed as a number has lost digits.
            return f"{NUMBER_MARK}{value}"
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return "" if value is None else str(value).strip()

    for row in rows:
        if any(v is not None for v in row):
            yield dict(zip(header, (text(v) for v in row), strict=False))


def check_header(kind: str, rows: list[dict[str, str]]) -> None:
    present = set(rows[0]) if rows else set()
    missing = [c for c in REQUIRED[kind] if c not in present]
    if rows and missing:
        raise UnreadableFile(
            f"Kolom wajib tidak ada: {', '.join(missing)}. Kolom yang dikenal: {', '.join(COLUMNS[kind])}.",
            f"Required columns missing: {', '.join(missing)}. Known columns: {', '.join(COLUMNS[kind])}.",
        )


def validate(kind: str, rows: list[dict[str, str]], known: Known) -> Validated:
    check_header(kind, rows)
    out = Validated()
    first_line: dict[str, int] = {}
    absent_fields = {field for column, field in OPTIONAL[kind].items() if rows and column not in rows[0]}
    # References may point at rows earlier or later in the same file.
    keys_in_file = frozenset(r.get(COLUMNS[kind][0], "") for r in rows)
    for index, row in enumerate(rows):
        line = index + 2
        errors: list[RowError] = []

        def err(
            column: str | None, message_id: str, message_en: str, *, _line: int = line, _to: list[RowError] = errors
        ) -> None:
            _to.append(RowError(_line, column, message_id, message_en))

        if row.get(SURPLUS):
            err(
                None,
                "Baris ini berisi lebih banyak nilai daripada judul kolom; apit nilai yang memuat "
                "pemisah dengan tanda kutip.",
                "This row has more values than the header; quote values that contain the separator.",
            )
        for column in REQUIRED[kind]:
            if not row.get(column):
                err(column, f"Kolom {column} wajib diisi.", f"Column {column} is required.")
        _check_cells(row, err)
        if not errors:
            record = _ROW_RULES[kind](row, known, keys_in_file, err)
            record = {k: v for k, v in record.items() if k not in absent_fields}
            # Keyed on the normalised id (a NIP written with spaces is the same NIP).
            key = record["_id"]
            if key in first_line:
                err(
                    None,
                    f"Baris ganda: sama dengan baris {first_line[key]}.",
                    f"Duplicate row: same as line {first_line[key]}.",
                )
            elif not errors:
                first_line[key] = line
                out.records.append(record)
        out.errors.extend(errors)
    return out


Err = Callable[..., None]


def _check_cells(row: dict[str, str], err: Err) -> None:
    """What the API refuses is refused here too: NUL characters (the database cannot store them), codes
    outside the code pattern, over-long names."""
    for column, value in row.items():
        if "\x00" in value:
            err(column, f"Kolom {column} memuat karakter NUL.", f"Column {column} contains a NUL character.")
    for column in CODE_COLUMNS:
        value = row.get(column, "")
        if value and "\x00" not in value and not domain.is_code(value):
            err(
                column,
                f"Kode '{value}' hanya boleh memuat huruf, angka, titik, garis bawah dan tanda hubung, "
                f"paling banyak {domain.CODE_MAX_LENGTH} karakter.",
                f"The code '{value}' may hold only letters, digits, dots, underscores and hyphens, "
                f"at most {domain.CODE_MAX_LENGTH} characters.",
            )
    for column in NAME_COLUMNS:
        if len(row.get(column, "")) > domain.NAME_MAX_LENGTH:
            err(
                column,
                f"Kolom {column} paling banyak {domain.NAME_MAX_LENGTH} karakter.",
                f"Column {column} holds at most {domain.NAME_MAX_LENGTH} characters.",
            )


def _unit(row: dict[str, str], known: Known, keys: frozenset[str], err: Err) -> dict[str, Any]:
    kind = row["jenis"].lower()
    if kind not in UNIT_KINDS:
        err(
            "jenis",
            f"Jenis unit '{row['jenis']}' tidak dikenal ({', '.join(UNIT_KINDS)}).",
            f"Unknown unit kind '{row['jenis']}' ({', '.join(UNIT_KINDS)}).",
        )
    parent = row.get("kode_unit_induk") or None
    if parent and parent not in known.units and parent not in keys:
        err("kode_unit_induk", f"Unit induk {parent} tidak dikenal.", f"Unknown parent unit {parent}.")
    front = row.get("garis_depan", "").lower()
    if front not in YES | NO:
        err("garis_depan", "Isi garis_depan dengan ya atau tidak.", "Fill garis_depan with ya or tidak.")
    return {
        "_id": row["kode_unit"],
        "name": row["nama_unit"],
        "kind": kind,
        "parent_code": parent,
        "front_line": front in YES,
    }


def _position(row: dict[str, str], known: Known, _keys: frozenset[str], err: Err) -> dict[str, Any]:
    try:
        ptype = domain.PositionType(row["jenis_jabatan"].lower()).value
    except ValueError:
        ptype = ""
        err(
            "jenis_jabatan",
            f"Jenis jabatan '{row['jenis_jabatan']}' tidak dikenal.",
            f"Unknown position type '{row['jenis_jabatan']}'.",
        )
    unit = row.get("kode_unit") or None
    if unit and unit not in known.units:
        err("kode_unit", f"Unit {unit} tidak dikenal.", f"Unknown unit {unit}.")
    standard: list[dict[str, Any]] = []
    for part in filter(None, (p.strip() for p in row.get("standar", "").split(";"))):
        code, _, level = part.partition("=")
        code = code.strip()
        if code not in known.competencies:
            err("standar", f"Kompetensi {code} tidak dikenal.", f"Unknown competency {code}.")
        elif not level.strip().isdigit() or not 1 <= int(level) <= 5:
            err(
                "standar",
                f"Level {code} harus 1-5 (diterima '{level.strip()}').",
                f"The level of {code} must be 1-5 (got '{level.strip()}').",
            )
        else:
            standard.append({"code": code, "level": int(level)})
    return {
        "_id": row["kode_jabatan"],
        "title": row["nama_jabatan"],
        "type": ptype,
        "unit_code": unit,
        "standard": sorted(standard, key=lambda s: s["code"]),
    }


def _nip(value: str, column: str, err: Err) -> str:
    if value.startswith(NUMBER_MARK):
        err(
            column,
            "NIP tersimpan sebagai angka di XLSX sehingga digitnya hilang; format kolom sebagai teks.",
            "The NIP was stored as a number in the XLSX and lost digits; format the column as text.",
        )
        return value
    try:
        return Nip.parse(value).value
    except InvalidNip as exc:
        err(column, exc.message_id, exc.message_en)
        return value


def _employee(row: dict[str, str], known: Known, _keys: frozenset[str], err: Err) -> dict[str, Any]:
    nip = _nip(row["nip"], "nip", err)
    supervisor = row.get("nip_atasan") or None
    if supervisor:
        supervisor = _nip(supervisor, "nip_atasan", err)
    if row["kode_unit"] not in known.units:
        err("kode_unit", f"Unit {row['kode_unit']} tidak dikenal.", f"Unknown unit {row['kode_unit']}.")
    if row["kode_jabatan"] not in known.positions:
        err("kode_jabatan", f"Jabatan {row['kode_jabatan']} tidak dikenal.", f"Unknown position {row['kode_jabatan']}.")
    status = (row.get("status_kepegawaian") or "PNS").upper()
    if status not in ("PNS", "PPPK"):
        err("status_kepegawaian", "Status kepegawaian harus PNS atau PPPK.", "Employment type must be PNS or PPPK.")
    return {
        "_id": nip,
        "name": row["nama"],
        "unit_code": row["kode_unit"],
        "position_code": row["kode_jabatan"],
        "supervisor_nip": supervisor,
        "employment_type": status,
    }


def _assessment(row: dict[str, str], known: Known, _keys: frozenset[str], err: Err) -> dict[str, Any]:
    nip = _nip(row["nip"], "nip", err)
    if nip not in known.employees:
        err("nip", f"Pegawai dengan NIP {nip} tidak dikenal.", f"Unknown employee with NIP {nip}.")
    code = row["kode_kompetensi"]
    if code not in known.competencies:
        err("kode_kompetensi", f"Kompetensi {code} tidak dikenal.", f"Unknown competency {code}.")
    level = row["level"]
    if not level.isdigit() or not 1 <= int(level) <= 5:
        err("level", f"Level harus 1-5 (diterima '{level}').", f"The level must be 1-5 (got '{level}').")
    try:
        source = domain.AssessmentSource(row["sumber"].lower()).value
    except ValueError:
        source = ""
        err(
            "sumber",
            f"Sumber '{row['sumber']}' tidak dikenal ({', '.join(s.value for s in domain.AssessmentSource)}).",
            f"Unknown source '{row['sumber']}' ({', '.join(s.value for s in domain.AssessmentSource)}).",
        )
    try:
        assessed_on = date.fromisoformat(row["tanggal"])
    except ValueError:
        assessed_on = date.min
        err(
            "tanggal",
            f"Tanggal '{row['tanggal']}' harus berformat YYYY-MM-DD.",
            f"The date '{row['tanggal']}' must be YYYY-MM-DD.",
        )
    else:
        if not domain.EARLIEST_ASSESSMENT <= assessed_on <= domain.LATEST_ASSESSMENT:
            err(
                "tanggal",
                f"Tanggal harus antara {domain.EARLIEST_ASSESSMENT} dan {domain.LATEST_ASSESSMENT}.",
                f"The date must be between {domain.EARLIEST_ASSESSMENT} and {domain.LATEST_ASSESSMENT}.",
            )
    return {
        "_id": assessment_id(nip, code, source, assessed_on),
        "nip": nip,
        "competency_code": code,
        "level": int(level) if level.isdigit() else 0,
        "source": source,
        "assessed_on": assessed_on,
    }


def assessment_id(nip: str, competency_code: str, source: str, assessed_on: date) -> str:
    """Natural key: re-recording the same assessment overwrites it, re-importing a file changes nothing."""
    return f"{nip}:{competency_code}:{source}:{assessed_on.isoformat()}"


_ROW_RULES: dict[str, Callable[[dict[str, str], Known, frozenset[str], Err], dict[str, Any]]] = {
    "units": _unit,
    "positions": _position,
    "employees": _employee,
    "assessments": _assessment,
}


def chunks(items: list[Any], size: int) -> Iterable[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
