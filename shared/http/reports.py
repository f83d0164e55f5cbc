"""Reports as JSON, or as CSV downloads a spreadsheet opens."""

from __future__ import annotations

import csv
import io
from typing import Any, Literal

from fastapi import Response
from fastapi.responses import JSONResponse

ReportFormat = Literal["json", "csv"]


def to_csv(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return ""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def report_response(rows: list[dict[str, Any]], fmt: ReportFormat, filename: str, extra: dict[str, Any]) -> Response:
    """``rows`` as a CSV attachment, or as JSON under ``rows`` next to ``extra`` (what the report is of)."""
    if fmt == "csv":
        return Response(
            to_csv(rows),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{filename}.csv"'},
        )
    return JSONResponse({**extra, "rows": rows})


def report_formats(*media_types: str) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI ``responses`` of a report route: JSON, or the other formats it can download as."""
    content: dict[str, dict[str, Any]] = {"application/json": {}}
    content |= {m: {"schema": {"type": "string"}} for m in media_types}
    return {200: {"description": "The report", "content": content}}


CSV_REPORT = report_formats("text/csv")
