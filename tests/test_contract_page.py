"""The contract page read at a glance, money shown one way, and relation choices that follow the form."""
import io
from datetime import date, datetime, timedelta
from decimal import Decimal

from openpyxl import load_workbook

from app.models import db
from app.views.display import money_text
from tests import factories as f


def test_money_text():
    assert money_text(Decimal("36000")) == "¥36,000.00"
    assert money_text(Decimal("1234567.5")) == "¥1,234,567.50"
    assert money_text(Decimal("-1000")) == "-¥1,000.00"
    assert money_text(0) == "¥0.00"
    assert money_text(None) == "" and money_text("") == ""
    assert money_text(Decimal("36000"), sign=False) == "36,000.00"


def make_sealed(app, owner="sales1", **kw):
    with app.app_context():
        cust = f.customer(f.user(app, owner), name=kw.pop("name", None) or f"一览合同客户{f.next_id()}有限公司")
        con = f.contract(cust, f.publication(), amount=Decimal("36000.00"), discount_pct=Decimal("10"),
                         status="sealed", end_date=date.today() + timedelta(days=12), **kw)
        f.payment(con, amount=Decimal("10000.00"), confirmed_at=datetime(2026, 11, 1, 9))
        db.session.commit()
        return con.id, con.number, cust.name


def test_the_contract_page_header_in_both_languages(app, login):
    cid, number, customer = make_sealed(app)
    client = login("sales1")
    page = client.get(f"/contractview/show/{cid}").get_data(as_text=True)
    head = page[page.index("adsheet-contract-head"):page.index("adsheet-approval")]
    assert number in head and customer in head and "label-success" in head and "已盖合同章" in head
    assert "¥32,400.00" in head and "¥10,000.00" in head and "¥22,400.00" in head  # net, paid, outstanding
    assert "12 天" in head and "折后金额" in head and "距到期" in head
    # The two 编号 rows are now told apart.
    assert "合同编号" in page and "记录编号" in page
    client.get("/lang/en")
    english = client.get(f"/contractview/show/{cid}").get_data(as_text=True)
    client.get("/lang/zh")
    assert "Net amount" in english and "12 days" in english and "Contract number" in english


def test_money_in_lists_and_exports(app, login):
    cid, number, _ = make_sealed(app)
    client = login("sales1")
    page = client.get(f"/contractview/list/?_flt_0_number={number}").get_data(as_text=True)
    assert '<td class="text-right adsheet-money">¥36,000.00</td>' in page
    xlsx = client.get(f"/contractview/export/xlsx?_flt_0_number={number}")
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    header = [c.value for c in sheet[1]]
    amount = sheet.cell(row=2, column=header.index("金额") + 1)
    assert amount.value == 36000 and "#,##0.00" in amount.number_format and "¥" in amount.number_format
    csv_text = client.get(f"/contractview/export/csv?_flt_0_number={number}").get_data(as_text=True)
    assert "36000.00" in csv_text  # CSV stays plain for other programs
