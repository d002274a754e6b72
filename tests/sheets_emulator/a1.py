"""A1 notation parsing/formatting for the Sheets emulator.

Indexes are 0-based and half-open like Google's GridRange; ``None`` on an
end means "unbounded" (whole column / open-ended range).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional, Tuple

_PART = re.compile(r"^\$?([A-Za-z]*)\$?(\d*)$")
_SIMPLE_TITLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_CELL_LIKE = re.compile(r"^[A-Za-z]{1,3}\d+$")


class A1Error(ValueError):
    """Raised for text Google would answer with 'Unable to parse range'."""


def col_to_index(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + (ord(ch) - 64)
    return n - 1


def index_to_col(index: int) -> str:
    out = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        out = chr(65 + rem) + out
    return out


def cell_name(row: int, col: int) -> str:
    return f"{index_to_col(col)}{row + 1}"


@dataclass
class Bounds:
    r0: int = 0
    r1: Optional[int] = None
    c0: int = 0
    c1: Optional[int] = None
    single: bool = False  # a lone cell like "B2": an anchor for writes


def split_sheet(text: str) -> Tuple[Optional[str], Optional[str]]:
    """Split "'My ''Tab'''!A1:B2" into ("My 'Tab'", "A1:B2").

    Returns (None, text) when there is no sheet part, and (title, None) for a
    quoted bare title.
    """
    if text.startswith("'"):
        i, title = 1, []
        while i < len(text):
            ch = text[i]
            if ch == "'":
                if text[i + 1:i + 2] == "'":
                    title.append("'")
                    i += 2
                    continue
                break
            title.append(ch)
            i += 1
        else:
            raise A1Error(text)
        rest = text[i + 1:]
        if not rest:
            return "".join(title), None
        if not rest.startswith("!"):
            raise A1Error(text)
        return "".join(title), rest[1:] or None
    if "!" in text:
        title, _, rest = text.rpartition("!")
        return title, rest or None
    return None, text


def parse_cells(ref: str) -> Bounds:
    """Parse the cell part: A1, A1:C10, A:C, 2:5, A2:Z (open-ended)."""
    parts = ref.split(":")
    if len(parts) > 2 or not ref:
        raise A1Error(ref)
    parsed = []
    for p in parts:
        m = _PART.match(p.strip())
        if not m or not (m.group(1) or m.group(2)):
            raise A1Error(ref)
        parsed.append((m.group(1), m.group(2)))
    (sc, sr) = parsed[0]
    if len(parsed) == 1:
        if not (sc and sr):
            raise A1Error(ref)
        r, c = int(sr) - 1, col_to_index(sc)
        if r < 0:
            raise A1Error(ref)
        return Bounds(r, r + 1, c, c + 1, single=True)
    (ec, er) = parsed[1]
    b = Bounds(
        r0=int(sr) - 1 if sr else 0,
        c0=col_to_index(sc) if sc else 0,
        r1=int(er) if er else None,
        c1=col_to_index(ec) + 1 if ec else None,
    )
    if (sr and int(sr) < 1) or (er and int(er) < 1):
        raise A1Error(ref)
    # Google normalises reversed corners ("C3:A1" == "A1:C3").
    if b.r1 is not None and b.r1 <= b.r0:
        b.r0, b.r1 = b.r1 - 1, b.r0 + 1
    if b.c1 is not None and b.c1 <= b.c0:
        b.c0, b.c1 = b.c1 - 1, b.c0 + 1
    return b


def quote_title(title: str) -> str:
    if _SIMPLE_TITLE.match(title) and not _CELL_LIKE.match(title):
        return title
    return "'" + title.replace("'", "''") + "'"


def format_range(title: str, r0: int, r1: int, c0: int, c1: int) -> str:
    """Render a bounded range the way Google echoes it back."""
    start = cell_name(r0, c0)
    if r1 - r0 == 1 and c1 - c0 == 1:
        return f"{quote_title(title)}!{start}"
    return f"{quote_title(title)}!{start}:{cell_name(r1 - 1, c1 - 1)}"
