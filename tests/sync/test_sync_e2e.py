"""End to end against the Sheets emulator: link, push, human edits, cycles, the database as the user."""
from datetime import date, timedelta
from decimal import Decimal

import pytest

from app.models import Activity, AuditLog, Contact, Customer, db
from tests import factories as f
from tests.sync.conftest import cycle, header, new_user, problems


def zero_code() -> str:
    """A valid credit code with a leading zero (it must stay text)."""
    from app.domain.validation import credit_code_check_char

    body = f"01440300{f.next_id() + 500000:09d}"[:17]
    return body + credit_code_check_char(body)


@pytest.fixture
def sales(app):
    """A fresh Sales user with two customers (one with a contact and an activity) and another user's customer."""
    username = new_user(app, "Sales")
    with app.app_context():
        owner = f.user(app, username)
        a = f.customer(owner, name="甲公司", city="深圳", credit_code=zero_code())
        b = f.customer(owner, name="乙公司", city="广州")
        other = f.customer(f.user(app, "sales2"), name="丙公司")
        contact = f.contact(a, name="王经理", mobile="13800138000", phone="0755-12345678")
        act = f.activity(a, by=owner, kind="call", happened_on=date(2026, 11, 2), outcome="聊了")
        db.session.commit()
        return {"username": username, "user_id": owner.id, "a": a.id, "b": b.id, "other": other.id,
                "contact": contact.id, "activity": act.id}


def test_link_creates_tabs_header_protection_dropdowns_and_pushes_visible_rows(app, emulator, linker, sales):
    link_id, sheet = linker(sales["username"])
    tabs = emulator.tabs(sheet.sid)
    for record in ("customer", "contact", "activity", "booking"):
        assert sheet.title(record) in tabs
    rows = sheet.rows("customer")
    assert rows[0] == header(app, ["name", "short_name", "credit_code", "industry", "city", "locality", "source",
                                   "stage", "owner", "notes"])
    ids = {r[0] for r in rows[1:]}
    assert ids == {str(sales["a"]), str(sales["b"])}  # only this user's customers
    title = sheet.title("customer")
    assert emulator.sheet_properties(sheet.sid, title)["gridProperties"]["frozenRowCount"] == 1
    protected = emulator.protected_ranges(sheet.sid, title)
    assert any(p["range"].get("startColumnIndex") == 0 and p["range"].get("endColumnIndex") == 1
               and not p["warningOnly"] for p in protected)  # the ID column
    assert emulator.background(sheet.sid, f"'{title}'!A2") is not None  # shaded
    assert emulator.background(sheet.sid, f"'{title}'!B2") is None  # the name is editable
    stage = emulator.validation(sheet.sid, f"'{title}'!{sheet.col_of('customer', 'stage')}2")
    assert stage["condition"]["type"] == "ONE_OF_LIST" and stage["strict"] is True
    assert "潜在" in [v["userEnteredValue"] for v in stage["condition"]["values"]]
    assert emulator.number_format(sheet.sid, f"'{title}'!{sheet.col_of('customer', 'credit_code')}2")["type"] == "TEXT"
    # Values: enum labels, text kept as text.
    a = sheet.by_id("customer")[str(sales["a"])]
    assert "潜在" in a and "深圳" in a
    contact = sheet.by_id("contact")[str(sales["contact"])]
    assert "0755-12345678" in contact and "甲公司" in contact


def test_human_edit_is_applied_as_the_user_with_audit_and_an_idle_cycle_is_one_request(app, emulator, gc, linker,
                                                                                     sales):
    link_id, sheet = linker(sales["username"])
    assert cycle(app, gc, link_id)[2] == 1  # idle: the batchGet only
    emulator.clear_log()
    sheet.type("customer", sales["a"], "city", "珠海")
    sheet.type("customer", sales["b"], "stage", "意向")
    status, error, requests = cycle(app, gc, link_id)
    assert status == "success", error
    assert requests <= 3
    assert emulator.count(kind="write") <= 2
    with app.app_context():
        assert db.session.get(Customer, sales["a"]).city == "珠海"
        assert db.session.get(Customer, sales["b"]).stage == "intent"
        audit = db.session.query(AuditLog).filter_by(record="customer", record_id=sales["a"]).order_by(
            AuditLog.id.desc()).first()
        assert audit.channel == "sheet" and audit.actor_id == sales["user_id"]
        assert "珠海" in audit.changes
    emulator.clear_log()
    status, _, requests = cycle(app, gc, link_id)
    assert requests == 1 and emulator.count(kind="write") == 0


def test_bad_edit_is_reverted_noted_and_logged(app, emulator, gc, linker, sales):
    link_id, sheet = linker(sales["username"])
    with app.app_context():
        code = db.session.get(Customer, sales["a"]).credit_code
    sheet.type("customer", sales["a"], "credit_code", "12345")
    sheet.type("customer", sales["b"], "city", "佛山")  # a good edit in the same cycle
    status, error, _ = cycle(app, gc, link_id)
    assert status == "success", error
    with app.app_context():
        assert db.session.get(Customer, sales["a"]).credit_code == code
        assert db.session.get(Customer, sales["b"]).city == "佛山"
    assert sheet.value("customer", sales["a"], "credit_code") == code
    assert sheet.value("customer", sales["a"], "owner") == sales["username"]
    note = sheet.note("customer", sales["a"], "credit_code")
    assert "12345" in note and "18" in note  # what they typed, and why (the code has 18 characters)
    logged = problems(app, link_id, kind="rejected", record_id=sales["a"])
    by_value = {p["sheet_value"]: p for p in logged}
    assert by_value["12345"]["db_value"] == code
    assert by_value["12345"]["cell"] == sheet.cell_ref("customer", sales["a"], "credit_code")
    assert cycle(app, gc, link_id)[0] == "success"
    assert len(problems(app, link_id, kind="rejected", record_id=sales["a"])) == 1  # not logged twice


def test_conflict_keeps_the_database_value_and_different_fields_merge(app, emulator, gc, linker, sales):
    link_id, sheet = linker(sales["username"])
    with app.app_context():
        row = db.session.get(Customer, sales["a"])
        row.city, row.industry = "东莞", "电子"
        db.session.commit()
    sheet.type("customer", sales["a"], "city", "惠州")  # conflict
    sheet.type("customer", sales["a"], "short_name", "甲")  # merges
    assert cycle(app, gc, link_id)[0] == "success"
    with app.app_context():
        row = db.session.get(Customer, sales["a"])
        assert (row.city, row.industry, row.short_name) == ("东莞", "电子", "甲")
    assert sheet.value("customer", sales["a"], "city") == "东莞"
    assert sheet.value("customer", sales["a"], "industry") == "电子"
    conflict = problems(app, link_id, kind="conflict")
    assert conflict[0]["sheet_value"] == "惠州" and conflict[0]["db_value"] == "东莞"
    assert "惠州" in sheet.note("customer", sales["a"], "city")


def test_new_rows_are_created_once_as_the_user_and_get_their_id(app, emulator, gc, linker, sales):
    link_id, sheet = linker(sales["username"])
    n = sheet.append("customer", ["", "新客户有限公司", "", "", "", "杭州", "外地", "", "意向"])
    contact_head = header(app, ["customer", "name", "title", "mobile", "phone", "email", "is_ad_responsible"])
    assert sheet.rows("contact")[0] == contact_head
    sheet.append("contact", ["", "甲公司", "李四", "", "13912345678"])
    sheet.append("contact", ["", "丙公司", "不是我的"])  # another user's customer
    status, error, _ = cycle(app, gc, link_id)
    assert status == "success", error
    new_id = sheet.rows("customer")[n - 1][0]
    assert new_id
    with app.app_context():
        made = db.session.get(Customer, int(new_id))
        assert (made.name, made.city, made.locality, made.stage, made.owner_id) == (
            "新客户有限公司", "杭州", "out_of_town", "intent", sales["user_id"])
        # one 李四 on 甲公司, made from the sheet (other tests' customers may have a 李四 of their own)
        contact = db.session.query(Contact).filter_by(name="李四", customer_id=sales["a"]).one()
        assert contact.mobile == "13912345678"
        assert db.session.query(Contact).filter_by(name="不是我的").count() == 0
    refused = problems(app, link_id, kind="rejected", table_name="contact")
    assert refused and "丙公司" in refused[0]["message"]
    assert cycle(app, gc, link_id)[0] == "success"
    with app.app_context():
        assert db.session.query(Customer).filter_by(name="新客户有限公司").count() == 1


def test_sort_insert_and_delete_in_the_sheet(app, emulator, gc, linker, sales):
    link_id, sheet = linker(sales["username"])
    title = sheet.title("customer")
    emulator.sort_tab(sheet.sid, title, column="B", ascending=False)
    emulator.insert_rows(sheet.sid, title, 2)  # a blank row under the header
    sheet.type("customer", sales["b"], "city", "汕头")
    row = sheet.row_of("customer", sales["a"])
    emulator.delete_rows(sheet.sid, title, row)
    status, error, _ = cycle(app, gc, link_id)
    assert status == "success", error
    with app.app_context():
        assert db.session.get(Customer, sales["b"]).city == "汕头"
        assert db.session.get(Customer, sales["a"]) is not None  # deleting a row deletes nothing
    assert set(sheet.by_id("customer")) == {str(sales["a"]), str(sales["b"])}  # restored
    assert problems(app, link_id, kind="row_deleted_in_sheet", record_id=sales["a"])
    assert all(any(str(c).strip() for c in r) for r in sheet.rows("customer"))  # blank row compacted


def test_records_deleted_or_no_longer_visible_leave_the_sheet(app, emulator, gc, linker, sales):
    link_id, sheet = linker(sales["username"])
    with app.app_context():
        db.session.delete(db.session.get(Activity, sales["activity"]))
        db.session.get(Customer, sales["b"]).owner_id = f.user(app, "sales2").id
        db.session.commit()
    assert cycle(app, gc, link_id)[0] == "success"
    assert str(sales["b"]) not in sheet.by_id("customer")
    assert str(sales["activity"]) not in sheet.by_id("activity")
    assert str(sales["a"]) in sheet.by_id("customer")


def test_text_stays_text_leading_zeros_and_dates(app, emulator, gc, linker, sales):
    link_id, sheet = linker(sales["username"])
    with app.app_context():
        code = db.session.get(Customer, sales["a"]).credit_code
    assert code.startswith("0")
    ref = sheet.cell_ref("customer", sales["a"], "credit_code")
    assert emulator.cell(sheet.sid, ref)["userEnteredValue"] == {"stringValue": code}
    # A person typing into a text-formatted cell keeps the text (RAW here, like Sheets does for '@' cells).
    sheet.type("contact", sales["contact"], "phone", "01087654321", user_entered=False)
    sheet.type("activity", sales["activity"], "next_follow_up", "2026-12-05")  # typed: becomes a date
    assert cycle(app, gc, link_id)[0] == "success"
    with app.app_context():
        assert db.session.get(Contact, sales["contact"]).phone == "01087654321"
        assert db.session.get(Activity, sales["activity"]).next_follow_up == date(2026, 12, 5)
    assert sheet.value("contact", sales["contact"], "phone") == "01087654321"
    assert emulator.count() and cycle(app, gc, link_id)[2] == 1  # settled: idle again


def test_broken_tabs_are_not_written_and_the_others_still_sync(app, emulator, gc, linker, sales):
    link_id, sheet = linker(sales["username"])
    customers, contacts = sheet.title("customer"), sheet.title("contact")
    # Duplicate ID by copy-paste in Contacts, renamed Customers tab, moved header in Activities.
    row = sheet.rows("contact")[1]
    emulator.set_values(sheet.sid, f"'{contacts}'!A5", [row], user_entered=False)
    emulator.rename_tab(sheet.sid, customers, "我的客户")
    activities = sheet.title("activity")
    head = sheet.rows("activity")[0]
    emulator.set_values(sheet.sid, f"'{activities}'!B1:C1", [[head[2], head[1]]], user_entered=False)
    emulator.set_values(sheet.sid, f"'{activities}'!E2", [["改了"]])
    status, error, _ = cycle(app, gc, link_id)
    assert status == "partial"
    assert "我的客户" in error and f"ID {sales['contact']}" in error and "B1" in error
    with app.app_context():
        assert db.session.get(Activity, sales["activity"]).outcome == "聊了"
    emulator.rename_tab(sheet.sid, "我的客户", customers)
    emulator.set_values(sheet.sid, f"'{contacts}'!A5:H5", [[""] * 8])
    emulator.set_values(sheet.sid, f"'{activities}'!B1:C1", [[head[1], head[2]]], user_entered=False)
    status, error, _ = cycle(app, gc, link_id)
    assert status == "success", error
    with app.app_context():
        assert db.session.get(Activity, sales["activity"]).outcome == "改了"


def test_deleted_tab_is_reported_and_relink_recreates_it(app, emulator, gc, linker, sales):
    from sync.linking import link_spreadsheet

    link_id, sheet = linker(sales["username"])
    emulator.delete_tab(sheet.sid, sheet.title("booking"))
    sheet.type("customer", sales["a"], "city", "中山")
    status, error, _ = cycle(app, gc, link_id)
    assert status == "partial" and "deleted" in error
    with app.app_context():
        assert db.session.get(Customer, sales["a"]).city == "中山"
        link, run = link_spreadsheet(sheet.sid, sales["username"], "sales", gc)
        assert run.status == "success", run.error
    assert sheet.title("booking") in emulator.tabs(sheet.sid)


def test_relinking_a_deleted_tab_recreates_it_without_reporting_its_rows_as_deleted(app, emulator, gc, linker,
                                                                                  sales):
    from sync.linking import link_spreadsheet

    link_id, sheet = linker(sales["username"])
    emulator.delete_tab(sheet.sid, sheet.title("customer"))
    assert cycle(app, gc, link_id)[0] == "partial"
    with app.app_context():
        link, run = link_spreadsheet(sheet.sid, sales["username"], "sales", gc)
        assert run.status == "success", run.error
    assert set(sheet.by_id("customer")) == {str(sales["a"]), str(sales["b"])}
    assert not problems(app, link_id, kind="row_deleted_in_sheet")
    emulator.clear_log()
    assert cycle(app, gc, link_id)[:3:2] == ("success", 1)


def test_finance_sheet_contracts_read_only_payments_editable(app, emulator, gc, linker):
    from app.models import Contract, Payment

    with app.app_context():
        cust = f.customer(f.user(app, "sales1"))
        # Sealed: payments need a contract the customer stamped (issue 8).
        con = f.contract(cust, f.publication(), number=f"FIN-{f.next_id()}", status="sealed")
        pay = f.payment(con, amount=Decimal("100.00"))
        db.session.commit()
        con_id, pay_id, number = con.id, pay.id, con.number
    link_id, sheet = linker("finance", "finance")
    assert str(con_id) in sheet.by_id("contract") and str(pay_id) in sheet.by_id("payment")
    contracts = sheet.title("contract")
    assert emulator.background(sheet.sid, f"'{contracts}'!B2") is not None  # Finance only reads contracts
    sheet.type("contract", con_id, "notes", "财务改的")
    sheet.type("payment", pay_id, "amount", "150.5")
    sheet.append("payment", ["", number, "", "88", "广告费", "转账", date.today().isoformat()])
    status, error, requests = cycle(app, gc, link_id)
    assert status == "success", error
    with app.app_context():
        assert db.session.get(Contract, con_id).notes is None
        assert db.session.get(Payment, pay_id).amount == Decimal("150.50")
        new = db.session.query(Payment).filter_by(contract_id=con_id, amount=Decimal("88.00")).one()
        assert new.collected_by_id == f.user(app, "finance").id and new.kind == "ad_fee"
    assert sheet.value("payment", pay_id, "amount") == "150.50"
    assert problems(app, link_id, kind="rejected", table_name="contract")


def test_workflow_rules_apply_to_sheet_edits(app, emulator, gc, linker):
    from app.models import Booking

    username = new_user(app, "Manager")
    with app.app_context():
        cust = f.customer(f.user(app, "sales1"))
        pub = f.publication()
        the_issue = f.issue(pub)
        taken, free = f.slot(pub), f.slot(pub)
        con = f.contract(cust, pub)
        other = f.booking(con, taken, the_issue)
        mine = f.booking(con, free, the_issue)
        db.session.commit()
        mine_id, other_id, taken_name, free_name = mine.id, other.id, taken.name, free.name
    link_id, sheet = linker(username)
    sheet.type("booking", mine_id, "slot", taken_name)  # a slot holds one ad per issue
    sheet.type("booking", mine_id, "copy_text", "新稿件")
    assert cycle(app, gc, link_id)[0] == "success"
    with app.app_context():
        booking = db.session.get(Booking, mine_id)
        assert booking.slot.name == free_name
        assert booking.copy_text is None  # the whole row's update is refused together
    assert sheet.value("booking", mine_id, "slot") == free_name
    refused = problems(app, link_id, kind="rejected", record_id=mine_id)
    assert refused and all(f"#{other_id}" in p["message"] for p in refused)  # booking.slot_taken


def test_many_new_rows_grow_the_grid(app, emulator, gc, linker, sales):
    link_id, sheet = linker(sales["username"])
    title = sheet.title("activity")
    rows = emulator.sheet_properties(sheet.sid, title)["gridProperties"]["rowCount"]
    start = len(sheet.rows("activity")) + 1
    emulator.batch_update(sheet.sid, [{"appendDimension": {
        "sheetId": emulator.sheet_properties(sheet.sid, title)["sheetId"], "dimension": "ROWS", "length": 5}}])
    typed = [["", "甲公司", "电话", (date.today() - timedelta(days=3)).isoformat(), f"第{i}次"]
             for i in range(rows - start + 3)]
    emulator.set_values(sheet.sid, f"'{title}'!A{start}", typed)
    status, error, _ = cycle(app, gc, link_id)
    assert status == "success", error
    with app.app_context():
        assert db.session.query(Activity).filter(Activity.customer_id == sales["a"],
                                                 Activity.outcome.like("第%次")).count() == len(typed)
    assert all(r[0] for r in sheet.rows("activity")[1:])
