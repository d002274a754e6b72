"""Sheet cells as the core compares them: each kind's canonical text.

A cell that means the same value as the database's text (2026/1/5 for 2026-01-05, 36000 for
36000.00, an enum's value for its label) is put in that form before planning, so that it is not
seen as an edit; the other cells only need trimming, which the core does.
"""
from __future__ import annotations

from .db_side import DbSide, normalise
from .profiles import Table

# Kinds whose sheet text has a canonical form (db_side.normalise); the other cells only need
# trimming, which the core does.
CANONICAL_KINDS = frozenset({"decimal", "date", "bool", "enum"})


def canonical(column, text: str, labels: dict | None) -> str:
    if column.kind == "bool" and not text.strip():
        return "FALSE"  # a cleared checkbox
    return normalise(column, text, labels)


def normalised_rows(table: Table, rows: list[list[str]], dbside: DbSide) -> tuple[list[list[str]], int]:
    """The rows with their decimal/date/bool/enum cells in canonical form (blank rows left as
    they are), and how many rows are not blank."""
    out = list(rows)
    copied: set[int] = set()  # rows of `out` that are our copies, free to change
    for i, column in enumerate(table.columns, start=1):
        if column.kind not in CANONICAL_KINDS:
            continue
        # Column by column, each distinct text normalised once: most cells repeat a few values,
        # and on most cycles every one is canonical already, so no row is touched.
        texts = {cells[i] if i < len(cells) else "" for cells in rows}
        labels = dbside.labels(column)
        canonical_of = {text: canonical(column, text, labels) for text in texts}
        if all(value == text for text, value in canonical_of.items()):
            continue
        for n, cells in enumerate(out):
            text = cells[i] if i < len(cells) else ""
            value = canonical_of[text]
            if value == text or not any(c.strip() for c in cells):
                continue
            if n not in copied:
                cells = out[n] = list(cells)
                copied.add(n)
            if i < len(cells):
                cells[i] = value
            else:
                cells += [""] * (i - len(cells)) + [value]
    filled = sum(1 for cells in rows if any(map(str.strip, cells)))
    return out, filled
