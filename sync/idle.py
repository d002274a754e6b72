"""The idle shortcut of a cycle: most cycles find a tab exactly as the previous one left it.

While the sheet read waits for the API, the cycle prepares for each tab (`prepare`) the rows that
read returns when nobody touched the tab (every record as it is written, sheet_side.sheet_value,
and read back, sheet_side.cell_text), and what the full plan would decide for such a tab: nothing to
apply, write or report, and the database's records as the next base (with that base's snapshot
text, so that it is compared with the stored one without encoding it again).

When the grid read is exactly those rows, in any order (`IdleTab.matches`), that is used; any other
grid (one cell, a space, a blank row, an extra column, a header, a value in a form that only means
the same) goes through the full plan (sync.core.plan_tab). The shortcut is an exact match, never a
decision of its own: a tab it accepts is one the full plan finds unchanged (tests/sync/test_sync_idle.py
checks both on the same grids).
"""
from __future__ import annotations

from dataclasses import dataclass
from itertools import islice

from . import core
from .cells import CANONICAL_KINDS, canonical
from .db_side import DbSide
from .profiles import Table
from .sheet_side import cell_text, sheet_value
from .snapshots import base_text

@dataclass
class IdleTab:
    header: tuple[str, ...]
    # ID text -> the row as the sheet read returns it (no trailing blanks). Tuples of strings, which
    # the garbage collector stops tracking: 20,000 lists kept through a cycle would be promoted
    # and make full collections more frequent in the process that runs it.
    rows: dict[str, tuple[str, ...]]
    plan: core.TabPlan
    in_flight: core.TabBase
    result: core.TabResult
    base_text: str  # the snapshot of result.base

    def matches(self, grid: list[tuple[str, ...]]) -> bool:
        """The grid shows exactly these rows, each once, in any order, under the header."""
        if not grid or grid[0] != self.header or len(grid) - 1 != len(self.rows):
            return False
        expected = dict(self.rows)  # rows are taken off as they are found: a repeated ID fails
        pop = expected.pop
        for cells in islice(grid, 1, None):
            if not cells or pop(cells[0], None) != cells:
                return False
        return True


def prepare(table: Table, spec: core.TableSpec, records: core.Records, base: core.TabBase,
            dbside: DbSide) -> IdleTab | None:
    """The idle shortcut of one tab, or None when its records do not read back as themselves (a
    value whose sheet form is not canonical: the full plan handles that tab every cycle)."""
    if records.columns != spec.columns:
        return None
    shown = records.sheet_rows()  # {ID text: values} of the records in canonical (trimmed) text
    if len(shown) != len(records):
        return None
    columns = list(zip(*shown.values())) if shown else [() for _ in table.columns]
    read_back = []
    for column, values in zip(table.columns, columns):
        if column.kind not in CANONICAL_KINDS:  # text: written and read back as it is
            read_back.append(values)
            continue
        labels, memo = dbside.labels(column), {}
        for value in set(values):
            text = cell_text(sheet_value(column.kind, value))  # written typed, read back as text
            if canonical(column, text, labels) != value:
                return None  # the full plan would take it for an edit: not an exact round trip
            memo[value] = text
        read_back.append([memo[v] for v in values])
    rows = {}
    for rid_text, cells in zip(shown, zip(*read_back)):
        end = len(cells)
        while end and cells[end - 1] == "":  # the API leaves out a row's trailing blank cells
            end -= 1
        rows[rid_text] = (rid_text, *cells[:end])
    plan = core.idle_plan(spec, records, base, tuple(rows.values()))
    in_flight = core.in_flight_base(plan, {})
    result = core.finish(plan)
    return IdleTab(tuple(spec.header), rows, plan, in_flight, result, base_text(table, result.base))
