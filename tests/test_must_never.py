"""What each role must never do, as a literal list (issue 8): the expected answers are written here, not read from
app.security.matrix, so a wrong declaration there (or in app.domain.rules.editable) fails these tests.

403: the role lacks the permission; 404: another rep's row; 400: a rule refuses it (with the rule's code).
After all the attempts, nothing they aimed at has changed.
"""
from datetime import datetime, timedelta

import pytest

from app.models import Booking, Contract, Customer, Payment, db
from tests import factories as f
from tests.guard_world import (  # noqa: F401 (guard_users is a fixture)
    OTHER_SALES, SALES, TODAY, add_booking, add_payment, guard_users, row, world,
)


@pytest.fixture(scope="module")
def aims(app):
    mine = world(app, SALES, status="sealed")
    stamped = world(app, SALES, status="stamped")
    draft = world(app, SALES, status="draft")
    theirs = world(app, OTHER_SALES, status="sealed")
    managers = world(app, "manager", status="stamped")
    admins = world(app, "admin", status="approved")
    published = add_booking(app, mine["contract"], mine["slot"], mine["issue"], copy_received=True, copy_text="稿",
                            proof_status="confirmed", proof_contact_id=mine["ad_contact"], proof_method="email",
                            published=True)
    unproofed = add_booking(app, mine["contract"], mine["slot2"], mine["issue"], copy_received=True, copy_text="稿")
    with app.app_context():
        users = {"me": f.user(app, SALES).id, "other": f.user(app, OTHER_SALES).id}
    return {
        "customer": mine["customer"], "contract": mine["contract"], "ad_contact": mine["ad_contact"],
        "slot": mine["slot"], "issue2": mine["issue2"], "published": published, "unproofed": unproofed,
        "confirmed": add_payment(app, mine["contract"], "100.00", confirmed=True),
        "unconfirmed": add_payment(app, mine["contract"], "50.00"),
        "stamped": stamped["contract"], "draft": draft["contract"], "draft_slot": draft["slot"],
        "draft_issue": draft["issue"], "their_customer": theirs["customer"], "their_contract": theirs["contract"],
        "managers_contract": managers["contract"], "admins_contract": admins["contract"], "users": users,
        "snapshot": {"contract": row(app, Contract, mine["contract"])},
    }


ROLE_OF = {SALES: "Sales", "finance": "Finance", "service": "Service", "manager": "Manager", "admin": "Admin"}


def later(minutes=1):
    return (datetime.now() - timedelta(minutes=minutes)).strftime("%Y-%m-%d %H:%M:%S")


# (who, what they try, method, url, body, expected status, expected code or None)
MUST_NEVER = [
    # --- Sales --------------------------------------------------------------------------------------------------
    (SALES, "read another rep's customer", "get", "/api/v1/customer/{their_customer}", None, 404, None),
    (SALES, "edit another rep's contract", "put", "/api/v1/contract/{their_contract}", {"notes": "x"}, 404, None),
    (SALES, "give their customer to another rep", "put", "/api/v1/customer/{customer}",
     {"owner": "{users[other]}"}, 400, None),
    (SALES, "leave their customer without owner", "put", "/api/v1/customer/{customer}", {"owner": None}, 400, None),
    (SALES, "change the amount of a sealed contract", "put", "/api/v1/contract/{contract}", {"amount": 1}, 400,
     "contract.final_fields"),
    (SALES, "change the dates of a stamped contract", "put", "/api/v1/contract/{stamped}",
     {"end_date": "2030-12-31"}, 400, "contract.terms_frozen"),
    (SALES, "review their own contract", "post", "/api/v1/contract/{stamped}/transition", {"to": "reviewed"}, 400,
     "contract.not_allowed"),
    (SALES, "seal a contract", "post", "/api/v1/contract/{stamped}/transition", {"to": "sealed"}, 400,
     "contract.invalid_transition"),
    (SALES, "confirm a payment", "put", "/api/v1/payment/{unconfirmed}", {"confirmed_at": "{later}"}, 403, None),
    (SALES, "record a payment as confirmed", "post", "/api/v1/payment/",
     {"contract": "{contract}", "amount": 1, "kind": "ad_fee", "method": "cash", "collected_on": "{today}",
      "confirmed_at": "{later}"}, 400, "money.confirm_not_allowed"),
    (SALES, "hold an advance", "post", "/api/v1/payment/",
     {"contract": "{contract}", "amount": 2, "advance": 1, "kind": "ad_fee", "method": "cash",
      "collected_on": "{today}"}, 400, "money.confirm_not_allowed"),
    (SALES, "reverse a payment", "post", "/api/v1/payment/{confirmed}/reverse", {"reason": "错了"}, 403, None),
    (SALES, "write off a receivable", "post", "/api/v1/writeoff/",
     {"contract": "{contract}", "amount": 1, "responsible_user": "{users[other]}", "reason": "他的错"}, 403, None),
    (SALES, "delete a customer", "delete", "/api/v1/customer/{customer}", None, 403, None),
    (SALES, "delete a contract", "delete", "/api/v1/contract/{draft}", None, 403, None),
    (SALES, "clear the ad responsible contact", "put", "/api/v1/contact/{ad_contact}",
     {"is_ad_responsible": False}, 400, "contact.designation_role_required"),
    (SALES, "create their own ad responsible contact", "post", "/api/v1/contact/",
     {"customer": "{customer}", "name": "销售本人代签", "is_ad_responsible": True}, 400,
     "contact.designation_role_required"),
    (SALES, "rename the ad responsible contact", "put", "/api/v1/contact/{ad_contact}", {"name": "销售本人代签"},
     400, "contact.ad_responsible_protected"),
    (SALES, "add a sensitive word", "post", "/api/v1/sensitiveword/", {"word": "不许加"}, 403, None),
    (SALES, "change a slot's list price", "put", "/api/v1/adslot/{slot}", {"list_price": 1}, 403, None),
    (SALES, "book on another rep's contract", "post", "/api/v1/booking/",
     {"contract": "{their_contract}", "slot": "{slot}", "issue": "{issue2}"}, 400, None),
    (SALES, "book on a draft", "post", "/api/v1/booking/",
     {"contract": "{draft}", "slot": "{draft_slot}", "issue": "{draft_issue}"}, 400, "booking.contract_not_open"),
    (SALES, "publish without a confirmed proof", "put", "/api/v1/booking/{unproofed}", {"published": True}, 400,
     "booking.proof_not_confirmed"),
    # --- Finance ------------------------------------------------------------------------------------------------
    ("finance", "edit a contract", "put", "/api/v1/contract/{contract}", {"notes": "财务改"}, 403, None),
    ("finance", "move a contract along the chain", "post", "/api/v1/contract/{stamped}/transition",
     {"to": "reviewed"}, 403, None),
    ("finance", "book an ad", "post", "/api/v1/booking/", {"contract": "{contract}", "slot": "{slot}",
                                                          "issue": "{issue2}"}, 403, None),
    ("finance", "edit a customer", "put", "/api/v1/customer/{customer}", {"city": "别处"}, 403, None),
    ("finance", "add a contact", "post", "/api/v1/contact/", {"customer": "{customer}", "name": "财务加的"}, 403,
     None),
    ("finance", "change a confirmed payment's amount", "put", "/api/v1/payment/{confirmed}", {"amount": 1}, 400,
     "money.payment_final"),
    ("finance", "un-confirm a payment", "put", "/api/v1/payment/{confirmed}", {"confirmed_at": None}, 400,
     "money.payment_final"),
    ("finance", "move a confirmed payment to another contract", "put", "/api/v1/payment/{confirmed}",
     {"contract": "{stamped}"}, 400, "money.payment_final"),
    ("finance", "reverse without a reason", "post", "/api/v1/payment/{confirmed}/reverse", {"reason": "."}, 400,
     "money.reversal_reason_required"),
    ("finance", "delete a payment", "delete", "/api/v1/payment/{unconfirmed}", None, 403, None),
    ("finance", "edit the sensitive words", "post", "/api/v1/sensitiveword/", {"word": "财务词"}, 403, None),
    # --- Service ------------------------------------------------------------------------------------------------
    ("service", "read payments", "get", "/api/v1/payment/", None, 403, None),
    ("service", "record a payment", "post", "/api/v1/payment/",
     {"contract": "{contract}", "amount": 1, "kind": "ad_fee", "method": "cash", "collected_on": "{today}"}, 403,
     None),
    ("service", "edit a contract", "put", "/api/v1/contract/{draft}", {"notes": "客服改"}, 403, None),
    ("service", "move a contract along the chain", "post", "/api/v1/contract/{stamped}/transition",
     {"to": "reviewed"}, 403, None),
    ("service", "book an ad", "post", "/api/v1/booking/", {"contract": "{contract}", "slot": "{slot}",
                                                          "issue": "{issue2}"}, 403, None),
    ("service", "write off a receivable", "post", "/api/v1/writeoff/",
     {"contract": "{contract}", "amount": 1, "responsible_user": "{users[me]}", "reason": "错"}, 403, None),
    # --- Manager ------------------------------------------------------------------------------------------------
    ("manager", "record a payment", "post", "/api/v1/payment/",
     {"contract": "{contract}", "amount": 1, "kind": "ad_fee", "method": "cash", "collected_on": "{today}"}, 403,
     None),
    ("manager", "confirm a payment", "put", "/api/v1/payment/{unconfirmed}", {"confirmed_at": "{later}"}, 403, None),
    ("manager", "reverse a payment", "post", "/api/v1/payment/{confirmed}/reverse", {"reason": "错了"}, 403, None),
    ("manager", "write off a receivable", "post", "/api/v1/writeoff/",
     {"contract": "{contract}", "amount": 1, "responsible_user": "{users[me]}", "reason": "错"}, 403, None),
    ("manager", "review a contract of a customer they own", "post", "/api/v1/contract/{managers_contract}/transition",
     {"to": "reviewed"}, 400, "contract.own_customer"),
    ("manager", "record the customer's stamp", "post", "/api/v1/contract/{draft}/transition", {"to": "stamped"}, 400,
     "contract.not_allowed"),
    ("manager", "change the amount of a sealed contract", "put", "/api/v1/contract/{contract}", {"amount": 1}, 400,
     "contract.final_fields"),
    ("manager", "delete a customer", "delete", "/api/v1/customer/{customer}", None, 403, None),
    # --- Admin: every rule holds for them too -------------------------------------------------------------------
    ("admin", "change the amount of a sealed contract", "put", "/api/v1/contract/{contract}", {"amount": 1}, 400,
     "contract.final_fields"),
    ("admin", "delete a sealed contract", "delete", "/api/v1/contract/{contract}", None, 400,
     "contract.sealed_not_deletable"),
    ("admin", "change a confirmed payment's amount", "put", "/api/v1/payment/{confirmed}", {"amount": 1}, 400,
     "money.payment_final"),
    ("admin", "delete a confirmed payment", "delete", "/api/v1/payment/{confirmed}", None, 400,
     "money.confirmed_not_deletable"),
    ("admin", "change a published booking", "put", "/api/v1/booking/{published}", {"price": 1}, 400,
     "booking.published_final"),
    ("admin", "delete a published booking", "delete", "/api/v1/booking/{published}", None, 400,
     "booking.published_not_deletable"),
    ("admin", "seal a contract of a customer they own", "post", "/api/v1/contract/{admins_contract}/transition",
     {"to": "sealed"}, 400, "contract.own_customer"),
    ("admin", "publish without a confirmed proof", "put", "/api/v1/booking/{unproofed}", {"published": True}, 400,
     "booking.proof_not_confirmed"),
    ("admin", "log an activity in the future", "post", "/api/v1/activity/",
     {"customer": "{customer}", "kind": "visit", "happened_on": "{tomorrow}"}, 400, "activity.in_future"),
]


def filled(value, aims):
    """Put the world's ids into a case's url or body ("{contract}" -> 17)."""
    names = {**aims, "later": later(), "today": TODAY.isoformat(), "tomorrow": (TODAY + timedelta(days=1)).isoformat()}
    if isinstance(value, dict):
        return {k: filled(v, aims) for k, v in value.items()}
    if isinstance(value, str) and value.startswith("{") and value.endswith("}") and "/" not in value:
        text = value.format(**names)
        return int(text) if text.isdigit() else text
    if isinstance(value, str):
        return value.format(**names)
    return value


@pytest.mark.parametrize("who,what,method,url,body,status,code", MUST_NEVER,
                         ids=[f"{ROLE_OF.get(case[0], case[0])} must never {case[1]}" for case in MUST_NEVER])
def test_must_never(api, aims, who, what, method, url, body, status, code):
    client = api(who)
    kwargs = {} if body is None else {"json": filled(body, aims)}
    # A PUT names the version it is based on, like a client that has just read the row: the refusal then comes
    # from the rule under test, not from a missing version (app.views.versions).
    send = client.edit if method == "put" else getattr(client, method)
    response = send(filled(url, aims), **kwargs)
    assert response.status_code == status, (what, response.get_data(as_text=True))
    if code is not None:
        assert response.get_json()["code"] == code, response.get_json()


def test_nothing_they_aimed_at_changed(app, aims):
    """Runs after the list: the contract, the customer, the payments and the bookings are as they were."""
    assert row(app, Contract, aims["contract"])["amount"] == aims["snapshot"]["contract"]["amount"]
    assert row(app, Customer, aims["customer"])["owner_id"] == aims["users"]["me"]
    confirmed = row(app, Payment, aims["confirmed"])
    assert confirmed["amount"] == 100 and confirmed["confirmed_at"] is not None and confirmed["reversed_at"] is None
    assert row(app, Payment, aims["unconfirmed"])["confirmed_at"] is None
    assert row(app, Booking, aims["published"])["published"] is True
    assert row(app, Booking, aims["unproofed"])["published"] is False
    with app.app_context():
        assert db.session.query(Booking).filter_by(contract_id=aims["draft"]).count() == 0
        assert db.session.query(Contract).filter_by(id=aims["stamped"]).one().status == "stamped"
