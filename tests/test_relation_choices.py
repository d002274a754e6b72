"""Relation fields follow the form: an activity's contacts are the chosen customer's, options name their
company, a contract is found by its customer's name, and a Sales rep never sees another rep's options."""
from datetime import date

from app.models import Activity, db
from tests import factories as f
from tests.conftest import form_values


def world(app):
    with app.app_context():
        mine = f.customer(f.user(app, "sales1"), name=f"选项甲方{f.next_id()}科技有限公司")
        also_mine = f.customer(f.user(app, "sales1"), name=f"选项乙方{f.next_id()}贸易有限公司")
        theirs = f.customer(f.user(app, "sales2"), name=f"选项丙方{f.next_id()}传媒有限公司")
        a = f.contact(mine, name="周志强")
        b = f.contact(also_mine, name="周志强")
        c = f.contact(theirs, name="周志强")
        con = f.contract(also_mine, f.publication(), number=f"XZ-{f.next_id()}")
        other_con = f.contract(theirs, f.publication(), number=f"XZ-{f.next_id()}")
        db.session.commit()
        return {"mine": mine.id, "also_mine": also_mine.id, "theirs": theirs.id, "a": a.id, "b": b.id, "c": c.id,
                "mine_name": mine.name, "also_name": also_mine.name, "theirs_name": theirs.name,
                "contract": con.id, "number": con.number, "other_contract": other_con.id}


def choices(client, url, **args):
    response = client.get(url, query_string=args)
    assert response.status_code == 200, response.get_data(as_text=True)
    return {row["id"]: row["text"] for row in response.get_json()["results"]}


def test_contacts_follow_the_customer_and_name_their_company(app, login):
    w = world(app)
    sales = login("sales1")
    everyone = choices(sales, "/activityview/choices/contact", q="周志强")
    assert w["a"] in everyone and w["b"] in everyone and w["c"] not in everyone  # own customers only
    assert everyone[w["a"]] == f"周志强 ({w['mine_name']})" and everyone[w["b"]] == f"周志强 ({w['also_name']})"
    within = choices(sales, "/activityview/choices/contact", q="周志强", within=w["mine"])
    assert set(within) == {w["a"]}
    # Another rep's customer chosen (a forged id): nothing of theirs comes back.
    assert choices(sales, "/activityview/choices/contact", q="周志强", within=w["theirs"]) == {}
    admin = choices(login("admin"), "/complaintview/choices/contact", q="周志强", within=w["theirs"])
    assert set(admin) == {w["c"]} and admin[w["c"]].endswith(f"({w['theirs_name']})")


def test_the_form_refuses_a_contact_of_another_customer(app, login):
    w = world(app)
    sales = login("sales1")
    values = form_values(sales.get("/activityview/add").get_data(as_text=True))
    values.update({"customer": str(w["mine"]), "contact": str(w["b"]), "kind": "call",
                   "happened_on": date.today().isoformat(), "outcome": "选项测试"})
    page = sales.post("/activityview/add", data=values).get_data(as_text=True)
    assert "这条属于另一个客户" in page  # the field says why: a contact of another customer than the chosen one
    with app.app_context():
        assert db.session.query(Activity).filter_by(outcome="选项测试").count() == 0
    values["contact"] = str(w["a"])
    assert sales.post("/activityview/add", data=values).status_code == 302
    with app.app_context():
        assert db.session.query(Activity).filter_by(outcome="选项测试").one().contact_id == w["a"]


def test_the_guard_refuses_a_cross_customer_contact_through_the_api(app, api):
    w = world(app)
    response = api("sales1").post("/api/v1/activity/", json={
        "customer": w["mine"], "contact": w["b"], "kind": "call", "happened_on": date.today().isoformat()})
    assert response.status_code == 400 and response.get_json().get("code") == "contact.other_customer"


def test_contracts_are_found_by_number_or_customer_name(app, login):
    w = world(app)
    sales = login("sales1")
    by_name = choices(sales, "/paymentview/choices/contract", q=w["also_name"][:4])
    assert by_name.get(w["contract"]) == f"{w['number']} ({w['also_name']})"
    assert w["contract"] in choices(sales, "/paymentview/choices/contract", q=w["number"])
    assert w["other_contract"] not in choices(sales, "/paymentview/choices/contract", q=w["theirs_name"][:4])
    assert w["other_contract"] in choices(login("admin"), "/paymentview/choices/contract", q=w["theirs_name"][:4])


def test_a_bookings_proof_contact_is_one_of_its_contracts_customer(app, login):
    w = world(app)
    found = choices(login("sales1"), "/bookingview/choices/proof_contact", q="周志强", within=w["contract"])
    assert set(found) == {w["b"]}  # the contract belongs to also_mine, whose contact is b
