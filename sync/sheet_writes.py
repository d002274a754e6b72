"""Writing a cycle's sheet changes: on the rows that hold their records NOW, or nowhere.

The cycle planned its changes on the sheet as read at its start (sync.core); people may have inserted,
deleted or sorted rows since. So, for every tab with changes:

1. one values:batchGet reads the ID column and the rows to be touched (sync.placement.in_place); if
   anything moved, a second one reads those tabs whole and the changes follow their rows
   (sync.placement.by_identity);
2. ONE spreadsheets:batchUpdate, applied by Google all or nothing: rows deleted (deleteDimension),
   rows inserted after the table (insertDimension), cells (updateCells) and notes;
3. if that request fails in a way worth retrying (quota, server error, time-out: it may even have been
   applied), the sheet is read whole again and the changes placed again before the next try; they are
   idempotent (a value already there is not written, a row already deleted is not found).

A push too big for one request (MAX_PAYLOAD_BYTES) is split: the first request deletes and inserts the
rows, each next one is sent only after the ID column was read again and found as expected; if not, the
rest waits for the next cycle (the tab is then not "done": the caller keeps the in-flight base).

The remaining window is the flight time of the write request itself (from the verification read until
Google applies it). Every written row carries its ID cell, so a row moved in that instant shows up as a
duplicate ID on the next cycle, which stops that tab without changing any record.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Callable

from gspread.exceptions import APIError

from .placement import Placed, TabChanges, by_identity, in_place
from . import sheet_side
from .sheet_side import (
    SheetSide, cells_request, delete_rows_request, insert_rows_request, is_range_error, note_request, quoted,
    sheet_value, _size,
)
from .structure import column_letter
from .transport import SheetsUnavailable

log = logging.getLogger(__name__)

MAX_CHECKED_BLOCKS = 40  # more separate row blocks to check than this: read the whole tab instead
APPENDED_SLICE = 500  # appended rows per updateCells request (at most)


@dataclass(eq=False)  # each tab is its own (kept in dicts by identity)
class TabWrite:
    title: str
    sheet_id: int
    changes: TabChanges
    kinds: tuple[str, ...]  # column kinds, ID column first (values are typed for the sheet by kind)
    normalise: Callable[[list[list[str]]], list[list[str]]]  # data rows in the form the cycle read them
    done: bool = False  # every change is on the sheet (the final base may be saved)
    rows: int = 0  # rows written, inserted or deleted
    dropped: int = 0  # rows whose changes found no row to go to
    moved: bool = False  # rows had moved since the cycle's read: placed by identity


@dataclass
class _Group:
    tab: TabWrite
    requests: list[dict]
    rows: int  # data rows this group writes
    ids: dict[int, str] = field(default_factory=dict)  # ID cells it writes, by row


def write_tabs(side: SheetSide, tabs: list[TabWrite], progress: Callable[[int, int], None] | None = None) -> int:
    """Put every tab's changes on the sheet; returns the rows written, inserted or deleted."""
    pending = [t for t in tabs if not t.changes.empty]
    for tab in tabs:
        tab.done = tab.changes.empty
    if not pending:
        return 0
    http = side.http
    tries, attempt, whole = max(1, getattr(http, "max_tries", 1)), 0, False
    while True:
        placed = _placed(side, pending, whole)
        try:
            return _send(side, placed, progress)
        except SheetsUnavailable as exc:
            attempt += 1
            if attempt >= tries:
                raise
            wait = _retry_after(exc)
            wait = http.backoff(attempt - 1) if wait is None else wait
            log.warning("sheet write failed (%s); reading the rows again, then try %d/%d in %.1fs", exc, attempt + 1,
                        tries, wait)
            http.sleep(wait)
            whole = True  # the failed request may have been applied: place everything by what the rows show


def _retry_after(exc: SheetsUnavailable) -> float | None:
    response = getattr(exc.last_error, "response", None)
    try:
        return max(0.0, float(response.headers.get("Retry-After")))
    except (AttributeError, TypeError, ValueError):
        return None


# --------------------------------------------------------------------------
# where: read again, place


def _read(side: SheetSide, tabs: list[TabWrite], ranges_of: Callable[[TabWrite], list[str]]) -> dict:
    """{tab: [grid per range]} in one values:batchGet; a tab renamed meanwhile is read under its new title,
    a tab deleted meanwhile is dropped (not done)."""
    for _ in range(2):
        ranges, owners = [], []
        for tab in tabs:
            mine = ranges_of(tab)
            ranges += mine
            owners += [tab] * len(mine)
        try:
            grids = side.read_ranges(ranges)
        except APIError as exc:
            if not is_range_error(exc):
                raise
            titles = {sheet_id: meta.title for sheet_id, meta in side.metadata().items()}
            for tab in list(tabs):
                if tab.sheet_id in titles:
                    tab.title = titles[tab.sheet_id]
                else:
                    tabs.remove(tab)
            continue
        out: dict = {tab: [] for tab in tabs}
        for tab, grid in zip(owners, grids):
            out[tab].append(grid)
        return out
    raise RuntimeError("the spreadsheet's tabs keep changing; the sheet is written on the next cycle")


def _blocks(rows: list[int]) -> list[tuple[int, int]]:
    blocks: list[list[int]] = []
    for n in rows:
        if blocks and blocks[-1][1] + 1 == n:
            blocks[-1][1] = n
        else:
            blocks.append([n, n])
    return [(a, b) for a, b in blocks]


def _light_ranges(tab: TabWrite) -> list[str]:
    last = column_letter(tab.changes.width)
    title = quoted(tab.title)
    return [f"{title}!A:A"] + [f"{title}!A{a}:{last}{b}" for a, b in _blocks(tab.changes.checked_rows())]


def _normalised(tab: TabWrite, first_row: int, rows: list[list[str]]) -> list[list[str]]:
    if first_row > 1:
        return tab.normalise(rows)
    return rows[:1] + tab.normalise(rows[1:])


def _placed(side: SheetSide, tabs: list[TabWrite], whole: bool) -> dict[TabWrite, Placed]:
    tabs = list(tabs)
    placed: dict[TabWrite, Placed] = {}
    light = [] if whole else [t for t in tabs if len(_blocks(t.changes.checked_rows())) <= MAX_CHECKED_BLOCKS]
    if light:
        gone = list(light)
        read = _read(side, light, _light_ranges)
        gone = [t for t in gone if t not in read]  # deleted meanwhile: not written
        for tab, grids in read.items():
            ids = [row[0] if row else "" for row in grids[0]]
            rows = {}
            for (a, _), grid in zip(_blocks(tab.changes.checked_rows()), grids[1:]):
                for n, cells in enumerate(_normalised(tab, a, grid), start=a):
                    rows[n] = cells
            found = in_place(tab.changes, ids, rows)
            if found is not None:
                placed[tab] = found
        tabs = [t for t in tabs if t not in gone]
    rest = [t for t in tabs if t not in placed]
    if rest:
        for tab, (grid,) in _read(side, rest, lambda t: [quoted(t.title)]).items():
            tab.moved = True
            placed[tab] = by_identity(tab.changes, _normalised(tab, 1, grid))
            tab.dropped = placed[tab].dropped
            if tab.dropped:
                log.info("%s: %d rows changed place or left while the cycle ran; their changes wait for the "
                         "next cycle", tab.title, tab.dropped)
    return placed


# --------------------------------------------------------------------------
# what: requests, in chunks


def _typed(tab: TabWrite, col: int, text: str):
    return sheet_value(tab.kinds[col - 1] if col <= len(tab.kinds) else "text", text)


def _row_groups(tab: TabWrite, placed: Placed) -> list[_Group]:
    groups = []
    appended = range(placed.insert_at, placed.insert_at + placed.appended)
    for row in sorted(r for r in placed.cells if r not in appended):
        values = placed.cells[row]
        requests, run = [], []
        for col in sorted(values):
            if run and run[-1] + 1 != col:
                requests.append(cells_request(tab.sheet_id, row, run[0], [[_typed(tab, c, values[c]) for c in run]]))
                run = []
            run.append(col)
        requests.append(cells_request(tab.sheet_id, row, run[0], [[_typed(tab, c, values[c]) for c in run]]))
        groups.append(_Group(tab, requests, 1 if row > 1 else 0, {row: values[1]} if 1 in values else {}))
    width = tab.changes.width
    limit = sheet_side.MAX_PAYLOAD_BYTES // 4  # slices small enough to fill requests evenly
    rows, size = [], 0
    for row in range(placed.insert_at, placed.insert_at + placed.appended + 1):
        if rows and (row == placed.insert_at + placed.appended or size > limit or len(rows) >= APPENDED_SLICE):
            block = [[_typed(tab, c, placed.cells[r].get(c, "")) for c in range(1, width + 1)] for r in rows]
            groups.append(_Group(tab, [cells_request(tab.sheet_id, rows[0], 1, block)], len(rows),
                                 {r: placed.cells[r].get(1, "") for r in rows}))
            rows, size = [], 0
        if row < placed.insert_at + placed.appended:
            rows.append(row)
            size += _size(placed.cells[row])
    return groups


def _structure(tab: TabWrite, placed: Placed) -> list[dict]:
    requests = []
    runs: list[list[int]] = []
    for row in placed.deletes:  # bottom up: each deletion leaves the rows above it where they are
        if runs and runs[-1][0] - 1 == row:
            runs[-1][0] = row
        else:
            runs.append([row, row])
    requests += [delete_rows_request(tab.sheet_id, first, last) for first, last in runs]
    if placed.appended:
        requests.append(insert_rows_request(tab.sheet_id, placed.insert_at, placed.appended))
    return requests


def _send(side: SheetSide, placed: dict[TabWrite, Placed], progress) -> int:
    first, groups = [], []
    for tab, where in placed.items():
        first += _structure(tab, where)
        first += [note_request(tab.sheet_id, row, col, text) for row, notes in sorted(where.notes.items())
                  for col, text in sorted(notes.items())]
        groups += _row_groups(tab, where)
        tab.rows = len(where.deletes) + sum(1 for row in where.cells if row > 1)
    chunks, size = [list(first)], sum(map(_size, first)) + 2048
    chunk_groups: list[list[_Group]] = [[]]
    for group in groups:
        n = sum(map(_size, group.requests))
        if chunk_groups[-1] and size + n > sheet_side.MAX_PAYLOAD_BYTES:
            chunks.append([])
            chunk_groups.append([])
            size = 2048
        chunks[-1] += group.requests
        chunk_groups[-1].append(group)
        size += n
    total = sum(g.rows for g in groups)
    done_rows, sent_ids = 0, {tab: {} for tab in placed}
    stopped: set[TabWrite] = set()
    for k, (requests, mine) in enumerate(zip(chunks, chunk_groups)):
        if k and not _ids_as_expected(side, placed, mine, sent_ids, stopped):
            continue
        mine = [g for g in mine if g.tab not in stopped]
        requests = requests if k == 0 else [r for g in mine for r in g.requests]
        if requests:
            side.send_once(requests)
        for group in mine:
            sent_ids[group.tab].update(group.ids)
        done_rows += sum(g.rows for g in mine)
        if progress is not None and total:
            progress(done_rows, total)
    for tab in placed:
        tab.done = tab not in stopped and not tab.dropped
    return sum(tab.rows for tab in placed if tab not in stopped)


def _ids_as_expected(side: SheetSide, placed: dict, groups: list[_Group], sent_ids: dict, stopped: set) -> bool:
    """Before a later chunk: is each of its tabs' ID column what the chunks sent so far made it?"""
    tabs = [t for t in dict.fromkeys(g.tab for g in groups) if t not in stopped]
    if not tabs:
        return False
    read = _read(side, tabs, lambda t: [f"{quoted(t.title)}!A:A"])
    for tab in tabs:
        expected = list(placed[tab].ids_before)
        for row, text in sent_ids[tab].items():
            expected += [""] * (row - len(expected))
            expected[row - 1] = text
        now = [(row[0] if row else "").strip() for row in read.get(tab, [[]])[0]]
        now += [""] * (len(expected) - len(now))
        if tab not in read or now[:len(expected)] != [e.strip() for e in expected]:
            log.warning("%s: rows moved while a long push was written; the rest is written on the next cycle",
                        tab.title)
            stopped.add(tab)
    return any(t not in stopped for t in tabs)
