"""Cell values as the importer reads them: text trimmed, dates and amounts in the forms people type.

Pure: no Flask. A cell may be a str (CSV, text cells), a number, a bool or a datetime (xlsx). Parsing errors
raise `CellError` with an English message that the engine translates.
"""
from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

# Blanks and invisible characters people paste around a value (from web pages, Word, WeChat).
EDGE_JUNK = " \t\r\n\u00a0\u3000\u200b\u200c\u200d\u2060\ufeff"
DATE_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$")
CURRENCY = re.compile(r"^(?:¥|￥|RMB|CNY|人民币)\s*|\s*(?:元|RMB|CNY)$", re.IGNORECASE)
EXCEL_EPOCH = date(1899, 12, 30)


def N_(message: str) -> str:
    """Marks a message for the catalogues; the engine translates it when it reports the error."""
    return message


class CellError(ValueError):
    """A cell that cannot be read as its field's kind; `message` is an English msgid, `params` its values."""

    def __init__(self, message: str, **params):
        super().__init__(message % params if params else message)
        self.message = message
        self.params = params


def cell_text(value) -> str:
    """A cell as the text a person sees: None is empty, dates ISO, whole floats without .0, ends trimmed."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip(EDGE_JUNK)


def folded(text: str) -> str:
    """Full-width digits, letters and punctuation as their ASCII forms (for numbers, dates, flags)."""
    return unicodedata.normalize("NFKC", text).strip(EDGE_JUNK)


def parse_date(value) -> date:
    """An Excel date (cell or serial number) or text: 2026-11-29, 2026/11/29, 2026.11.29, 2026年11月29日."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if 1 <= value < 2958466:
            return EXCEL_EPOCH + timedelta(days=int(value))
        raise CellError(N_("Use a date like 2026-12-31."))
    text = folded(cell_text(value))
    if re.fullmatch(r"\d{5}(?:\.0+)?", text):  # a serial number that reached us as text (CSV from Excel)
        return parse_date(int(float(text)))
    match = DATE_RE.match(text)
    if not match:
        raise CellError(N_("Use a date like 2026-12-31."))
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        raise CellError(N_("This date does not exist.")) from None


def parse_amount(value) -> Decimal:
    """A number, or text with thousands separators and a currency sign: ¥1,234.50, 1 234,00 is refused."""
    if isinstance(value, bool):
        raise CellError(N_("An amount must be a number."))
    if isinstance(value, (int, Decimal)):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    text = folded(cell_text(value))
    text = CURRENCY.sub("", text).strip()
    if re.fullmatch(r"[-+]?\d{1,3}(,\d{3})+(\.\d+)?", text):
        text = text.replace(",", "")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise CellError(N_("An amount must be a number.")) from None
    if not amount.is_finite():
        raise CellError(N_("An amount must be a number."))
    return amount


TRUE_WORDS = frozenset({"true", "yes", "y", "1", "是", "√", "✓", "x", "对", "有"})
FALSE_WORDS = frozenset({"false", "no", "n", "0", "否", "", "无", "×"})


def parse_bool(value) -> bool:
    if isinstance(value, bool):
        return value
    text = folded(cell_text(value)).lower()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise CellError(N_("Use TRUE or FALSE (tick or untick the box)."))
