"""Issue reports (schedule, deliveries) as pages, print pages, CSV and Excel; the Reports menu;
and the complaint list's filters by status and customer."""
import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from app.models import Complaint, db
from tests import factories as f


@pytest.fixture(scope="module")
def issue_rows(app):
    """One issue: a local customer of sales1 (published), an out-of-town one of sales2 (published, two ads),
    and a customer of sales1 whose booking is not published."""
    with app.app_context():
        pub = f.publication()
        the_issue = f.issue(pub, publish_date=date(2026, 12, 20))
        local = f.customer(f.user(app, "sales1"), name=f"报表本地{f.next_id()}有限公司", city="深圳")
        far = f.customer(f.user(app, "sales2"), name=f"报表外地{f.next_id()}有限公司", city="苏州")
        far.locality = "out_of_town"
        pending = f.customer(f.user(app, "sales1"), name=f"报表未刊{f.next_id()}有限公司")
        f.contact(local, name="王本地", mobile="13900000001", is_ad_responsible=True)
        f.contact(far, name="赵外地", phone="0512-1234567", is_ad_responsible=True)
        slots = [f.slot(pub, name=f"报表版位{n}") for n in range(4)]
        f.booking(f.contract(local, pub), slots[0], the_issue, published=True, price=Decimal("800.00"))
        far_contract = f.contract(far, pub)
        f.booking(far_contract, slots[1], the_issue, published=True)
        f.booking(far_contract, slots[2], the_issue, published=True)
        f.booking(f.contract(pending, pub), slots[3], the_issue, proof_status="sent")
        db.session.commit()
        return {"issue": the_issue.id, "local": local.name, "far": far.name, "pending": pending.name}


def csv_rows(response):
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def test_schedule_lists_every_booking_of_the_issue(login, issue_rows):
    client = login("manager")
    html = client.get(f"/reports/schedule/?issue={issue_rows['issue']}").get_data(as_text=True)
    for name in ("local", "far", "pending"):
        assert issue_rows[name] in html
    rows = csv_rows(client.get(f"/reports/schedule/csv?issue={issue_rows['issue']}"))
    assert len(rows) == 1 + 4
    assert [r[1] for r in rows[1:]] == ["报表版位0", "报表版位1", "报表版位2", "报表版位3"]  # by slot
    assert rows[1][4] == "800.00"
    assert rows[4][6] == "已发认定单"  # proof status "sent", translated
    assert (rows[1][7], rows[4][7]) == ("是", "否")  # published


def test_schedule_for_sales_shows_own_customers_only(login, issue_rows):
    rows = csv_rows(login("sales1").get(f"/reports/schedule/csv?issue={issue_rows['issue']}"))
    customers = {r[2] for r in rows[1:]}
    assert customers == {issue_rows["local"], issue_rows["pending"]}


def test_schedule_excel_and_print_page(login, issue_rows):
    client = login("finance")
    response = client.get(f"/reports/schedule/xlsx?issue={issue_rows['issue']}")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    values = list(sheet.values)
    assert len(values) == 5 and values[1][4] == 800
    printed = client.get(f"/reports/schedule/print?issue={issue_rows['issue']}").get_data(as_text=True)
    assert issue_rows["far"] in printed and "navbar" not in printed


def test_deliveries_hand_for_local_mail_for_out_of_town(login, issue_rows):
    client = login("manager")
    rows = csv_rows(client.get(f"/reports/deliveries/csv?issue={issue_rows['issue']}"))
    by_customer = {r[2]: r for r in rows[1:]}
    assert set(by_customer) == {issue_rows["local"], issue_rows["far"]}  # published only, once each
    local, far = by_customer[issue_rows["local"]], by_customer[issue_rows["far"]]
    assert local[1] != far[1]  # by hand / by mail
    assert (local[3], local[4], local[5], local[6]) == ("深圳", "王本地", "13900000001", "李丽 销售")
    assert (far[3], far[4], far[5], far[6]) == ("苏州", "赵外地", "0512-1234567", "张强 销售")
    assert rows[1][2] == issue_rows["local"]  # hand deliveries first
    sheet = load_workbook(io.BytesIO(client.get(
        f"/reports/deliveries/xlsx?issue={issue_rows['issue']}").data)).active
    assert len(list(sheet.values)) == 3
    assert issue_rows["far"] not in csv_rows(login("sales1").get(
        f"/reports/deliveries/csv?issue={issue_rows['issue']}"))[-1]


@pytest.mark.parametrize("username", ["admin", "manager", "sales1", "finance", "service"])
def test_booking_readers_get_the_reports_menu_and_pages(login, issue_rows, username):
    client = login(username)
    assert client.get("/reports/schedule/").status_code == 200
    assert client.get(f"/reports/deliveries/?issue={issue_rows['issue']}").status_code == 200
    html = client.get("/customerview/list/" if username != "finance" else "/paymentview/list/").get_data(
        as_text=True)
    assert "/reports/schedule/" in html and "/reports/deliveries/" in html


def test_unknown_issue_is_404(login):
    assert login("manager").get("/reports/schedule/csv?issue=999999999").status_code == 404
    assert login("manager").get("/reports/deliveries/csv").status_code == 404


def test_complaints_filter_by_status_and_customer(app, login):
    with app.app_context():
        cust = f.customer(f.user(app, "sales1"), name=f"投诉筛选{f.next_id()}有限公司")
        other = f.customer(f.user(app, "sales1"))
        db.session.add_all([Complaint(customer=cust, subject="筛选-已解决", status="resolved"),
                            Complaint(customer=cust, subject="筛选-未处理", status="open"),
                            Complaint(customer=other, subject="筛选-别家", status="open")])
        db.session.commit()
        name = cust.name
    client = login("service")
    html = client.get(f"/complaintview/list/?_flt_0_customer={name[:8]}&_flt_0_status=open").get_data(as_text=True)
    assert "筛选-未处理" in html and "筛选-已解决" not in html and "筛选-别家" not in html
    page = client.get("/complaintview/list/").get_data(as_text=True)
    # the customer is offered by name in the menu (the by-id filter stays for links, as used above)
    assert 'name="customer_name" class="filter"' in page and 'name="status" class="filter"' in page
