"""Sales users see and touch only their own customers' rows, in the browser and the API."""
import re

import pytest
from sqlalchemy import select

from app.models import Activity, Booking, Contact, Contract, Customer, Payment, db
from tests import factories as f
from tests.conftest import csrf_token

OWNED = {"customer": Customer, "contact": Contact, "activity": Activity, "contract": Contract,
         "booking": Booking, "payment": Payment}


@pytest.fixture(scope="module")
def two_reps(app):
    """A full set of rows for sales1, for sales2 and for nobody."""
    with app.app_context():
        made = {owner: {k: v.id for k, v in f.full_customer(app, owner).items()}
                for owner in ("sales1", "sales2", None)}
        db.session.commit()
    return made


def expected_ids(app, record: str, username: str) -> set[int]:
    model = OWNED[record]
    with app.app_context():
        user = f.user(app, username)
        if model is Customer:
            query = select(Customer.id).where(Customer.owner_id == user.id)
        else:
            query = select(model.id).join(Customer, model.customer_id == Customer.id).where(
                Customer.owner_id == user.id)
        return set(db.session.scalars(query))


def all_api_ids(client, record: str) -> set[int]:
    ids, page = set(), 0
    while True:
        body = client.get(f"/api/v1/{record}/?q=(page:{page},page_size:100)").get_json()
        ids |= set(body["ids"])
        if len(body["ids"]) < 100:
            return ids
        page += 1


@pytest.mark.parametrize("record", list(OWNED))
@pytest.mark.parametrize("username", ["sales1", "sales2"])
def test_api_lists_exactly_own_rows(app, api, two_reps, record, username):
    client = api(username)
    assert all_api_ids(client, record) == expected_ids(app, record, username)
    assert client.get(f"/api/v1/{record}/").get_json()["count"] == len(expected_ids(app, record, username))


@pytest.mark.parametrize("record", list(OWNED))
def test_api_other_reps_row_is_not_found(api, two_reps, record):
    client = api("sales1")
    for owner in ("sales2", None):
        pk = two_reps[owner][record]
        assert client.get(f"/api/v1/{record}/{pk}").status_code == 404
        # Payments are add-only for Sales: the permission check (403) comes before the row lookup.
        assert client.put(f"/api/v1/{record}/{pk}", json={}).status_code == (403 if record == "payment" else 404)


@pytest.mark.parametrize("record", list(OWNED))
def test_manager_sees_every_row(app, api, two_reps, record):
    ids = all_api_ids(api("manager"), record)
    assert {two_reps[o][record] for o in ("sales1", "sales2", None)} <= ids


VIEWS = {"customer": "customerview", "contact": "contactview", "activity": "activityview",
         "contract": "contractview", "booking": "bookingview", "payment": "paymentview"}


@pytest.mark.parametrize("record", list(OWNED))
def test_browser_list_and_show_limited_to_own_rows(app, login, two_reps, record):
    client = login("sales1")
    mine, theirs = two_reps["sales1"][record], two_reps["sales2"][record]
    assert client.get(f"/{VIEWS[record]}/show/{mine}").status_code == 200
    assert client.get(f"/{VIEWS[record]}/show/{theirs}").status_code == 404
    assert client.get(f"/{VIEWS[record]}/edit/{theirs}").status_code == (403 if record == "payment" else 404)
    view_class = {"customerview": "CustomerView", "contactview": "ContactView", "activityview": "ActivityView",
                  "contractview": "ContractView", "bookingview": "BookingView", "paymentview": "PaymentView"}
    shown: set[int] = set()
    for page in range(100):  # every page of the list (other tests add rows for sales1 too)
        html = client.get(f"/{VIEWS[record]}/list/?psize_{view_class[VIEWS[record]]}=100"
                          f"&page_{view_class[VIEWS[record]]}={page}").get_data(as_text=True)
        found = set(map(int, re.findall(rf'/{VIEWS[record]}/show/(\d+)', html)))
        if not found - shown:
            break
        shown |= found
    assert mine in shown and theirs not in shown


def test_sales_cannot_attach_a_contact_to_another_reps_customer(app, api, two_reps):
    client = api("sales1")
    response = client.post("/api/v1/contact/", json={"customer": two_reps["sales2"]["customer"], "name": "越权"})
    assert response.status_code == 400
    assert "自己客户" in response.get_json()["message"]  # the API answers in the default locale, zh
    with app.app_context():
        assert db.session.scalar(select(Contact.id).where(Contact.name == "越权")) is None


def test_sales_cannot_move_a_contact_to_another_reps_customer(app, api, two_reps):
    contact_id = two_reps["sales1"]["contact"]
    response = api("sales1").put(f"/api/v1/contact/{contact_id}",
                                 json={"customer": two_reps["sales2"]["customer"]})
    assert response.status_code == 400
    with app.app_context():
        assert db.session.get(Contact, contact_id).customer_id == two_reps["sales1"]["customer"]


def test_sales_cannot_pay_against_another_reps_contract(app, api, two_reps):
    response = api("sales1").post("/api/v1/payment/", json={
        "contract": two_reps["sales2"]["contract"], "amount": 1, "kind": "ad_fee", "method": "cash",
        "collected_on": "2026-11-20"})
    assert response.status_code == 400


def test_sales_cannot_reassign_a_customer(app, api, two_reps):
    customer_id = two_reps["sales1"]["customer"]
    with app.app_context():
        other = f.user(app, "sales2").id
    response = api("sales1").put(f"/api/v1/customer/{customer_id}", json={"owner": other})
    assert response.status_code == 400
    with app.app_context():
        assert db.session.get(Customer, customer_id).owner.username == "sales1"


def test_customer_created_by_sales_is_owned_by_them(app, api):
    response = api("sales1").post("/api/v1/customer/", json={"name": "自有客户有限公司", "stage": "lead",
                                                              "locality": "local"})
    assert response.status_code == 201
    with app.app_context():
        assert db.session.get(Customer, response.get_json()["id"]).owner.username == "sales1"


def test_manager_can_assign_owner(app, api):
    with app.app_context():
        sales2 = f.user(app, "sales2").id
    response = api("manager").post("/api/v1/customer/", json={"name": "分配客户有限公司", "owner": sales2})
    assert response.status_code == 201
    with app.app_context():
        assert db.session.get(Customer, response.get_json()["id"]).owner_id == sales2


def all_choices(client, url: str) -> set[int]:
    """Every id the search-as-you-type endpoint offers, page after page."""
    ids, page = set(), 1
    while True:
        body = client.get(f"{url}?page={page}").get_json()
        ids |= {row["id"] for row in body["results"]}
        if not body["more"]:
            return ids
        page += 1


def test_form_choices_offer_only_own_customers(app, login, two_reps):
    client = login("sales1")
    html = client.get("/contactview/add").get_data(as_text=True)
    assert 'class="adsheet-choices' in html and 'name="customer"' in html
    assert not re.search(r'<select[^>]*name="customer"', html)  # no embedded list of customers
    options = all_choices(client, "/contactview/choices/customer")
    assert two_reps["sales1"]["customer"] in options
    assert two_reps["sales2"]["customer"] not in options
    assert options == expected_ids(app, "customer", "sales1")


def test_owner_choice_is_only_yourself_for_sales(app, login):
    client = login("sales1")
    with app.app_context():
        assert all_choices(client, "/customerview/choices/owner") == {f.user(app, "sales1").id}


def test_forged_form_post_with_other_reps_customer_is_refused(app, login, two_reps):
    client = login("sales1")
    token = csrf_token(client.get("/contactview/add").get_data(as_text=True))
    response = client.post("/contactview/add", data={
        "csrf_token": token, "customer": str(two_reps["sales2"]["customer"]), "name": "伪造联系人"})
    assert response.status_code == 200  # the form comes back with its error
    with app.app_context():
        assert db.session.scalar(select(Contact.id).where(Contact.name == "伪造联系人")) is None
