"""Helpers for the import tests: files in each format, unique names and credit codes."""
import csv
import io
import random

from openpyxl import Workbook

from app.domain.validation import credit_code_check_char

_rng = random.Random()


def code() -> str:
    """A valid unified social credit code no other test uses."""
    body = f"9144{_rng.randrange(10**13):013d}"
    return body + credit_code_check_char(body)


def uniq(prefix: str = "导入客户") -> str:
    return f"{prefix}{_rng.randrange(10**9)}有限公司"


def csv_bytes(rows, encoding="utf-8-sig", delimiter=",") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter).writerows(rows)
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(rows, title="客户") -> bytes:
    """A workbook whose cells are as given (a str beginning with '=' becomes a formula, as a person typed it)."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


