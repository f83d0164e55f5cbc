"""SIASN entries as files for BKPSDM staff to upload by hand: CSV (one file per riwayat, SIASN's field
names as columns) and JSON (every entry with the endpoint it belongs to)."""

from __future__ import annotations

import json
from collections.abc import Sequence

from shared.http.reports import csv_text
from shared.interop.siasn import SAVE_PATHS, Riwayat, SiasnItem

# Who and which seat each row is, before SIASN's own fields.
LEAD_COLUMNS = ("nip", "kode_unit", "referensi")
COLUMNS: dict[Riwayat, tuple[str, ...]] = {
    "kursus": (
        "instansiId", "institusiPenyelenggara", "jenisDiklatId", "jenisKursus", "jenisKursusSertipikat", "jumlahJam",
        "lokasiId", "namaKursus", "nomorSertipikat", "pnsOrangId", "tahunKursus", "tanggalKursus",
        "tanggalSelesaiKursus",
    ),
    "diklat": (
        "bobot", "institusiPenyelenggara", "jenisKompetensi", "jumlahJam", "latihanStrukturalId", "nomor",
        "pnsOrangId", "tahun", "tanggal", "tanggalSelesai",
    ),
}  # fmt: skip


def to_csv(items: Sequence[SiasnItem], riwayat: Riwayat, *, delimiter: str = ",") -> str:
    """The items of one riwayat as CSV, in completion order then NIP. ``id`` (always new) and ``path``
    (documents are uploaded in SIASN itself) are left out. Through the shared ``csv_text``: a programme
    title starting with ``=`` is text in the spreadsheet BKPSDM opens, not a formula."""
    ordered = sorted((i for i in items if i.riwayat == riwayat), key=lambda i: (i.completed_on, i.nip))
    rows = ([item.nip, item.unit_code, item.reference, *(item.body[c] for c in COLUMNS[riwayat])] for item in ordered)
    return csv_text([*LEAD_COLUMNS, *COLUMNS[riwayat]], rows, delimiter=delimiter)


def to_json(items: Sequence[SiasnItem]) -> str:
    entries = [
        {
            "nip": item.nip,
            "kode_unit": item.unit_code,
            "referensi": item.reference,
            "riwayat": item.riwayat,
            "endpoint": SAVE_PATHS[item.riwayat],
            "body": item.body,
        }
        for item in sorted(items, key=lambda i: (i.completed_on, i.nip, i.riwayat))
    ]
    return json.dumps({"count": len(entries), "items": entries}, ensure_ascii=False, indent=2)
