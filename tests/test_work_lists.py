"""Receivables, renewals and cash handover: each row links to its record, an owner column, a totals row, and
CSV / Excel exports of the same rows; Sales see and export their own customers' rows only; the pages read their
rows' relations with the rows (no statement per row)."""
import csv
import io
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import event

from app.models import db
from tests import factories as f


def english(client):
    client.get("/lang/en")
    return client


def world(app, owner="sales1"):
    today = date.today()
    with app.app_context():
        cust = f.customer(f.user(app, owner))
        pub = f.publication()
        owed = f.contract(cust, pub, amount=Decimal("1234.00"), status="sealed", payment_terms="prepaid",
                          start_date=today - timedelta(days=40), end_date=today + timedelta(days=5))
        cash = f.payment(owed, amount=Decimal("34.00"), collected_on=today)
        cash.method = "cash"
        cash.collected_by = f.user(app, owner)
        db.session.commit()
        return {"contract": owed.id, "number": owed.number, "payment": cash.id, "customer": cust.name}


def csv_rows(response):
    assert response.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def test_work_lists_link_their_rows_name_the_owner_and_total(app, login):
    mine = world(app, "sales1")
    theirs = world(app, "sales2")
    client = english(login("sales1"))
    with app.app_context():
        owner_name = f"{f.user(app, 'sales1').first_name} {f.user(app, 'sales1').last_name}".strip()
    for path, link in (("/receivables/", f'href="/contractview/show/{mine["contract"]}"'),
                       ("/renewals/", f'href="/contractview/show/{mine["contract"]}"')):
        html = client.get(path).get_data(as_text=True)
        assert link in html and f'/contractview/show/{theirs["contract"]}"' not in html, path
        assert "<th>Owner</th>" in html and owner_name in html and "adsheet-totals" in html and "Total (" in html
        assert f'href="{path}export/csv"' in html and f'href="{path}export/xlsx"' in html
        rows = csv_rows(client.get(f"{path}export/csv"))
        assert rows[0][2] == "Owner" and rows[-1][0].startswith("Total (")
        numbers = {row[0] for row in rows[1:-1]}
        assert mine["number"] in numbers and theirs["number"] not in numbers, path
        xlsx = client.get(f"{path}export/xlsx")
        assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"
    finance = english(login("finance"))
    html = finance.get("/handover/").get_data(as_text=True)
    assert f'href="/paymentview/show/{mine["payment"]}"' in html and f'href="/paymentview/show/{theirs["payment"]}"' in html
    rows = csv_rows(finance.get("/handover/export/csv"))
    assert rows[0][:3] == ["Contract", "Customer", "Owner"]
    total = rows[-1]
    assert Decimal(total[3]) == sum(Decimal(row[3]) for row in rows[1:-1])


def test_the_handover_page_reads_no_row_by_row(app, login):
    for _ in range(3):
        world(app, "sales2")
    client = login("finance")
    client.get("/handover/")  # warm: menus and permissions
    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        first = client.get("/handover/").status_code
        before = len(statements)
        world(app, "sales1")
        statements.clear()
        client.get("/handover/")
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert first == 200
    assert len(statements) <= before  # one more row, no more statements
