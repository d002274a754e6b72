"""A plan's outcomes: the base saved with the database writes (in_flight_base), then, with what the database
did, the sheet's writes and the next base (finish). See sync.core for the cycle these steps belong to."""
from __future__ import annotations

from dataclasses import replace
from typing import Mapping, Sequence

from .plan_types import (
    REJECTED, Applied, CellWrite, Created, CreateOutcome, PlannedRow, Problem, Records, Refused, TabBase, TableSpec,
    TabPlan, TabResult, UpdateOutcome,
)
from .row_text import filled, norm, padded, record_values, value_tuples


def in_flight_base(plan: TabPlan, created: Mapping[str, Created]) -> TabBase:
    """Base to save in the SAME transaction as the creates/updates of ``plan``.

    ``created`` maps creation key -> Created for the records committed in
    that transaction. Old pending entries are kept: this cycle may still die
    before writing their IDs.
    """
    if plan.blocked:
        return plan.base
    spec, base = plan.spec, plan.base
    pending = dict(base.pending)
    by_key = {c.key: c for c in plan.creates}
    new_records = {}
    for key, outcome in created.items():
        pending[key] = outcome.record_id
        new_records[outcome.record_id] = _stored_or_typed(spec, by_key[key].values, outcome.stored)
    # Every ID this cycle may put on the sheet must be known next cycle: kept
    # records are (they stay in ``records``), the others go to ``issued``.
    issued = set(base.issued) | set(new_records)
    shown = plan.db if plan.unchanged_grid is not None else (r.record_id for r in plan.rows)
    issued |= {rid for rid in shown if rid is not None and rid not in base.records}
    return TabBase(_with_records(spec, base.records, new_records), pending, frozenset(issued))


def _with_records(spec: TableSpec, records: Mapping, new: Mapping[int, Mapping[str, str]]) -> Mapping:
    """``records`` plus ``new`` (the same object when nothing is new), kept as Records if it was."""
    if not new:
        return records
    if isinstance(records, Records) and records.columns == spec.columns:
        added = {rid: tuple(values[c] for c in spec.columns) for rid, values in new.items()}
        return Records(spec.columns, {**records.rows, **added})
    return {**records, **{rid: dict(values) for rid, values in new.items()}}


# --------------------------------------------------------------------------
# finishing with the DB outcomes


def _stored_or_typed(spec: TableSpec, typed: Mapping[str, str], stored: Mapping[str, str] | None):
    source = stored if stored is not None else typed
    return {c: norm(source.get(c)) for c in spec.columns}


def _finish_update(spec: TableSpec, row: PlannedRow, db_vals, outcome: UpdateOutcome):
    if isinstance(outcome, Applied):
        values = record_values(spec, outcome.stored) if outcome.stored is not None else row.values
        return PlannedRow(row.record_id, values, row.sheet_row), []
    shown, problems = [], []
    for col, value in zip(spec.columns, row.values):
        d = norm(db_vals.get(col))
        if col in row.changed:
            text = f"record {row.record_id} {col!r}: edit refused: {outcome.reason}"
            problems.append(Problem(REJECTED, spec.name, text, row.record_id, col, value, d, row.sheet_row))
            value = d
        shown.append(value)
    return PlannedRow(row.record_id, tuple(shown), row.sheet_row), problems


def _finish_create(spec: TableSpec, row: PlannedRow, outcome: CreateOutcome):
    typed = dict(zip(spec.columns, row.values))
    if isinstance(outcome, Refused):
        given = filled(spec, row.values)
        text = f"new row ({given}) not created: {outcome.reason}"
        return row, [Problem(REJECTED, spec.name, text, sheet_value=given, sheet_row=row.sheet_row)]
    editable_typed = {c: v for c, v in typed.items() if c in spec.editable}
    final = _stored_or_typed(spec, editable_typed, outcome.stored)
    problems = [
        Problem(
            REJECTED,
            spec.name,
            f"record {outcome.record_id} {col!r} is read-only; typed value ignored",
            outcome.record_id,
            col,
            v,
            final[col],
            row.sheet_row,
        )
        for col, v in typed.items()
        if col not in spec.editable and v and v != final[col]
    ]
    values = tuple(final[c] for c in spec.columns)
    return PlannedRow(outcome.record_id, values, row.sheet_row), problems


def _moved(problems: list[Problem], origins: Sequence[int | None]) -> tuple[Problem, ...]:
    # Rows that leave or blank rows shift the rows below them: point each
    # problem at the row as the user will see it after the write. Problems of
    # rows that left keep the row they were read from.
    where = {old: new for new, old in enumerate(origins, start=2) if old is not None}
    return tuple(replace(p, sheet_row=where.get(p.sheet_row, p.sheet_row)) for p in problems)


def _check_outcomes(plan: TabPlan, updates: Mapping, creates: Mapping) -> None:
    missing = [u.record_id for u in plan.updates if u.record_id not in updates]
    missing += [c.key for c in plan.creates if c.key not in creates]
    if missing:
        raise ValueError(f"{plan.spec.name}: no outcome reported for {missing}; report Refused(reason) instead")


def _row_writes(row: int, have: Sequence[str], want: tuple[str, ...], width: int) -> list[CellWrite]:
    if len(have) != width:
        have = padded(have, width)
    if have == want:
        return []  # most rows of most cycles
    return [CellWrite(row, c + 1, w) for c, (h, w) in enumerate(zip(have, want)) if h != w]


def finish(
    plan: TabPlan,
    updates: Mapping[int, UpdateOutcome] | None = None,
    creates: Mapping[str, CreateOutcome] | None = None,
) -> TabResult:
    """Turn a plan plus the DB outcomes into sheet writes and the next base.

    ``updates`` maps record id -> Applied | Refused for every plan.updates
    entry, ``creates`` maps creation key -> Created | Refused for every
    plan.creates entry (a missing outcome is an adapter bug: ValueError).
    """
    updates, creates = updates or {}, creates or {}
    if plan.blocked:
        # Nothing written, base (including pending creations) kept as is.
        return TabResult(plan.spec.name, (), plan.current, (), plan.problems, plan.base)
    _check_outcomes(plan, updates, creates)
    spec = plan.spec
    if plan.unchanged_grid is not None:
        grid = plan.unchanged_grid
        base = TabBase(Records(spec.columns, value_tuples(spec, plan.db)))
        return TabResult(spec.name, (), grid, tuple(range(2, len(grid) + 1)), (), base)
    rows, problems = [], list(plan.problems)
    for row in plan.rows:
        if row.create_key is not None:
            row, extra = _finish_create(spec, row, creates[row.create_key])
        elif row.changed:
            row, extra = _finish_update(spec, row, plan.db[row.record_id], updates[row.record_id])
        else:
            extra = []
        rows.append(row)
        problems.extend(extra)
    # Rows stay where they are: the ones that leave are deleted, the new ones added after the table.
    width = len(spec.header)
    shown = [(r.sheet_row, (str(r.record_id) if r.record_id is not None else "", *r.values)) for r in rows]
    writes = _row_writes(1, plan.current[0], spec.header, width)
    for n, cells in shown:
        if n is not None:
            writes += _row_writes(n, plan.current[n - 1], cells, width)
    staying = {n for n, _ in shown}
    records = Records(spec.columns, {r.record_id: r.values for r in rows if r.record_id is not None})
    origins = tuple(n for n, _ in shown)
    return TabResult(
        spec.name,
        tuple(writes),
        (spec.header, *(cells for _, cells in shown)),
        origins,
        _moved(problems, origins),
        TabBase(records),
        deletes=tuple(n for n in range(2, len(plan.current) + 1) if n not in staying),
        appends=tuple(cells for n, cells in shown if n is None),
    )
