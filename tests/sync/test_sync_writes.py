"""A cycle's writes land on the record they were computed for, or nowhere: people insert, sort and delete rows
while a cycle works (its database work, a slow or retried write), and rows leave the sheet as rows.

Each test acts as a person through the emulator's model at a chosen moment of the cycle: right after the
cycle's read (`after_next`), while its write waits to be retried (`fail_next(during=...)`) or while the
write itself is in flight (`delay_next(during=...)`: the window that remains, see README).
"""
import pytest

from app.models import Customer, db
from tests import factories as f
from tests.sync.conftest import cycle, new_user, problems

READ = "sheets.spreadsheets.values.batchGet"
WRITE = "sheets.spreadsheets.batchUpdate"
CITIES = ["苏州", "无锡", "常州", "南通", "扬州", "镇江"]
NEW_ROW = ["", "新来的有限公司", "", "", "", "杭州", "外地", "", "意向"]


@pytest.fixture
def team(app):
    """A fresh Sales rep with six customers (one without a credit code) and another rep's customer."""
    username = new_user(app, "Sales", prefix="wr")
    with app.app_context():
        owner = f.user(app, username)
        ids = [f.customer(owner, name=f"{city}贸易有限公司", city=city).id for city in CITIES]
        db.session.get(Customer, ids[5]).credit_code = None
        hidden = f.customer(f.user(app, "sales2"), name="别人的秘密客户", city="保密市")
        db.session.commit()
        return {"username": username, "user_id": owner.id, "ids": ids, "hidden": hidden.id,
                "hidden_code": hidden.credit_code}


def db_rows(app, user_id):
    with app.app_context():
        return {str(c.id): (c.name, c.city) for c in db.session.query(Customer).filter_by(owner_id=user_id)}


def sheet_rows(sheet):
    rows = sheet.rows("customer")
    return [(str(r[0]), r[1], r[5]) for r in rows[1:] if any(str(c).strip() for c in r)]


def assert_sheet_shows_the_database(app, sheet, team):
    """Every record on exactly one row, with its own name and city; no ID-less row left."""
    expected = db_rows(app, team["user_id"])
    shown = sheet_rows(sheet)
    assert sorted(r[0] for r in shown) == sorted(expected), shown
    for rid, name, city in shown:
        assert (name, city) == expected[rid], (rid, name, city)


def start(app, linker, team, sheet_edit=True, db_edit=True):
    """Linked; then a new row typed in the sheet and a city changed in the app: the next cycle creates a
    record (its ID goes to the sheet) and writes the city (on the record's row)."""
    link_id, sheet = linker(team["username"])
    if sheet_edit:
        sheet.append("customer", NEW_ROW)
    if db_edit:
        with app.app_context():
            db.session.get(Customer, team["ids"][2]).city = "东莞"
            db.session.commit()
    return link_id, sheet, sheet.title("customer")


def assert_settled(app, gc, link_id, sheet, team, before):
    """The new record exists once, the app's edit is on its row, nobody took another's data; the next
    cycle creates nothing and finds the sheet as the database has it."""
    after = db_rows(app, team["user_id"])
    made = [rid for rid, (name, _) in after.items() if name == NEW_ROW[1]]
    assert len(made) == 1
    for rid, row in before.items():
        assert after[rid] == row, (rid, after[rid], row)  # no record took another's values
    assert cycle(app, gc, link_id)[0] == "success"
    assert db_rows(app, team["user_id"]) == after  # created once, nothing moved
    assert_sheet_shows_the_database(app, sheet, team)


def expected_before(app, team):
    rows = db_rows(app, team["user_id"])
    rows[str(team["ids"][2])] = (rows[str(team["ids"][2])][0], "东莞")
    return rows


# --------------------------------------------------------------------------
# a person moves rows between the cycle's read and its write


@pytest.mark.parametrize("move", ["insert a row at the top", "sort the tab", "delete a row"])
def test_a_person_moving_rows_while_the_cycle_works_does_not_redirect_its_writes(app, emulator, gc, linker, team,
                                                                                 move):
    link_id, sheet, title = start(app, linker, team)
    before = expected_before(app, team)

    def person():
        if move == "insert a row at the top":
            emulator.insert_rows(sheet.sid, title, 2)
        elif move == "sort the tab":
            emulator.sort_tab(sheet.sid, title, column="F", ascending=False)
        else:
            emulator.delete_rows(sheet.sid, title, sheet.row_of("customer", team["ids"][0]))

    emulator.after_next(person, method_id=READ)  # right after the cycle read the sheet
    status, error, _ = cycle(app, gc, link_id)
    assert status == "success", error
    # This cycle already: the new record's ID on its own row, the app's city on its record's row.
    new_id = [rid for rid, (name, _) in db_rows(app, team["user_id"]).items() if name == NEW_ROW[1]]
    assert [r for r in sheet_rows(sheet) if r[1] == NEW_ROW[1]] == [(new_id[0], NEW_ROW[1], "杭州")]
    assert sheet.value("customer", team["ids"][2], "city") == "东莞"
    assert_settled(app, gc, link_id, sheet, team, before)
    if move == "delete a row":
        assert problems(app, link_id, kind="row_deleted_in_sheet", record_id=team["ids"][0])


def test_a_write_retried_after_a_failure_is_placed_again_where_the_rows_are_then(app, emulator, linker, team):
    from sync.transport import make_client

    link_id, sheet, title = start(app, linker, team)
    before = expected_before(app, team)
    emulator.fail_next(503, kind="write", during=lambda: emulator.insert_rows(sheet.sid, title, 2))
    with make_client(emulator.url, reads_per_minute=None, writes_per_minute=None, max_tries=3,
                     sleep=lambda seconds: None, timeout=10) as client:
        status, error, _ = cycle(app, client, link_id)
        assert status == "success", error
        assert_settled(app, client, link_id, sheet, team, before)


def test_a_row_moved_while_the_write_is_in_flight_stops_the_tab_instead_of_changing_a_record(app, emulator, gc,
                                                                                           linker, team):
    """The remaining window (README): the write request itself. What lands on a neighbour carries the ID
    of its record, so the next cycle finds that ID twice and changes nothing."""
    link_id, sheet, title = start(app, linker, team, sheet_edit=False)
    before = expected_before(app, team)
    emulator.delay_next(0.2, kind="write", during=lambda: emulator.insert_rows(sheet.sid, title, 2))
    assert cycle(app, gc, link_id)[0] == "success"
    status, error, _ = cycle(app, gc, link_id)
    assert status == "partial" and f"ID {team['ids'][2]} appears on rows" in error
    assert db_rows(app, team["user_id"]) == before


# --------------------------------------------------------------------------
# rows leave and arrive as rows


def test_a_record_leaving_deletes_its_row_and_notes_stay_with_their_records(app, emulator, gc, linker, team):
    link_id, sheet, title = start(app, linker, team, sheet_edit=False, db_edit=False)
    ids = team["ids"]
    emulator.set_note(sheet.sid, sheet.cell_ref("customer", ids[4], "city"), "a person's note on 扬州")
    with app.app_context():
        db.session.get(Customer, ids[1]).owner_id = f.user(app, "sales2").id  # leaves this rep's sheet
        db.session.commit()
    emulator.clear_log()
    assert cycle(app, gc, link_id)[0] == "success"
    assert str(ids[1]) not in sheet.by_id("customer")
    assert sheet.note("customer", ids[4], "city") == "a person's note on 扬州"
    assert "a person's note on 扬州" not in [sheet.note("customer", rid, "city") for rid in ids if rid not in ids[1::3]]
    assert_sheet_shows_the_database(app, sheet, team)
    [write] = emulator.requests(method_id=WRITE)
    assert [list(r) for r in write.body["requests"]] == [["deleteDimension"]]  # nothing below is rewritten
    assert emulator.count(method_id="sheets.spreadsheets.values.batchUpdate") == 0


def test_appended_rows_are_inserted_rows_formatted_like_the_others(app, emulator, gc, linker, team):
    link_id, sheet, title = start(app, linker, team, sheet_edit=False, db_edit=False)
    with app.app_context():
        added = f.customer(f.user(app, team["username"]), name="后来的有限公司", city="嘉兴").id
        db.session.commit()
    emulator.clear_log()
    assert cycle(app, gc, link_id)[0] == "success"
    [write] = emulator.requests(method_id=WRITE)
    assert [list(r)[0] for r in write.body["requests"]] == ["insertDimension", "updateCells"]
    stage = sheet.cell_ref("customer", added, "stage")
    assert emulator.validation(sheet.sid, stage)["condition"]["type"] == "ONE_OF_LIST"  # the dropdown came along


# --------------------------------------------------------------------------
# identity: a row whose ID was cleared is its record, a copy is not a new one


def test_a_cleared_id_comes_back_instead_of_a_duplicate(app, emulator, gc, linker, team):
    link_id, sheet, title = start(app, linker, team, sheet_edit=False, db_edit=False)
    ids = team["ids"]
    for rid in (ids[0], ids[5]):  # with a unique credit code, and without any
        emulator.set_values(sheet.sid, sheet.cell_ref("customer", rid, "name").replace("!B", "!A"), [[""]])
    before = db_rows(app, team["user_id"])
    assert cycle(app, gc, link_id)[0] == "success"
    assert db_rows(app, team["user_id"]) == before  # nothing created
    assert_sheet_shows_the_database(app, sheet, team)
    assert not problems(app, link_id)
    emulator.clear_log()
    assert cycle(app, gc, link_id)[2] == 1  # settled: idle


def test_a_copied_row_without_its_id_is_not_a_second_record_and_its_note_is_written_once(app, emulator, gc, linker,
                                                                                      team):
    link_id, sheet, title = start(app, linker, team, sheet_edit=False, db_edit=False)
    row = sheet.rows("customer")[sheet.row_of("customer", team["ids"][5]) - 1]
    sheet.append("customer", [""] + list(row[1:]), user_entered=False)
    before = db_rows(app, team["user_id"])
    assert cycle(app, gc, link_id)[0] == "success"
    assert db_rows(app, team["user_id"]) == before
    [refused] = problems(app, link_id, kind="rejected")
    assert f"repeats record {team['ids'][5]}" in refused["message"]
    emulator.clear_log()
    assert cycle(app, gc, link_id)[0] == "success"
    assert emulator.count(kind="write") == 0  # the note is not written again every cycle
    assert len(problems(app, link_id, kind="rejected")) == 1


# --------------------------------------------------------------------------
# a row is applied or refused whole; refusals tell nothing of records the user may not see


def test_a_read_only_edit_refuses_the_valid_edit_of_its_row(app, emulator, gc, linker, team):
    link_id, sheet, title = start(app, linker, team, sheet_edit=False, db_edit=False)
    ids = team["ids"]
    sheet.type("customer", ids[0], "city", "绍兴")  # editable
    sheet.type("customer", ids[0], "owner", "sales2")  # read-only
    sheet.type("customer", ids[1], "city", "温州")  # another row: applied
    assert cycle(app, gc, link_id)[0] == "success"
    with app.app_context():
        assert db.session.get(Customer, ids[0]).city == CITIES[0]
        assert db.session.get(Customer, ids[1]).city == "温州"
    assert sheet.value("customer", ids[0], "city") == CITIES[0]
    refused = {p["column_name"] for p in problems(app, link_id, kind="rejected", record_id=ids[0])}
    assert len(refused) == 2


def test_a_value_a_hidden_record_holds_is_refused_without_telling_whose_it_is(app, emulator, gc, linker, team):
    link_id, sheet, title = start(app, linker, team, sheet_edit=False, db_edit=False)
    ids = team["ids"]
    with app.app_context():
        visible_code = db.session.get(Customer, ids[1]).credit_code
        visible_name = db.session.get(Customer, ids[1]).name
    sheet.type("customer", ids[0], "credit_code", team["hidden_code"], user_entered=False)
    sheet.type("customer", ids[5], "credit_code", visible_code, user_entered=False)
    assert cycle(app, gc, link_id)[0] == "success"
    hidden = problems(app, link_id, record_id=ids[0])[0]
    visible = problems(app, link_id, record_id=ids[5])[0]
    note = sheet.note("customer", ids[0], "credit_code")
    for text in (hidden["message"], hidden["db_value"] or "", note):
        assert str(team["hidden"]) not in text and "别人的秘密客户" not in text and "保密市" not in text
    # the same words as every other door: taken by a record the rep cannot see, not which one
    assert "无权查看" in hidden["message"]
    assert visible_name in visible["message"]  # a record the rep sees is named


def test_many_scattered_changes_are_confirmed_by_reading_the_tab_whole(app, emulator, gc, linker):
    username = new_user(app, "Sales", prefix="wr")
    with app.app_context():
        owner = f.user(app, username)
        ids = [f.customer(owner, name=f"散户{n}有限公司", city=f"城{n}").id for n in range(90)]
        db.session.commit()
    link_id, sheet = linker(username)
    title = sheet.title("customer")
    with app.app_context():
        for rid in ids[::2]:  # 45 rows apart from each other
            db.session.get(Customer, rid).city = f"新{rid}"
        db.session.commit()
    emulator.after_next(lambda: emulator.insert_rows(sheet.sid, title, 2, 3), method_id=READ)
    emulator.clear_log()
    assert cycle(app, gc, link_id)[0] == "success"
    by_id = sheet.by_id("customer")
    for n, rid in enumerate(ids):
        assert by_id[str(rid)][5] == (f"新{rid}" if n % 2 == 0 else f"城{n}")
    confirming = emulator.requests(method_id=READ)[1]
    assert confirming.query["ranges"] == [f"'{title}'"]  # too many blocks for a light read


def test_a_tab_deleted_while_the_cycle_works_is_not_written_and_the_others_are(app, emulator, gc, linker, team):
    link_id, sheet, title = start(app, linker, team, sheet_edit=False)
    with app.app_context():
        f.contact(db.session.get(Customer, team["ids"][0]), name="新联系人")  # to be appended to the contacts tab
        db.session.commit()
    emulator.after_next(lambda: emulator.delete_tab(sheet.sid, sheet.title("contact")), method_id=READ)
    assert cycle(app, gc, link_id)[0] == "success"
    assert sheet.value("customer", team["ids"][2], "city") == "东莞"
    assert sheet.title("contact") not in emulator.tabs(sheet.sid)
    status, error, _ = cycle(app, gc, link_id)
    assert status == "partial" and "deleted" in error
