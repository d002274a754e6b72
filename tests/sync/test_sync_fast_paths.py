"""The shortcuts of an idle cycle keep every behaviour of the full plan.

* sync.core: an unchanged row skips the per-field merge, an unchanged tab skips the plan
  (`_unchanged_grid`); both must still see a change on either side, and the whole-tab shortcut
  must give exactly what the full plan gives (checked against it with the shortcut switched off).
* `Records` (one tuple per record) behaves like the dict of dicts it stands for.
* sync.cells and sync.snapshots: sheet cells are normalised column by column, base snapshots load in both shapes.
"""
from __future__ import annotations

import json
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sync import core
from sync.core import CONFLICT, REJECTED, ROW_DELETED_IN_SHEET, CellWrite, Records, TabBase, TableSpec, Update

SPEC = TableSpec("Clients", ("name", "city", "code"), editable=frozenset({"name", "city"}))
HEADER = list(SPEC.header)
DB = {rid: {"name": f"N{rid}", "city": f"C{rid % 3}", "code": f"K{rid}"} for rid in range(1, 41)}


def grid_of(db, order=None):
    return [HEADER] + [[str(rid), *(db[rid][c] for c in SPEC.columns)] for rid in (order or db)]


def records(db):
    return Records(SPEC.columns, {rid: tuple(v[c] for c in SPEC.columns) for rid, v in db.items()})


def outcome(grid, db, base):
    """Everything a cycle decides for a tab with no DB refusal: plan, result, in-flight base."""
    plan = core.plan_tab(SPEC, grid[0] if grid else [], grid[1:], db, base)
    created = {c.key: core.Created(1000 + n) for n, c in enumerate(plan.creates)}
    result = core.finish(plan, {u.record_id: core.Applied() for u in plan.updates}, created)
    return (plan.blocked, plan.updates, plan.creates, result.writes, tuple(map(tuple, result.grid)),
            result.origins, result.problems, result.base, core.in_flight_base(plan, created))


def full_plan_outcome(grid, db, base):
    with mock.patch.object(core, "_unchanged_grid", lambda *args: None):
        return outcome(grid, db, base)


# --------------------------------------------------------------------------
# one row changed among unchanged ones


@pytest.mark.parametrize("as_records", [False, True])
def test_a_sheet_edit_on_a_row_whose_db_record_equals_the_base_is_applied(as_records):
    grid = grid_of(DB)
    grid[7][2] = "Lyon"  # record 7, city
    db = records(DB) if as_records else DB
    plan = core.plan_tab(SPEC, grid[0], grid[1:], db, TabBase(records(DB)))
    assert plan.unchanged_grid is None
    assert plan.updates == (Update(7, {"city": "Lyon"}),)
    result = core.finish(plan, {7: core.Applied()})
    assert (result.writes, result.problems) == ((), ())
    assert result.base.records[7]["city"] == "Lyon"
    assert result.base.records[8] == DB[8]


@pytest.mark.parametrize("as_records", [False, True])
def test_a_db_edit_on_a_record_whose_sheet_row_equals_the_base_is_written(as_records):
    db = {rid: dict(values) for rid, values in DB.items()}
    db[12]["code"] = "NEW"
    plan = core.plan_tab(SPEC, HEADER, grid_of(DB)[1:], records(db) if as_records else db, TabBase(records(DB)))
    assert plan.updates == ()
    result = core.finish(plan)
    assert result.writes == (CellWrite(13, 4, "NEW"),)
    assert result.base.records[12]["code"] == "NEW"


def test_both_sides_changed_on_one_row_is_a_conflict_even_among_unchanged_rows():
    db = {rid: dict(values) for rid, values in DB.items()}
    db[3]["city"] = "DB"
    grid = grid_of(DB)
    grid[3][2] = "SHEET"
    result = core.finish(core.plan_tab(SPEC, HEADER, grid[1:], records(db), TabBase(records(DB))))
    assert [(p.kind, p.record_id, p.sheet_value, p.db_value) for p in result.problems] == [(CONFLICT, 3, "SHEET", "DB")]
    assert result.writes == (CellWrite(4, 3, "DB"),)


def test_a_read_only_edit_is_still_rejected_when_the_rest_is_unchanged():
    grid = grid_of(DB)
    grid[5][3] = "MINE"
    result = core.finish(core.plan_tab(SPEC, HEADER, grid[1:], records(DB), TabBase(records(DB))))
    assert [(p.kind, p.record_id, p.column) for p in result.problems] == [(REJECTED, 5, "code")]
    assert result.writes == (CellWrite(6, 4, "K5"),)


# --------------------------------------------------------------------------
# the unchanged tab


def test_an_unchanged_tab_in_any_order_is_idle_and_keeps_the_records_as_base():
    order = sorted(DB, key=lambda rid: DB[rid]["city"])  # the user sorted by city
    grid = grid_of(DB, order)
    plan = core.plan_tab(SPEC, grid[0], grid[1:], records(DB), TabBase())
    assert plan.unchanged_grid is not None
    result = core.finish(plan)
    assert (plan.updates, plan.creates, result.writes, result.problems) == ((), (), (), ())
    assert result.base == TabBase(DB)
    assert result.origins == tuple(range(2, len(DB) + 2))
    # Nothing was on the sheet for an empty base: the in-flight base keeps every ID known.
    assert core.in_flight_base(plan, {}).issued == frozenset(DB)
    assert outcome(grid, records(DB), TabBase()) == full_plan_outcome(grid, records(DB), TabBase())


def _perturbed(kind):
    grid = grid_of(DB)
    db = {rid: dict(values) for rid, values in DB.items()}
    if kind == "sheet edit":
        grid[4][1] = "Ann"
    elif kind == "db edit":
        db[4]["name"] = "Ann"
    elif kind == "whitespace":
        grid[4][1] = " N4 "
    elif kind == "untrimmed db value":
        db[4]["name"] = " N4 "
    elif kind == "row deleted":
        del grid[4]
    elif kind == "record deleted":
        del db[4]
    elif kind == "record added":
        db[99] = {"name": "New", "city": "C0", "code": "K99"}
    elif kind == "blank row":
        grid.insert(3, [])
    elif kind == "new row":
        grid.append(["", "Dan", "Turin", ""])
    elif kind == "duplicate row":
        grid.append(list(grid[2]))
    elif kind == "row copied over another":
        grid[4] = list(grid[2])
    elif kind == "id with zeros":
        grid[4][0] = "004"
    elif kind == "unknown id":
        grid[4][0] = "777"
    elif kind == "value beside the table":
        grid[4].append("note")
    elif kind == "blank cell beside the table":
        grid[4].append("")
    elif kind == "header":
        grid[0] = ["id", "name", "town", "code"]
    elif kind == "short row":
        db[4]["code"] = ""
        grid[4] = grid[4][:3]
    elif kind == "missing field":
        del db[4]["code"]
    return grid, db


@pytest.mark.parametrize("kind", [
    "sheet edit", "db edit", "whitespace", "untrimmed db value", "row deleted", "record deleted", "record added",
    "blank row", "new row", "duplicate row", "row copied over another", "id with zeros", "unknown id", "value beside the table",
    "blank cell beside the table", "header", "short row", "missing field",
])
@pytest.mark.parametrize("as_records", [False, True])
def test_any_change_gives_what_the_full_plan_gives(kind, as_records):
    grid, db = _perturbed(kind)
    if as_records and kind != "missing field":
        db = records(db)
    base = TabBase(records(DB))
    assert outcome(grid, db, base) == full_plan_outcome(grid, db, base)
    if kind not in ("short row", "blank cell beside the table"):
        assert core.plan_tab(SPEC, grid[0], grid[1:], db, base).unchanged_grid is None


def test_a_row_deleted_in_the_sheet_still_comes_back():
    grid = grid_of(DB)
    del grid[10]  # record 10
    result = core.finish(core.plan_tab(SPEC, HEADER, grid[1:], records(DB), TabBase(records(DB))))
    assert [(p.kind, p.record_id) for p in result.problems] == [(ROW_DELETED_IN_SHEET, 10)]
    assert result.grid[-1] == ("10", "N10", "C1", "K10")


VALUES = ["", "a", "b", " a", "a "]
record_values = st.tuples(*[st.sampled_from(VALUES)] * 3)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.dictionaries(st.integers(1, 8), record_values, max_size=6),
    st.dictionaries(st.integers(1, 8), record_values, max_size=6),
    st.lists(st.tuples(st.sampled_from(["edit", "swap", "copy", "drop", "blank", "pad", "trim"]), st.integers(0, 20),
                       st.integers(1, 3), st.sampled_from(VALUES)), max_size=4),
    st.booleans(),
)
def test_the_unchanged_tab_shortcut_agrees_with_the_full_plan(db_rows, base_rows, edits, as_records):
    db = {rid: dict(zip(SPEC.columns, values)) for rid, values in db_rows.items()}
    grid = [HEADER] + [[str(rid), *values] for rid, values in db_rows.items()]
    for kind, n, col, value in edits:  # start from the DB's own grid, then maybe change it
        if len(grid) < 2:
            break
        i = 1 + n % (len(grid) - 1)
        if kind == "edit":
            grid[i] = grid[i] + [""] * (col + 1 - len(grid[i]))
            grid[i][col] = value
        elif kind == "swap":
            grid[1], grid[i] = grid[i], grid[1]
        elif kind == "copy":
            grid[i] = list(grid[1])
        elif kind == "drop":
            del grid[i]
        elif kind == "blank":
            grid.insert(i, [])
        elif kind == "pad":
            grid[i] = grid[i] + [""]
        else:
            while grid[i] and grid[i][-1] == "":
                grid[i] = grid[i][:-1]
    base = TabBase(Records(SPEC.columns, base_rows) if as_records else
                   {rid: dict(zip(SPEC.columns, values)) for rid, values in base_rows.items()})
    db_in = records(db) if as_records else db
    assert outcome(grid, db_in, base) == full_plan_outcome(grid, db_in, base)


# --------------------------------------------------------------------------
# Records


def test_records_read_like_the_dict_of_dicts_they_stand_for():
    table = records(DB)
    assert table == DB and DB == table and dict(table) == DB
    assert table[3] == DB[3] and table.get(999) is None and 3 in table and 999 not in table
    assert len(table) == len(DB) and list(table) == list(DB)
    changed = {**DB, 3: {**DB[3], "city": "X"}}
    assert table != changed and records(changed) != table
    assert Records(("a", "b"), {1: ("x", "y")}) != Records(("b", "a"), {1: ("x", "y")})
    assert TabBase(table) == TabBase(DB)


# --------------------------------------------------------------------------
# sheet cells (sync.cells), base snapshots (sync.snapshots)


class _Side:
    """The part of DbSide that normalised_rows uses."""

    @staticmethod
    def labels(column):
        return {"lead": "潜在", "intent": "意向"} if column.kind == "enum" else None


def test_sheet_cells_are_normalised_column_by_column(app):
    from app.domain import enums
    from sync.profiles import C, Table
    from sync.cells import normalised_rows

    table = Table("t", (C("name"), C("day", "date"), C("amount", "decimal"), C("flag", "bool"),
                        C("stage", "enum", enum=enums.CustomerStage)))
    canonical = ["1", "A", "2026-01-05", "12.50", "TRUE", "潜在"]
    rows = [
        canonical,
        ["2", " B ", "2026/1/5", "1234.5", "true", "intent"],
        ["3", "C", "not a date", "1.005", "", "意向"],
        [],
        ["", "", "", "", "", ""],
        ["4", "D"],
    ]
    before = json.loads(json.dumps(rows))
    with app.app_context():
        out, filled = normalised_rows(table, rows, _Side())
    assert rows == before, "the rows read are not changed in place"
    assert filled == 4
    assert out[0] is canonical, "a canonical row is kept as it is"
    assert out[1] == ["2", " B ", "2026-01-05", "1234.50", "TRUE", "意向"]
    assert out[2] == ["3", "C", "not a date", "1.005", "FALSE", "意向"]  # an edit the DB side will refuse
    assert out[3] == [] and out[4] == ["", "", "", "", "", ""]  # blank rows stay blank
    assert out[5] == ["4", "D", "", "", "FALSE"]  # an unticked box in a short row


def test_base_snapshots_of_the_first_shape_still_load_and_save_as_lists(app, linker):
    from app.models import SyncBase, db
    from sync.profiles import CUSTOMER
    from sync.snapshots import load_base, save_base
    from tests.sync.conftest import new_user

    link_id, _ = linker(new_user(app, "Sales", prefix="snap"))  # no customer: no snapshot yet
    with app.app_context():
        db.session.add(SyncBase(link_id=link_id, table_name="customer", snapshot=json.dumps({
            "records": {"5": {f: f"v{f}" for f in CUSTOMER.fields}, "6": {"name": "only a name"}},
            "pending": {"key": 7}, "issued": [8]})))
        db.session.commit()
        old = load_base(link_id, CUSTOMER)
        labels = old.records.columns
        assert old.records[5] == {label: f"v{f}" for label, f in zip(labels, CUSTOMER.fields)}
        assert old.records[6][labels[0]] == "only a name" and old.records[6][labels[1]] == ""
        assert (old.pending, old.issued) == ({"key": 7}, frozenset({8}))

        save_base(link_id, CUSTOMER, old)
        db.session.commit()
        stored = json.loads(db.session.query(SyncBase).filter_by(link_id=link_id, table_name="customer").one().snapshot)
        assert stored["fields"] == list(CUSTOMER.fields) and stored["ids"] == [5, 6]
        assert load_base(link_id, CUSTOMER) == old

        # A column added to the profile since: '' for it, the others picked by name.
        stored["fields"] = stored["fields"][1:]
        stored["rows"] = [values[1:] for values in stored["rows"]]
        row = db.session.query(SyncBase).filter_by(link_id=link_id, table_name="customer").one()
        row.snapshot = json.dumps(stored)
        db.session.commit()
        assert load_base(link_id, CUSTOMER).records[5] == {**old.records[5], labels[0]: ""}
