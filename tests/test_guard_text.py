"""Issue 8, literal cases: text normalised in one place before it is checked or stored (every door), activity
dates within sane bounds, late entries marked and counted apart in the KPIs, and the owner of a Sales rep's
customer. REST API and forms (the sheet: tests/sync/test_sync_guard.py)."""
import uuid
from datetime import timedelta

import pytest

from app.models import Activity, Contact, Customer, db
from app.views.customers import CustomerView
from tests import factories as f
from tests.conftest import DEMO_PASSWORD, browser_login
from tests.guard_world import (  # noqa: F401 (guard_users is a fixture)
    OTHER_SALES, SALES, TODAY, edit_form, guard_users, page_text, post_form, row, world,
)


def refused(response, code):
    assert response.status_code == 400, response.get_data(as_text=True)
    assert response.get_json()["code"] == code, response.get_json()
    return response.get_json()


def new_customer(client, **values):
    body = {"name": f"规范化测试{f.next_id()}有限公司", "stage": "lead", "locality": "local", **values}
    return client.post("/api/v1/customer/", json=body)


# --- blanks, codes and invisible characters -----------------------------------------------------------------

def test_an_empty_credit_code_is_stored_as_null_so_the_next_one_does_not_collide(app, api):
    client = api(SALES)
    first, second = new_customer(client, credit_code=""), new_customer(client, credit_code="   ")
    assert first.status_code == 201 and second.status_code == 201, (first.get_json(), second.get_json())
    assert row(app, Customer, first.get_json()["id"])["credit_code"] is None
    assert row(app, Customer, second.get_json()["id"])["credit_code"] is None


def test_the_form_stores_blank_optional_text_as_null(app, login):
    client = login(SALES)
    name = f"表单空值{f.next_id()}有限公司"
    response = post_form(client, "/customerview/add", {"name": name, "stage": "lead", "locality": "local",
                                                      "credit_code": "", "short_name": "  ", "notes": ""})
    with app.app_context():
        customer = db.session.query(Customer).filter_by(name=name).one_or_none()
        assert customer is not None, page_text(response)[-1500:]
        assert (customer.credit_code, customer.short_name, customer.notes) == (None, None, None)


def test_credit_codes_are_stored_upper_case_without_blanks_or_invisible_characters(app, api):
    code = f.credit_code(f.next_id() + 700000)
    response = new_customer(api(SALES), credit_code=f"  {code[:5]}\u200b{code[5:].lower()} ")
    assert response.status_code == 201, response.get_json()
    assert row(app, Customer, response.get_json()["id"])["credit_code"] == code
    # The same code again, typed differently, is the same code: the database refuses the duplicate.
    again = new_customer(api(SALES), credit_code=code.lower())
    assert again.status_code in (400, 422) and again.status_code != 201


def test_full_width_digits_of_a_mobile_are_stored_as_digits(app, api):
    w = world(app)
    response = api(SALES).post("/api/v1/contact/", json={"customer": w["customer"], "name": "全角号码",
                                                            "mobile": "１３８００１３８０００"})
    assert response.status_code == 201, response.get_json()
    assert row(app, Contact, response.get_json()["id"])["mobile"] == "13800138000"


@pytest.mark.parametrize("name", ["甲\u200b公司", "\u202e司公乙", "丙\u2060公司", "\ufeff丁公司"])
def test_names_with_invisible_characters_are_refused(app, api, name):
    response = new_customer(api(SALES), name=name)
    assert response.status_code == 422 and "name" in response.get_json()["message"]
    w = world(app)
    response = api(SALES).post("/api/v1/contact/", json={"customer": w["customer"], "name": name})
    assert response.status_code == 422
    with app.app_context():
        assert db.session.query(Customer).filter_by(name=name).count() == 0


def test_the_form_refuses_a_name_with_a_zero_width_space(app, login):
    client = login(SALES)
    client.get("/lang/en")
    name = f"隐形\u200b{f.next_id()}有限公司"
    response = post_form(client, "/customerview/add", {"name": name, "stage": "lead", "locality": "local"})
    assert "invisible" in page_text(response)
    with app.app_context():
        assert db.session.query(Customer).filter(Customer.name.like("隐形%")).count() == 0


def test_surrounding_blanks_are_stripped_and_prose_keeps_chinese_punctuation(app, api):
    response = new_customer(api(SALES), notes="  客户要求：先寄样刊，再谈价格。  ", city="\u3000深圳\u3000")
    customer = row(app, Customer, response.get_json()["id"])
    assert customer["notes"] == "客户要求：先寄样刊，再谈价格。" and customer["city"] == "深圳"


# --- activity dates and late entries --------------------------------------------------------------------------

@pytest.mark.parametrize("day,status,code", [
    ("0001-01-01", 422, None), ("9999-12-31", 422, None),
    ((TODAY + timedelta(days=1)).isoformat(), 400, "activity.in_future"),
    ((TODAY - timedelta(days=400)).isoformat(), 400, "activity.too_old"),
])
def test_activities_are_not_dated_in_the_future_or_absurdly_old(app, api, day, status, code):
    w = world(app)
    response = api(SALES).post("/api/v1/activity/", json={"customer": w["customer"], "kind": "visit",
                                                             "happened_on": day})
    assert response.status_code == status, response.get_json()
    if code:
        assert response.get_json()["code"] == code
    with app.app_context():
        assert db.session.query(Activity).filter_by(customer_id=w["customer"]).count() == 0


def test_the_form_refuses_a_future_activity(app, login):
    w = world(app)
    client = login(SALES)
    client.get("/lang/en")
    response = post_form(client, "/activityview/add", {"customer": w["customer"], "kind": "call",
                                                      "happened_on": (TODAY + timedelta(days=3)).isoformat()})
    assert "after today" in page_text(response)
    with app.app_context():
        assert db.session.query(Activity).filter_by(customer_id=w["customer"]).count() == 0


def test_an_activity_entered_more_than_three_days_late_is_marked(app, api):
    w = world(app)
    client = api(SALES)
    made = {}
    for back in (0, 3, 4, 14):
        response = client.post("/api/v1/activity/", json={"customer": w["customer"], "kind": "call",
                                                          "happened_on": (TODAY - timedelta(days=back)).isoformat()})
        assert response.status_code == 201
        made[back] = response.get_json()["id"]
        assert row(app, Activity, made[back])["user_id"] is not None
    assert {back: row(app, Activity, pk)["late"] for back, pk in made.items()} == {0: False, 3: False, 4: True,
                                                                                    14: True}
    # Back-dating an existing entry by editing it is a late entry too; the flag is not typed.
    assert client.edit(f"/api/v1/activity/{made[0]}", json={"happened_on": (TODAY - timedelta(days=10)).isoformat()}) \
        .status_code == 200
    assert row(app, Activity, made[0])["late"] is True


def test_ten_back_dated_visits_do_not_raise_last_fortnights_kpi(app, api):
    """The trial: ten visits back-dated two weeks raised last fortnight's KPI from 1 to 11."""
    from tests.test_dashboard import page_data

    username = f"late_{uuid.uuid4().hex[:8]}"
    with app.app_context():
        sm = app.appbuilder.sm
        seller = sm.add_user(username, "补录", "销售", f"{username}@example.com", sm.find_role("Sales"), DEMO_PASSWORD)
        cust = f.customer(seller)
        day = TODAY - timedelta(days=14)
        f.activity(cust, by=seller, kind="visit", happened_on=day)  # logged on the day
        db.session.commit()
        customer_id = cust.id
    client = api(username)
    for _ in range(10):
        assert client.post("/api/v1/activity/", json={"customer": customer_id, "kind": "visit",
                                                      "happened_on": day.isoformat()}).status_code == 201
    kpi = page_data(browser_login(app.test_client(), username))["kpi"]
    week = "%d-W%02d" % day.isocalendar()[:2]
    [cell] = [r for r in kpi["by_week"] if r["period"] == week]
    assert (cell["visits"], cell["late_entries"]) == (1, 10)
    assert kpi["week_totals"]["visits"][kpi["weeks"].index(week)] == 1


# --- the owner of a Sales rep's customer ----------------------------------------------------------------------

def test_sales_cannot_set_their_customers_owner_to_empty(app, api, login):
    w = world(app)
    refused_response = api(SALES).edit(f"/api/v1/customer/{w['customer']}", json={"owner": None})
    assert refused_response.status_code == 400
    assert row(app, Customer, w["customer"])["owner_id"] is not None
    client = login(SALES)
    client.get("/lang/en")
    response = post_form(client, f"/customerview/edit/{w['customer']}",
                         edit_form(app, CustomerView, w["customer"], owner=""))
    assert "another user" in page_text(response)
    with app.app_context():
        assert row(app, Customer, w["customer"])["owner_id"] == f.user(app, SALES).id
    # A Manager may leave a customer unassigned.
    assert api("manager").edit(f"/api/v1/customer/{w['customer']}", json={"owner": None}).status_code == 200
