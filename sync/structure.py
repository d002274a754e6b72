"""The blocking checks of a tab (pure): a header that is not the table's, values beside the table, IDs that
are not records of the tab or appear twice. A tab with any of these is not synced until a person fixes it
(sync.core plans nothing for it)."""

from __future__ import annotations

from itertools import zip_longest
from typing import Mapping, Sequence

from .plan_types import BAD_ID, DUPLICATE_ID, STRUCTURE, UNKNOWN_ID, Problem, TabBase, TableSpec
from .row_text import norm


def column_letter(col: int) -> str:
    """1 -> 'A', 27 -> 'AA'."""
    letters = ""
    while col > 0:
        col, rest = divmod(col - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def header_problems(spec: TableSpec, header: list[str], has_data: bool) -> list[Problem]:
    expected = list(spec.header)
    if header == expected or (not header and not has_data):
        return []
    if not header:
        return [Problem(STRUCTURE, spec.name, "header row 1 is empty; expected: " + ", ".join(expected))]
    moved = sorted(header) == sorted(expected)
    hint = " (columns were moved)" if moved else ""
    tail = "; the tab is not synced until row 1 reads: " + ", ".join(expected)
    problems = []
    for i, (want, got) in enumerate(zip_longest(expected, header), start=1):
        if want == got:
            continue
        cell = f"{column_letter(i)}1"
        if want is None:
            text = f"unexpected column {got!r} in {cell}"
        elif not got:
            text = f"missing column {want!r} in {cell}"
        else:
            text = f"{cell} should be {want!r} but is {got!r}{hint}"
        problems.append(Problem(STRUCTURE, spec.name, text + tail, column=want or got, sheet_value=got or ""))
    return problems


def outside_problems(spec: TableSpec, rows: Sequence[Sequence[str]]) -> list[Problem]:
    # Removing rows shifts our columns; cells right of them would not move
    # with their row, so silently syncing would misalign the user's notes.
    width = len(spec.header)
    problems = []
    for n, cells in enumerate(rows, start=2):
        if len(cells) <= width:
            continue
        extra = [i for i, c in enumerate(cells[width:], start=width + 1) if norm(c)]
        if extra:
            where = ", ".join(f"{column_letter(i)}{n}" for i in extra)
            problems.append(
                Problem(
                    STRUCTURE,
                    spec.name,
                    f"values outside the table's columns at {where}; move or delete them",
                    sheet_row=n,
                )
            )
    return problems


def id_problems(spec: TableSpec, rows: Sequence, db: Mapping, base: TabBase) -> list[Problem]:
    """``rows``: the data rows (sync.core._SheetRow: sheet_row, id_text, record_id)."""
    problems = []
    first_row: dict[int, int] = {}  # id -> first sheet row showing it
    repeated: dict[int, list[int]] = {}  # id -> every sheet row showing it, when more than one
    for row in rows:
        if not row.id_text:
            continue
        rid = row.record_id
        if rid is None:
            problems.append(
                Problem(
                    BAD_ID,
                    spec.name,
                    f"row {row.sheet_row}: {row.id_text!r} is not a record ID; clear the cell for a new record",
                    sheet_value=row.id_text,
                    sheet_row=row.sheet_row,
                )
            )
            continue
        if rid in first_row:
            repeated.setdefault(rid, [first_row[rid]]).append(row.sheet_row)
        else:
            first_row[rid] = row.sheet_row
        if rid not in db and rid not in base.records and rid not in base.issued:
            problems.append(
                Problem(
                    UNKNOWN_ID,
                    spec.name,
                    f"row {row.sheet_row}: ID {rid} is not a record of this tab",
                    record_id=rid,
                    sheet_value=row.id_text,
                    sheet_row=row.sheet_row,
                )
            )
    for rid in sorted(repeated, key=first_row.get):
        where = repeated[rid]
        problems.append(
            Problem(
                DUPLICATE_ID,
                spec.name,
                f"ID {rid} appears on rows {', '.join(map(str, where))}; keep it on one row only",
                record_id=rid,
                sheet_value=str(rid),
                sheet_row=where[1],
            )
        )
    return problems
