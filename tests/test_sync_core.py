"""Tests of the pure sync core: literal tables in, literal plans out.

The last part is a property-based simulation of both sides (fake DB with a
deterministic validator, fake sheet grid, interrupted cycles).
"""

from __future__ import annotations

import copy

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from sync.core import (
    BAD_ID,
    CONFLICT,
    DUPLICATE_ID,
    RECORD_GONE,
    REJECTED,
    ROW_DELETED_IN_SHEET,
    STRUCTURE,
    UNKNOWN_ID,
    Applied,
    CellWrite,
    Create,
    Created,
    Refused,
    TabBase,
    TableSpec,
    Update,
    creation_key,
    finish,
    in_flight_base,
    plan_tab,
)

SPEC = TableSpec("Clients", ("name", "city", "code"), editable=frozenset({"name", "city"}))
HEADER = ["id", "name", "city", "code"]


def rec(name, city, code):
    return {"name": name, "city": city, "code": code}


# The state after a clean cycle: sheet, DB and base agree.
DB = {1: rec("Ann", "Paris", "C1"), 2: rec("Bob", "Rome", "C2"), 3: rec("Cid", "Oslo", "C3")}
BASE = TabBase(copy.deepcopy(DB))
GRID = [
    HEADER,
    ["1", "Ann", "Paris", "C1"],
    ["2", "Bob", "Rome", "C2"],
    ["3", "Cid", "Oslo", "C3"],
]


def with_db(**changes):
    """DB copy with record fields changed, e.g. with_db(r1={'city': 'Lyon'})."""
    db = copy.deepcopy(DB)
    for key, fields in changes.items():
        db[int(key[1:])].update(fields)
    return db


def plan(grid, db=DB, base=BASE, spec=SPEC):
    return plan_tab(spec, grid[0] if grid else [], grid[1:], db, base)


def all_applied(p):
    return {u.record_id: Applied() for u in p.updates}


# --------------------------------------------------------------------------
# idle and simple edits


def test_idle_cycle_writes_nothing():
    p = plan(GRID)
    r = finish(p)
    assert (p.updates, p.creates, r.writes, r.problems) == ((), (), (), ())
    assert r.base == BASE


def test_sheet_edit_goes_to_db_and_needs_no_sheet_write():
    grid = copy.deepcopy(GRID)
    grid[2][2] = "Milan"
    p = plan(grid)
    assert p.updates == (Update(2, {"city": "Milan"}),)
    r = finish(p, all_applied(p))
    assert r.writes == ()
    assert r.problems == ()
    assert r.base.records[2] == rec("Bob", "Milan", "C2")


def test_db_edit_is_written_to_the_sheet():
    p = plan(GRID, with_db(r3={"city": "Bergen", "code": "X3"}))
    r = finish(p)
    assert p.updates == ()
    assert r.writes == (CellWrite(4, 3, "Bergen"), CellWrite(4, 4, "X3"))
    assert r.base.records[3] == rec("Cid", "Bergen", "X3")


def test_both_sides_same_field_db_wins_and_sheet_value_kept_as_conflict():
    grid = copy.deepcopy(GRID)
    grid[1][2] = "Nice"
    p = plan(grid, with_db(r1={"city": "Lyon"}))
    r = finish(p)
    assert p.updates == ()
    assert r.writes == (CellWrite(2, 3, "Lyon"),)
    [problem] = r.problems
    assert (problem.kind, problem.record_id, problem.column, problem.sheet_value, problem.db_value, problem.sheet_row) == (
        CONFLICT,
        1,
        "city",
        "Nice",
        "Lyon",
        2,
    )
    assert r.base.records[1]["city"] == "Lyon"


def test_both_sides_different_fields_merge():
    grid = copy.deepcopy(GRID)
    grid[1][1] = "Anna"
    p = plan(grid, with_db(r1={"city": "Lyon"}))
    assert p.updates == (Update(1, {"name": "Anna"}),)
    r = finish(p, all_applied(p))
    assert r.writes == (CellWrite(2, 3, "Lyon"),)
    assert r.problems == ()
    assert r.base.records[1] == rec("Anna", "Lyon", "C1")


def test_both_sides_same_new_value_is_no_conflict():
    grid = copy.deepcopy(GRID)
    grid[1][2] = "Lyon"
    p = plan(grid, with_db(r1={"city": "Lyon"}))
    r = finish(p)
    assert (p.updates, r.writes, r.problems) == ((), (), ())
    assert r.base.records[1]["city"] == "Lyon"


def test_read_only_edit_rejected_and_reverted():
    grid = copy.deepcopy(GRID)
    grid[2][3] = "HACK"
    p = plan(grid)
    r = finish(p)
    assert p.updates == ()
    assert r.writes == (CellWrite(3, 4, "C2"),)
    [problem] = r.problems
    assert (problem.kind, problem.record_id, problem.column, problem.sheet_value, problem.db_value) == (
        REJECTED,
        2,
        "code",
        "HACK",
        "C2",
    )


def test_edit_refused_by_db_validation_is_reverted_with_reason():
    grid = copy.deepcopy(GRID)
    grid[1][1] = ""
    grid[1][2] = "Lille"
    p = plan(grid)
    assert p.updates == (Update(1, {"name": "", "city": "Lille"}),)
    r = finish(p, {1: Refused("name is required")})
    assert r.writes == (CellWrite(2, 2, "Ann"), CellWrite(2, 3, "Paris"))
    assert [(x.kind, x.column, x.sheet_value, x.db_value) for x in r.problems] == [
        (REJECTED, "name", "", "Ann"),
        (REJECTED, "city", "Lille", "Paris"),
    ]
    assert all("name is required" in x.message for x in r.problems)
    assert r.base == BASE


def test_applied_update_with_db_normalisation_reaches_sheet_in_same_cycle():
    grid = copy.deepcopy(GRID)
    grid[1][2] = "paris"
    p = plan(grid)
    r = finish(p, {1: Applied(stored=rec("Ann", "PARIS", "C1"))})
    assert r.writes == (CellWrite(2, 3, "PARIS"),)
    assert r.base.records[1] == rec("Ann", "PARIS", "C1")


def test_missing_outcome_is_an_adapter_error():
    grid = copy.deepcopy(GRID)
    grid[1][2] = "Lyon"
    with pytest.raises(ValueError):
        finish(plan(grid))


# --------------------------------------------------------------------------
# new rows and exactly-once creation

NEW_GRID = GRID + [["", "Dan", "Turin", ""]]
DAN_KEY = creation_key("Clients", ("Dan", "Turin", ""), 0)


def test_new_row_created_and_id_written_back():
    p = plan(NEW_GRID)
    assert p.creates == (Create(DAN_KEY, {"name": "Dan", "city": "Turin"}, 5),)
    r = finish(p, {}, {DAN_KEY: Created(9, rec("Dan", "Turin", "C9"))})
    assert r.writes == (CellWrite(5, 1, "9"), CellWrite(5, 4, "C9"))
    assert r.problems == ()
    assert r.base == TabBase({**DB, 9: rec("Dan", "Turin", "C9")})


def test_interrupted_creation_is_not_duplicated():
    p = plan(NEW_GRID)
    created = {DAN_KEY: Created(9, rec("Dan", "Turin", "C9"))}
    saved = in_flight_base(p, created)  # committed together with record 9
    assert saved.pending == {DAN_KEY: 9}
    # ... crash: the ID never reached the sheet. The user even sorted the tab.
    grid = [HEADER, NEW_GRID[4], *GRID[1:]]
    db = {**DB, 9: rec("Dan", "Turin", "C9")}
    p2 = plan(grid, db, saved)
    assert (p2.creates, p2.updates) == ((), ())
    r2 = finish(p2)
    assert r2.writes == (CellWrite(2, 1, "9"), CellWrite(2, 4, "C9"))
    assert r2.problems == ()
    assert r2.base == TabBase(db)  # pending dropped once the ID is on the sheet
    assert finish(plan([HEADER, ["9", "Dan", "Turin", "C9"], *GRID[1:]], db, r2.base)).writes == ()


def test_interrupted_after_sheet_write_before_base_save_is_idle():
    p = plan(NEW_GRID)
    created = {DAN_KEY: Created(9, rec("Dan", "Turin", "C9"))}
    saved = in_flight_base(p, created)
    r = finish(p, {}, created)
    # sheet written, base save lost: the next cycle starts from `saved`
    db = {**DB, 9: rec("Dan", "Turin", "C9")}
    p2 = plan([list(row) for row in r.grid], db, saved)
    r2 = finish(p2)
    assert (p2.creates, r2.writes, r2.problems) == ((), (), ())
    assert r2.base == TabBase(db)


def test_pending_id_already_on_sheet_means_identical_row_is_really_new():
    saved = TabBase({**DB, 9: rec("Dan", "Turin", "C9")}, pending={DAN_KEY: 9})
    grid = GRID + [["9", "Dan", "Turin", "C9"], ["", "Dan", "Turin", ""]]
    p = plan(grid, {**DB, 9: rec("Dan", "Turin", "C9")}, saved)
    assert p.creates == (Create(DAN_KEY, {"name": "Dan", "city": "Turin"}, 6),)


def test_identical_new_rows_get_distinct_keys():
    p = plan(NEW_GRID + [["", "Dan", "Turin", ""]])
    assert [c.key for c in p.creates] == [DAN_KEY, creation_key("Clients", ("Dan", "Turin", ""), 1)]


def test_refused_creation_keeps_row_and_reports_it():
    p = plan(NEW_GRID)
    r = finish(p, {}, {DAN_KEY: Refused("city not served")})
    assert r.writes == ()
    [problem] = r.problems
    assert (problem.kind, problem.record_id, problem.sheet_row, problem.sheet_value) == (
        REJECTED,
        None,
        5,
        "name='Dan', city='Turin'",
    )
    assert "city not served" in problem.message
    assert r.base == BASE


def test_read_only_value_typed_in_new_row_is_reported():
    p = plan(GRID + [["", "Dan", "Turin", "MINE"]])
    key = p.creates[0].key
    r = finish(p, {}, {key: Created(9, rec("Dan", "Turin", "C9"))})
    assert r.writes == (CellWrite(5, 1, "9"), CellWrite(5, 4, "C9"))
    [problem] = r.problems
    assert (problem.kind, problem.record_id, problem.column, problem.sheet_value) == (REJECTED, 9, "code", "MINE")


def test_problem_rows_point_at_rows_after_the_write():
    grid = [HEADER, ["", "", "", ""], GRID[1], GRID[2], ["", "Dan", "Turin", ""]]
    p = plan(grid, {1: DB[1], 2: DB[2]}, TabBase({1: DB[1], 2: DB[2]}))
    r = finish(p, {}, {DAN_KEY: Refused("city not served")})
    assert r.grid == (tuple(HEADER), tuple(GRID[1]), tuple(GRID[2]), ("", "Dan", "Turin", ""))
    assert r.origins == (3, 4, 5)
    assert [(x.kind, x.sheet_row) for x in r.problems] == [(REJECTED, 4)]


def test_tab_without_creation_rejects_new_rows():
    spec = TableSpec("Clients", SPEC.columns, SPEC.editable, creatable=False)
    p = plan(NEW_GRID, spec=spec)
    r = finish(p)
    assert (p.creates, r.writes) == ((), ())
    assert [(x.kind, x.sheet_row) for x in r.problems] == [(REJECTED, 5)]


# --------------------------------------------------------------------------
# a row keeps its identity


def test_a_read_only_edit_refuses_the_valid_edit_of_the_same_row_with_it():
    grid = copy.deepcopy(GRID)
    grid[2][2] = "Milan"  # editable
    grid[2][3] = "HACK"  # read-only
    grid[3][2] = "Bergen"  # another row: applied
    p = plan(grid)
    assert p.updates == (Update(3, {"city": "Bergen"}),)
    r = finish(p, all_applied(p))
    assert r.writes == (CellWrite(3, 3, "Rome"), CellWrite(3, 4, "C2"))
    assert [(x.kind, x.record_id, x.column, x.sheet_value, x.db_value) for x in r.problems] == [
        (REJECTED, 2, "code", "HACK", "C2"),
        (REJECTED, 2, "city", "Milan", "Rome"),
    ]
    assert "'code' is read-only" in r.problems[1].message
    assert r.base.records[2] == rec("Bob", "Rome", "C2")


def test_a_row_whose_id_was_cleared_gets_its_id_back():
    grid = copy.deepcopy(GRID)
    grid[2][0] = ""
    p = plan(grid)
    assert (p.creates, p.updates) == ((), ())
    r = finish(p)
    assert (r.writes, r.deletes, r.appends, r.problems) == ((CellWrite(3, 1, "2"),), (), (), ())
    assert r.base == BASE


def test_a_row_pasted_back_without_its_id_elsewhere_gets_its_id_back_even_after_a_db_edit():
    grid = [HEADER, GRID[1], GRID[3], ["", "Bob", "Rome", "C2"]]  # row of 2 cut, pasted below without the ID
    p = plan(grid, with_db(r2={"city": "Pisa"}))
    assert (p.creates, p.updates) == ((), ())
    r = finish(p)
    assert r.writes == (CellWrite(4, 1, "2"), CellWrite(4, 3, "Pisa"))
    assert (r.deletes, r.appends, r.problems) == ((), (), ())


def test_a_cleared_id_with_an_edit_is_a_new_record_but_a_copy_of_a_visible_record_is_not_created():
    grid = GRID + [["", "Bob", "Rome", "C2"]]  # a copy of record 2, which is still on the sheet
    p = plan(grid)
    assert p.creates == ()
    r = finish(p)
    assert (r.writes, r.deletes, r.appends) == ((), (), ())
    [problem] = r.problems
    assert (problem.kind, problem.record_id, problem.sheet_row) == (REJECTED, None, 5)
    assert "repeats record 2" in problem.message
    edited = GRID + [["", "Bob", "Rome", "C9"]]  # changed in one column: a different record
    assert len(plan(edited).creates) == 1


def test_two_copies_of_a_row_whose_id_was_cleared_give_the_id_to_the_first_only():
    grid = [HEADER, GRID[1], ["", "Bob", "Rome", "C2"], GRID[3], ["", "Bob", "Rome", "C2"]]
    p = plan(grid)
    assert p.creates == ()
    r = finish(p)
    assert r.writes == (CellWrite(3, 1, "2"),)
    assert [(x.kind, x.sheet_row) for x in r.problems] == [(REJECTED, 5)]


def test_a_pending_creation_is_not_taken_for_a_lost_record():
    p = plan(NEW_GRID)
    created = {DAN_KEY: Created(9, rec("Dan", "Turin", ""))}
    saved = in_flight_base(p, created)
    db = {**DB, 9: rec("Dan", "Turin", "")}
    p2 = plan(NEW_GRID, db, saved)  # the ID never reached the sheet
    assert (p2.creates, p2.updates) == ((), ())
    assert finish(p2).writes == (CellWrite(5, 1, "9"),)


# --------------------------------------------------------------------------
# rows leaving and coming back


def test_row_deleted_in_sheet_is_restored_at_the_bottom():
    grid = [HEADER, GRID[1], GRID[3]]
    p = plan(grid)
    r = finish(p)
    assert p.updates == ()
    assert (r.writes, r.deletes, r.appends) == ((), (), (("2", "Bob", "Rome", "C2"),))
    assert [(x.kind, x.record_id) for x in r.problems] == [(ROW_DELETED_IN_SHEET, 2)]
    assert r.grid == (tuple(HEADER), tuple(GRID[1]), tuple(GRID[3]), tuple(GRID[2]))


def test_record_deleted_in_db_leaves_sheet_as_a_deleted_row_and_nothing_below_is_rewritten():
    db = {1: DB[1], 3: DB[3]}
    r = finish(plan(GRID, db))
    assert (r.writes, r.deletes, r.appends) == ((), (3,), ())
    assert r.grid == (tuple(HEADER), tuple(GRID[1]), tuple(GRID[3]))
    assert r.origins == (2, 4)
    assert r.problems == ()
    assert r.base == TabBase(db)


def test_record_no_longer_visible_leaves_and_discarded_edit_is_reported():
    grid = copy.deepcopy(GRID)
    grid[3][2] = "Bergen"
    db = {1: DB[1], 2: DB[2]}  # record 3 is not visible to the linked user any more
    r = finish(plan(grid, db))
    assert r.grid == tuple(map(tuple, GRID[:3]))
    assert (r.writes, r.deletes) == ((), (4,))
    [problem] = r.problems
    assert (problem.kind, problem.record_id, problem.column, problem.sheet_value) == (RECORD_GONE, 3, "city", "Bergen")


def test_new_db_record_is_appended():
    db = {**DB, 4: rec("Dee", "Nice", "C4")}
    r = finish(plan(GRID, db))
    assert (r.writes, r.deletes, r.appends) == ((), (), (("4", "Dee", "Nice", "C4"),))
    assert r.problems == ()


def test_id_written_by_interrupted_cycle_then_deleted_is_not_unknown():
    db = {**DB, 4: rec("Dee", "Nice", "C4")}
    p = plan(GRID, db)
    saved = in_flight_base(p, {})
    r = finish(p)  # sheet written, base save lost
    p2 = plan([list(x) for x in r.grid], DB, saved)  # then record 4 deleted
    assert not p2.blocked
    assert finish(p2).grid == tuple(map(tuple, GRID))


def test_user_sort_is_kept():
    grid = [HEADER, GRID[3], GRID[1], GRID[2]]
    assert finish(plan(grid)).writes == ()
    r = finish(plan(grid, with_db(r1={"name": "Ana"})))
    assert r.writes == (CellWrite(3, 2, "Ana"),)


# --------------------------------------------------------------------------
# blank rows and whitespace


def test_whitespace_is_not_an_edit_but_is_rewritten_trimmed():
    grid = copy.deepcopy(GRID)
    grid[1][2] = " Paris  "
    grid[0][1] = "name "
    p = plan(grid)
    r = finish(p)
    assert (p.updates, r.problems) == ((), ())
    assert r.writes == (CellWrite(1, 2, "name"), CellWrite(2, 3, "Paris"))


def test_edit_values_are_trimmed():
    grid = copy.deepcopy(GRID)
    grid[1][2] = "  Lyon "
    assert plan(grid).updates == (Update(1, {"city": "Lyon"}),)


def test_blank_rows_ignored_middle_ones_compacted():
    grid = [HEADER, GRID[1], ["", " ", ""], GRID[2], GRID[3], [], ["", "", "", ""]]
    p = plan(grid)
    r = finish(p)
    assert (p.creates, r.problems) == ((), ())
    assert r.grid == tuple(map(tuple, GRID))
    # the blank rows are deleted, no value moves from row to row
    assert (r.writes, r.deletes, r.appends) == ((), (3, 6, 7), ())


def test_short_rows_are_padded():
    grid = [HEADER, ["1", "Ann", "Paris", "C1"], ["2", "Bob", "Rome", "C2"], ["3", "Cid", "Oslo", "C3"]]
    db = with_db(r3={"code": ""})
    grid[3] = ["3", "Cid", "Oslo"]
    r = finish(plan(grid, db, TabBase(db)))
    assert r.writes == ()


def test_empty_sheet_is_initialised():
    r = finish(plan([], DB, TabBase()))
    assert r.grid == tuple(map(tuple, GRID))
    assert r.writes == tuple(CellWrite(1, c, v) for c, v in enumerate(HEADER, start=1))
    assert r.appends == tuple(map(tuple, GRID[1:]))
    assert r.problems == ()
    assert r.base == BASE


# --------------------------------------------------------------------------
# structural problems block only their tab


def assert_blocked(p, kinds):
    r = finish(p)
    assert p.blocked
    assert (p.updates, p.creates, r.writes) == ((), (), ())
    assert r.base == p.base
    assert [x.kind for x in r.problems] == kinds
    return r.problems


def test_header_renamed_blocks_tab():
    grid = copy.deepcopy(GRID)
    grid[0][2] = "Town"
    grid[1][1] = "Anna"  # this edit must wait
    [problem] = assert_blocked(plan(grid), [STRUCTURE])
    assert problem.message.startswith("C1 should be 'city' but is 'Town'")


def test_header_moved_blocks_tab():
    grid = [[r[0], r[2], r[1], r[3]] for r in GRID]
    problems = assert_blocked(plan(grid), [STRUCTURE, STRUCTURE])
    assert "columns were moved" in problems[0].message


def test_header_column_missing_or_extra_blocks_tab():
    grid = [r[:3] for r in GRID]
    [missing] = assert_blocked(plan(grid), [STRUCTURE])
    assert missing.message.startswith("missing column 'code' in D1")
    grid = [r + ["note"] for r in GRID]
    [extra] = assert_blocked(plan(grid), [STRUCTURE])
    assert extra.message.startswith("unexpected column 'note' in E1")


def test_values_right_of_table_block_tab():
    grid = copy.deepcopy(GRID)
    grid[2] = grid[2] + ["", "my note"]
    [problem] = assert_blocked(plan(grid), [STRUCTURE])
    assert "F3" in problem.message


def test_empty_header_with_data_blocks_tab():
    assert_blocked(plan([[], GRID[1]]), [STRUCTURE])


def test_duplicate_ids_block_tab():
    grid = GRID + [["2", "Bob", "Rome", "C2"]]
    [problem] = assert_blocked(plan(grid), [DUPLICATE_ID])
    assert (problem.record_id, problem.message) == (2, "ID 2 appears on rows 3, 5; keep it on one row only")


def test_unknown_and_non_numeric_ids_block_tab():
    grid = GRID + [["77", "Eve", "", ""], ["abc", "Fay", "", ""], ["1.5", "", "", "x"]]
    problems = assert_blocked(plan(grid), [UNKNOWN_ID, BAD_ID, BAD_ID])
    assert [x.sheet_row for x in problems] == [5, 6, 7]


def test_blocked_tab_does_not_stop_other_tabs():
    other = TableSpec("Cities", ("label",), frozenset({"label"}))
    bad = plan(GRID + [["1", "Ann", "Paris", "C1"]])
    good = plan_tab(other, ["id", "label"], [["5", "Lyon"]], {5: {"label": "Lyon!"}}, TabBase({5: {"label": "Lyon"}}))
    assert finish(bad).writes == ()
    assert finish(good).writes == (CellWrite(2, 2, "Lyon!"),)


def test_arguments_are_not_mutated():
    grid = copy.deepcopy(NEW_GRID)
    grid[1][2] = "Lyon"
    db, base = with_db(r2={"city": "Pisa"}), TabBase(copy.deepcopy(DB), {"k": 1}, frozenset({3}))
    snapshot = copy.deepcopy((grid, db, base))
    p = plan(grid, db, base)
    finish(p, all_applied(p), {c.key: Created(9) for c in p.creates})
    in_flight_base(p, {c.key: Created(9) for c in p.creates})
    assert (grid, db, base) == snapshot


# --------------------------------------------------------------------------
# property-based simulation of both sides

SIM = TableSpec("Sim", ("name", "city", "code"), editable=frozenset({"name", "city"}))
SHEET_VALUES = ["", "a", "b", "c", " a", "b ", "Xbad", "10"]
DB_VALUES = ["", "a", "b", "d", "Xdb"]
NOT_AN_EDIT = object()


def refused(values):
    # Deterministic stand-in for DB validation: values starting with X are refused.
    return any(v.startswith("X") for v in values)


class World:
    """A fake DB (with per-user visibility) and a fake sheet grid."""

    def __init__(self, records):
        self.db = {i: dict(zip(SIM.columns, r)) for i, r in enumerate(records, start=1)}
        self.hidden: set[int] = set()
        self.next_id = len(records) + 1
        self.grid: list[list[str]] = []
        self.uids: list[int] = []  # hidden identity of each sheet data row
        self.next_uid = 0
        self.base = TabBase()
        self.created_from: dict[int, int] = {}  # sheet row uid -> record id
        self.touched: set[tuple[int, str]] = set()

    def visible(self):
        return {r: dict(v) for r, v in self.db.items() if r not in self.hidden}

    def uid(self):
        self.next_uid += 1
        return self.next_uid

    def rows(self):
        return self.grid[1:]

    # ---- sheet user
    def pick(self, n):
        return n % len(self.uids) if self.uids else None

    def edit(self, n, col, value):
        i = self.pick(n)
        if i is None:
            return
        row = self.grid[i + 1]
        row.extend([""] * (col + 1 - len(row)))
        # Documented limit of exactly-once creation: ID-less rows are not
        # retyped while a creation may be in flight.
        if not row[0].strip() and self.base.pending:
            return
        row[col] = value
        self.touched.add((self.uids[i], SIM.columns[col - 1]))

    def insert(self, values):
        self.grid.append(["", *values])
        self.uids.append(self.uid())

    def insert_blank(self, n):
        i = self.pick(n)
        if i is not None:
            self.grid.insert(i + 1, [])
            self.uids.insert(i, self.uid())

    def delete(self, n):
        i = self.pick(n)
        if i is not None:
            del self.grid[i + 1]
            del self.uids[i]

    def sort(self, col, reverse):
        def key(pair):
            row = pair[0]
            return row[col].strip() if col < len(row) else ""

        pairs = sorted(zip(self.rows(), self.uids), key=key, reverse=reverse)
        self.grid[1:] = [p[0] for p in pairs]
        self.uids = [p[1] for p in pairs]

    def clash(self, n, col, sheet_value, db_value):
        """The same cell edited on both sides between two cycles."""
        i = self.pick(n)
        if i is None or not padded(self.grid[i + 1])[0].strip():
            return
        rid = int(self.grid[i + 1][0])
        if rid in self.db:
            self.db[rid][SIM.columns[col - 1]] = db_value
        self.edit(n, col, sheet_value)

    # ---- database side
    def db_pick(self, n):
        ids = sorted(self.db)
        return ids[n % len(ids)] if ids else None

    def db_edit(self, n, col, value):
        rid = self.db_pick(n)
        if rid is not None:
            self.db[rid][SIM.columns[col - 1]] = value

    def db_create(self, values):
        self.db[self.next_id] = dict(zip(SIM.columns, values))
        self.next_id += 1

    def db_delete(self, n):
        rid = self.db_pick(n)
        if rid is not None:
            del self.db[rid]

    def toggle_hidden(self, n):
        rid = self.db_pick(n)
        if rid is not None:
            self.hidden ^= {rid}


def apply_result(grid, result):
    """What the sheet holds after the cycle's writes, deletions and appended rows, read back."""
    out = [list(r) for r in grid]
    for w in result.writes:
        while len(out) < w.row:
            out.append([])
        row = out[w.row - 1]
        row.extend([""] * (w.col - len(row)))
        row[w.col - 1] = w.value
    out = [row for n, row in enumerate(out, start=1) if n not in result.deletes]
    while out and not any(c.strip() for c in out[-1]):
        out.pop()
    out += [list(cells) for cells in result.appends]
    while out and not any(c.strip() for c in out[-1]):
        out.pop()
    return out


def padded(row, width=4):
    return tuple(row[:width]) + ("",) * (width - len(row[:width]))


def check_no_edit_lost(world, plan_, result):
    for uid, col in world.touched:
        if uid not in world.uids:
            continue  # the user deleted that row themselves
        row = padded(world.grid[world.uids.index(uid) + 1])
        if not row[0].strip():
            continue  # not yet a record: the row itself is kept or created
        rid, value = int(row[0]), row[SIM.columns.index(col) + 1].strip()
        base = plan_.base.records.get(rid)
        gone = rid not in world.visible()
        if base is not None and value == base[col]:
            continue  # back to the synced value: not an edit
        if base is None and gone and value == "":
            continue  # no snapshot and nothing typed: nothing to keep
        if not gone and world.db[rid][col] == value:
            continue  # landed
        assert any(
            p.kind in (REJECTED, CONFLICT, RECORD_GONE) and (p.record_id, p.column, p.sheet_value) == (rid, col, value)
            for p in result.problems
        ), (rid, col, value, result.problems)


def run_cycle(world, mode="full"):
    """One adapter cycle; mode 'after_db' / 'after_sheet' = crash after that step."""
    header = world.grid[0] if world.grid else []
    plan_ = plan_tab(SIM, header, world.rows(), world.visible(), world.base)
    assert not plan_.blocked, plan_.problems
    update_outcomes, create_outcomes = {}, {}
    for u in plan_.updates:  # one DB transaction
        if refused(u.changes.values()):
            update_outcomes[u.record_id] = Refused("starts with X")
        else:
            world.db[u.record_id].update(u.changes)
            update_outcomes[u.record_id] = Applied()
    for c in plan_.creates:
        if refused(c.values.values()):
            create_outcomes[c.key] = Refused("starts with X")
            continue
        uid = world.uids[c.sheet_row - 2]
        assert uid not in world.created_from, "sheet row created twice"
        rid, world.next_id = world.next_id, world.next_id + 1
        world.created_from[uid] = rid
        world.db[rid] = {**c.values, "code": f"K{rid}"}
        create_outcomes[c.key] = Created(rid, dict(world.db[rid]))
    created = {k: o for k, o in create_outcomes.items() if isinstance(o, Created)}
    world.base = in_flight_base(plan_, created)  # same transaction
    if mode == "after_db":
        return plan_, None
    result = finish(plan_, update_outcomes, create_outcomes)
    check_no_edit_lost(world, plan_, result)
    world.touched = set()
    world.grid = apply_result(world.grid, result)
    assert [padded(r) for r in world.grid] == [padded(r) for r in result.grid]
    world.uids = [world.uids[o - 2] if o else world.uid() for o in result.origins]
    if mode == "full":
        world.base = result.base
    return plan_, result


idx = st.integers(0, 50)
col = st.integers(1, 3)
sheet_ops = st.one_of(
    st.tuples(st.just("edit"), idx, col, st.sampled_from(SHEET_VALUES)),
    st.tuples(st.just("insert"), st.tuples(*[st.sampled_from(SHEET_VALUES)] * 3)),
    st.tuples(st.just("insert_blank"), idx),
    st.tuples(st.just("delete"), idx),
    st.tuples(st.just("sort"), st.integers(0, 3), st.booleans()),
    st.tuples(st.just("clash"), idx, col, st.sampled_from(SHEET_VALUES), st.sampled_from(DB_VALUES)),
)
db_ops = st.one_of(
    st.tuples(st.just("db_edit"), idx, col, st.sampled_from(DB_VALUES)),
    st.tuples(st.just("db_create"), st.tuples(*[st.sampled_from(DB_VALUES)] * 3)),
    st.tuples(st.just("db_delete"), idx),
    st.tuples(st.just("toggle_hidden"), idx),
)
cycle_ops = st.tuples(st.just("cycle"), st.sampled_from(["full", "after_db", "after_sheet"]))
records = st.lists(st.tuples(*[st.sampled_from(DB_VALUES)] * 3), max_size=4)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records, st.lists(st.one_of(sheet_ops, sheet_ops, db_ops, cycle_ops), min_size=5, max_size=40))
# Found by this test: a row pasted with a record's old values after that record's row was edited is a new
# record, not a copy (a copy equals what the record's row shows now).
@example([("a", "", "a")], [("edit", 0, 1, ""), ("edit", 0, 1, ""), ("insert_blank", 0), ("insert_blank", 0),
                            ("insert", ("a", "", "a"))])
def test_simulated_cycles_converge_and_lose_nothing(initial, ops):
    world = World(initial)
    run_cycle(world)  # first cycle fills the empty sheet
    for name, *args in ops:
        if name == "cycle":
            run_cycle(world, *args)
        else:
            getattr(world, name)(*args)

    _, result = run_cycle(world)
    visible = world.visible()
    with_ids = [padded(r) for r in world.rows() if r[0].strip()]
    assert sorted(with_ids) == sorted((str(rid), *(v[c] for c in SIM.columns)) for rid, v in visible.items())
    for n, row in enumerate(world.rows(), start=2):
        if not row[0].strip():  # only rows the validator refuses, or copies of a visible record, stay ID-less
            assert refused(row[1:3]) or padded(row)[1:] in {tuple(v[c] for c in SIM.columns) for v in visible.values()}
            assert any(p.kind == REJECTED and p.sheet_row == n for p in result.problems)

    db_before, created_before = copy.deepcopy(world.db), dict(world.created_from)
    plan_, idle = run_cycle(world)
    assert idle.writes == ()
    assert plan_.updates == ()
    assert (world.db, world.created_from) == (db_before, created_before)
    # every record created from the sheet came from a distinct sheet row
    assert len(set(world.created_from.values())) == len(world.created_from)
