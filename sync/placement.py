"""Where a cycle's sheet changes go at write time (pure).

sync.core says what to change in the layout AS READ at the start of the cycle. People keep working
while the cycle runs (the database work, slow requests, retries): a row inserted at the top or a sort
moves every row. So, just before writing, the adapter reads the sheet again and this module places each
change on the row that holds it NOW:

* ``in_place``: from a light read (the ID column, plus the rows to be written, deleted or noted) it
  confirms that nothing moved: every ID where it was, every ID-less or blank row touched still as read.
  Then rows as read are rows now.
* ``by_identity``: otherwise, from a full read: a row with an ID is the row showing that ID (exactly
  once, or it is left alone), an ID-less row is the row with the same cells (the n-th of identical ones),
  a row to append whose ID is on the sheet already (an earlier try landed, or a person pasted it) is
  written where it is. A change whose row is gone is dropped: it lands on its row or nowhere.

Either way a cell is written only if it still holds what the cycle read (or already holds the new value):
a person's edit made since the read is left alone and reaches the database on the next cycle, as if
typed after the write. Every written row also gets its ID cell written, so a write that a person's move
in the last instant still sends to a neighbour shows up as a duplicate ID (the tab stops, no record
changes) instead of another record's values.

Rows: 1-based, header = 1. Columns: 1-based, ID = 1.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, NamedTuple, Sequence


class Note(NamedTuple):
    row: int | None  # row as read, or None for an appended row
    appended: int | None  # index in TabChanges.appends
    col: int
    text: str


@dataclass(frozen=True)
class TabChanges:
    """One tab's changes in the layout as read (sync.core.TabResult plus the notes to set)."""

    width: int
    read: tuple[tuple[str, ...], ...]  # the grid as read (header first), cells as the core saw them
    writes: Mapping[int, Mapping[int, str]]  # row as read -> {col: value}
    deletes: tuple[int, ...] = ()  # rows as read
    appends: tuple[tuple[str, ...], ...] = ()  # whole rows, ID first
    notes: tuple[Note, ...] = ()

    @property
    def empty(self) -> bool:
        return not (self.writes or self.deletes or self.appends or self.notes)

    def cells(self, row: int) -> tuple[str, ...]:
        """Row ``row`` as read, padded to the table's width."""
        return padded(self.read[row - 1], self.width) if row <= len(self.read) else ("",) * self.width

    def id_of(self, row: int) -> str:
        return self.cells(row)[0].strip()

    def checked_rows(self) -> list[int]:
        """Rows as read whose cells a light read must show (written, or without an ID and deleted/noted)."""
        rows = set(self.writes)
        rows |= {n for n in self.deletes if not self.id_of(n)}
        rows |= {note.row for note in self.notes if note.row is not None and not self.id_of(note.row)}
        return sorted(rows)


@dataclass
class Placed:
    """The changes of one tab at the rows they go to now. Apply in this order: ``deletes`` (rows now,
    bottom up), ``appended`` blank rows inserted before row ``insert_at`` (counted after the deletions),
    then ``cells`` and ``notes`` (rows after both)."""

    deletes: list[int] = field(default_factory=list)
    insert_at: int = 2
    appended: int = 0
    cells: dict[int, dict[int, str]] = field(default_factory=dict)
    notes: dict[int, dict[int, str]] = field(default_factory=dict)
    ids: list[str] = field(default_factory=list)  # the ID column after the write, row 1 first
    ids_before: list[str] = field(default_factory=list)  # the ID column once rows are deleted and inserted
    dropped: int = 0  # rows whose changes found no row to go to

    @property
    def empty(self) -> bool:
        return not (self.deletes or self.appended or self.cells or self.notes)


def padded(cells: Sequence[str], width: int) -> tuple[str, ...]:
    cells = tuple("" if c is None else c for c in cells[:width])
    return cells + ("",) * (width - len(cells))


def _blank(cells: Sequence[str]) -> bool:
    return not any(c.strip() for c in cells)


def in_place(changes: TabChanges, ids: Sequence[str], rows: Mapping[int, Sequence[str]]) -> Placed | None:
    """Placed at the rows as read, if the light read (``ids``: the ID column now, row 1 first; ``rows``:
    the cells now of ``changes.checked_rows()``) shows that none of them moved; else None."""
    height = len(changes.read)
    read_ids = [changes.id_of(n) for n in range(1, height + 1)]
    now_ids = [c.strip() for c in ids[:height]] + [""] * (height - len(ids))
    if now_ids != read_ids:
        return None
    now = {n: padded(rows.get(n, ()), changes.width) for n in changes.checked_rows()}
    for n, cells in now.items():
        if n > 1 and not read_ids[n - 1] and _stripped(cells) != _stripped(changes.cells(n)):
            return None  # an ID-less row changed or moved: find it by its cells
    last = max((n for n in range(1, height + 1) if n not in changes.deletes), default=1)
    return _build(changes, {n: n for n in range(1, height + 1)}, lambda m: now.get(m, changes.cells(m)),
                  changes.deletes, last, {}, now_ids)


def by_identity(changes: TabChanges, grid: Sequence[Sequence[str]]) -> Placed:
    """Placed by what each row shows in ``grid`` (a full read now, header first)."""
    width = changes.width
    now = [padded(cells, width) for cells in grid] or [("",) * width]
    by_id: dict[str, list[int]] = {}
    by_cells: dict[tuple[str, ...], list[int]] = {}
    for m, cells in enumerate(now[1:], start=2):
        if cells[0].strip():
            by_id.setdefault(cells[0].strip(), []).append(m)
        elif not _blank(cells):
            by_cells.setdefault(_stripped(cells), []).append(m)

    def only(text: str) -> int | None:
        rows = by_id.get(text)
        return rows[0] if rows and len(rows) == 1 else None  # an ID shown twice: which is which is unknowable

    wanted = set(changes.writes) | set(changes.deletes) | {n.row for n in changes.notes if n.row is not None}
    where: dict[int, int] = {1: 1}
    seen: dict[tuple[str, ...], int] = {}  # ID-less rows as read, by cells: how many came before
    lost = 0
    for n in range(2, len(changes.read) + 1):
        cells = changes.cells(n)
        rid, key = cells[0].strip(), _stripped(cells)
        nth = seen.get(key, 0)
        if not rid:
            seen[key] = nth + 1
        if n not in wanted or _blank(cells):
            continue  # blank rows are left for the next cycle: which blank row is which is unknowable
        given = str(changes.writes.get(n, {}).get(1, "")).strip()
        if rid:
            found = only(rid)
        elif given and given in by_id:
            found = only(given)  # an earlier try already wrote its ID
        else:
            same = by_cells.get(key, [])
            found = same[nth] if nth < len(same) else None
        if found is None:
            lost += 1
        else:
            where[n] = found
    deletes = sorted({where[n] for n in changes.deletes if n in where})
    existing = {k: only(cells[0].strip()) for k, cells in enumerate(changes.appends)}
    existing = {k: m for k, m in existing.items() if m is not None and m not in deletes}
    last = next((m for m in range(len(now), 1, -1) if m not in deletes and not _blank(now[m - 1])), 1)
    placed = _build(changes, where, lambda m: now[m - 1] if m <= len(now) else ("",) * width, deletes, last,
                    existing, [cells[0].strip() for cells in now])
    placed.dropped = lost
    return placed


def _stripped(cells: Sequence[str]) -> tuple[str, ...]:
    return tuple(c.strip() for c in cells)


def _build(changes: TabChanges, where: Mapping[int, int], cells_now, deletes: Sequence[int], last: int,
           existing: Mapping[int, int], ids_now: Sequence[str]) -> Placed:
    """``where``: row as read -> row now; ``cells_now(row now)``; ``deletes``: rows now; ``last``: the
    table's last row now that stays (appended rows go below it); ``existing``: appended rows (by index)
    already on the sheet, at their row now."""
    deleted = sorted(set(deletes))
    insert_at = _shifted(last, deleted) + 1
    appended = [k for k in range(len(changes.appends)) if k not in existing]
    placed = Placed(deletes=deleted[::-1], insert_at=insert_at, appended=len(appended))

    def final(m: int) -> int:
        row = _shifted(m, deleted)
        return row + len(appended) if row >= insert_at else row

    for n, values in changes.writes.items():
        if n in where:
            have, was = cells_now(where[n]), changes.cells(n)
            # Written if the cell still holds what the cycle read; a person's newer edit stays (and
            # reaches the database next cycle); a value already there needs no write.
            out = {c: v for c, v in values.items() if have[c - 1] != v and have[c - 1] == was[c - 1]}
            _put(placed.cells, final(where[n]), out, values.get(1, was[0]).strip() if n > 1 else "")
    for k, m in existing.items():
        have = cells_now(m)
        out = {c: v for c, v in enumerate(changes.appends[k], start=1) if have[c - 1] != v}
        _put(placed.cells, final(m), out, changes.appends[k][0])
    for i, k in enumerate(appended):
        placed.cells[insert_at + i] = {c: v for c, v in enumerate(changes.appends[k], start=1) if v != ""}
    for note in changes.notes:
        if note.row is not None:
            row = final(where[note.row]) if note.row in where else None
        elif note.appended in existing:
            row = final(existing[note.appended])
        else:
            row = insert_at + appended.index(note.appended) if note.appended in appended else None
        if row is not None:
            placed.notes.setdefault(row, {})[note.col] = note.text
    kept = [text for m, text in enumerate(ids_now, start=1) if m not in set(deleted)]
    kept += [""] * (insert_at - 1 - len(kept))
    placed.ids_before = kept[:insert_at - 1] + [""] * len(appended) + kept[insert_at - 1:]
    ids = kept[:insert_at - 1] + [changes.appends[k][0] for k in appended] + kept[insert_at - 1:]
    for row, values in placed.cells.items():
        if 1 in values:
            ids += [""] * (row - len(ids))
            ids[row - 1] = values[1].strip()
    while ids and not ids[-1]:
        ids.pop()
    placed.ids = ids
    return placed


def _put(cells: dict, row: int, out: dict[int, str], id_text: str) -> None:
    if out:
        if id_text:
            out.setdefault(1, id_text)  # the row's ID: a write that lands on another row says so
        cells.setdefault(row, {}).update(out)


def _shifted(m: int, deleted: Sequence[int]) -> int:
    """Row ``m`` once the ``deleted`` rows are gone."""
    return m - sum(1 for d in deleted if d < m)
