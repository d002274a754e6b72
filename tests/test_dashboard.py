"""The dashboard page: its JSON figures for a brand-new Sales user (exact), for the Manager (the team) and
for sales1 (own rows only), the sections per role, local chart assets, and its SQL statement count; the
money figures (summed and grouped in the database) against the rules applied contract by contract."""
import json
import re
import uuid
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import event, func, select

from app.domain.rules import dashboard as dash_rules
from app.domain.rules.money import ageing_totals, amount_after_discount
from app.models import Complaint, ContractTransition, Customer, Payment, db
from tests import factories as f
from tests.conftest import DEMO_PASSWORD, browser_login

DATA_RE = re.compile(r'<script type="application/json" id="dashboard-data">(.*?)</script>', re.S)
SALES_SECTIONS = ["kpi", "pipeline", "revenue", "ageing", "occupancy", "renewals", "overdue", "handovers"]
MAX_DASHBOARD_STATEMENTS = 6


def page_data(client) -> dict:
    response = client.get("/")
    assert response.status_code == 200
    match = DATA_RE.search(response.get_data(as_text=True))
    assert match, "no dashboard data on the home page"
    return json.loads(match.group(1))


def seal(contract, today):
    contract.status = "sealed"
    db.session.add(ContractTransition(contract=contract, from_status="approved", to_status="sealed",
                                      at=datetime.combine(today, time(12, 0)), channel="cli"))


@pytest.fixture(scope="module")
def known(app):
    """A new Sales user with customers, activities, contracts, bookings, payments and complaints."""
    today = date.today()
    month_start = today.replace(day=1)
    with app.app_context():
        sm = app.appbuilder.sm
        username = f"dash_{uuid.uuid4().hex[:8]}"
        seller = sm.add_user(username, "看板", "销售", f"{username}@example.com", sm.find_role("Sales"),
                             DEMO_PASSWORD)
        assert seller, "could not create the test user"
        filed = f.customer(seller)
        filed.stage = "filed"  # a stage change lead -> filed, credited to the owner today
        db.session.flush()
        intent = f.customer(seller, stage="intent")
        f.customer(seller, stage="lead")
        for kind in ("call", "call", "visit", "email"):
            f.activity(filed, by=seller, kind=kind, happened_on=today)
        f.activity(filed, by=seller, kind="visit", happened_on=today, late=True)  # entered late: counted apart
        pub = f.publication()
        s1, s2, s3 = f.slot(pub), f.slot(pub), f.slot(pub)
        inactive = f.slot(pub, active=False)
        past = f.issue(pub, publish_date=today - timedelta(days=5))
        i1, i2, i3, i4 = (f.issue(pub, publish_date=today + timedelta(days=d)) for d in (10, 20, 30, 40))
        k1 = f.contract(filed, pub, amount=Decimal("10000.00"), discount_pct=Decimal("10"), start_date=month_start,
                        end_date=today + timedelta(days=10), payment_terms="settle_on_date",
                        settle_date=today - timedelta(days=40))
        k2 = f.contract(intent, pub, amount=Decimal("5000.00"), start_date=month_start,
                        end_date=today + timedelta(days=200), payment_terms="settle_on_date",
                        settle_date=today + timedelta(days=5))
        f.contract(filed, pub, amount=Decimal("777.00"), start_date=month_start)  # a draft: counts nowhere
        seal(k1, today)
        seal(k2, today)
        f.booking(k1, s1, i1, published=True)
        f.booking(k2, s2, i1)
        f.booking(k1, inactive, i2)  # inactive slot: not counted as booked
        f.booking(k1, s3, i4)  # the 4th issue: not shown
        f.booking(k1, s1, past)
        for contract, amount, confirmed in ((k1, "1000.00", datetime.now()), (k2, "300.00", None)):
            cash = f.payment(contract, amount=Decimal(amount), collected_by_id=seller.id,
                             collected_on=today - timedelta(days=1), confirmed_at=confirmed)
            cash.method = "cash"
        db.session.add_all([Complaint(customer=filed, subject="看板投诉1", received_on=today, satisfaction=4),
                            Complaint(customer=intent, subject="看板投诉2", received_on=today, satisfaction=3)])
        db.session.commit()
        return {"username": username, "user_id": seller.id, "name": "看板 销售", "today": today,
                "k1": k1.number, "pub": pub.name, "issues": [i1.id, i2.id, i3.id]}


def test_a_new_sales_user_sees_exactly_their_own_figures(app, known):
    data = page_data(browser_login(app.test_client(), known["username"]))
    today = known["today"]
    week = "%d-W%02d" % today.isocalendar()[:2]
    month = today.strftime("%Y-%m")
    me = known["user_id"]
    assert data["sections"] == SALES_SECTIONS
    kpi = data["kpi"]
    assert kpi["people"] == {str(me): known["name"]}
    expected = {"user_id": me, "calls": 2, "visits": 1, "filings": 1, "signed_contracts": 2, "late_entries": 1}
    assert [r for r in kpi["by_week"] if r["period"] == week] == [{**expected, "period": week}]
    assert [r for r in kpi["by_month"] if r["period"] == month] == [{**expected, "period": month}]
    assert kpi["week_totals"]["calls"][-1] == 2
    assert data["pipeline"] == {"lead": 1, "intent": 1, "filed": 1, "signed": 0, "lost": 0}
    assert list(data["pipeline"]) == ["lead", "intent", "filed", "signed", "lost"]  # pipeline order kept
    assert data["revenue"][month] == "14000.00"  # 10000 less 10 % + 5000
    assert set(data["revenue"].values()) == {"14000.00", "0.00"}
    assert data["ageing"] == {"0-30": "5000.00", "31-60": "8000.00", "61-90": "0.00", "90+": "0.00"}
    assert data["overdue"]["total"] == 1
    assert {k: data["overdue"]["rows"][0][k] for k in ("number", "outstanding", "days_overdue")} == {
        "number": known["k1"], "outstanding": "8000.00", "days_overdue": 40}
    assert data["renewals"]["total"] == 1
    assert (data["renewals"]["rows"][0]["number"], data["renewals"]["rows"][0]["status"]) == (known["k1"], "due")
    assert data["handovers"]["total"] == 1
    assert {k: data["handovers"]["rows"][0][k] for k in ("amount", "method", "overdue")} == {
        "amount": "300.00", "method": "cash", "overdue": True}
    mine = [r for r in data["occupancy"] if r["publication"] == known["pub"]]
    assert [(r["issue_id"], r["booked"], r["active"], r["percent"]) for r in mine] == [
        (known["issues"][0], 2, 3, 66.7), (known["issues"][1], 0, 3, 0.0), (known["issues"][2], 0, 3, 0.0)]
    assert "satisfaction" not in data


def test_the_manager_sees_the_team(app, login, known):
    data = page_data(login("manager"))
    today = known["today"]
    month = today.strftime("%Y-%m")
    me = known["user_id"]
    assert data["sections"] == SALES_SECTIONS + ["satisfaction"]
    assert data["kpi"]["people"][str(me)] == known["name"]
    row = [r for r in data["kpi"]["by_month"] if r["user_id"] == me and r["period"] == month]
    assert row == [{"user_id": me, "period": month, "calls": 2, "visits": 1, "filings": 1, "signed_contracts": 2,
                    "late_entries": 1}]
    mine = [r for r in data["occupancy"] if r["publication"] == known["pub"]]
    assert [(r["booked"], r["active"]) for r in mine] == [(2, 3), (0, 3), (0, 3)]
    with app.app_context():
        stages = dict(db.session.execute(select(Customer.stage, func.count()).group_by(Customer.stage)).all())
        sealed = db.session.execute(select(f.Contract.start_date, f.Contract.amount, f.Contract.discount_pct)
                                    .where(f.Contract.status == "sealed")).all()
        scores = db.session.execute(select(func.count(Complaint.satisfaction), func.sum(Complaint.satisfaction))
                                    .where(Complaint.received_on >= today.replace(day=1),
                                           Complaint.received_on <= today)).one()
    assert {k: v for k, v in data["pipeline"].items() if v} == stages
    revenue = sum((amount_after_discount(a, d) for start, a, d in sealed
                   if (start.year, start.month) == (today.year, today.month)), Decimal("0.00"))
    assert data["revenue"][month] == f"{revenue:.2f}"
    expected_avg = (Decimal(scores[1]) / scores[0]).quantize(Decimal("0.01"))
    assert Decimal(data["satisfaction"][month]) == expected_avg
    overdue = [r["days_overdue"] for r in data["overdue"]["rows"]]
    assert data["overdue"]["total"] >= 1 and overdue == sorted(overdue, reverse=True) and len(overdue) <= 10


def test_sales1_sees_only_their_own_figures(app, login, known):
    data = page_data(login("sales1"))
    with app.app_context():
        sales1 = f.user(app, "sales1")
        own = dict(db.session.execute(select(Customer.stage, func.count()).where(Customer.owner_id == sales1.id)
                                      .group_by(Customer.stage)).all())
        waiting = db.session.scalar(select(func.count()).select_from(Payment).join(Customer).where(
            Customer.owner_id == sales1.id, Payment.method.in_(["cash", "cheque"]),
            Payment.collected_by_id.is_not(None), Payment.confirmed_at.is_(None)))
        sales1_id = sales1.id
    assert str(known["user_id"]) not in data["kpi"]["people"]
    assert set(data["kpi"]["people"]) <= {str(sales1_id)}
    assert {r["user_id"] for r in data["kpi"]["by_month"]} <= {sales1_id}
    assert {k: v for k, v in data["pipeline"].items() if v} == own
    assert data["handovers"]["total"] == waiting
    assert all(r["number"] != known["k1"] for r in data["overdue"]["rows"] + data["renewals"]["rows"])


@pytest.fixture(scope="module")
def crowded(app, known):
    """A new Sales user with more overdue receivables than the short list holds: 14 due 50 days ago (ad and
    membership contracts, three sets of identical ones), and due 70 days ago three identical ones, one owing a
    cent after rounding, one paid to the cent after rounding and one paid in full; their ids interleaved."""
    today = date.today()
    with app.app_context():
        sm = app.appbuilder.sm
        username = f"crowd_{uuid.uuid4().hex[:8]}"
        seller = sm.add_user(username, "逾期", "销售", f"{username}@example.com", sm.find_role("Sales"),
                             DEMO_PASSWORD)
        assert seller, "could not create the test user"
        pub = f.publication()
        numbers = {}

        def sealed(name, due_days_ago, amount, discount="0", paid=None, kind="ad"):
            contract = f.contract(f.customer(seller), pub, kind=kind, amount=Decimal(amount),
                                  discount_pct=Decimal(discount),
                                  start_date=today.replace(day=1), end_date=today + timedelta(days=200),
                                  payment_terms="settle_on_date", settle_date=today - timedelta(days=due_days_ago),
                                  status="sealed")
            if paid:
                f.payment(contract, amount=Decimal(paid), confirmed_at=datetime.now())
            numbers[name] = contract.number

        specs = {f"d{i}": (50, "1000.00", "0", None, "ad") if i % 2 == 0 else
                 (50, "2000.00", "0", "500.00" if i % 4 == 1 else None, "membership") for i in range(14)}
        specs.update({
            "a1": (70, "3000.00", "0", None), "a2": (70, "3000.00", "0", None), "a3": (70, "3000.00", "0", None),
            "cent": (70, "100.01", "50", "50.00"),  # 50.005 -> 50.01: a cent still owed
            "rounded": (70, "100.03", "33", "67.02"),  # 67.0201 -> 67.02: settled
            "paid": (70, "500.00", "0", "500.00")})
        for name in ["d0", "d1", "d2", "a1", "a2", "d3", "d4", "cent", "a3", "rounded", "paid", "d5", "d6", "d7",
                     "d8", "d9", "d10", "d11", "d12", "d13"]:  # ids in this order
            sealed(name, *specs[name])
        db.session.commit()
        return {"username": username, "numbers": numbers, "today": today}


def test_overdue_rows_beyond_the_short_list_come_most_overdue_first_then_by_contract(app, crowded):
    data = page_data(browser_login(app.test_client(), crowded["username"]))
    n = crowded["numbers"]
    overdue = data["overdue"]
    assert overdue["total"] == 4 + 14
    assert [r["number"] for r in overdue["rows"]] == [n[k] for k in ("a1", "a2", "cent", "a3", "d0", "d1", "d2",
                                                                      "d3", "d4", "d5")]
    assert [(r["days_overdue"], r["outstanding"]) for r in overdue["rows"]] == [
        (70, "3000.00"), (70, "3000.00"), (70, "0.01"), (70, "3000.00"), (50, "1000.00"), (50, "1500.00"),
        (50, "1000.00"), (50, "2000.00"), (50, "1000.00"), (50, "1500.00")]
    # 61-90: 3 x 3000 + 0.01; 31-60: 7 x 1000 + 4 x 1500 + 3 x 2000
    assert data["ageing"] == {"0-30": "0.00", "31-60": "19000.00", "61-90": "9000.01", "90+": "0.00"}
    # 9000 + 50.01 + 67.02 + 500 + 7 x 1000 + 7 x 2000
    assert data["revenue"][crowded["today"].strftime("%Y-%m")] == "30617.03"


def test_money_figures_match_the_rules_contract_by_contract(app, login, known, crowded):
    """The grouped statements give what the rules give on every sealed contract one by one."""
    from app.workflow.dashboard import money_text
    from app.workflow.money import open_receivable_rows

    data = page_data(login("admin"))
    today = date.fromisoformat(data["today"])
    with app.app_context():
        items = sorted((row.item for row in open_receivable_rows(today=today, user_id=None)), key=lambda i: i.ref)
        sealed = db.session.execute(select(f.Contract.start_date, f.Contract.amount, f.Contract.discount_pct)
                                    .where(f.Contract.status == "sealed")).all()
    revenue = dash_rules.revenue_by_month([dash_rules.ContractValue(*row) for row in sealed],
                                          dash_rules.month_keys(today, dash_rules.REVENUE_MONTHS))
    assert data["revenue"] == {month: money_text(total) for month, total in revenue.items()}
    assert data["ageing"] == {bucket: money_text(total) for bucket, total in ageing_totals(items).items()}
    late = dash_rules.short_list(dash_rules.overdue_first(items))
    assert data["overdue"]["total"] == late["total"] >= 18
    assert [(r["contract_id"], r["due_date"], r["outstanding"], r["days_overdue"]) for r in data["overdue"]["rows"]] \
        == [(i.ref, i.due_date.isoformat(), money_text(i.outstanding), i.days_overdue) for i in late["rows"]]


@pytest.mark.parametrize("username,sections", [
    ("admin", SALES_SECTIONS + ["satisfaction"]),
    ("finance", ["revenue", "ageing", "overdue", "handovers"]),
    ("service", ["pipeline", "satisfaction"]),
])
def test_each_role_sees_its_sections(login, known, username, sections):
    data = page_data(login(username))
    assert data["sections"] == sections
    assert set(data) - {"sections", "today", "labels", "inboxes"} == set(sections)


def test_anonymous_visitors_are_sent_to_the_login(client):
    response = client.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_charts_come_from_our_static_files(login, known):
    client = login("manager")
    html = client.get("/").get_data(as_text=True)
    assert "/static/vendor/chartjs/chart.umd.min.js" in html and "/static/js/dashboard.js" in html
    for path in ("/static/vendor/chartjs/chart.umd.min.js", "/static/js/dashboard.js"):
        response = client.get(path)
        assert response.status_code == 200 and b"Chart" in response.data


@pytest.mark.parametrize("username", ["admin", "manager", "sales1", "finance", "service"])
def test_dashboard_runs_few_statements(app, login, known, monkeypatch, username):
    """Statements of the dashboard's own figures (beyond sign-in and the menu) stay at most 6."""
    import app.workflow.dashboard as dashboard

    client = login(username)
    with app.app_context():
        engine = db.engine
    statements, inside = [], []
    original = dashboard.dashboard_data

    def counted_data(*args, **kwargs):
        before = len(statements)
        result = original(*args, **kwargs)
        inside.append(len(statements) - before)
        return result

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    monkeypatch.setattr(dashboard, "dashboard_data", counted_data)
    event.listen(engine, "before_cursor_execute", record)
    try:
        response = client.get("/")
        response.get_data()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert response.status_code == 200
    print(f"\n{username}: dashboard figures {inside[0]} statements, whole request {len(statements)}")
    assert inside[0] <= MAX_DASHBOARD_STATEMENTS
