"""Pure planning core of the Google Sheet <-> database two-way sync.

Nothing here touches gspread, Flask or the database: literal data goes in,
a literal plan comes out. One cycle for one tab is:

1. ``plan = plan_tab(spec, header, sheet_rows, db, base, limits)``
2. The adapter, in ONE database transaction and acting as the linked user,
   applies ``plan.updates`` and ``plan.creates``; validation / business rules
   may refuse some. Before committing it saves
   ``in_flight_base(plan, created)`` as the tab's base snapshot.
3. ``result = finish(plan, update_outcomes, create_outcomes)``
4. The adapter puts ``result.writes``, ``result.deletes`` and
   ``result.appends`` on the sheet (addressed to the rows AS READ: people
   move rows meanwhile, sync.placement finds where they are at write time),
   reports ``result.problems``, and only THEN saves ``result.base`` as the
   tab's base snapshot (keeping the in-flight one if a change found no row).

Conventions
-----------
* Every value is a string on both sides ('' = empty); the adapters
  normalise dates/decimals before calling in.
* Whitespace: every sheet cell (header, ID and data) and every DB/base value
  is compared in ``str.strip()`` form (Unicode whitespace, incl. NBSP);
  inner whitespace is kept. A cell that only differs by surrounding
  whitespace is therefore not an edit, but it is rewritten once in trimmed
  form, so the sheet settles into canonical text. Values sent to the DB are
  trimmed.
* Rows whose cells are all blank are ignored and deleted. No row ever
  moves by rewriting values: rows that leave are deleted (the ones below
  move up with their notes), new ones are appended after the table.
* A row is one save: a read-only edit refuses the row's other edits too.
* Grid coordinates in ``CellWrite`` are 1-based like the Sheets UI (row 1 is
  the header row, column 1 is the ID column).

Exactly-once creation
---------------------
A row without an ID gets a *creation key*: a hash of (tab name, the row's
trimmed cells, n) where n counts earlier ID-less rows with identical cells,
so two identical new rows get two keys. The key only depends on what the
user typed, so it is the same in the next cycle as long as the row is left
as is, wherever the user sorted it.

When the adapter creates a record it saves, in the same transaction,
``in_flight_base(plan, created)``: the old base plus ``pending[key] = id``
(and the created values). If the cycle dies after that commit but before
the ID reaches the sheet, the next ``plan_tab`` finds the same key in
``base.pending``, does not create again and only writes the ID back. If the
transaction rolled back, no pending entry exists and the row is simply
created next time. The final base of a completed cycle drops ``pending``:
the IDs are on the sheet by then.

Limitation (documented choice): if the user edits that still ID-less row
between the interrupted cycle and the next one, its key changes and a
second record is created (the first one shows up at the bottom with a
'row_deleted_in_sheet' problem, so it is visible, not silent). Closing that
window would need a marker written into the ID cell before creating, i.e.
one more sheet round trip per new row; the window is "cycle crashed between
commit and sheet write AND user retyped that row before the next cycle".

Identity
--------
An ID-less row whose cells equal, in every column, a record that was on the
sheet last cycle and is missing now (its ID was cleared, or the row was cut
and pasted without it) gets that record's ID back. An ID-less row equal in
every column to any visible record is a copy, not a new record: refused.

Mass changes
------------
Sheet edits no person types (values moved between rows, as sorting a
selection that leaves out the ID column does; or more than a share of the
tab, see sync.mass_change) hold the tab: no update, no creation, every
record's row shows the database again, and one MASS_CHANGE problem keeps
the edits (``Problem.detail``) for an admin to accept.

``base.issued`` is the other in-flight guard: IDs the interrupted cycle may
already have written to the sheet (e.g. new DB records appended). Without
it such an ID whose record is then deleted would look "unknown" and block
the tab forever; with it the row just leaves the sheet. IDs already in
``base.records`` need no entry: the in-flight base keeps those records.

Speed
-----
A cycle reads every row of both sides, so the common cases must be cheap:

* a tab whose sheet shows exactly its DB records (each once, in any order,
  in canonical text, under the exact header, nothing else) has nothing to
  do; ``_unchanged_grid`` checks that with one lookup per row and the full
  plan is skipped (it would find no update, creation, problem or write);
* otherwise a sheet row equal to its DB record cell for cell merges to
  itself whatever the base says, so it skips the per-field merge.

Changes are still seen on either side: any difference sends the tab, then
the row, through the full three-way merge. The adapters may pass ``db`` and
``base.records`` as ``Records`` (one tuple per record, in the tab's column
order), which compare and store without building a dict per record.

The data types a plan is made of live in sync/plan_types.py, its outcomes (in_flight_base, finish) in
sync/outcomes.py, the row text helpers in sync/row_text.py; core re-exports the public names.
"""

from __future__ import annotations

import hashlib
import json
from typing import Mapping, NamedTuple, Sequence

from .mass_change import MassLimits, detect
from .plan_types import (  # noqa: F401 - re-exported: callers name these core.<name>
    REJECTED, CONFLICT, ROW_DELETED_IN_SHEET, RECORD_GONE, STRUCTURE, DUPLICATE_ID, UNKNOWN_ID, BAD_ID,
    MASS_CHANGE, BLOCKING_KINDS, HELD_KINDS, TableSpec, Records, TabBase, Problem, Delta, Update, Create,
    PlannedRow, TabPlan, Applied, Created, Refused, UpdateOutcome, CreateOutcome, CellWrite, TabResult, _sheet_rows,
)
from .outcomes import finish, in_flight_base  # noqa: F401 - re-exported: the adapters call core.finish
from .row_text import filled, kept, norm, padded, record_values, strip_trailing_blanks, trimmed, value_tuples
from .structure import column_letter, header_problems, id_problems, outside_problems  # noqa: F401

# --------------------------------------------------------------------------
# creation keys


def creation_key(table: str, cells: Sequence[str], occurrence: int) -> str:
    payload = json.dumps([table, list(cells), occurrence], ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:32]


# --------------------------------------------------------------------------
# data rows


class _SheetRow(NamedTuple):
    sheet_row: int
    id_text: str
    values: tuple[str, ...]
    record_id: int | None  # id_text as an ID; None when blank or not an ID


def _data_rows(spec: TableSpec, sheet_rows: Sequence[Sequence[str]]) -> list[_SheetRow]:
    width = len(spec.header)
    rows = []
    for n, cells in enumerate(sheet_rows, start=2):
        row = trimmed(cells if len(cells) == width else padded(cells, width))
        if row[0] or any(row):
            id_text = row[0]
            rid = int(id_text) if id_text.isascii() and id_text.isdigit() else None
            rows.append(_SheetRow(n, id_text, row[1:], rid or None))  # 0 is not an ID
    return rows


# --------------------------------------------------------------------------
# three-way merge


def _merge_cell(spec: TableSpec, rid: int, col: str, s: str, b: str | None, d: str, sheet_row: int):
    """Return (value to show, value to send to the DB or None, problem or None)."""

    def problem(kind: str, text: str) -> Problem:
        return Problem(kind, spec.name, text, rid, col, s, d, sheet_row)

    if s == d:
        return d, None, None
    if b is None:
        # No snapshot to tell who changed what: the DB is the system of record.
        return d, None, problem(CONFLICT, f"record {rid} {col!r}: no previous sync to compare with; kept the database value")
    if s == b:
        return d, None, None
    if col not in spec.editable:
        return d, None, problem(REJECTED, f"record {rid} {col!r} is read-only; edit reverted")
    if d != b:
        return d, None, problem(CONFLICT, f"record {rid} {col!r} changed in the sheet and in the database; kept the database value")
    return s, s, None


def _merge_row(spec: TableSpec, rid: int, row: _SheetRow, base_vals, db_vals):
    shown, changes, problems, read_only = [], {}, [], []
    for col, s in zip(spec.columns, row.values):
        b = None if base_vals is None else norm(base_vals.get(col))
        value, change, problem = _merge_cell(spec, rid, col, s, b, norm(db_vals.get(col)), row.sheet_row)
        shown.append(value)
        if change is not None:
            changes[col] = change
        if problem is not None:
            problems.append(problem)
            read_only += [col] if problem.kind == REJECTED else []
    if read_only and changes:
        # A row is saved like one form: an edit of a read-only column refuses the row's other edits.
        why = ", ".join(map(repr, read_only))
        for col, typed in changes.items():
            stored = norm(db_vals.get(col))
            text = f"record {rid} {col!r}: edit refused with the rest of its row ({why} is read-only)"
            problems.append(Problem(REJECTED, spec.name, text, rid, col, typed, stored, row.sheet_row))
            shown[spec.columns.index(col)] = stored
        changes = {}
    planned = PlannedRow(rid, tuple(shown), row.sheet_row, changed=tuple(changes))
    return planned, changes, problems


def _gone_problems(spec: TableSpec, rid: int, row: _SheetRow, base_vals) -> list[Problem]:
    # The record left (deleted or no longer visible): only sheet edits on it
    # are worth a word, as they are discarded with the row.
    base_vals = base_vals or {}
    return [
        Problem(
            RECORD_GONE,
            spec.name,
            f"record {rid} was deleted or is no longer visible to you; edit of {col!r} discarded",
            rid,
            col,
            s,
            None,
            row.sheet_row,
        )
        for col, s in zip(spec.columns, row.values)
        if s != norm(base_vals.get(col))
    ]


# --------------------------------------------------------------------------
# planning


def _creation_keys(spec: TableSpec, rows: list[_SheetRow]) -> dict[int, str]:
    counts: dict[tuple[str, ...], int] = {}
    keys = {}
    for row in rows:
        if not row.id_text:
            n = counts.get(row.values, 0)
            counts[row.values] = n + 1
            keys[row.sheet_row] = creation_key(spec.name, row.values, n)
    return keys


def _new_row(spec: TableSpec, row: _SheetRow, key: str):
    if not spec.creatable:
        text = f"new row ({filled(spec, row.values)}): this tab does not accept new rows; add the record in the app"
        return PlannedRow(None, row.values, row.sheet_row), None, [Problem(REJECTED, spec.name, text, sheet_row=row.sheet_row)]
    values = {c: v for c, v in zip(spec.columns, row.values) if c in spec.editable}
    return PlannedRow(None, row.values, row.sheet_row, create_key=key), Create(key, values, row.sheet_row), []


def _blocked(spec, problems, current, db, base) -> TabPlan:
    return TabPlan(spec, True, (), (), (), tuple(problems), current, kept(db), base)


def _unchanged_grid(spec: TableSpec, current: Sequence[tuple[str, ...]], db: Mapping):
    """The fast path of an idle tab: the grid padded to the table's width when the sheet shows
    exactly the DB records, each once, in any order, in canonical (trimmed) text, with the exact
    header and nothing beside or between the rows; else None.

    Then the full plan would find nothing to do: no update, creation, problem or write (every
    row merges to itself, no row is missing, blank, unknown or repeated), and the records are
    the base to keep. Any other grid goes through the full plan."""
    width = len(spec.header)
    if current[0] != spec.header or len(current) - 1 != len(db):
        return None
    if isinstance(db, Records) and db.columns == spec.columns:
        expected = dict(db.sheet_rows())  # a copy: rows are taken off as they are found
    else:
        expected = _sheet_rows(value_tuples(spec, db))
    if len(expected) != len(db):
        return None  # a record not in canonical form: the full plan rewrites it
    grid = [spec.header]
    for cells in current[1:]:
        if len(cells) != width:
            if len(cells) > width:
                return None
            cells = padded(cells, width)
        if expected.pop(cells[0], None) != cells[1:]:
            return None
        grid.append(cells)
    return tuple(grid)


def idle_plan(spec: TableSpec, db: Records, base: TabBase | None, shown: Sequence[Sequence[str]]) -> TabPlan:
    """What ``plan_tab`` gives for a grid that shows exactly the records of ``db``, each once, in
    canonical text under the header (the adapter saw such a grid, sync.idle): nothing to do, the
    records are the base to keep. ``shown``: the data rows as the adapter reads them back (ID
    first), in any order; they stand for the grid, of which nothing is written."""
    base = base or TabBase()
    grid = (spec.header, *shown)
    return TabPlan(spec, False, (), (), (), (), grid, kept(db), base, grid)


def plan_tab(
    spec: TableSpec,
    header: Sequence[str],
    sheet_rows: Sequence[Sequence[str]],
    db: Mapping[int, Mapping[str, str]],
    base: TabBase | None = None,
    limits: MassLimits | None = MassLimits(),
) -> TabPlan:
    """Plan one cycle of one tab. ``db`` holds what the linked user may see now; ``limits``
    those of the mass-change guard (None: no guard)."""
    base = base or TabBase()
    current = (tuple(header), *map(tuple, sheet_rows))
    db_values = value_tuples(spec, db)
    unchanged = _unchanged_grid(spec, current, db)
    if unchanged is not None:
        return TabPlan(spec, False, (), (), (), (), current, kept(db), base, unchanged)
    rows = _data_rows(spec, sheet_rows)
    # Checked in order, each only when the previous is clean: an extra header
    # column would otherwise also be reported once per data row.
    problems = header_problems(spec, strip_trailing_blanks(header), bool(rows))
    problems = problems or outside_problems(spec, sheet_rows)
    problems = problems or id_problems(spec, rows, db_values, base)
    if problems:
        return _blocked(spec, problems, current, db, base)

    on_sheet = {r.record_id for r in rows if r.record_id is not None}
    keys = _creation_keys(spec, rows)
    identities = _Identities(spec, db_values, base, {r.record_id: r.values for r in rows if r.record_id is not None})
    planned, updates, creates, problems = [], [], [], []
    changed: list[tuple[int, tuple[str, ...], tuple[str, ...]]] = []  # (id, base values, sheet values)
    for row in rows:
        rid = row.record_id
        own_base = None
        key = keys.get(row.sheet_row)
        if key is not None and base.pending.get(key) is not None and base.pending[key] not in on_sheet:
            # Created by an interrupted cycle: the row is unchanged since (its
            # key says so), so it is its own base and only needs its ID.
            rid, own_base = base.pending[key], dict(zip(spec.columns, row.values))
            on_sheet.add(rid)
        elif key is not None:
            rid = identities.lost(row.values)  # its ID was cleared, or the row was cut and pasted without it
            if rid is not None:
                on_sheet.add(rid)
        if rid is None:
            twin = identities.twin(row.values)
            if twin is not None:
                text = (f"new row ({filled(spec, row.values)}) repeats record {twin} in every column; not created: "
                        "delete the row, or change what makes it a different record")
                problems.append(Problem(REJECTED, spec.name, text, sheet_value=filled(spec, row.values),
                                        sheet_row=row.sheet_row))
                planned.append(PlannedRow(None, row.values, row.sheet_row))
                continue
            p, create, extra = _new_row(spec, row, key)
            planned.append(p)
            creates.extend([create] if create else [])
            problems.extend(extra)
        elif rid in db_values and row.values == db_values[rid]:
            # The fast path of an unchanged row: sheet and DB agree on every
            # cell (the raw DB values equal the trimmed sheet ones), so every
            # cell merges to itself whatever the base says.
            planned.append(PlannedRow(rid, row.values, row.sheet_row))
        else:
            base_vals = own_base if own_base is not None else base.records.get(rid)
            if rid not in db_values:
                problems.extend(_gone_problems(spec, rid, row, base_vals))
                continue
            if own_base is None and base_vals is not None:
                was = record_values(spec, base_vals)
                if was != row.values:
                    changed.append((rid, was, row.values))
            p, changes, extra = _merge_row(spec, rid, row, base_vals, db[rid])
            planned.append(p)
            updates.extend([Update(rid, changes)] if changes else [])
            problems.extend(extra)

    for rid in sorted(set(db_values) - on_sheet):
        planned.append(PlannedRow(rid, tuple(map(norm, db_values[rid])), None))
        if rid in base.records:
            problems.append(
                Problem(
                    ROW_DELETED_IN_SHEET,
                    spec.name,
                    f"row of record {rid} was deleted in the sheet; records are deleted in the app, the row was restored at the bottom",
                    record_id=rid,
                )
            )
    reason = detect(spec.columns, [(was, now) for _, was, now in changed], len(db_values), limits) if limits else None
    if reason is not None:
        return _held(spec, reason, changed, planned, problems, current, db, base)
    return TabPlan(spec, False, tuple(updates), tuple(creates), tuple(planned), tuple(problems), current, kept(db), base)


class _Identities:
    """Who an ID-less row may be: a record whose row left the sheet this cycle with exactly these values
    (it gets its ID back), or a visible record it copies in every column (it is not created again)."""

    def __init__(self, spec: TableSpec, db_values: Mapping[int, tuple], base: TabBase,
                 on_sheet: Mapping[int, tuple[str, ...]]):
        # on_sheet: the values each record's row shows now (a record whose row was edited is copied by a row
        # equal to what it shows now, not to what it showed before the edit).
        self.spec, self.db_values, self.base, self.on_sheet = spec, db_values, base, on_sheet
        pending = set(base.pending.values())
        self.lost_ids = [rid for rid in base.records if rid in db_values and rid not in on_sheet and rid not in pending]
        self._lost: dict[tuple[str, ...], list[int]] | None = None
        self._twins: dict[tuple[str, ...], int] | None = None

    def _shown(self, rid: int) -> tuple[tuple[str, ...], ...]:
        """The values a record's row may hold: as the sheet last showed them, and as the database has them."""
        now = tuple(map(norm, self.db_values[rid]))
        was = record_values(self.spec, self.base.records[rid]) if rid in self.base.records else now
        return (was, now) if was != now else (now,)

    def lost(self, values: tuple[str, ...]) -> int | None:
        if not self.lost_ids:
            return None
        if self._lost is None:
            self._lost = {}
            for rid in sorted(self.lost_ids):
                for shown in self._shown(rid):
                    self._lost.setdefault(shown, []).append(rid)
        for rid in self._lost.get(values, ()):
            if rid in self.lost_ids:
                self.lost_ids.remove(rid)
                return rid
        return None

    def twin(self, values: tuple[str, ...]) -> int | None:
        if self._twins is None:
            self._twins = {}
            for rid in sorted(self.db_values):
                now = self.on_sheet.get(rid)
                for shown in ((now,) if now is not None else self._shown(rid)):
                    self._twins.setdefault(shown, rid)
        return self._twins.get(values)


def _held(spec, reason, changed, planned, problems, current, db, base) -> TabPlan:
    """The plan of a tab whose sheet edits look like no person typed them (sync.mass_change): nothing goes to
    the database, every record's row shows the database again, ID-less rows wait, and one problem keeps what
    the sheet changed so that an admin can accept it."""
    db_values = value_tuples(spec, db)
    rows = tuple(
        PlannedRow(p.record_id, tuple(map(norm, db_values[p.record_id])), p.sheet_row) if p.record_id is not None
        else PlannedRow(None, p.values, p.sheet_row)
        for p in planned
    )
    detail = tuple(
        Delta(rid, tuple((c, w, n) for c, w, n in zip(spec.columns, was, now) if w != n))
        for rid, was, now in sorted(changed)
    )
    fingerprint = hashlib.sha256(repr(detail).encode("utf-8")).hexdigest()[:8]
    message = (f"{reason}; none of these sheet edits was applied and the tab was restored from the database: "
               f"if they were meant, an admin can accept them on the sync problems page")
    held = Problem(MASS_CHANGE, spec.name, message, sheet_value=f"{len(detail)} rows #{fingerprint}", detail=detail)
    restored = tuple(p for p in problems if p.kind == ROW_DELETED_IN_SHEET)
    return TabPlan(spec, False, (), (), rows, (held, *restored), current, kept(db), base)
