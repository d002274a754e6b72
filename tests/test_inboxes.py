"""The role inboxes on the dashboard: which rows each role's lists hold (the four-eyes rule, own customers,
nothing logged since a follow-up...), their counts, and that each row is a link to its record."""
import json
import re
import uuid
from datetime import date, datetime, timedelta
from decimal import Decimal

from app.models import Complaint, ContractTransition, db
from app.models.base import utcnow
from tests import factories as f
from tests.conftest import DEMO_PASSWORD, browser_login

DATA_RE = re.compile(r'<script type="application/json" id="dashboard-data">(.*?)</script>', re.S)


def page(client) -> tuple[dict, str]:
    response = client.get("/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    return json.loads(DATA_RE.search(html).group(1)), html


def inbox(data: dict, name: str) -> dict:
    found = [box for box in data.get("inboxes", []) if box["name"] == name]
    assert found, (name, [box["name"] for box in data.get("inboxes", [])])
    return found[0]


def names(data: dict) -> list[str]:
    return [box["name"] for box in data.get("inboxes", [])]


def test_each_role_has_its_inboxes(login):
    expected = {"admin": ["to_review"], "manager": ["to_review"], "sales1": ["follow_ups", "proofs"],
                "finance": ["to_confirm"], "service": ["complaints"]}
    for username, boxes in expected.items():
        assert names(page(login(username))[0]) == boxes, username


def test_manager_sees_what_awaits_their_review_or_approval_not_what_they_reviewed(app, login):
    manager, admin = login("manager"), login("admin")
    before = {who: inbox(page(client)[0], "to_review")["total"] for who, client in (("m", manager), ("a", admin))}
    with app.app_context():
        cust = f.customer(f.user(app, "sales1"))
        pub = f.publication()
        stamped = f.contract(cust, pub, status="stamped")
        by_manager = f.contract(cust, pub, status="reviewed")
        by_admin = f.contract(cust, pub, status="reviewed")
        sealed = f.contract(cust, pub, status="sealed")
        for contract, who in ((by_manager, "manager"), (by_admin, "admin")):
            db.session.add(ContractTransition(contract=contract, from_status="stamped", to_status="reviewed",
                                              actor_id=f.user(app, who).id, at=utcnow(), channel="web"))
        db.session.commit()
        ids = {"stamped": stamped.id, "by_manager": by_manager.id, "by_admin": by_admin.id, "sealed": sealed.id}
    data, html = page(manager)
    box = inbox(data, "to_review")
    # the stamped one (to review) and the one the admin reviewed (to approve); not the one they reviewed
    assert box["total"] == before["m"] + 2
    assert inbox(page(admin)[0], "to_review")["total"] == before["a"] + 2
    if box["total"] <= 10:
        shown = {row["id"] for row in box["rows"]}
        assert {ids["stamped"], ids["by_admin"]} <= shown and not {ids["by_manager"], ids["sealed"]} & shown
        assert f'href="/contractview/show/{ids["stamped"]}"' in html


def new_sales_user(app):
    with app.app_context():
        sm = app.appbuilder.sm
        username = f"inbox_{uuid.uuid4().hex[:8]}"
        user = sm.add_user(username, "收件", "销售", f"{username}@example.com", sm.find_role("Sales"), DEMO_PASSWORD)
        return username, user.id


def test_sales_sees_follow_ups_due_and_proofs_awaiting_the_customer(app):
    username, user_id = new_sales_user(app)
    today = date.today()
    with app.app_context():
        me = db.session.get(app.appbuilder.sm.user_model, user_id)
        due, overdue, later, done = (f.customer(me) for _ in range(4))
        f.activity(due, by=me, happened_on=today - timedelta(days=3), next_follow_up=today)
        f.activity(overdue, by=me, happened_on=today - timedelta(days=9), next_follow_up=today - timedelta(days=2))
        f.activity(later, by=me, happened_on=today - timedelta(days=1), next_follow_up=today + timedelta(days=1))
        f.activity(done, by=me, happened_on=today - timedelta(days=5), next_follow_up=today - timedelta(days=1))
        f.activity(done, by=me, happened_on=today - timedelta(days=1))  # logged since: done
        other = f.customer(f.user(app, "sales2"))
        f.activity(other, happened_on=today - timedelta(days=3), next_follow_up=today)  # another rep's
        pub = f.publication()
        contract = f.contract(due, pub, status="sealed")
        sent = f.booking(contract, f.slot(pub), f.issue(pub), proof_status="sent", proof_sent_at=utcnow())
        f.booking(contract, f.slot(pub), f.issue(pub), proof_status="confirmed")
        db.session.commit()
        expected = {"overdue": overdue.id, "due": due.id, "sent": sent.id}
    client = browser_login(app.test_client(), username)
    data, html = page(client)
    follow = inbox(data, "follow_ups")
    assert follow["total"] == 2
    assert [row["link"] for row in follow["rows"]] == [f"/customerview/show/{expected['overdue']}",
                                                        f"/customerview/show/{expected['due']}"]
    assert all(row["owner"] == "收件 销售" for row in follow["rows"])
    proofs = inbox(data, "proofs")
    assert proofs["total"] == 1 and proofs["rows"][0]["link"] == f"/bookingview/show/{expected['sent']}"
    assert f'href="/customerview/show/{expected["overdue"]}"' in html


def test_finance_sees_every_payment_to_confirm(app, login):
    client = login("finance")
    before = inbox(page(client)[0], "to_confirm")["total"]
    with app.app_context():
        contract = f.contract(f.customer(f.user(app, "sales2")), f.publication(), status="sealed")
        waiting = [f.payment(contract, amount=Decimal("12.50")) for _ in range(2)]
        waiting[1].method = "cash"
        confirmed = f.payment(contract)
        confirmed.confirmed_at = confirmed.received_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
    box = inbox(page(client)[0], "to_confirm")
    assert box["total"] == before + 2
    assert all(row["link"].startswith("/paymentview/show/") for row in box["rows"])
    assert all(row["amount"] is not None and re.fullmatch(r"\d+\.\d\d", row["amount"]) for row in box["rows"])


def test_service_sees_open_complaints(app, login):
    client = login("service")
    before = inbox(page(client)[0], "complaints")["total"]
    with app.app_context():
        cust = f.customer(f.user(app, "sales1"))
        for status in ("open", "in_progress", "resolved"):
            db.session.add(Complaint(customer=cust, subject=f"投诉{status}", status=status,
                                     received_on=date.today()))
        db.session.commit()
    data, html = page(client)
    box = inbox(data, "complaints")
    assert box["total"] == before + 2
    assert all(row["link"].startswith("/complaintview/show/") for row in box["rows"])
