"""Cell value input parsing (RAW / USER_ENTERED) and rendering.

Cells are stored as a subset of Google's CellData: ``userEnteredValue``
(ExtendedValue), ``userEnteredFormat``, ``note``, ``dataValidation``.
Formulas are stored but never evaluated: every render option returns the
formula text, which keeps tests deterministic.
"""
from __future__ import annotations

import datetime as dt
import re
from typing import Any, Optional

EPOCH = dt.datetime(1899, 12, 30)
_NUMBER = re.compile(r"^[+-]?(\d{1,3}(,\d{3})+|\d+)?(\.\d+)?([eE][+-]?\d+)?$")
_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_DATETIME = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?$")
_US_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_TIME = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")
DATE_TYPES = ("DATE", "TIME", "DATE_TIME")


def _serial(d: dt.datetime) -> float:
    delta = d - EPOCH
    return delta.days + delta.seconds / 86400.0


def _num(x: float) -> Any:
    """JSON form of a number: Google sends 123, not 123.0."""
    if isinstance(x, float) and x.is_integer() and abs(x) < 2**53:
        return int(x)
    return x


def parse_input(raw: Any, user_entered: bool):
    """Return (ExtendedValue or None for "clear", auto numberFormat or None)."""
    if isinstance(raw, bool):
        return {"boolValue": raw}, None
    if isinstance(raw, (int, float)):
        return {"numberValue": float(raw)}, None
    text = "" if raw is None else str(raw)
    if text == "":
        return None, None
    if not user_entered:
        return {"stringValue": text}, None
    if text.startswith("="):
        return {"formulaValue": text}, None
    if text.startswith("'"):
        return {"stringValue": text[1:]}, None
    if text.upper() in ("TRUE", "FALSE"):
        return {"boolValue": text.upper() == "TRUE"}, None
    s = text.strip()
    if s.endswith("%") and _NUMBER.match(s[:-1]) and any(c.isdigit() for c in s):
        return {"numberValue": float(s[:-1].replace(",", "")) / 100}, {
            "type": "PERCENT", "pattern": "0.00%" if "." in s else "0%"}
    if _NUMBER.match(s) and any(c.isdigit() for c in s):
        fmt = {"type": "NUMBER", "pattern": "#,##0"} if "," in s else None
        return {"numberValue": float(s.replace(",", ""))}, fmt
    try:
        m = _DATE.match(s)
        if m:
            d = dt.datetime(int(m[1]), int(m[2]), int(m[3]))
            return {"numberValue": _serial(d)}, {"type": "DATE", "pattern": "yyyy-mm-dd"}
        m = _DATETIME.match(s)
        if m:
            d = dt.datetime(int(m[1]), int(m[2]), int(m[3]), int(m[4]), int(m[5]), int(m[6] or 0))
            return {"numberValue": _serial(d)}, {
                "type": "DATE_TIME", "pattern": "yyyy-mm-dd hh:mm:ss"}
        m = _US_DATE.match(s)
        if m:
            d = dt.datetime(int(m[3]), int(m[1]), int(m[2]))
            return {"numberValue": _serial(d)}, {"type": "DATE", "pattern": "M/d/yyyy"}
        m = _TIME.match(s)
        if m and int(m[1]) < 24:
            secs = int(m[1]) * 3600 + int(m[2]) * 60 + int(m[3] or 0)
            return {"numberValue": secs / 86400.0}, {"type": "TIME", "pattern": "hh:mm:ss"}
    except ValueError:
        pass  # e.g. 2024-13-45: Google keeps it as text
    return {"stringValue": text}, None


def cell_has_value(cell: Optional[dict]) -> bool:
    return bool(cell) and "userEnteredValue" in cell


def _date_pattern(serial: float, pattern: str) -> str:
    moment = EPOCH + dt.timedelta(days=serial)
    tokens = re.findall(r"yyyy|yy|mmmm|mmm|mm|m|dd|d|hh|h|ss|s|am/pm|[^ymdhs]+|.",
                        pattern, flags=re.I)
    lowered = [t.lower() for t in tokens]
    out = []
    for i, tok in enumerate(lowered):
        if tok in ("mm", "m"):
            prev = [t for t in lowered[:i] if t in ("h", "hh", "d", "dd", "yyyy", "yy")]
            nxt = [t for t in lowered[i + 1:] if t in ("s", "ss", "d", "dd", "yyyy", "yy")]
            minute = (prev and prev[-1] in ("h", "hh")) or (nxt and nxt[0] in ("s", "ss"))
            val = moment.minute if minute else moment.month
            out.append(f"{val:02d}" if tok == "mm" else str(val))
        elif tok == "yyyy":
            out.append(f"{moment.year:04d}")
        elif tok == "yy":
            out.append(f"{moment.year % 100:02d}")
        elif tok == "mmmm":
            out.append(moment.strftime("%B"))
        elif tok == "mmm":
            out.append(moment.strftime("%b"))
        elif tok in ("dd", "d"):
            out.append(f"{moment.day:02d}" if tok == "dd" else str(moment.day))
        elif tok in ("hh", "h"):
            out.append(f"{moment.hour:02d}" if tok == "hh" else str(moment.hour))
        elif tok in ("ss", "s"):
            out.append(f"{moment.second:02d}" if tok == "ss" else str(moment.second))
        elif tok == "am/pm":
            out.append("AM" if moment.hour < 12 else "PM")
        else:
            out.append(tokens[i])
    return "".join(out)


def _general(x: float) -> str:
    if x.is_integer() and abs(x) < 1e15:
        return str(int(x))
    return f"{x:.10g}"


def _pattern_number(x: float, pattern: str) -> str:
    body = re.search(r"[#0][#0,]*(\.[0#]+)?", pattern)
    if not body:
        return _general(x)
    decimals = len(body.group(1)) - 1 if body.group(1) else 0
    spec = f"{',' if ',' in body.group(0) else ''}.{decimals}f"
    return pattern[:body.start()].replace('"', "") + format(x, spec) + \
        pattern[body.end():].replace('"', "")


def format_number(x: float, number_format: Optional[dict]) -> str:
    nf = number_format or {}
    kind, pattern = nf.get("type"), nf.get("pattern") or ""
    if kind in DATE_TYPES:
        default = {"DATE": "yyyy-mm-dd", "TIME": "hh:mm:ss",
                   "DATE_TIME": "yyyy-mm-dd hh:mm:ss"}[kind]
        return _date_pattern(x, pattern or default)
    if kind == "PERCENT":
        return _pattern_number(x * 100, (pattern or "0.00%").replace("%", "")) + "%"
    if kind in ("NUMBER", "CURRENCY") and pattern:
        return _pattern_number(x, pattern)
    return _general(x)


def render(cell: Optional[dict], value_render: str, date_render: str) -> Any:
    """One cell as values.get would return it."""
    if not cell_has_value(cell):
        return ""
    ev = cell["userEnteredValue"]
    if "formulaValue" in ev:
        return ev["formulaValue"]
    nf = (cell.get("userEnteredFormat") or {}).get("numberFormat")
    if "boolValue" in ev:
        b = ev["boolValue"]
        return b if value_render != "FORMATTED_VALUE" else ("TRUE" if b else "FALSE")
    if "numberValue" in ev:
        x = float(ev["numberValue"])
        if value_render == "FORMATTED_VALUE":
            return format_number(x, nf)
        if date_render == "FORMATTED_STRING" and nf and nf.get("type") in DATE_TYPES:
            return format_number(x, nf)
        return _num(x)
    return ev.get("stringValue", "")


def effective_value(cell: Optional[dict]) -> Optional[dict]:
    if not cell_has_value(cell):
        return None
    ev = dict(cell["userEnteredValue"])
    if "formulaValue" in ev:  # unevaluated: expose the text
        return {"stringValue": ev["formulaValue"]}
    if "numberValue" in ev:
        ev["numberValue"] = _num(float(ev["numberValue"]))
    return ev
