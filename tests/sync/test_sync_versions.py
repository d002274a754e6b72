"""The sheet door of "changed by someone else": an edit planned on the cycle's database read is refused when the
row was saved elsewhere between that read and the write; the sheet's value is kept in the note and the problems."""
import sqlalchemy as sa

from app.models import Customer, db
from tests import factories as f
from tests.sync.conftest import cycle, new_user, problems

CONFLICT_ZH = "此记录在本轮同步读取后已被他人修改"


def save_elsewhere_after_the_cycle_reads(monkeypatch, app, record: str, change):
    """Run `change` (a separate connection, committed) right after the cycle has read `record`'s rows."""
    from sync.db_side import DbSide

    original = DbSide.read

    def read_then_someone_saves(self, table):
        records = original(self, table)
        if table.record == record:
            engine = db.engine
            with engine.begin() as connection:
                change(connection)
        return records

    monkeypatch.setattr(DbSide, "read", read_then_someone_saves)


def test_sheet_edit_of_a_row_saved_elsewhere_during_the_cycle_is_refused_and_kept(app, emulator, gc, linker,
                                                                                monkeypatch):
    username = new_user(app, "Sales")
    with app.app_context():
        owner = f.user(app, username)
        a = f.customer(owner, name="版本甲公司", city="深圳")
        b = f.customer(owner, name="版本乙公司", city="广州")
        db.session.commit()
        a_id, b_id = a.id, b.id
    link_id, sheet = linker(username)
    sheet.type("customer", a_id, "city", "惠州")  # planned on the read below, but a browser saves first
    sheet.type("customer", b_id, "city", "佛山")  # an untouched row: applied as usual
    save_elsewhere_after_the_cycle_reads(monkeypatch, app, "customer", lambda connection: connection.execute(
        sa.text("UPDATE customer SET industry = '电子', version = version + 1 WHERE id = :id"), {"id": a_id}))

    status, error, _ = cycle(app, gc, link_id)
    assert status == "success", error
    with app.app_context():
        row_a, row_b = db.session.get(Customer, a_id), db.session.get(Customer, b_id)
        assert (row_a.city, row_a.industry, row_a.version) == ("深圳", "电子", 2)  # the other save is kept whole
        assert (row_b.city, row_b.version) == ("佛山", 2)
    refused = problems(app, link_id, kind="rejected", record_id=a_id)
    assert len(refused) == 1
    assert refused[0]["sheet_value"] == "惠州" and CONFLICT_ZH in refused[0]["message"]  # nothing lost
    assert "惠州" in sheet.note("customer", a_id, "city")

    monkeypatch.undo()
    assert cycle(app, gc, link_id)[0] == "success"
    assert sheet.value("customer", a_id, "industry") == "电子"  # the next cycle shows what was saved
    with app.app_context():
        assert db.session.get(Customer, a_id).city == "深圳"


def test_sheet_edit_without_a_save_in_between_is_applied(app, emulator, gc, linker, monkeypatch):
    """Control: the same cycle with the other save on another row applies the edit."""
    username = new_user(app, "Sales")
    with app.app_context():
        owner = f.user(app, username)
        a = f.customer(owner, name="版本丙公司", city="深圳")
        other = f.customer(owner, name="版本丁公司", city="广州")
        db.session.commit()
        a_id, other_id = a.id, other.id
    link_id, sheet = linker(username)
    sheet.type("customer", a_id, "city", "惠州")
    save_elsewhere_after_the_cycle_reads(monkeypatch, app, "customer", lambda connection: connection.execute(
        sa.text("UPDATE customer SET industry = '电子', version = version + 1 WHERE id = :id"), {"id": other_id}))
    assert cycle(app, gc, link_id)[0] == "success"
    with app.app_context():
        assert db.session.get(Customer, a_id).city == "惠州"
    assert problems(app, link_id, kind="rejected", record_id=a_id) == []
