"""Issue 8 through the sheet: the sync reaches the one write guard, so a refused edit is put back with a note
and a problem, exactly as the forms and the API refuse it; new rows get their "set by whoever acts" defaults
from the same write-preparation step."""
from datetime import date, timedelta
from decimal import Decimal

from flask_babel import force_locale

from app.models import Activity, Contact, Contract, Customer, Payment, db
from tests import factories as f
from tests.sync.conftest import cycle, new_user, problems


def label(app, enum_cls, value):
    from app.labels import enum_label

    with app.app_context(), force_locale(app.config["APP_LOCALE"]):
        return enum_label(enum_cls, value)


def test_a_managers_sheet_cannot_change_a_sealed_contracts_terms(app, emulator, gc, linker):
    username = new_user(app, "Manager")
    with app.app_context():
        cust = f.customer(f.user(app, "sales1"))
        con = f.contract(cust, f.publication(), status="sealed", amount=Decimal("5000.00"))
        db.session.commit()
        con_id = con.id
    link_id, sheet = linker(username, "finance")
    sheet.type("contract", con_id, "amount", "1")
    sheet.type("contract", con_id, "copy_customer", "TRUE")  # the archive copy is still open
    status, error, _ = cycle(app, gc, link_id)
    assert status == "success", error
    with app.app_context():
        contract = db.session.get(Contract, con_id)
        assert contract.amount == Decimal("5000.00")
    assert sheet.value("contract", con_id, "amount") == "5000.00"
    assert "1" in sheet.note("contract", con_id, "amount")
    logged = problems(app, link_id, kind="rejected", record_id=con_id)
    assert logged and "金额" in logged[0]["message"]  # the rule's message names the frozen field
    # The row is applied or refused whole: the archive tick went back too.
    with app.app_context():
        assert db.session.get(Contract, con_id).copy_customer is False
    sheet.type("contract", con_id, "copy_customer", "TRUE")
    assert cycle(app, gc, link_id)[0] == "success"
    with app.app_context():
        assert db.session.get(Contract, con_id).copy_customer is True


def test_a_confirmed_payment_is_final_in_the_finance_sheet_and_amounts_keep_two_decimals(app, emulator, gc, linker):
    with app.app_context():
        cust = f.customer(f.user(app, "sales1"))
        con = f.contract(cust, f.publication(), status="sealed", amount=Decimal("1000.00"))
        draft = f.contract(cust, f.publication(), number=f"DR-{f.next_id()}")
        confirmed = f.payment(con, amount=Decimal("100.00"), confirmed_at=date.today() - timedelta(days=1))
        open_one = f.payment(con, amount=Decimal("50.00"))
        db.session.commit()
        ids = {"confirmed": confirmed.id, "open": open_one.id, "number": con.number, "draft": draft.number,
               "contract": con.id}
    link_id, sheet = linker("finance", "finance")
    sheet.type("payment", ids["confirmed"], "amount", "1")
    sheet.type("payment", ids["open"], "amount", "1.005")
    kind, method = label(app, Payment.kind.property.columns[0].info["enum"], "ad_fee"), "转账"
    sheet.append("payment", ["", ids["draft"], "", "10", kind, method, date.today().isoformat()])
    sheet.append("payment", ["", ids["number"], "", "5000", kind, method, date.today().isoformat()])
    assert cycle(app, gc, link_id)[0] == "success"
    with app.app_context():
        assert db.session.get(Payment, ids["confirmed"]).amount == Decimal("100.00")
        assert db.session.get(Payment, ids["open"]).amount == Decimal("50.00")
        draft_id = db.session.query(Contract.id).filter_by(number=ids["draft"]).scalar()
        assert db.session.query(Payment).filter_by(contract_id=draft_id).count() == 0
        assert db.session.query(Payment).filter_by(contract_id=ids["contract"], amount=Decimal("5000.00")).count() == 0
    assert sheet.value("payment", ids["confirmed"], "amount") == "100.00"
    assert sheet.note("payment", ids["confirmed"], "amount")
    assert "1.005" in sheet.note("payment", ids["open"], "amount")
    assert len(problems(app, link_id, kind="rejected")) >= 4


def test_a_sales_sheet_refuses_bad_dates_and_hidden_characters_and_sets_who_logged(app, emulator, gc, linker):
    username = new_user(app, "Sales")
    with app.app_context():
        owner = f.user(app, username)
        cust = f.customer(owner, name=f"表格客户{f.next_id()}有限公司")
        contact = f.contact(cust, name="王经理")
        db.session.commit()
        ids = {"customer": cust.id, "name": cust.name, "contact": contact.id, "user": owner.id}
    link_id, sheet = linker(username)
    # The declaration greys out what this role may never change: Sales do not designate the ad contact.
    contacts = sheet.title("contact")
    assert emulator.background(sheet.sid, f"'{contacts}'!{sheet.col_of('contact', 'is_ad_responsible')}2") is not None
    assert emulator.background(sheet.sid, f"'{contacts}'!{sheet.col_of('contact', 'mobile')}2") is None
    call = label(app, Activity.kind.property.columns[0].info["enum"], "call")
    today = date.today()
    sheet.append("activity", ["", ids["name"], call, "9999-12-31", "未来"])
    sheet.append("activity", ["", ids["name"], call, (today + timedelta(days=1)).isoformat(), "明天"])
    sheet.append("activity", ["", ids["name"], call, today.isoformat(), "今天"])
    sheet.append("activity", ["", ids["name"], call, (today - timedelta(days=10)).isoformat(), "补录"])
    sheet.type("contact", ids["contact"], "name", "王\u200b经理")
    sheet.type("customer", ids["customer"], "notes", "  先寄\u200b样刊  ")
    sheet.type("contact", ids["contact"], "is_ad_responsible", "TRUE")
    assert cycle(app, gc, link_id)[0] == "success"
    with app.app_context():
        logged = {a.outcome: a for a in db.session.query(Activity).filter_by(customer_id=ids["customer"])}
        assert set(logged) == {"今天", "补录"}
        assert logged["今天"].user_id == ids["user"] and logged["今天"].late is False
        assert logged["补录"].user_id == ids["user"] and logged["补录"].late is True
        contact = db.session.get(Contact, ids["contact"])
        assert contact.name == "王经理" and contact.is_ad_responsible is False
        assert db.session.get(Customer, ids["customer"]).notes == "先寄样刊"  # prose: cleaned and kept
    assert sheet.note("contact", ids["contact"], "name")
    assert sheet.value("contact", ids["contact"], "is_ad_responsible") == "FALSE"
