"""SIASN entries as files for BKPSDM staff to upload by hand: CSV (one file per riwayat, SIASN's field
names as columns) and JSON (every entry with the endpoint it belongs to)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from typing import Any

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
    (documents are uploaded in SIASN itself) are left out."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow([*LEAD_COLUMNS, *COLUMNS[riwayat]])
    for item in sorted((i for i in items if i.riwayat == riwayat), key=lambda i: (i.completed_on, i.nip)):
        writer.writerow([item.nip, item.unit_code, item.reference, *(_cell(item.body[c]) for c in COLUMNS[riwayat])])
    return out.getvalue()


def _cell(value: Any) -> str:
    return "" if value is None else str(value)


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
