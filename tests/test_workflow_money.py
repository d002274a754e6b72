"""Money through the API and pages: write-offs, handover confirmation, receivables, renewals."""
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.models import Payment, WriteOff, db
from tests import factories as f
from tests.conftest import csrf_token


@pytest.fixture
def api(api):
    """These tests read the refusal messages in English."""
    return lambda username: api(username, lang="en")


def sealed_contract(app, amount="1000.00", owner="sales1", **kw):
    with app.app_context():
        cust = f.customer(f.user(app, owner))
        con = f.contract(cust, f.publication(), amount=Decimal(amount), status="sealed", **kw)
        db.session.commit()
        return con.id


def write_offs(app, contract_id):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(WriteOff).where(WriteOff.contract_id == contract_id))


def test_write_off_rules(app, api):
    cid = sealed_contract(app, "1000.00")
    with app.app_context():
        sales_id = f.user(app, "sales1").id
    finance = api("finance")
    base = {"contract": cid, "responsible_user": sales_id}
    for body, words in (({"amount": 1500, "reason": "wrong slot"}, "exceeds"),
                        ({"amount": 100, "reason": "  "}, "reason")):
        response = finance.post("/api/v1/writeoff/", json={**base, **body})
        assert response.status_code == 400 and words in response.get_json()["message"]
        assert write_offs(app, cid) == 0
    response = finance.post("/api/v1/writeoff/", json={**base, "amount": 1000, "reason": "booked wrong issue"})
    assert response.status_code == 201
    with app.app_context():
        row = db.session.get(WriteOff, response.get_json()["id"])
        assert row.recorded_by_id == f.user(app, "finance").id and row.customer_id is not None
    response = finance.post("/api/v1/writeoff/", json={**base, "amount": 1, "reason": "again"})
    assert response.status_code == 400 and write_offs(app, cid) == 1
    assert api("sales1").post("/api/v1/writeoff/", json={**base, "amount": 1, "reason": "x"}).status_code == 403


def test_sales_cannot_confirm_payments(app, api, login):
    cid = sealed_contract(app)
    response = api("sales1").post("/api/v1/payment/", json={
        "contract": cid, "amount": 5, "kind": "ad_fee", "method": "cash",
        "collected_on": date.today().isoformat()})
    assert response.status_code == 201
    pk = response.get_json()["id"]
    # Sales has no edit on payments; Manager neither.
    assert api("sales1").put(f"/api/v1/payment/{pk}", json={"confirmed_at": "2026-11-02 10:00:00"}).status_code == 403
    client = login("sales1")
    token = csrf_token(client.get("/userinfoeditview/form").get_data(as_text=True))
    assert client.post(f"/handover/confirm/{pk}", data={"csrf_token": token}).status_code == 403
    with app.app_context():
        assert db.session.get(Payment, pk).confirmed_at is None


def test_finance_confirms_handover(app, api, login):
    cid = sealed_contract(app)
    response = api("sales1").post("/api/v1/payment/", json={
        "contract": cid, "amount": 5, "kind": "ad_fee", "method": "cash",
        "collected_on": (date.today() - timedelta(days=2)).isoformat()})
    pk = response.get_json()["id"]
    client = login("finance")
    page = client.get("/handover/").get_data(as_text=True)
    assert f"/handover/confirm/{pk}" in page and "label-danger" in page  # two days late
    response = client.post(f"/handover/confirm/{pk}", data={"csrf_token": csrf_token(page)})
    assert response.status_code == 302
    with app.app_context():
        payment = db.session.get(Payment, pk)
        assert payment.confirmed_at is not None and payment.received_at is not None
        assert payment.confirmed_by_id == f.user(app, "finance").id
    # Confirming twice is refused with a message and changes nothing.
    response = client.post(f"/handover/confirm/{pk}", data={"csrf_token": csrf_token(page)}, follow_redirects=True)
    assert "already" in response.get_data(as_text=True) or "已" in response.get_data(as_text=True)


def test_receivables_use_confirmed_payments_and_write_offs(app):
    from app.workflow.money import open_receivable_rows

    cid = sealed_contract(app, "1000.00", start_date=date(2026, 1, 1), payment_terms="prepaid")
    with app.app_context():
        from app.models import Contract

        con = db.session.get(Contract, cid)
        f.payment(con, amount=Decimal("300.00"), confirmed_at=date(2026, 1, 2))
        f.payment(con, amount=Decimal("200.00"))  # not confirmed: does not count
        db.session.add(WriteOff(contract=con, customer=con.customer, amount=Decimal("100.00"),
                                responsible_user=f.user(app, "sales1"), reason="x"))
        db.session.commit()
        row = next(r for r in open_receivable_rows(today=date(2026, 3, 2), user_id=None) if r.contract_id == cid)
        # 1000 - 300 confirmed - 100 written off; prepaid: due on the start date, 60 days late.
        assert row.item.outstanding == Decimal("600.00")
        assert row.item.due_date == date(2026, 1, 1) and row.item.days_overdue == 60 and row.item.bucket == "31-60"


def test_pages_follow_the_matrix(login):
    for who, expected in (("finance", 200), ("manager", 200), ("sales1", 200), ("service", 403)):
        assert login(who).get("/receivables/").status_code == expected, who
        assert login(who).get("/handover/").status_code == expected, who
    for who in ("admin", "manager", "sales1", "finance", "service"):
        assert login(who).get("/renewals/").status_code == 200, who


def test_renewals_list(app, login):
    today = date.today()
    due = sealed_contract(app, end_date=today + timedelta(days=10), start_date=today - timedelta(days=300))
    ok = sealed_contract(app, end_date=today + timedelta(days=20), start_date=today - timedelta(days=300))
    member = sealed_contract(app, end_date=today + timedelta(days=20), start_date=today - timedelta(days=300),
                             kind="membership")
    other = sealed_contract(app, owner="sales2", end_date=today + timedelta(days=5),
                            start_date=today - timedelta(days=300))
    with app.app_context():
        from app.models import Contract
        from app.workflow.renewals import renewals

        numbers = {c: db.session.get(Contract, c).number for c in (due, ok, member, other)}
    page = login("sales1").get("/renewals/").get_data(as_text=True)
    assert numbers[due] in page and numbers[member] in page
    assert numbers[ok] not in page and numbers[other] not in page
    assert numbers[other] in login("manager").get("/renewals/").get_data(as_text=True)
