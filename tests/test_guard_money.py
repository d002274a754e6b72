"""Issue 8, literal cases: a confirmed payment is final (a correction is a reversal), payments never exceed what
is open unless Finance holds the surplus as an advance, dates a payment may carry, two decimals in every door,
write-off reasons and which contracts take money. REST API, forms and the handover page."""
from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from app.models import AuditLog, Payment, WriteOff, db
from app.views.sales import PaymentView
from tests import factories as f
from tests.conftest import csrf_token
from tests.guard_world import (  # noqa: F401 (guard_users is a fixture)
    OTHER_SALES, SALES, TODAY, add_payment, edit_form, guard_users, page_text, post_form, row, world,
)


def refused(response, code):
    assert response.status_code == 400, response.get_data(as_text=True)
    assert response.get_json()["code"] == code, response.get_json()
    return response.get_json()


def pay(client, contract_id, amount, **kw):
    body = {"contract": contract_id, "amount": amount, "kind": "ad_fee", "method": kw.pop("method", "transfer"),
            "collected_on": kw.pop("collected_on", TODAY.isoformat()), **kw}
    return client.post("/api/v1/payment/", json=body)


# --- a confirmed payment is final -----------------------------------------------------------------------------

@pytest.mark.parametrize("change", [
    {"amount": 1}, {"contract": "other"}, {"confirmed_at": None}, {"received_at": None},
    {"confirmed_at": "2099-01-01 10:00:00"}, {"received_at": "2001-01-01 10:00:00"}, {"kind": "misc"},
    {"advance": 1}, {"collected_on": (TODAY - timedelta(days=3)).isoformat()},
])
def test_finance_cannot_edit_a_confirmed_payment(app, api, change):
    w, other = world(app), world(app)
    payment = add_payment(app, w["contract"], "500.00", confirmed=True)
    if change.get("contract") == "other":
        change = {"contract": other["contract"]}
    before = row(app, Payment, payment)
    refused(api("finance").edit(f"/api/v1/payment/{payment}", json=change), "money.payment_final")
    assert row(app, Payment, payment) == before


def test_a_confirmed_payment_is_corrected_by_an_audited_reversal(app, api):
    w = world(app, amount="1000.00")
    payment = add_payment(app, w["contract"], "1000.00", confirmed=True)
    finance = api("finance", "en")
    for reason in ("", "\u200b", ".", "  "):
        refused(finance.post(f"/api/v1/payment/{payment}/reverse", json={"reason": reason}),
                "money.reversal_reason_required")
    assert api(SALES).post(f"/api/v1/payment/{payment}/reverse", json={"reason": "错了"}).status_code == 403
    assert api("manager").post(f"/api/v1/payment/{payment}/reverse", json={"reason": "错了"}).status_code == 403
    response = finance.post(f"/api/v1/payment/{payment}/reverse", json={"reason": "amount typed twice"})
    assert response.status_code == 200, response.get_json()
    state = row(app, Payment, payment)
    with app.app_context():
        assert state["reversed_by_id"] == f.user(app, "finance").id and state["reversal_reason"] == "amount typed twice"
        entry = db.session.query(AuditLog).filter_by(record="payment", record_id=payment).order_by(
            AuditLog.id.desc()).first()
        assert entry.actor_name == "finance" and "reversal_reason" in entry.changes and entry.channel == "api"
    # It no longer pays the contract: the whole amount is open again, and the right payment can be recorded.
    assert pay(api("finance"), w["contract"], "1000.00").status_code == 201
    # A reversed payment is final; reversing twice is refused.
    refused(finance.post(f"/api/v1/payment/{payment}/reverse", json={"reason": "again"}), "money.already_reversed")
    refused(finance.edit(f"/api/v1/payment/{payment}", json={"amount": 5}), "money.payment_final")


def test_an_unconfirmed_payment_cannot_be_reversed(app, api):
    w = world(app)
    payment = add_payment(app, w["contract"], "100.00")
    refused(api("finance").post(f"/api/v1/payment/{payment}/reverse", json={"reason": "wrong"}),
            "money.reversal_not_confirmed")


def test_the_reversal_through_the_payment_page(app, login):
    w = world(app)
    payment = add_payment(app, w["contract"], "100.00", confirmed=True)
    client = login("finance")
    client.get("/lang/en")
    page = page_text(client.get(f"/paymentview/show/{payment}"))
    assert f"/paymentview/reverse/{payment}" in page
    token = csrf_token(page)
    response = client.post(f"/paymentview/reverse/{payment}", data={"csrf_token": token, "reason": "."},
                           follow_redirects=True)
    assert "reason" in page_text(response) and row(app, Payment, payment)["reversed_at"] is None
    response = client.post(f"/paymentview/reverse/{payment}", data={"csrf_token": token, "reason": "bank returned it"},
                           follow_redirects=True)
    assert row(app, Payment, payment)["reversal_reason"] == "bank returned it"
    # Sales see the payment but no reversal form, and the route answers 403.
    sales = login(SALES)
    assert f"/paymentview/reverse/{payment}" not in page_text(sales.get(f"/paymentview/show/{payment}"))
    assert sales.post(f"/paymentview/reverse/{payment}", data={"csrf_token": token, "reason": "x"}).status_code in (
        400, 403)


def test_a_confirmed_payment_cannot_be_deleted(app, api):
    w = world(app)
    payment = add_payment(app, w["contract"], "100.00", confirmed=True)
    refused(api("admin").delete(f"/api/v1/payment/{payment}"), "money.confirmed_not_deletable")
    assert row(app, Payment, payment) is not None


# --- never more than what is open, unless Finance holds the surplus as an advance ----------------------------

def test_the_trial_overpayment_is_refused_unless_finance_records_an_advance(app, api):
    w = world(app, amount="30600.00")
    body = refused(pay(api(SALES), w["contract"], "40000.00", method="cash"), "money.payment_exceeds_receivable")
    assert "30600.00" in body["message"] and "9400.00" in body["message"]
    # Sales may not record an advance.
    refused(pay(api(SALES), w["contract"], "40000.00", advance="9400.00"), "money.confirm_not_allowed")
    response = pay(api("finance"), w["contract"], "40000.00", advance="9400.00")
    assert response.status_code == 201, response.get_json()
    state = row(app, Payment, response.get_json()["id"])
    assert (state["amount"], state["advance"]) == (Decimal("40000.00"), Decimal("9400.00"))
    # Everything is paid now: another payment is refused.
    refused(pay(api("finance"), w["contract"], "0.01"), "money.payment_exceeds_receivable")


def test_unconfirmed_payments_count_against_what_is_open(app, api):
    w = world(app, amount="1000.00")
    assert pay(api(SALES), w["contract"], "600.00", method="cash").status_code == 201
    refused(pay(api(SALES), w["contract"], "600.00", method="cash"), "money.payment_exceeds_receivable")
    assert pay(api(SALES), w["contract"], "400.00", method="cash").status_code == 201


def test_an_advance_stays_within_the_amount(app, api):
    w = world(app, amount="1000.00")
    response = pay(api("finance"), w["contract"], "100.00", advance="150.00")
    refused(response, "money.advance_out_of_range")


@pytest.mark.parametrize("status", ["draft", "cancelled"])
def test_no_payment_or_write_off_on_a_draft_or_cancelled_contract(app, api, status):
    w = world(app, status=status)
    refused(pay(api(SALES), w["contract"], "10.00"), "money.contract_not_open")
    with app.app_context():
        sales = f.user(app, SALES).id
    refused(api("finance").post("/api/v1/writeoff/", json={"contract": w["contract"], "amount": 1,
                                                           "responsible_user": sales, "reason": "录错版位"}),
            "money.contract_not_open")
    with app.app_context():
        assert db.session.query(Payment).filter_by(contract_id=w["contract"]).count() == 0
        assert db.session.query(WriteOff).filter_by(contract_id=w["contract"]).count() == 0


# --- dates ----------------------------------------------------------------------------------------------------

def test_the_trial_dates_are_refused(app, api):
    w = world(app)
    refused(pay(api(SALES), w["contract"], "10.00", method="cash", collected_on="2099-12-31"),
            "money.collected_in_future")
    refused(pay(api(SALES), w["contract"], "10.00", method="cash",
                collected_on=(TODAY + timedelta(days=1)).isoformat()), "money.collected_in_future")
    refused(pay(api(SALES), w["contract"], "10.00", collected_on=(TODAY - timedelta(days=400)).isoformat()),
            "money.collected_too_old")
    payment = add_payment(app, w["contract"], "10.00", method="cash")
    finance = api("finance")
    refused(finance.edit(f"/api/v1/payment/{payment}", json={"confirmed_at": "2099-01-01 10:00:00"}),
            "money.receipt_in_future")
    future = (datetime.now() + timedelta(days=2)).strftime("%Y-%m-%d %H:%M:%S")
    refused(finance.edit(f"/api/v1/payment/{payment}", json={"confirmed_at": future}), "money.receipt_in_future")
    # Outside 2000-2099 is a typing accident: a field error (422), like any field the API validates.
    response = finance.edit(f"/api/v1/payment/{payment}", json={"received_at": "1999-01-01 10:00:00"})
    assert response.status_code == 422 and "received_at" in response.get_json()["message"]
    refused(finance.edit(f"/api/v1/payment/{payment}", json={"received_at": "2001-01-01 10:00:00"}),
            "money.receipt_before_collection")
    assert row(app, Payment, payment)["confirmed_at"] is None


def test_finance_confirms_by_editing_and_the_confirmer_is_recorded(app, api):
    w = world(app)
    payment = add_payment(app, w["contract"], "10.00")
    now = datetime.now().replace(microsecond=0) - timedelta(minutes=1)
    response = api("finance").edit(f"/api/v1/payment/{payment}", json={"confirmed_at": now.isoformat(" ")})
    assert response.status_code == 200, response.get_json()
    state = row(app, Payment, payment)
    with app.app_context():
        assert state["confirmed_by_id"] == f.user(app, "finance").id and state["received_at"] == now
    # Confirmed: final, also for the notes' neighbours.
    refused(api("finance").edit(f"/api/v1/payment/{payment}", json={"amount": 11}), "money.payment_final")
    assert api("finance").edit(f"/api/v1/payment/{payment}", json={"notes": "对账无误"}).status_code == 200


def test_sales_cannot_confirm_their_own_cash(app, api):
    w = world(app)
    now = (datetime.now() - timedelta(minutes=1)).strftime("%Y-%m-%d %H:%M:%S")
    refused(pay(api(SALES), w["contract"], "10.00", method="cash", confirmed_at=now), "money.confirm_not_allowed")


# --- two decimals, every door ---------------------------------------------------------------------------------

def test_the_api_refuses_more_than_two_decimals_instead_of_rounding(app, api):
    w = world(app)
    response = pay(api(SALES), w["contract"], 1.005)
    assert response.status_code == 422 and "amount" in response.get_json()["message"]
    response = pay(api(SALES), w["contract"], "1.005")
    assert response.status_code == 422
    response = api(SALES).edit(f"/api/v1/contract/{world(app, status='draft')['contract']}", json={"amount": "100.125"})
    assert response.status_code == 422
    # Trailing zeros are two decimals.
    assert pay(api(SALES), w["contract"], "1.500").status_code == 201
    with app.app_context():
        assert db.session.query(Payment).filter_by(contract_id=w["contract"], amount=Decimal("1.00")).count() == 0


def test_the_form_refuses_more_than_two_decimals(app, login):
    w = world(app)
    payment = add_payment(app, w["contract"], "10.00")
    client = login("finance")
    client.get("/lang/en")
    response = post_form(client, f"/paymentview/edit/{payment}", edit_form(app, PaymentView, payment, amount="1.005"))
    assert "two decimals" in page_text(response)
    assert row(app, Payment, payment)["amount"] == Decimal("10.00")


# --- write-offs -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("reason", ["\u200b", ".", " . ", "\u3000", "--"])
def test_write_off_reasons_need_real_words(app, api, reason):
    w = world(app)
    with app.app_context():
        sales = f.user(app, SALES).id
    refused(api("finance").post("/api/v1/writeoff/", json={"contract": w["contract"], "amount": 10,
                                                           "responsible_user": sales, "reason": reason}),
            "money.writeoff_reason_required")


def test_a_recorded_write_off_keeps_its_amount(app, api):
    w = world(app)
    with app.app_context():
        sales = f.user(app, SALES).id
    response = api("finance").post("/api/v1/writeoff/", json={"contract": w["contract"], "amount": 10,
                                                              "responsible_user": sales, "reason": "录错版位"})
    assert response.status_code == 201
    pk = response.get_json()["id"]
    refused(api("finance").edit(f"/api/v1/writeoff/{pk}", json={"amount": 20}), "money.writeoff_final")
    assert api("finance").edit(f"/api/v1/writeoff/{pk}", json={"reason": "录错期号"}).status_code == 200
    refused(api("finance").edit(f"/api/v1/writeoff/{pk}", json={"reason": "."}), "money.writeoff_reason_required")
