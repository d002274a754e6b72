"""Bad input anywhere gets a 4xx with a message, never a database error's text or a 500 (issue 9): saving forms,
the REST API, FAB's user-management API, and the page, page-size and sort arguments of lists."""
import re
from datetime import date

import pytest
from sqlalchemy import select

from app.models import Contract, Customer, db
from tests import factories as f
from tests.conftest import ROLE_USERS, csrf_token, form_values, make_config

SQL_MARKERS = re.compile(r"\[SQL:|sqlalche\.me|IntegrityError|sqlite3|psycopg|INSERT INTO|UPDATE \w+ SET|parameters:")


def add_customer(client, **fields):
    token = csrf_token(client.get("/customerview/add").get_data(as_text=True))
    data = {"csrf_token": token, "name": f"错误客户{f.next_id()}有限公司", "stage": "lead", "locality": "local",
            **fields}
    response = client.post("/customerview/add", data=data, content_type="multipart/form-data",
                           follow_redirects=True)
    return response, data["name"]


def flashes(html: str) -> list[str]:
    return [re.sub(r"\s+", " ", text).strip()
            for text in re.findall(r'class="alert alert-[a-z]+"[^>]*>.*?&times;</button>(.*?)</div>', html, re.S)]


# -- forms ------------------------------------------------------------------------------------------------------

def test_two_customers_without_a_credit_code_never_show_sql(app, login):
    """The case of the issue: the second save failed with the INSERT, its parameters and SQLAlchemy's link."""
    client = login("sales1")
    for _ in range(2):
        response, name = add_customer(client, credit_code="")
        html = response.get_data(as_text=True)
        assert response.status_code == 200
        assert not SQL_MARKERS.search(html), flashes(html)
        with app.app_context():
            saved = db.session.scalar(select(Customer.id).where(Customer.name == name)) is not None
        # Saved (once '' is stored as no code) or refused by name: never the database's words.
        assert saved or any("统一社会信用代码" in text for text in flashes(html)), flashes(html)


def test_a_duplicate_refused_by_the_database_names_the_field(app):
    """A save that passes the form's checks and meets the UNIQUE constraint (two people at the same moment)."""
    from app.database_errors import DatabaseRefused

    view = next(v for v in app.appbuilder.baseviews if type(v).__name__ == "CustomerView")
    with app.test_request_context():
        existing = f.customer(name=f"唯一代码{f.next_id()}有限公司")
        db.session.commit()
        with pytest.raises(DatabaseRefused) as refused:
            view.datamodel.add(Customer(name="同时保存有限公司", credit_code=existing.credit_code, stage="lead",
                                        locality="local"))
        assert refused.value.field == "credit_code"
        assert str(refused.value) == "统一社会信用代码：已有其他记录使用了这个值。"
        assert db.session.scalar(select(Customer.id).where(Customer.name == "同时保存有限公司")) is None


def test_a_customer_without_a_source_can_be_saved_and_edited(app, login):
    client = login("sales1")
    response, name = add_customer(client, source="")
    assert not SQL_MARKERS.search(response.get_data(as_text=True))
    with app.app_context():
        row = db.session.scalar(select(Customer).where(Customer.name == name))
        assert row is not None and row.source is None
        row_id = row.id
    page = client.get(f"/customerview/edit/{row_id}").get_data(as_text=True)
    options = re.search(r'<select[^>]*name="source"[^>]*>(.*?)</select>', page, re.S).group(1)
    assert options.startswith('<option value=""></option>') and "selected" not in options  # the empty choice
    # What the browser posts: the form as it stands (owner, version, token...), with the stage changed.
    response = client.post(f"/customerview/edit/{row_id}", data={**form_values(page), "stage": "intent", "source": ""},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    with app.app_context():
        row = db.session.get(Customer, row_id)
        assert (row.stage, row.source) == ("intent", None)


@pytest.fixture(scope="module")
def flashing_app(app, database_url, tmp_path_factory):
    """Another app on the same database, with a test-only page that flashes a raw database error the way FAB's
    own views do (`flash(str(e))`)."""
    from flask import flash, redirect
    from sqlalchemy.exc import IntegrityError

    from app import create_app

    other = create_app(make_config(database_url, str(tmp_path_factory.mktemp("flashing"))))

    @other.route("/test-only/flash-database-error")
    def flash_database_error():
        import sqlite3

        error = IntegrityError("INSERT INTO ab_user (email) VALUES (?)", ("a@b.c",),
                               sqlite3.IntegrityError("UNIQUE constraint failed: ab_user.email"))
        flash(str(error), "danger")
        return redirect("/customerview/list/")

    return other


def test_a_flashed_database_error_is_replaced_by_a_sentence(flashing_app):
    from tests.conftest import browser_login

    client = browser_login(flashing_app.test_client(), "admin")
    html = client.get("/test-only/flash-database-error", follow_redirects=True).get_data(as_text=True)
    assert not SQL_MARKERS.search(html)
    assert "记录未能保存，请检查填写的内容后重试。" in flashes(html)


# -- the REST API -----------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def contract_rows(app):
    with app.app_context():
        cust = f.customer(f.user(app, "sales1"))
        pub = f.publication()
        first, second = f.contract(cust, pub), f.contract(cust, pub)
        db.session.commit()
        return {"customer": cust.id, "publication": pub.id, "first": first.number, "second": second.id}


def test_api_duplicate_contract_number_is_refused_naming_the_field(api, contract_rows):
    """The one guard refuses a value another record holds (400, code value.taken, the field named)."""
    response = api("admin").post("/api/v1/contract/", json={
        "number": contract_rows["first"], "customer": contract_rows["customer"], "party_name": "甲方",
        "publication": contract_rows["publication"], "kind": "ad", "start_date": "2026-01-01",
        "end_date": "2026-12-31", "amount": "100", "discount_pct": "0", "payment_terms": "prepaid"})
    assert response.status_code == 400
    body = response.get_json()
    assert body["code"] == "value.taken" and body["field"] == "number"
    assert contract_rows["first"] in body["message"]
    assert not SQL_MARKERS.search(response.get_data(as_text=True))


def test_api_edit_into_a_duplicate_is_refused_and_changes_nothing(app, api, contract_rows):
    response = api("admin").edit(f"/api/v1/contract/{contract_rows['second']}", json={"number": contract_rows["first"]})
    assert response.status_code == 400 and response.get_json()["field"] == "number"
    assert not SQL_MARKERS.search(response.get_data(as_text=True))
    with app.app_context():
        assert db.session.get(Contract, contract_rows["second"]).number != contract_rows["first"]


@pytest.mark.parametrize("body", [[1, 2], "text", 7, None])
def test_an_api_edit_whose_body_is_not_an_object_answers_400(api, contract_rows, body):
    """Found by the fuzzer: FAB merged a JSON list into the row with `.keys()` (500)."""
    import json

    for url in (f"/api/v1/contract/{contract_rows['second']}", "/api/v1/sensitiveword/1",
                "/api/v1/security/roles/1"):
        response = api("admin").put(url, data=json.dumps(body), content_type="application/json")
        assert response.status_code == 400, (url, response.get_data(as_text=True))
        assert response.get_json()["message"]


@pytest.mark.parametrize("q", ["-5.18e", "(page:-5.18e-)", "(page:0,page_size:1e)", "(", "!(x"])
def test_a_q_argument_that_is_not_rison_answers_400(api, q):
    """Found by the fuzzer as Sales: prison raises ValueError on a number like `-5.18e`, which FAB's own
    catch does not cover (500 before)."""
    from urllib.parse import quote

    for url in ("/api/v1/customer/", "/api/v1/customer/1", "/api/v1/contract/"):
        response = api("sales1").get(f"{url}?q={quote(q)}")
        assert response.status_code == 400, (url, q, response.status_code)
        assert "rison" in response.get_json()["message"]


@pytest.mark.parametrize("role", list(ROLE_USERS))
def test_the_fuzzers_issue_query_answers_400_for_every_role(api, role):
    """`{"message": "Fatal error"}` (500) for every role before."""
    response = api(ROLE_USERS[role]).get(
        "/api/v1/issue/?q=(page:50503893542476424561779802112,page_size:-2786,select_columns:!(x%C3%A9%F0%9F%98%80y,id))")
    assert response.status_code == 400
    message = response.get_json()["message"]
    assert "page" in message and "page_size" in message


@pytest.mark.parametrize("query, status", [
    ("(page_size:100000)", 400), ("(page_size:-1)", 400), ("(page_size:0)", 400), ("(page_size:1001)", 400),
    ("(page:-1)", 400), ("(page:1000001)", 400), ("(page_size:1000)", 200), ("(page:1000000,page_size:1000)", 200),
    ("(page:0,page_size:1)", 200), ("(order_column:password,order_direction:asc)", 400),
    ("(filters:!((col:id,opr:eq,value:99999999999999999999)))", 400),
])
def test_api_pages_are_bounded(api, query, status):
    response = api("admin").get(f"/api/v1/customer/?q={query}")
    assert response.status_code == status, response.get_data(as_text=True)
    if status == 200:
        assert len(response.get_json()["result"]) <= 1000


# -- FAB's user-management API (Admin) -------------------------------------------------------------------------

@pytest.mark.parametrize("method, url, kwargs, status", [
    ("post", "/api/v1/security/users/", {}, 415),                                   # no body
    ("put", "/api/v1/security/users/0", {}, 415),
    ("post", "/api/v1/security/users/", {"data": "{", "content_type": "application/json"}, 400),
    ("put", "/api/v1/security/users/0", {"json": {"first_name": "零"}}, 404),        # no such user
    ("put", "/api/v1/security/users/99999999999999999999", {"json": {"first_name": "零"}}, 404),
    ("post", "/api/v1/security/users/", {"data": "null", "content_type": "application/json"}, 400),
    ("post", "/api/v1/security/users/", {"json": [1, 2]}, 400),
    ("post", "/api/v1/security/roles/", {"json": {"name": ""}}, 422),
    ("post", "/api/v1/security/roles/", {"json": {"name": "   "}}, 422),
    ("post", "/api/v1/security/roles/", {}, 400),
    ("put", "/api/v1/security/roles/1", {}, 400),
    # (SQLite's driver refuses the number before sending it: 400; PostgreSQL's answers a data error: 422)
    ("post", "/api/v1/security/roles/1/permissions", {"json": {"permission_view_menu_ids": [2 ** 70]}}, (400, 422)),
    ("post", "/api/v1/security/roles/99999999999999999999/permissions", {"json": {"permission_view_menu_ids": []}},
     404),
    ("put", "/api/v1/security/roles/1/users", {}, 415),
    ("get", "/api/v1/security/roles/2/permissions/", {}, 200),
    ("get", "/api/v1/security/roles/_info", {}, 405),                   # not exposed: only PUT/DELETE /<pk> match
    ("get", "/api/v1/security/users/?q=(page_size:100000)", {}, 400),
])
def test_user_management_answers_malformed_input_with_4xx(api, method, url, kwargs, status):
    response = getattr(api("admin"), method)(url, **kwargs)
    assert response.status_code in (status if isinstance(status, tuple) else (status,)), response.get_data(
        as_text=True)
    assert response.get_json().get("message") or status == 200
    assert "Fatal error" not in response.get_data(as_text=True)
    assert not SQL_MARKERS.search(response.get_data(as_text=True))


def test_a_duplicate_role_name_answers_422_naming_the_field(app, api):
    name = f"重复角色{f.next_id()}"
    assert api("admin").post("/api/v1/security/roles/", json={"name": name}).status_code == 201
    response = api("admin").post("/api/v1/security/roles/", json={"name": name})
    assert response.status_code == 422
    assert response.get_json()["message"] == {"name": ["名称：已有其他记录使用了这个值。"]}


def test_a_user_with_a_taken_username_answers_422_without_sql(app, api):
    with app.app_context():
        role_id = app.appbuilder.sm.find_role("Sales").id
    response = api("admin").post("/api/v1/security/users/", json={
        "username": "sales1", "first_name": "重", "last_name": "名", "email": f"dup{f.next_id()}@example.invalid",
        "password": "Another-pass-2026!", "roles": [role_id]})
    assert response.status_code == 422
    assert response.get_json()["message"] == {"username": ["用户名：已有其他记录使用了这个值。"]}


# -- list pages: page, page size and sort arguments --------------------------------------------------------------

@pytest.mark.parametrize("url", [
    "/customerview/list/?_oc_CustomerView=password&_od_CustomerView=asc",     # the issue's case
    "/customerview/list/?_oc_CustomerView=name&_od_CustomerView=sideways",
    "/customerview/list/?psize_CustomerView=100000",
    "/customerview/list/?psize_CustomerView=-1",
    "/customerview/list/?psize_CustomerView=0",
    "/customerview/list/?psize_CustomerView=101",
    "/customerview/list/?page_CustomerView=abc",
    "/customerview/list/?page_CustomerView=-1",
    "/customerview/list/?page_CustomerView=99999999999999999999",
    "/customerview/list/?page_CustomerView=%EF%BC%91",                        # a full-width digit
    "/customerview/choices/owner?page=99999999999999999999",                  # the issue's case
    "/customerview/choices/owner?page=0",
    "/customerview/choices/owner?page=x",
])
def test_bad_list_arguments_answer_400(login, url):
    response = login("admin").get(url)
    assert response.status_code == 400
    assert not SQL_MARKERS.search(response.get_data(as_text=True))


def test_a_bad_argument_of_a_related_list_on_a_show_page_answers_400(app, login):
    with app.app_context():
        cust = f.customer(f.user(app, "sales1"))
        db.session.commit()
        cust_id = cust.id
    client = login("sales1")
    assert client.get(f"/customerview/show/{cust_id}?psize_ContactView=-1").status_code == 400
    assert client.get(f"/customerview/show/{cust_id}?_oc_ContactView=zzz&_od_ContactView=asc").status_code == 400
    assert client.get(f"/customerview/show/{cust_id}?psize_ContactView=50").status_code == 200


@pytest.mark.parametrize("url", [
    "/customerview/list/?_oc_CustomerView=name&_od_CustomerView=desc",
    "/customerview/list/?psize_CustomerView=100&page_CustomerView=0",
    "/customerview/list/?psize_CustomerView=25&page_CustomerView=1000000",
    "/customerview/choices/owner?page=1",
    "/customerview/choices/owner?id=99999999999999999999",
    "/contractview/list/?_oc_ContractView=end_date&_od_ContractView=asc",
])
def test_good_list_arguments_still_work(login, url):
    assert login("admin").get(url).status_code == 200


def test_a_list_page_never_shows_more_than_100_rows(app, login):
    with app.app_context():
        for _ in range(3):
            f.publication()
        db.session.commit()
    assert login("admin").get("/publicationview/list/?psize_PublicationView=100").status_code == 200
    assert login("admin").get("/publicationview/list/?psize_PublicationView=101").status_code == 400


def test_a_record_id_beyond_64_bits_is_not_a_500(login):
    client = login("admin")
    assert client.get("/customerview/show/99999999999999999999").status_code in (400, 404)
    assert client.get("/customerview/list/?_flt_0_id=99999999999999999999").status_code in (200, 400)


def test_an_impossible_date_in_a_filter_is_not_a_500(login):
    assert login("admin").get(f"/contractview/list/?_flt_0_end_date={date.max.isoformat()}x").status_code < 500
