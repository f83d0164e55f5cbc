"""CSV cells a spreadsheet would run as formulas are written as text (shared/http/reports.py)."""

import csv
import io

import pytest

from shared.http.reports import attachment, csv_text, spreadsheet_cell, to_csv


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_a_text_cell_starting_like_a_formula_is_prefixed_with_an_apostrophe(start):
    assert spreadsheet_cell(f'{start}HYPERLINK("http://evil","klik")') == f'\'{start}HYPERLINK("http://evil","klik")'


def test_other_text_and_every_number_are_left_as_they_are():
    assert spreadsheet_cell("Puskesmas Padang Bulan") == "Puskesmas Padang Bulan"
    assert spreadsheet_cell("a=b") == "a=b"
    # A negative figure is data, not a formula: numbers stay numbers.
    assert [spreadsheet_cell(v) for v in (-3.5, -2, 0, True, None)] == [-3.5, -2, 0, True, None]


def test_a_csv_is_written_safe_and_reads_back():
    text = to_csv([{"name": "=1+1", "change_pct": -12.5, "unit": "PKM-TELADAN"}])
    assert text.splitlines() == ["name,change_pct,unit", "'=1+1,-12.5,PKM-TELADAN"]
    assert list(csv.reader(io.StringIO(csv_text(["@h"], [["\tx"]])))) == [["'@h"], ["'\tx"]]


def test_a_download_name_from_a_callers_value_cannot_break_the_header():
    # The fuzzer's unit_code "ï" made a header that is not UTF-8; a quote or CR LF would end the name.
    header = attachment('kepatuhan-jp-2027-ï"\r\nSet-Cookie: x.csv')["Content-Disposition"]
    assert header == 'attachment; filename="kepatuhan-jp-2027-----Set-Cookie--x.csv"'
    assert header.isascii()
