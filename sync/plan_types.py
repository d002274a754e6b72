"""The vocabulary of a sync plan: problem kinds, a tab's spec, its records and base, and the plan and
result types that sync.core produces and the adapters (runner, db_side, sheet_side) consume. Pure data."""

from __future__ import annotations

from collections.abc import Mapping as MappingABC
from dataclasses import dataclass, field
from typing import Mapping, NamedTuple, Sequence, Union

# Problem kinds.
REJECTED = "rejected"
CONFLICT = "conflict"
ROW_DELETED_IN_SHEET = "row_deleted_in_sheet"
RECORD_GONE = "record_gone"
STRUCTURE = "structure"
DUPLICATE_ID = "duplicate_id"
UNKNOWN_ID = "unknown_id"
BAD_ID = "bad_id"
# A cycle that would change many rows in a pattern no person types: nothing applied, sheet restored.
MASS_CHANGE = "mass_change"

# Kinds that stop a whole tab from syncing.
BLOCKING_KINDS = frozenset({STRUCTURE, DUPLICATE_ID, UNKNOWN_ID, BAD_ID})
# Kinds that hold a tab's sheet edits back until an admin decides (the tab is still written).
HELD_KINDS = frozenset({MASS_CHANGE})


@dataclass(frozen=True)
class TableSpec:
    name: str
    columns: tuple[str, ...]  # data columns, without the ID column
    editable: frozenset[str]
    creatable: bool = True
    id_column: str = "id"

    @property
    def header(self) -> tuple[str, ...]:
        return (self.id_column, *self.columns)


class Records(MappingABC):
    """Records of one tab as {id: values in ``columns`` order}, read as {id: {column: value}}.

    A dict is built only when a record is looked up by column (a changed row);
    equality with another Records of the same columns compares the tuples."""

    __slots__ = ("columns", "rows", "_sheet_rows")

    def __init__(self, columns: Sequence[str], rows: Mapping[int, tuple[str, ...]]):
        self.columns = tuple(columns)
        self.rows = rows
        self._sheet_rows = None

    def sheet_rows(self) -> dict[str, tuple[str, ...]]:
        """{ID text: values}: each record as its unchanged sheet row shows it after the ID
        cell, for the records in canonical form (trimmed text). Built once; the adapter may build it
        while it waits for the sheet."""
        if self._sheet_rows is None:
            self._sheet_rows = _sheet_rows(self.rows)
        return self._sheet_rows

    def __getitem__(self, record_id: int) -> dict[str, str]:
        return dict(zip(self.columns, self.rows[record_id]))

    def __contains__(self, record_id) -> bool:
        return record_id in self.rows

    def __iter__(self):
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def __eq__(self, other) -> bool:
        if isinstance(other, Records) and other.columns == self.columns:
            return self.rows == other.rows
        return super().__eq__(other)

    __hash__ = None  # mutable like a dict

    def __repr__(self) -> str:
        return f"Records({self.columns!r}, {len(self.rows)} rows)"


@dataclass(frozen=True)
class TabBase:
    """Snapshot kept by the adapter between cycles, one per tab.

    records: values as written to the sheet by the last completed cycle.
    pending: creation key -> record id, for records created by a cycle that
             may not have written their ID back yet.
    issued:  IDs an interrupted cycle may already have put on the sheet.
    """

    records: Mapping[int, Mapping[str, str]] = field(default_factory=dict)
    pending: Mapping[str, int] = field(default_factory=dict)
    issued: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Problem:
    kind: str
    table: str
    message: str
    record_id: int | None = None
    column: str | None = None
    sheet_value: str | None = None
    db_value: str | None = None
    # 1-based sheet row: after finish(), where the row is once the writes
    # are applied (rows that left: where it was read; blocked tab: as read).
    sheet_row: int | None = None
    # MASS_CHANGE only: the sheet edits held back, as Delta per record.
    detail: tuple["Delta", ...] = ()


class Delta(NamedTuple):
    """What the sheet changed on one record since the last cycle: ((column, base value, sheet value), ...)."""

    record_id: int
    cells: tuple[tuple[str, str, str], ...]


@dataclass(frozen=True)
class Update:
    record_id: int
    changes: Mapping[str, str]  # field -> new (trimmed) value


@dataclass(frozen=True)
class Create:
    key: str  # creation key, see module docstring
    values: Mapping[str, str]  # every editable column, '' when left blank
    sheet_row: int


class PlannedRow(NamedTuple):
    """One data row of the desired grid, before DB outcomes are known.
    (A NamedTuple: a cycle makes one per row, and it is several times cheaper
    to build than a frozen dataclass.)"""

    record_id: int | None  # None: ID-less row (creation pending or refused)
    values: tuple[str, ...]  # in spec.columns order
    sheet_row: int | None  # where it is now; None when appended
    create_key: str | None = None
    changed: tuple[str, ...] = ()  # fields sent to the DB as an Update


@dataclass(frozen=True)
class TabPlan:
    spec: TableSpec
    blocked: bool
    updates: tuple[Update, ...]
    creates: tuple[Create, ...]
    rows: tuple[PlannedRow, ...]
    problems: tuple[Problem, ...]
    current: tuple[tuple[str, ...], ...]  # the grid as read, header first
    db: Mapping[int, Mapping[str, str]]
    base: TabBase
    # Set when the whole tab is unchanged (see _unchanged_grid): the grid as it stays,
    # header first; ``rows`` is then left empty.
    unchanged_grid: tuple[tuple[str, ...], ...] | None = None


@dataclass(frozen=True)
class Applied:
    """The update was saved; ``stored`` is the record as the DB now has it
    (optional, lets DB-side normalisation reach the sheet this cycle)."""

    stored: Mapping[str, str] | None = None


@dataclass(frozen=True)
class Created:
    record_id: int
    stored: Mapping[str, str] | None = None


@dataclass(frozen=True)
class Refused:
    reason: str


UpdateOutcome = Union[Applied, Refused]
CreateOutcome = Union[Created, Refused]


@dataclass(frozen=True)
class CellWrite:
    row: int  # 1-based
    col: int  # 1-based
    value: str


@dataclass(frozen=True)
class TabResult:
    """What a cycle does to one tab's sheet, in the layout AS READ (sync.placement finds where
    those rows are at write time): cell ``writes`` on rows that stay, ``deletes`` of whole rows,
    ``appends`` of whole rows after the table. Nothing is moved by rewriting values."""

    table: str
    writes: tuple[CellWrite, ...]  # on rows as read (row 1 = header); empty when idle or blocked
    grid: tuple[tuple[str, ...], ...]  # the sheet after the changes, header first
    origins: tuple[int | None, ...]  # per data row of ``grid``: the row it was read from, None if appended
    problems: tuple[Problem, ...]
    base: TabBase  # save after the sheet write succeeded
    deletes: tuple[int, ...] = ()  # rows as read to remove (records that left, blank rows)
    appends: tuple[tuple[str, ...], ...] = ()  # whole rows (ID first) added after the table

    @property
    def changes_sheet(self) -> bool:
        return bool(self.writes or self.deletes or self.appends)


def _sheet_rows(value_tuples: Mapping[int, tuple]) -> dict[str, tuple[str, ...]]:
    # The records' own value tuples, not a new (ID, *values) tuple per record: 20,000 long-lived
    # tuples fewer per cycle for the garbage collector to track.
    rows = {}
    for rid, values in value_tuples.items():
        try:
            if values == tuple(map(str.strip, values)):
                rows[str(rid)] = values
        except TypeError:  # a None value
            pass
    return rows
