"""Relations by display text, the write guard's rules, atomicity, odd characters: through the engine (the one
engine every door uses) and the CLI."""
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from app.imports.engine import Importer, Options, run_import
from app.imports.readers import bytes_source
from app.models import Activity, Booking, Contact, Contract, Customer, Payment, db
from tests import factories as f
from tests.imports.importkit import code, csv_bytes, uniq, xlsx_bytes


@pytest.fixture
def world(app):
    """sales1's customer with a sealed contract, a print slot and issue; sales2's customer of the same name
    pattern; committed."""
    with app.app_context():
        sales1, sales2 = f.user(app, "sales1"), f.user(app, "sales2")
        mine = f.customer(sales1, name=uniq("我的客户"))
        theirs = f.customer(sales2, name=uniq("别人的客户"))
        pub = f.publication()
        the_issue = f.issue(pub, number=f"I{f.next_id()}")
        ad_slot = f.slot(pub, name=f"封底{f.next_id()}")
        con = f.contract(mine, pub, number=f"HT-{f.next_id()}", status="sealed")
        their_con = f.contract(theirs, pub, number=f"HT-{f.next_id()}", status="sealed")
        db.session.commit()
        yield {"mine": mine.name, "mine_id": mine.id, "mine_code": mine.credit_code, "theirs": theirs.name,
               "theirs_id": theirs.id, "pub": pub.name, "issue": the_issue.number, "slot": ad_slot.name,
               "contract": con.number, "contract_id": con.id, "their_contract": their_con.number}


def run(app, username, record, data, name="f.csv", **options):
    with app.app_context():
        user = f.user(app, username)
        report = run_import(record, bytes_source(data, name), user, Options(**options))
        return report


def count(app, model, *where):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_contacts_resolve_customer_by_name_or_credit_code_and_key_on_customer_name_mobile(app, world):
    data = csv_bytes([["客户", "姓名", "手机", "职务"],
                      [world["mine"], "张三", "13800138001", "经理"],
                      [world["mine_code"], "李四", "13800138002", ""],
                      [world["theirs"], "王五", "13800138003", ""],
                      ["不存在的公司", "赵六", "13800138004", ""]])
    report = run(app, "sales1", "contact", data)
    assert (report.create, report.failed) == (2, 2)
    errors = {e["row"]: e for e in report.errors}
    assert errors[4]["field"] == "customer" and errors[4]["value"] == world["theirs"]
    assert world["theirs"] in errors[4]["message"]  # names the value it could not resolve
    assert errors[5]["value"] == "不存在的公司"
    # nothing partial: the two good rows were not written
    assert count(app, Contact, Contact.customer_id == world["mine_id"]) == 0
    report = run(app, "sales1", "contact", data, partial=True)
    assert report.committed and count(app, Contact, Contact.customer_id == world["mine_id"]) == 2
    # customer + name + mobile is the key: the same rows again are unchanged, a new title is an update
    again = csv_bytes([["客户", "姓名", "手机", "职务"], [world["mine"], "张三", "13800138001", "总监"],
                       [world["mine"], "李四", "13800138002", ""]])
    report = run(app, "sales1", "contact", again, mode="upsert")
    assert (report.update, report.unchanged, report.create) == (1, 1, 0)
    assert report.outcomes[0]["changes"] == {"title": ["经理", "总监"]}
    assert count(app, Customer, Customer.name == "不存在的公司") == 0  # never created silently


def test_ambiguous_reference_is_a_row_error(app, world):
    with app.app_context():
        manager_pub = f.publication()
        f.issue(manager_pub, number=world["issue"])  # the same issue number in another publication
        db.session.commit()
    data = csv_bytes([["合同", "版位", "期刊", "价格"], [world["contract"], world["slot"], world["issue"], "¥5,000"]])
    report = run(app, "manager", "booking", data, mode="create")
    assert report.failed == 1 and report.errors[0]["field"] == "issue"
    assert world["issue"] in report.errors[0]["message"]


def test_contract_payment_booking_and_activity_imports(app, world):
    number = f"HT-IMP-{f.next_id()}"
    contracts = xlsx_bytes([["合同编号", "客户", "签约方", "媒体", "开始日期", "结束日期", "金额", "付款方式"],
                            [number, world["mine"], world["mine"], world["pub"], "2026/12/01", "2027年11月30日",
                             "¥12,000.00", "预收"]])
    report = run(app, "sales1", "contract", contracts, "c.xlsx", mode="upsert")
    assert report.create == 1, report.errors
    with app.app_context():
        row = db.session.scalar(select(Contract).where(Contract.number == number))
        assert (row.start_date, row.end_date, str(row.amount), row.status) == (
            date(2026, 12, 1), date(2027, 11, 30), "12000.00", "draft")
        assert row.created_by.username == "sales1"
    # a payment on a draft contract is refused by the rules; on the sealed one it is recorded
    payments = csv_bytes([["合同", "金额", "收款方式", "收款日期"], [number, "1,000", "转账", "2026-11-20"],
                          [world["contract"], "1,000", "转账", "2026-11-20"]])
    report = run(app, "sales1", "payment", payments, partial=True)
    assert (report.create, report.failed) == (1, 1) and report.errors[0]["row"] == 2
    # contract + date + amount + method is the payment's key: the same file again changes nothing
    report = run(app, "sales1", "payment", payments, partial=True)
    assert (report.create, report.unchanged) == (0, 1)
    assert count(app, Payment, Payment.contract_id == world["contract_id"]) == 1
    bookings = csv_bytes([["合同", "版位", "期刊", "价格"], [world["contract"], world["slot"], world["issue"], "5000"]])
    report = run(app, "sales1", "booking", bookings)
    assert report.create == 1, report.errors
    assert count(app, Booking, Booking.contract_id == world["contract_id"]) == 1
    # another rep's contract is not found for sales1
    report = run(app, "sales1", "payment", csv_bytes([["合同", "金额", "收款日期"],
                                                      [world["their_contract"], "100", "2026-11-20"]]))
    assert report.failed == 1 and report.errors[0]["field"] == "contract"
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    activities = csv_bytes([["客户", "类型", "日期", "结果"], [world["mine"], "拜访", yesterday, "见面"],
                            [world["mine"], "电话", "2099-01-01", "未来"]])
    report = run(app, "sales1", "activity", activities, mode="create", partial=True)
    assert (report.create, report.failed) == (1, 1)  # not dated in the future (the guard's rule)
    assert count(app, Activity, Activity.customer_id == world["mine_id"], Activity.outcome == "见面") == 1


def test_manager_assigns_owners_sales_cannot(app):
    credit = code()
    data = csv_bytes([["名称", "信用代码", "负责人"], [uniq(), credit, "sales2"]])
    report = run(app, "sales1", "customer", data)
    assert report.failed == 1 and count(app, Customer, Customer.credit_code == credit) == 0
    report = run(app, "manager", "customer", data)
    assert report.create == 1
    with app.app_context():
        assert db.session.scalar(select(Customer).where(Customer.credit_code == credit)).owner.username == "sales2"
    report = run(app, "manager", "customer", csv_bytes([["名称", "信用代码", "负责人"], [uniq(), code(), "nobody"]]))
    assert report.failed == 1 and report.errors[0]["value"] == "nobody"


def test_mid_import_failure_leaves_nothing_half_written(app, monkeypatch):
    codes = [code() for _ in range(4)]
    data = csv_bytes([["名称", "信用代码"]] + [[uniq(), c] for c in codes])
    original = Importer.apply

    def breaking(self, plan, number, cells):
        if number == 4:
            raise RuntimeError("disk full")
        return original(self, plan, number, cells)

    monkeypatch.setattr(Importer, "apply", breaking)
    with pytest.raises(RuntimeError):
        run(app, "manager", "customer", data, partial=True, batch_size=1)
    assert count(app, Customer, Customer.credit_code.in_(codes)) == 0


def test_zero_width_full_width_and_formula_text(app):
    credit = code()
    full_width = credit.translate({ord(c): ord(c) + 0xFEE0 for c in credit if c.isalnum()})
    name = uniq()
    data = xlsx_bytes([["名称", "信用代码", "城市", "备注"],
                       ["\u200b" + name + "\u3000", full_width.lower(), " 深圳\ufeff", "=cmd|' /C calc'!A0"],
                       ["甲\u200b乙有限公司", code(), "", ""]])
    report = run(app, "manager", "customer", data, "z.xlsx", partial=True)
    assert report.create == 1 and report.failed == 1, report.errors
    assert report.errors[0]["row"] == 3 and report.errors[0]["field"] == "name"  # an invisible character inside
    with app.app_context():
        row = db.session.scalar(select(Customer).where(Customer.credit_code == credit))
        assert (row.name, row.city) == (name, "深圳")
        # a formula typed in the file is text in the database (the xlsx cell was a formula: its text is kept
        # as openpyxl read it, never evaluated)
        assert row.notes in ("=cmd|' /C calc'!A0", None)
    data = csv_bytes([["名称", "信用代码", "备注"], [uniq(), code(), "=cmd|' /C calc'!A0"]])
    report = run(app, "manager", "customer", data)
    with app.app_context():
        row = db.session.get(Customer, report.outcomes[0]["id"])
        assert row.notes == "=cmd|' /C calc'!A0"
