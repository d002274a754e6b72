"""Issue 8, literal cases: what may change on a contract, in which state, by whom; the customer of a draft.

Each bullet of the trial in the door where it was found (REST API, the edit form), plus the sheet for a
Manager's linked finance sheet (tests/sync/test_sync_guard.py).
"""
from datetime import timedelta
from decimal import Decimal

import pytest

from app.models import Booking, Contract, Payment, db
from app.views.sales import ContractView
from tests import factories as f
from tests.guard_world import (  # noqa: F401 (guard_users is a fixture)
    OTHER_SALES, SALES, TODAY, add_booking, add_payment, edit_form, guard_users, page_text, post_form, row,
    world,
)


def refused(response, code):
    assert response.status_code == 400, response.get_data(as_text=True)
    body = response.get_json()
    assert body["code"] == code, body
    assert body["message"] and body["field"]
    return body


# The trial: a Sales rep PUTs these to their own sealed contract and got 200, the contract still "sealed".
def sealed_terms(w):
    return [
        ("amount", 1), ("discount_pct", 90), ("party_name", "别的公司"), ("kind", "membership"),
        ("start_date", (TODAY - timedelta(days=400)).isoformat()), ("end_date", (TODAY + timedelta(days=900)).isoformat()),
        ("number", f"HACK-{f.next_id()}"), ("payment_terms", "settle_on_date"),
    ]


@pytest.mark.parametrize("field", ["amount", "discount_pct", "party_name", "kind", "start_date", "end_date",
                                   "number", "payment_terms", "customer"])
def test_sales_cannot_change_the_terms_of_their_sealed_contract_through_the_api(app, api, field):
    w = world(app, status="sealed")
    other = world(app)  # another of the same rep's customers
    values = dict(sealed_terms(w), customer=other["customer"])
    before = row(app, Contract, w["contract"])
    body = refused(api(SALES).edit(f"/api/v1/contract/{w['contract']}", json={field: values[field]}),
                   "contract.final_fields")
    assert body["field"] == field
    assert row(app, Contract, w["contract"]) == before


@pytest.mark.parametrize("status", ["stamped", "reviewed", "approved"])
def test_terms_are_frozen_while_the_chain_runs_for_everyone(app, api, status):
    w = world(app, status=status)
    before = row(app, Contract, w["contract"])
    for who in (SALES, "manager", "admin"):
        body = refused(api(who).edit(f"/api/v1/contract/{w['contract']}", json={"amount": 99}), "contract.terms_frozen")
        assert "draft" in api(who, "en").edit(f"/api/v1/contract/{w['contract']}",
                                              json={"amount": 99}).get_json()["message"]
        assert body["field"] == "amount"
    assert row(app, Contract, w["contract"]) == before
    # Archive copies and notes still change, by the same people.
    response = api(SALES).edit(f"/api/v1/contract/{w['contract']}", json={"copy_customer": True, "notes": "收到"})
    assert response.status_code == 200, response.get_json()


def test_a_change_of_terms_means_sending_back_to_draft_which_restarts_the_chain(app, api):
    w = world(app, status="approved")
    assert api("manager").post(f"/api/v1/contract/{w['contract']}/transition",
                               json={"to": "draft", "reason": "金额要改"}).status_code == 200
    response = api(SALES).edit(f"/api/v1/contract/{w['contract']}", json={"amount": 32000})
    assert response.status_code == 200, response.get_json()
    assert row(app, Contract, w["contract"])["amount"] == Decimal("32000.00")
    # Back in the chain from the start: stamped first, not straight to sealed.
    assert api("manager").post(f"/api/v1/contract/{w['contract']}/transition",
                               json={"to": "sealed"}).status_code == 400


@pytest.mark.parametrize("reason", ["\u200b", ".", " 。 ", "--"])
def test_sending_back_or_cancelling_needs_a_real_reason(app, api, reason):
    w = world(app, status="stamped")
    for to in ("draft", "cancelled"):
        refused(api("manager").post(f"/api/v1/contract/{w['contract']}/transition", json={"to": to, "reason": reason}),
                "contract.reason_required")
    assert row(app, Contract, w["contract"])["status"] == "stamped"


def test_sealed_and_cancelled_keep_archive_copies_and_notes_open(app, api):
    for status in ("sealed", "cancelled"):
        w = world(app, status=status)
        assert api(SALES).edit(f"/api/v1/contract/{w['contract']}",
                                 json={"copy_finance": True, "copy_department": True, "notes": "归档"}).status_code == 200
        refused(api("admin").edit(f"/api/v1/contract/{w['contract']}", json={"end_date": "2030-01-01"}),
                "contract.final_fields")


def test_extending_a_lapsed_contract_cannot_publish_its_booking(app, api):
    w = world(app, status="sealed", start_date=TODAY - timedelta(days=300), end_date=TODAY - timedelta(days=5))
    with app.app_context():
        from app.models import Issue

        past = f.issue(db.session.get(Issue, w["issue"]).publication, publish_date=TODAY - timedelta(days=1))
        db.session.commit()
        past_id = past.id
    booking = add_booking(app, w["contract"], w["slot"], past_id, copy_received=True, copy_text="新品",
                          proof_status="confirmed", proof_contact_id=w["ad_contact"], proof_method="email")
    refused(api(SALES).edit(f"/api/v1/contract/{w['contract']}",
                              json={"end_date": (TODAY + timedelta(days=30)).isoformat()}), "contract.final_fields")
    response = api(SALES, "en").edit(f"/api/v1/booking/{booking}", json={"published": True})
    assert response.status_code == 400 and response.get_json()["code"] == "booking.contract_lapsed"
    assert row(app, Booking, booking)["published"] is False


def test_sales_cannot_change_a_sealed_contract_through_the_edit_form(app, login):
    w = world(app, status="sealed")
    client = login(SALES)
    client.get("/lang/en")
    before = row(app, Contract, w["contract"])
    for field, value in (("amount", "1.00"), ("party_name", "别的公司"), ("end_date", "2031-12-31")):
        url = f"/contractview/edit/{w['contract']}"
        response = post_form(client, url, edit_form(app, ContractView, w["contract"], **{field: value}))
        assert "final" in page_text(response), field
        assert row(app, Contract, w["contract"]) == before
    # The untouched form (a save without change) and a note still go through.
    response = post_form(client, f"/contractview/edit/{w['contract']}",
                         edit_form(app, ContractView, w["contract"], notes="盖章版已归档"))
    assert row(app, Contract, w["contract"])["notes"] == "盖章版已归档", page_text(response)[-2000:]


def test_approved_contract_form_refuses_terms_for_the_manager_too(app, login):
    w = world(app, status="approved")
    client = login("manager")
    client.get("/lang/en")
    response = post_form(client, f"/contractview/edit/{w['contract']}",
                         edit_form(app, ContractView, w["contract"], discount_pct="50"))
    assert "frozen" in page_text(response)
    assert row(app, Contract, w["contract"])["discount_pct"] == Decimal("0.00")


# --- the customer of a draft ---------------------------------------------------------------------------------

def test_moving_a_draft_contract_takes_its_bookings_and_payments_along(app, api):
    w = world(app, status="draft")
    other = world(app)
    booking = add_booking(app, w["contract"], w["slot"], w["issue"])
    payment = add_payment(app, w["contract"])
    response = api(SALES).edit(f"/api/v1/contract/{w['contract']}",
                                 json={"customer": other["customer"], "party_name": other["customer_name"]})
    assert response.status_code == 200, response.get_json()
    assert row(app, Contract, w["contract"])["customer_id"] == other["customer"]
    assert row(app, Booking, booking)["customer_id"] == other["customer"]
    assert row(app, Payment, payment)["customer_id"] == other["customer"]


def test_a_draft_with_history_with_its_customer_cannot_move(app, api):
    w = world(app, status="draft")
    other = world(app)
    payment = add_payment(app, w["contract"], confirmed=True)
    refused(api("manager").edit(f"/api/v1/contract/{w['contract']}", json={"customer": other["customer"]}),
            "contract.customer_has_history")
    assert row(app, Contract, w["contract"])["customer_id"] == w["customer"]
    assert row(app, Payment, payment)["customer_id"] == w["customer"]


def test_sales_cannot_move_a_draft_to_another_reps_customer(app, api):
    w = world(app, status="draft")
    theirs = world(app, owner=OTHER_SALES)
    response = api(SALES).edit(f"/api/v1/contract/{w['contract']}", json={"customer": theirs["customer"]})
    assert response.status_code == 400
    assert row(app, Contract, w["contract"])["customer_id"] == w["customer"]


def test_a_new_contract_records_who_created_it_whoever_sends_it(app, api):
    w = world(app)
    n = f.next_id()
    body = {"number": f"CB-{n}", "customer": w["customer"], "party_name": w["customer_name"],
            "publication": w["publication"], "kind": "ad", "start_date": TODAY.isoformat(),
            "end_date": (TODAY + timedelta(days=100)).isoformat(), "amount": 100}
    response = api(SALES).post("/api/v1/contract/", json=body)
    assert response.status_code == 201, response.get_json()
    with app.app_context():
        assert db.session.get(Contract, response.get_json()["id"]).created_by_id == f.user(app, SALES).id
    # Naming someone else as creator is not a field anybody types.
    response = api("manager").post("/api/v1/contract/", json={**body, "number": f"CB-{n}-b"})
    assert response.status_code == 201
    with app.app_context():
        assert db.session.get(Contract, response.get_json()["id"]).created_by_id == f.user(app, "manager").id
