"""Hostile spreadsheets, built on the fly: a valid XLSX whose one sheet unzips to a chosen size."""

from __future__ import annotations

import io
import zipfile

from openpyxl import Workbook

SHEET = "xl/worksheets/sheet1.xml"
HEADER = (
    b'<row><c t="inlineStr"><is><t>kode_unit</t></is></c><c t="inlineStr"><is><t>nama_unit</t></is></c>'
    b'<c t="inlineStr"><is><t>jenis</t></is></c></row>'
)
ROW = (
    '<row><c t="inlineStr"><is><t>UNIT</t></is></c><c t="inlineStr"><is><t>' + "x" * 200 + "</t></is></c>"
    '<c t="inlineStr"><is><t>opd</t></is></c></row>'
).encode()


def expanding_workbook(expanded_bytes: int) -> bytes:
    """A units workbook (openpyxl's parts, our sheet) whose sheet repeats one row until it holds
    ``expanded_bytes``: a zip bomb of about 1/230 of that size, written in chunks (bounded memory)."""
    book = Workbook()
    plain = io.BytesIO()
    book.save(plain)
    out = io.BytesIO()
    with (
        zipfile.ZipFile(plain) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target,
    ):
        for info in source.infolist():
            if info.filename != SHEET:
                target.writestr(info, source.read(info))
                continue
            with target.open(SHEET, "w", force_zip64=True) as sheet:
                sheet.write(
                    b'<?xml version="1.0" encoding="UTF-8"?><worksheet '
                    b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>' + HEADER
                )
                chunk, written = ROW * 4096, 0
                while written < expanded_bytes:
                    sheet.write(chunk)
                    written += len(chunk)
                sheet.write(b"</sheetData></worksheet>")
    return out.getvalue()
