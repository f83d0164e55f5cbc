"""Reports as JSON, or as CSV downloads a spreadsheet opens."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from typing import Any, Literal

from fastapi import Response
from fastapi.responses import JSONResponse

ReportFormat = Literal["json", "csv"]

# A text cell starting with one of these is run as a formula by Excel, LibreOffice or Google Sheets
# (OWASP "CSV injection"): a name imported as =HYPERLINK(...) would become a link in BKPSDM's report.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(value: Any) -> Any:
    """A text cell a spreadsheet would run as a formula, prefixed with an apostrophe (shown as text).
    Only text: numbers stay numbers, so a negative figure (a fall in an indicator) is still a number."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def csv_text(header: Sequence[str], rows: Iterable[Sequence[Any]], *, delimiter: str = ",") -> str:
    """Every CSV the services write goes through here, so every text cell is spreadsheet-safe."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow([spreadsheet_cell(h) for h in header])
    writer.writerows([spreadsheet_cell(v) for v in row] for row in rows)
    return out.getvalue()


def to_csv(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return ""
    fields = list(rows[0])
    return csv_text(fields, ([row.get(f) for f in fields] for row in rows))


def attachment(filename: str) -> dict[str, str]:
    """The header that makes a response a download named ``filename``. A name may carry a caller's
    value (a unit code from the query): anything but letters, digits, dots and hyphens becomes a hyphen,
    so no quote, line break or non-ASCII character reaches the header (the fuzzer's ``ï`` broke it)."""
    return {"Content-Disposition": f'attachment; filename="{re.sub(r"[^A-Za-z0-9.-]", "-", filename)}"'}


def report_response(rows: list[dict[str, Any]], fmt: ReportFormat, filename: str, extra: dict[str, Any]) -> Response:
    """``rows`` as a CSV attachment, or as JSON under ``rows`` next to ``extra`` (what the report is of)."""
    if fmt == "csv":
        return Response(
            to_csv(rows),
            media_type="text/csv; charset=utf-8",
            headers=attachment(f"{filename}.csv"),
        )
    return JSONResponse({**extra, "rows": rows})


def report_formats(*media_types: str) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI ``responses`` of a report route: JSON, or the other formats it can download as."""
    content: dict[str, dict[str, Any]] = {"application/json": {}}
    content |= {m: {"schema": {"type": "string"}} for m in media_types}
    return {200: {"description": "The report", "content": content}}


CSV_REPORT = report_formats("text/csv")
