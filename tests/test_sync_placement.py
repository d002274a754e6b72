"""sync.placement: a cycle's sheet changes land on the rows that hold their records at write time, or nowhere.

Literal layouts: what the cycle read, what a person did since, where each change goes.
"""
from __future__ import annotations

from sync.placement import Note, TabChanges, by_identity, in_place

HEADER = ("id", "name", "city")
READ = (HEADER, ("1", "Ann", "Paris"), ("2", "Bob", "Rome"), ("", "Dan", "Turin"), ("3", "Cid", "Oslo"))


def changes(**kw):
    return TabChanges(width=3, read=READ, **kw)


def ids(grid):
    return [row[0] if row else "" for row in grid]


# --------------------------------------------------------------------------
# nothing moved: a light read confirms the rows as read


def test_nothing_moved_places_the_changes_where_they_were_read():
    c = changes(writes={3: {3: "Milan"}, 4: {1: "9"}}, deletes=(2,), appends=(("4", "Eve", "Nice"),),
                notes=(Note(3, None, 3, "kept the app's value"), Note(None, 0, 2, "restored")))
    assert c.checked_rows() == [3, 4]
    placed = in_place(c, ids(READ), {3: READ[2], 4: READ[3]})
    assert placed.deletes == [2]
    assert (placed.insert_at, placed.appended) == (5, 1)
    # after row 2 is deleted: Bob is row 2, Dan row 3, Cid row 4, Eve row 5
    assert placed.cells == {2: {3: "Milan", 1: "2"}, 3: {1: "9"}, 5: {1: "4", 2: "Eve", 3: "Nice"}}
    assert placed.notes == {2: {3: "kept the app's value"}, 5: {2: "restored"}}
    assert placed.ids == ["id", "2", "9", "3", "4"]


def test_a_cell_a_person_changed_since_the_read_keeps_their_value():
    c = changes(writes={3: {2: "Robert", 3: "Milan"}})
    now = {3: ("2", "Bobby", "Rome")}
    placed = in_place(c, ids(READ), now)
    assert placed.cells == {3: {3: "Milan", 1: "2"}}


def test_any_id_moved_means_the_light_read_cannot_place():
    c = changes(writes={3: {3: "Milan"}})
    inserted = [READ[0], ("", "", ""), *READ[1:]]
    assert in_place(c, ids(inserted), {3: READ[1]}) is None
    sorted_tab = [READ[0], READ[2], READ[1], READ[3], READ[4]]
    assert in_place(c, ids(sorted_tab), {3: sorted_tab[2]}) is None


def test_an_id_less_row_whose_cells_changed_cannot_be_placed_in_place():
    c = changes(writes={4: {1: "9"}})
    assert in_place(c, ids(READ), {4: ("", "Dan", "Genoa")}) is None


# --------------------------------------------------------------------------
# rows moved: the full read places by ID, or by cells for rows without one


def test_a_row_inserted_at_the_top_moves_every_change_down_one():
    c = changes(writes={3: {3: "Milan"}, 4: {1: "9"}}, deletes=(2,), appends=(("4", "Eve", "Nice"),))
    now = [HEADER, ("", "typed by a person", ""), *READ[1:]]
    placed = by_identity(c, now)
    assert placed.deletes == [3]
    assert placed.cells == {3: {3: "Milan", 1: "2"}, 4: {1: "9"}, 6: {1: "4", 2: "Eve", 3: "Nice"}}
    assert placed.ids == ["id", "", "2", "9", "3", "4"]
    assert placed.dropped == 0


def test_a_sorted_tab_gets_each_change_on_its_record():
    c = changes(writes={2: {3: "Lyon"}, 3: {3: "Milan"}, 4: {1: "9"}})
    now = [HEADER, ("3", "Cid", "Oslo"), ("", "Dan", "Turin"), ("2", "Bob", "Rome"), ("1", "Ann", "Paris")]
    placed = by_identity(c, now)
    assert placed.cells == {5: {3: "Lyon", 1: "1"}, 4: {3: "Milan", 1: "2"}, 3: {1: "9"}}


def test_a_row_deleted_by_a_person_meanwhile_receives_nothing():
    c = changes(writes={3: {3: "Milan"}, 4: {1: "9"}})
    now = [HEADER, READ[1], READ[4]]
    placed = by_identity(c, now)
    assert placed.cells == {}
    assert placed.dropped == 2


def test_an_id_shown_twice_now_receives_nothing():
    c = changes(writes={3: {3: "Milan"}})
    placed = by_identity(c, [*READ, ("2", "Bob", "Rome")])
    assert (placed.cells, placed.dropped) == ({}, 1)


def test_identical_id_less_rows_keep_their_order():
    read = (HEADER, ("", "Dan", "Turin"), ("1", "Ann", "Paris"), ("", "Dan", "Turin"))
    c = TabChanges(3, read, writes={2: {1: "8"}, 4: {1: "9"}})
    now = [HEADER, ("1", "Ann", "Paris"), ("", "Dan", "Turin"), ("", "Dan", "Turin")]
    assert by_identity(c, now).cells == {3: {1: "8"}, 4: {1: "9"}}


def test_an_earlier_try_that_landed_is_not_repeated():
    c = changes(writes={3: {3: "Milan"}, 4: {1: "9"}}, deletes=(2,), appends=(("4", "Eve", "Nice"),))
    landed = [HEADER, ("2", "Bob", "Milan"), ("9", "Dan", "Turin"), ("3", "Cid", "Oslo"), ("4", "Eve", "Nice")]
    placed = by_identity(c, landed)
    assert placed.empty
    assert placed.ids == ["id", "2", "9", "3", "4"]


def test_appended_rows_go_below_the_last_row_now_and_blank_rows_are_left():
    c = changes(writes={}, appends=(("4", "Eve", "Nice"),))
    now = [*READ, ("", "", ""), ("", "New by a person", "")]
    placed = by_identity(c, now)
    assert (placed.insert_at, placed.appended) == (8, 1)
    assert placed.cells == {8: {1: "4", 2: "Eve", 3: "Nice"}}


def test_the_header_is_written_in_place():
    c = TabChanges(3, ((),), writes={1: {1: "id", 2: "name", 3: "city"}}, appends=(("1", "Ann", "Paris"),))
    placed = in_place(c, [], {1: ()})
    assert placed.cells == {1: {1: "id", 2: "name", 3: "city"}, 2: {1: "1", 2: "Ann", 3: "Paris"}}
    assert placed.insert_at == 2


# --------------------------------------------------------------------------
# property: whatever a person does between the read and the write, no value reaches another record


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


def apply(grid, placed, width=3):
    """The sheet after the batchUpdate the adapter builds from ``placed``."""
    rows = [list(r) + [""] * (width - len(r)) for r in grid]
    for m in placed.deletes:  # bottom up
        del rows[m - 1]
    rows[placed.insert_at - 1:placed.insert_at - 1] = [[""] * width for _ in range(placed.appended)]
    for row, cells in placed.cells.items():
        while len(rows) < row:
            rows.append([""] * width)
        for col, value in cells.items():
            rows[row - 1][col - 1] = value
    return [tuple(r) for r in rows]


layouts = st.fixed_dictionaries({
    "records": st.integers(1, 6),
    "new_rows": st.integers(0, 2),
    "blanks": st.integers(0, 2),
    "order": st.randoms(use_true_random=False),
    "written": st.sets(st.integers(1, 6)),
    "deleted": st.sets(st.integers(1, 6)),
    "appended": st.integers(0, 2),
})
person = st.lists(st.one_of(
    st.tuples(st.just("insert"), st.integers(1, 12)),  # index 1: the top of the table
    st.tuples(st.just("type"), st.integers(1, 12)),
    st.tuples(st.just("delete"), st.integers(1, 12)),
    st.tuples(st.just("sort"), st.integers(0, 2), st.booleans()),
    st.tuples(st.just("edit"), st.integers(1, 12), st.integers(2, 3)),
), max_size=4)


def scenario(layout):
    body = [(str(n), f"name{n}", f"city{n}") for n in range(1, layout["records"] + 1)]
    body += [("", f"new{k}", "town") for k in range(layout["new_rows"])]
    body += [("", "", "")] * layout["blanks"]
    layout["order"].shuffle(body)
    read = (HEADER, *body)
    writes, deletes = {}, []
    for n, cells in enumerate(read[1:], start=2):
        rid = cells[0]
        if not rid and cells[1]:
            writes[n] = {1: f"1{cells[1][-1]}0"}  # new0 -> ID 100, new1 -> ID 110
        elif not rid:
            deletes.append(n)
        elif int(rid) in layout["deleted"] - layout["written"]:
            deletes.append(n)
        elif int(rid) in layout["written"]:
            writes[n] = {3: f"W{rid}"}
    appends = tuple((str(50 + k), f"added{k}", "far") for k in range(layout["appended"]))
    return TabChanges(3, read, writes, tuple(deletes), appends)


def act(grid, ops):
    rows = [list(r) for r in grid]
    for op, *args in ops:
        at = min(args[0], len(rows)) if op in ("insert", "type", "delete", "edit") else 0
        if op == "insert":
            rows.insert(at, ["", "", ""])
        elif op == "type":
            rows.insert(at, ["", "typed", "here"])
        elif op == "delete" and len(rows) > 1 and at < len(rows):
            del rows[at]
        elif op == "sort":
            rows[1:] = sorted(rows[1:], key=lambda r: r[args[0]], reverse=args[1])
        elif op == "edit" and at < len(rows) and at >= 1:
            rows[at][args[1] - 1] = "person"
    return [tuple(r) for r in rows]


@settings(max_examples=300, deadline=None)
@given(layouts, person)
def test_no_value_reaches_another_record_whatever_a_person_did_meanwhile(layout, ops):
    changes = scenario(layout)
    now = act(changes.read, ops)
    placed = by_identity(changes, now)
    after = apply(now, placed)
    read_rows = {cells[0]: cells for cells in changes.read[1:] if cells[0]}
    now_ids = [r[0] for r in now[1:] if r[0]]
    for row in after[1:]:
        rid, name, city = row
        if city.startswith("W"):
            assert city == f"W{rid}", row  # a written value sits on its own record's row
        if rid in ("100", "110"):
            assert (name, city) == (f"new{rid[1]}", "town"), row  # a new ID on the row it was made from
        if rid in read_rows and now_ids.count(rid) == 1:
            was = read_rows[rid]
            mine = [r for r in now[1:] if r[0] == rid][0]
            meant = changes.writes.get(changes.read.index(was) + 1, {}).get(3)
            expected_city = meant if meant is not None and mine[2] == was[2] else mine[2]
            assert row == (rid, mine[1], expected_city), (row, mine, meant)  # landed, or left as the person left it
    deleted_ids = {changes.read[n - 1][0] for n in changes.deletes if changes.read[n - 1][0]}
    assert not deleted_ids & {r[0] for r in after[1:]} - {r[0] for r in now[1:] if now_ids.count(r[0]) > 1}
    for cells in changes.appends:
        assert [r for r in after if r[0] == cells[0]] == [cells]  # appended exactly once, whole
    if not ops:  # nothing moved: the light read places the same (it also removes the blank rows)
        light = in_place(changes, ids(now), {n: now[n - 1] for n in changes.checked_rows()})
        assert [r for r in apply(now, light) if any(r)] == [r for r in after if any(r)]
