"""The mass-change guard (sync.mass_change, used by sync.core.plan_tab): literal cases.

A person fills down, pastes, clears or edits a few rows; a selection sorted without its ID column
moves every row's values to another record. The first must go through, the second must not.
"""
from __future__ import annotations

import pytest

from sync.core import MASS_CHANGE, REJECTED, ROW_DELETED_IN_SHEET, Applied, Delta, TabBase, TableSpec, finish, plan_tab
from sync.mass_change import MassLimits, detect

SPEC = TableSpec("Clients", ("name", "city", "stage", "owner"), editable=frozenset({"name", "city", "stage"}))
HEADER = list(SPEC.header)
CITIES = ["Paris", "Rome", "Oslo", "Lyon", "Bern", "Kyiv", "Riga", "Graz", "Pisa", "Nice", "Metz", "Caen",
          "Bonn", "Ulm", "Turin", "Bari", "Gent", "Brno", "Lund", "Cork", "Linz", "Split", "Tours", "Delft"]
STAGES = ["lead", "intent", "deal"]


def records(n):
    return {rid: {"name": f"Firm {rid}", "city": CITIES[rid - 1], "stage": STAGES[rid % 3], "owner": f"rep{rid % 2}"}
            for rid in range(1, n + 1)}


def grid_of(db):
    return [HEADER] + [[str(rid), *(v[c] for c in SPEC.columns)] for rid, v in db.items()]


def plan(grid, db, limits=MassLimits()):
    return plan_tab(SPEC, grid[0], grid[1:], db, TabBase(db), limits)


def sort_range(grid, first_col, last_col, key_col):
    """What Google Sheets does to a selection of columns [first_col, last_col] (0-based, ID is 0) sorted
    by key_col: the rows' cells in those columns move, the ID column stays."""
    body = [row[first_col:last_col + 1] for row in grid[1:]]
    body.sort(key=lambda cells: cells[key_col - first_col])
    return [grid[0]] + [row[:first_col] + cells + row[last_col + 1:] for row, cells in zip(grid[1:], body)]


def test_a_range_sorted_without_the_id_column_is_held_and_the_sheet_restored():
    db = records(18)
    grid = sort_range(grid_of(db), 2, 4, 2)  # city, stage, owner sorted by city
    p = plan(grid, db)
    assert (p.updates, p.creates) == ((), ())
    [held] = p.problems
    assert held.kind == MASS_CHANGE
    assert "moved to other rows" in held.message and "'city', 'stage', 'owner'" in held.message
    moved = {d.record_id for d in held.detail}
    assert len(moved) >= 15
    first = next(d for d in held.detail if d.record_id == 1)
    assert ("city", "Paris", grid[1][2]) in first.cells
    r = finish(p)
    assert r.grid == tuple(map(tuple, grid_of(db)))  # every record's row shows the database again
    assert {w.row for w in r.writes} == {d.record_id + 1 for d in held.detail}
    assert r.base == TabBase(db)


def test_a_sorted_range_among_a_few_genuine_edits_is_still_seen():
    db = records(20)
    grid = sort_range(grid_of(db), 2, 2, 2)  # the city column alone
    grid[3][1] = "Renamed firm"
    grid[5][3] = "deal" if grid[5][3] != "deal" else "lead"
    assert plan(grid, db).problems[0].kind == MASS_CHANGE


@pytest.mark.parametrize("edit", ["fill down", "paste new values", "clear a column", "a few edits", "stages swapped"])
def test_what_people_type_goes_through(edit):
    db = records(24)
    grid = grid_of(db)
    if edit == "fill down":
        for row in grid[3:14]:
            row[2] = "Paris"
    elif edit == "paste new values":
        for n, row in enumerate(grid[1:12]):
            row[2] = f"New town {n}"
    elif edit == "clear a column":
        for row in grid[1:12]:
            row[2] = ""
    elif edit == "a few edits":
        grid[2][1], grid[4][2], grid[9][3] = "Firm two", "Lille", "deal"
    else:  # stages moved between a handful of rows, by hand
        for row, stage in zip(grid[1:6], ["deal", "lead", "intent", "deal", "intent"]):
            row[3] = stage
    p = plan(grid, db)
    assert not [x for x in p.problems if x.kind == MASS_CHANGE]
    assert p.updates


def test_more_than_the_share_of_a_tab_changed_is_held():
    db = records(24)
    grid = grid_of(db)
    for n, row in enumerate(grid[1:22]):
        row[1] = f"Renamed {n}"
    [held] = plan(grid, db).problems
    assert held.kind == MASS_CHANGE and "21 of 24 rows changed" in held.message
    # the share and the minimum are settings
    assert plan(grid, db, MassLimits(share=0.9)).updates
    assert plan(grid, db, MassLimits(min_rows=22)).updates
    assert plan(grid, db, None).updates  # no guard


def test_a_held_tab_keeps_restored_rows_and_new_rows_waiting():
    db = records(18)
    grid = sort_range(grid_of(db), 2, 4, 2)
    del grid[4]  # a row deleted as well
    grid.append(["", "New firm", "Graz", "lead", ""])
    p = plan(grid, db)
    assert [x.kind for x in p.problems] == [MASS_CHANGE, ROW_DELETED_IN_SHEET]
    assert p.creates == ()
    r = finish(p)
    assert r.appends == (("4", *(db[4][c] for c in SPEC.columns)),)
    assert ("", "New firm", "Graz", "lead", "") in r.grid  # created on a later cycle


def test_the_detail_of_a_held_change_names_every_moved_cell():
    db = records(6)
    grid = grid_of(db)
    rotated = [grid[1 + (n + 1) % 6][2] for n in range(6)]  # each row takes the next row's city
    for row, city in zip(grid[1:], rotated):
        row[2] = city
    [held] = plan(grid, db).problems
    assert held.detail == tuple(Delta(rid, (("city", CITIES[rid - 1], CITIES[rid % 6]),)) for rid in range(1, 7))
    assert held.sheet_value.startswith("6 rows #")


def test_detect_literal_cases():
    cols = ("a", "b")
    swap = [(("1", "x"), ("2", "y")), (("2", "y"), ("3", "z")), (("3", "z"), ("4", "w")),
            (("4", "w"), ("5", "v")), (("5", "v"), ("1", "x"))]
    assert "moved" in detect(cols, swap, 100, MassLimits())
    assert detect(cols, swap[:4], 100, MassLimits()) is None  # 3 of 4 fragments shared: too few rows
    two_values = [(("1", "x"), ("2", "x")), (("2", "x"), ("1", "x"))] * 3
    assert detect(cols, two_values, 100, MassLimits()) is None
    assert detect(cols, [], 0, MassLimits()) is None


def test_an_ordinary_rejected_edit_is_not_a_mass_change():
    db = records(4)
    grid = grid_of(db)
    grid[1][4] = "rep9"
    p = plan(grid, db)
    r = finish(p, {u.record_id: Applied() for u in p.updates})
    assert [x.kind for x in r.problems] == [REJECTED]
