"""Finance confirms a bank transfer: from the payment's page in one click, or a selection from the list; the
date-and-time fields; who may, by which method, with which token; bulk actions read the ticked rows through the
row filter. And the steps' reasons on record pages (the rules' words, not the template's)."""
import re
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest

from app.models import Payment, db
from app.models.base import utcnow
from tests import factories as f
from tests.conftest import csrf_token, form_values, hidden_value


def new_payments(app, count=1, owner="sales1", method="transfer"):
    with app.app_context():
        cust = f.customer(f.user(app, owner))
        con = f.contract(cust, f.publication(), amount=Decimal("10000.00"), status="sealed")
        rows = [f.payment(con, amount=Decimal("100.00"), collected_on=date.today() - timedelta(days=1))
                for _ in range(count)]
        for row in rows:
            row.method = method
        db.session.commit()
        ids = [row.id for row in rows]
        return ids


def payment(app, pk) -> Payment:
    with app.app_context():
        row = db.session.get(Payment, pk)
        db.session.expunge(row)
        return row


def english(client):
    client.get("/lang/en")
    return client


def test_finance_confirms_a_transfer_from_its_page_with_the_server_time(app, login):
    [pk] = new_payments(app)
    client = english(login("finance"))
    page = client.get(f"/paymentview/show/{pk}").get_data(as_text=True)
    assert f'action="/paymentview/confirm/{pk}"' in page and "Confirm received" in page
    assert f'href="/paymentview/edit/{pk}"' in page  # the page carries Edit as well
    before = utcnow()
    response = client.post(f"/paymentview/confirm/{pk}", data={
        "csrf_token": csrf_token(page), "version": hidden_value(page, "version")})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/paymentview/show/{pk}")
    row = payment(app, pk)
    assert row.confirmed_at is not None and before - timedelta(seconds=1) <= row.confirmed_at <= utcnow()
    assert row.received_at == row.confirmed_at
    with app.app_context():
        assert row.confirmed_by_id == f.user(app, "finance").id
    # Confirmed: the page offers the reversal instead, and a second click is refused with words.
    page = client.get(f"/paymentview/show/{pk}").get_data(as_text=True)
    assert f'action="/paymentview/reverse/{pk}"' in page and f"/paymentview/confirm/{pk}" not in page
    again = client.post(f"/paymentview/confirm/{pk}", data={"csrf_token": csrf_token(page)}, follow_redirects=True)
    assert "already confirmed" in again.get_data(as_text=True)


def test_confirming_needs_post_the_token_and_the_capability(app, login):
    [pk] = new_payments(app)
    finance = login("finance")
    assert finance.get(f"/paymentview/confirm/{pk}").status_code == 405
    assert finance.post(f"/paymentview/confirm/{pk}", data={}).status_code == 400  # no CSRF token
    assert payment(app, pk).confirmed_at is None
    for who in ("sales1", "manager"):
        client = english(login(who))
        page = client.get(f"/paymentview/show/{pk}").get_data(as_text=True)
        # The step shows, disabled, with the rule's reason; no form posts to it.
        assert f'action="/paymentview/confirm/{pk}"' not in page
        assert "You are not allowed to confirm that a payment was received." in page
        token = csrf_token(client.get("/userinfoeditview/form").get_data(as_text=True))
        response = client.post(f"/paymentview/confirm/{pk}", data={"csrf_token": token})
        assert response.status_code == 403, who
    assert payment(app, pk).confirmed_at is None


def test_finance_confirms_a_selection_and_each_refusal_names_its_row(app, login):
    first, second, third = new_payments(app, 3)
    client = english(login("finance"))
    page = client.get("/paymentview/list/").get_data(as_text=True)
    assert "confirm_selected" in page  # the action is in the list's menu
    token = csrf_token(page)
    response = client.post("/paymentview/action_post", data={
        "csrf_token": token, "action": "confirm_selected", "rowid": [str(first), str(second)]})
    assert response.status_code == 302
    assert payment(app, first).confirmed_at and payment(app, second).confirmed_at
    assert payment(app, third).confirmed_at is None
    response = client.post("/paymentview/action_post", data={
        "csrf_token": token, "action": "confirm_selected", "rowid": [str(first), str(third)]},
        follow_redirects=True)
    text = response.get_data(as_text=True)
    assert "1 payments confirmed" in text and f"Payment #{first}: This payment was already confirmed." in text
    assert payment(app, third).confirmed_at is not None
    # GET does nothing; neither does a post without the token.
    assert client.get("/paymentview/action_post").status_code == 405
    [fourth] = new_payments(app)
    assert client.post("/paymentview/action_post", data={"action": "confirm_selected",
                                                         "rowid": [str(fourth)]}).status_code == 400
    assert payment(app, fourth).confirmed_at is None


def test_sales_may_not_confirm_a_selection(app, login):
    [pk] = new_payments(app)
    client = english(login("sales1"))
    page = client.get("/paymentview/list/").get_data(as_text=True)
    assert "confirm_selected" not in page
    response = client.post("/paymentview/action_post", data={
        "csrf_token": csrf_token(page), "action": "confirm_selected", "rowid": [str(pk)]}, follow_redirects=True)
    assert "You are not allowed to do that." in response.get_data(as_text=True)
    assert payment(app, pk).confirmed_at is None


def test_a_selection_with_another_reps_row_is_refused_as_a_whole(app, login):
    mine = new_payments(app, 1, owner="sales1")[0]
    theirs = new_payments(app, 1, owner="sales2")[0]
    client = english(login("sales1"))
    page = client.get("/paymentview/list/").get_data(as_text=True)
    response = client.post("/paymentview/action_post", data={
        "csrf_token": csrf_token(page), "action": "export_selected", "rowid": [str(mine), str(theirs)]},
        follow_redirects=True)
    assert response.mimetype == "text/html"
    assert "Nothing was done: some of the selected rows are not yours" in response.get_data(as_text=True)
    # Their own rows alone: the CSV of those rows.
    response = client.post("/paymentview/action_post", data={
        "csrf_token": csrf_token(page), "action": "export_selected", "rowid": [str(mine)]})
    assert response.mimetype == "text/csv"
    lines = response.get_data(as_text=True).strip().splitlines()
    assert len(lines) == 2


def test_finance_confirms_a_selection_including_another_reps_payments(app, login):
    """Finance sees every payment: a selection across reps is theirs to confirm."""
    ids = new_payments(app, 1, owner="sales1") + new_payments(app, 1, owner="sales2")
    client = login("finance")
    page = client.get("/paymentview/list/").get_data(as_text=True)
    client.post("/paymentview/action_post", data={"csrf_token": csrf_token(page), "action": "confirm_selected",
                                                 "rowid": [str(i) for i in ids]})
    assert all(payment(app, pk).confirmed_at is not None for pk in ids)


@pytest.fixture
def office_in_shanghai(app):
    before = app.config.get("APP_TIMEZONE")
    app.config["APP_TIMEZONE"] = "Asia/Shanghai"
    yield
    app.config["APP_TIMEZONE"] = before


def test_a_typed_date_and_time_is_kept_to_the_minute_in_the_office_zone(app, login, office_in_shanghai):
    [pk] = new_payments(app)
    client = english(login("finance"))
    page = client.get(f"/paymentview/edit/{pk}").get_data(as_text=True)
    assert 'class="input-group adsheet-datetime"' in page and 'placeholder="2026-11-29 17:05"' in page
    typed = (datetime.now() - timedelta(days=1)).strftime("%Y-%m-%d") + " 17:05"  # yesterday, Shanghai time
    values = {**form_values(page), "received_at": typed}
    response = client.post(f"/paymentview/edit/{pk}", data=values)
    assert response.status_code == 302, re.findall(r'alert-danger[^<]*<[^>]*>([^<]*)', response.get_data(as_text=True))
    stored = payment(app, pk).received_at
    assert stored == datetime.strptime(typed, "%Y-%m-%d %H:%M") - timedelta(hours=8)  # kept in UTC
    page = client.get(f"/paymentview/edit/{pk}").get_data(as_text=True)
    assert f'value="{typed}"' in page  # shown again as typed, in the office's time
    assert typed in client.get(f"/paymentview/show/{pk}").get_data(as_text=True)


def test_a_date_without_a_time_is_refused_and_kept_for_correction(app, login):
    [pk] = new_payments(app)
    client = english(login("finance"))
    page = client.get(f"/paymentview/edit/{pk}").get_data(as_text=True)
    day = (date.today() - timedelta(days=1)).isoformat()
    response = client.post(f"/paymentview/edit/{pk}", data={**form_values(page), "received_at": day})
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and "Give a date and a time, such as 2026-11-29 17:05." in text
    assert f'value="{day}"' in text
    assert payment(app, pk).received_at is None


def test_parse_local_accepts_the_usual_spellings(app):
    from app.views.datetimes import parse_local

    with app.test_request_context():
        for text in ("2026-11-29", "tomorrow", "2026-11-29 25:00"):
            with pytest.raises(ValueError):
                parse_local(text)
        for text in ("2026-11-29 17:05", "2026-11-29T17:05", "2026/11/29 17:05:00", "2026-11-29 17\uff1a05"):
            assert parse_local(text) == parse_local("2026-11-29 17:05:00"), text


def new_customers(app, count, owner="sales1"):
    with app.app_context():
        rows = [f.customer(f.user(app, owner)) for _ in range(count)]
        db.session.commit()
        return [row.id for row in rows]


def owner_of(app, pk):
    from app.models import Customer

    with app.app_context():
        return db.session.get(Customer, pk).owner.username


def test_manager_gives_a_selection_of_customers_to_another_rep(app, login):
    ids = new_customers(app, 2)
    client = english(login("manager"))
    page = client.get("/customerview/list/").get_data(as_text=True)
    assert "assign_owner" in page and "export_selected" in page
    response = client.post("/customerview/action_post", data={
        "csrf_token": csrf_token(page), "action": "assign_owner", "rowid": [str(i) for i in ids]})
    assert response.status_code == 302
    form = client.get(response.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        sales2 = f.user(app, "sales2").id
    assert f'value="{sales2}"' in form
    # without the token: refused, nothing changes
    assert client.post("/customerview/assign_owner/", data={"ids": ",".join(map(str, ids)),
                                                            "owner": sales2}).status_code == 400
    assert {owner_of(app, pk) for pk in ids} == {"sales1"}
    response = client.post("/customerview/assign_owner/", data={
        "csrf_token": csrf_token(form), "ids": ",".join(map(str, ids)), "owner": sales2}, follow_redirects=True)
    assert "2 customers now belong to" in response.get_data(as_text=True)
    assert {owner_of(app, pk) for pk in ids} == {"sales2"}


def test_sales_may_not_assign_owners(app, login):
    ids = new_customers(app, 1)
    client = english(login("sales1"))
    page = client.get("/customerview/list/").get_data(as_text=True)
    assert "assign_owner" not in page and "export_selected" in page
    assert client.get(f"/customerview/assign_owner/?ids={ids[0]}").status_code == 403
    response = client.post("/customerview/action_post", data={
        "csrf_token": csrf_token(page), "action": "assign_owner", "rowid": [str(ids[0])]}, follow_redirects=True)
    assert "You are not allowed to do that." in response.get_data(as_text=True)
    assert owner_of(app, ids[0]) == "sales1"
