"""The quarterly monitoring report as CSV rows (one figure per row, for spreadsheets) and as an HTML page
(to print or save as PDF), with Indonesian labels and the English beside them."""

from __future__ import annotations

from collections.abc import Iterator
from html import escape
from typing import Any

LABELS = {
    "response_by_level": ("Tingkat respons per level", "Response by level"),
    "response_by_unit": ("Tingkat respons per unit kerja", "Response by work unit"),
    "effectiveness_by_program": ("Efektivitas per program", "Effectiveness by programme"),
    "actions_by_unit": ("Aksi tindak lanjut per unit kerja", "Remedy actions by work unit"),
    "actions_by_barrier": ("Aksi tindak lanjut per hambatan", "Remedy actions by barrier"),
    "transfer": ("Penerapan hasil pelatihan", "Transfer of training"),
}
COLUMNS = {
    "asked": "diminta / asked",
    "submitted": "masuk / submitted",
    "due": "belum lewat tenggat / still due",
    "overdue": "lewat tenggat / overdue",
    "response_rate": "tingkat respons / response rate",
    "l1_count": "L1 n",
    "l1_mean_satisfaction": "L1 kepuasan rata-rata / mean satisfaction",
    "l2_count": "L2 n",
    "l2_mean_raw_gain": "L2 kenaikan nilai rata-rata / mean raw gain",
    "l2_normalised_count": "L2 n (gain ternormalisasi)",
    "l2_mean_normalised_gain": "L2 gain ternormalisasi rata-rata / mean normalised gain",
    "l3_count": "L3 n",
    "l3_applied": "L3 diterapkan / applied",
    "l3_transfer_rate": "L3 tingkat penerapan / transfer rate",
    "l4_count": "L4 n",
    "l4_mean_change_pct": "L4 perubahan rata-rata % / mean change %",
    "flags": "tanda / flags",
    "open": "terbuka / open",
    "done": "selesai / done",
    "dropped": "dibatalkan / dropped",
    "done_rate": "tingkat selesai / done rate",
}
TABLES = (
    "response_by_level",
    "response_by_unit",
    "effectiveness_by_program",
    "actions_by_unit",
    "actions_by_barrier",
)


def _figures(row: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    for key, value in row.items():
        if key == "group":
            continue
        yield key, ";".join(f["code"] for f in value) if key == "flags" else value


# The CSV form, one figure per row; the HTTP edge writes it spreadsheet-safe (shared.http.reports.csv_text).
CSV_HEADER = ("periode", "bagian", "kelompok", "ukuran", "nilai")


def csv_rows(report: dict[str, Any]) -> Iterator[list[Any]]:
    period = report["period"]
    for table in TABLES:
        for row in report[table]:
            for key, value in _figures(row):
                yield [period, table, row["group"], key, "" if value is None else value]
    transfer = report["transfer"]
    for key in ("struggling", "escalated"):
        yield [period, "transfer", "", key, transfer[key]]
    for barrier, count in transfer["barriers"].items():
        yield [period, "transfer", "barrier", barrier, count]


def _table(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return "<p>Tidak ada data / no data.</p>"
    keys = [k for k in rows[0] if k != "group"]
    head = "".join(f"<th>{escape(COLUMNS.get(k, k))}</th>" for k in keys)
    body = "".join(
        "<tr><th>" + escape(row["group"]) + "</th>"
        + "".join(f"<td>{escape('' if v is None else str(v))}</td>" for _, v in _figures(row))
        + "</tr>"
        for row in rows
    )  # fmt: skip
    return f"<table><thead><tr><th></th>{head}</tr></thead><tbody>{body}</tbody></table>"


def to_html(report: dict[str, Any]) -> str:
    sections = [
        f"<h2>{escape(LABELS[t][0])} <small>({escape(LABELS[t][1])})</small></h2>{_table(report[t])}" for t in TABLES
    ]
    transfer = report["transfer"]
    barriers = "".join(f"<li>{escape(b)}: {n}</li>" for b, n in transfer["barriers"].items())
    flagged = ", ".join(escape(p) for p in report["flagged_programs"]) or "-"
    return (
        "<!doctype html><html lang='id'><head><meta charset='utf-8'>"
        f"<title>Laporan Monitoring Evaluasi {escape(report['period'])}</title>"
        "<style>body{font-family:sans-serif}table{border-collapse:collapse}"
        "td,th{border:1px solid #999;padding:4px 8px;text-align:right}</style></head><body>"
        f"<h1>Laporan Monitoring dan Evaluasi Pengembangan Kompetensi ASN — {escape(report['period'])}</h1>"
        f"<p>BKPSDM Kota Medan · {escape(report['from'])} s.d. {escape(report['to'])} · "
        f"data per {escape(report['as_of'])}</p>"
        + "".join(sections)
        + f"<h2>{escape(LABELS['transfer'][0])} <small>({escape(LABELS['transfer'][1])})</small></h2>"
        f"<p>Kesulitan menerapkan / struggling: {transfer['struggling']} · "
        f"dieskalasi ke BKPSDM / escalated: {transfer['escalated']}</p><ul>{barriers}</ul>"
        f"<p>Program di bawah ambang / programmes below the bars: {flagged}</p></body></html>"
    )
