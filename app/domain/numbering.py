"""Contract numbers from a pattern (CONTRACT_NUMBER_PATTERN, default ``HT-{year}-{seq:04d}``). Pure.

A pattern is Python format text with the fields ``year``, ``month`` (optional) and ``seq`` (required, the
running number). The running number restarts for each distinct text the pattern gives without it: per year
for the default pattern, per month when ``{month:02d}`` is in it, never when neither is.
"""
from __future__ import annotations

import re
import string
from datetime import date

DEFAULT_PATTERN = "HT-{year}-{seq:04d}"
FIELDS = frozenset({"year", "month", "seq"})
NUMBER_LENGTH = 40  # contract.number is String(40)


def pattern_problem(pattern: str) -> str | None:
    """Why the pattern cannot number contracts (English, for the configuration error), or None."""
    try:
        names = [name for _, name, _, _ in string.Formatter().parse(pattern) if name is not None]
    except ValueError as exc:
        return f"it is not valid format text ({exc})"
    if "seq" not in names:
        return "it must contain {seq}, e.g. HT-{year}-{seq:04d}"
    unknown = sorted({name for name in names if name not in FIELDS})
    if unknown:
        return "it may only use {year}, {month} and {seq}, not " + ", ".join("{%s}" % n for n in unknown)
    try:
        sample = render(pattern, date(2026, 12, 1), 999999)
    except (ValueError, TypeError, KeyError, IndexError) as exc:
        return f"it cannot be filled in ({exc})"
    if len(sample) > NUMBER_LENGTH:
        return f"its numbers would be longer than {NUMBER_LENGTH} characters"
    return None


def render(pattern: str, day: date, seq: int) -> str:
    return pattern.format(year=day.year, month=day.month, seq=seq)


def scope(pattern: str, day: date) -> str:
    """What the running number counts within: the pattern filled in except for the running number."""
    return _without_seq(pattern, day).replace("\x00", "{seq}")


def _without_seq(pattern: str, day: date) -> str:
    out = []
    for literal, name, spec, conversion in string.Formatter().parse(pattern):
        out.append(literal)
        if name is None:
            continue
        if name == "seq":
            out.append("\x00")  # the place of the running number
        else:
            out.append(format({"year": day.year, "month": day.month}[name], spec or ""))
    return "".join(out)


def seq_of(pattern: str, day: date, number: str) -> int | None:
    """The running number in ``number`` if the pattern (for that day) made it, else None."""
    before, _, after = _without_seq(pattern, day).partition("\x00")
    match = re.fullmatch(re.escape(before) + r"(\d+)" + re.escape(after), number or "")
    return int(match.group(1)) if match else None
