"""Bugs the stateful property test (tests/test_state_machine.py) found, each as the literal sequence through the
REST API, with the promise it broke (tests/invariants.py)."""
from datetime import timedelta

from app.models import Booking, Contract, WriteOff, db
from tests.guard_world import (  # noqa: F401 (guard_users is a fixture)
    SALES, TODAY, guard_users, row, world,
)
from tests.invariants import all_broken_promises


def promises(app, since):
    with app.app_context():
        return all_broken_promises(db.session, since)


def since_now(app) -> dict:
    from tests.state_machine_world import high_water

    return high_water(app)


def book(api, w):
    response = api(SALES).post("/api/v1/booking/", json={"contract": w["contract"], "slot": w["slot"],
                                                          "issue": w["issue"], "price": "100.00"})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def record_cash(api, contract_id, amount):
    response = api(SALES).post("/api/v1/payment/", json={"contract": contract_id, "amount": amount, "kind": "ad_fee",
                                                          "method": "cash", "collected_on": TODAY.isoformat()})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def test_a_contract_holding_bookings_is_not_cancelled_or_sent_back(app, api):
    """Found: a booking on a stamped contract, then the Manager cancels it (or sends it back to draft): the
    booking stayed on a cancelled (draft) contract."""
    for to in ("cancelled", "draft"):
        since = since_now(app)
        w = world(app, SALES, status="stamped")
        booking = book(api, w)
        response = api("manager").post(f"/api/v1/contract/{w['contract']}/transition",
                                       json={"to": to, "reason": "客户要求修改条款"})
        assert response.status_code == 400, response.get_json()
        assert response.get_json()["code"] == "contract.has_bookings"
        assert row(app, Contract, w["contract"])["status"] == "stamped"
        assert row(app, Booking, booking)["contract_id"] == w["contract"]
        assert promises(app, since) == []


def test_the_owner_cannot_withdraw_a_stamped_contract_holding_bookings(app, api):
    w = world(app, SALES, status="stamped")
    book(api, w)
    response = api(SALES).post(f"/api/v1/contract/{w['contract']}/transition", json={"to": "cancelled",
                                                                                   "reason": "客户不做了"})
    assert response.status_code == 400 and response.get_json()["code"] == "contract.has_bookings"


def test_once_its_bookings_are_gone_the_contract_may_be_cancelled(app, api):
    w = world(app, SALES, status="stamped")
    booking = book(api, w)
    assert api("admin").delete(f"/api/v1/booking/{booking}").status_code == 200
    response = api("manager").post(f"/api/v1/contract/{w['contract']}/transition",
                                   json={"to": "cancelled", "reason": "客户不做了"})
    assert response.status_code == 200, response.get_json()


def test_a_write_off_counts_the_payments_not_yet_confirmed(app, api):
    """Found: Sales record the whole 1,000.00 in cash (not yet confirmed), Finance writes off 1,000.00 (the
    receivable counted confirmed payments only), then confirms the cash: 2,000.00 paid on 1,000.00."""
    since = since_now(app)
    w = world(app, SALES, status="sealed", amount="1000.00")
    record_cash(api, w["contract"], "1000.00")
    with app.app_context():
        from tests import factories as f

        rep = f.user(app, SALES).id
    response = api("finance").post("/api/v1/writeoff/", json={"contract": w["contract"], "amount": "1000.00",
                                                              "responsible_user": rep, "reason": "员工失误"})
    assert response.status_code == 400, response.get_json()
    assert response.get_json()["code"] == "money.writeoff_exceeds_receivable"
    with app.app_context():
        assert db.session.query(WriteOff).filter_by(contract_id=w["contract"]).count() == 0
    # What the cash leaves open may still be written off; and a recorded write-off keeps its reason editable.
    response = api("finance").post("/api/v1/writeoff/", json={"contract": w["contract"], "amount": "0.00",
                                                              "responsible_user": rep, "reason": "员工失误"})
    assert response.status_code == 400
    assert promises(app, since) == []


def test_a_write_off_reason_stays_correctable_after_later_payments(app, api):
    w = world(app, SALES, status="sealed", amount="1000.00")
    with app.app_context():
        from tests import factories as f

        rep = f.user(app, SALES).id
    response = api("finance").post("/api/v1/writeoff/", json={"contract": w["contract"], "amount": "400.00",
                                                              "responsible_user": rep, "reason": "员工失误"})
    assert response.status_code == 201, response.get_json()
    write_off = response.get_json()["id"]
    record_cash(api, w["contract"], "600.00")
    response = api("finance").edit(f"/api/v1/writeoff/{write_off}", json={"reason": "员工报错价格，公司承担"})
    assert response.status_code == 200, response.get_json()


def test_a_draft_contract_amount_never_drops_below_what_is_paid(app, api):
    """Found: cash of 1,000.00 recorded on a stamped contract, the Manager sends it back to draft (to correct its
    terms), the rep lowers the amount to 10.00: 1,000.00 paid on 10.00."""
    since = since_now(app)
    w = world(app, SALES, status="stamped", amount="1000.00")
    record_cash(api, w["contract"], "1000.00")
    response = api("manager").post(f"/api/v1/contract/{w['contract']}/transition",
                                   json={"to": "draft", "reason": "金额需要更正"})
    assert response.status_code == 200, response.get_json()
    for change in ({"amount": "10.00"}, {"discount_pct": "50"}):
        response = api(SALES).edit(f"/api/v1/contract/{w['contract']}", json=change)
        assert response.status_code == 400, response.get_json()
        assert response.get_json()["code"] == "contract.amount_below_paid"
    assert row(app, Contract, w["contract"])["amount"] == 1000
    response = api(SALES).edit(f"/api/v1/contract/{w['contract']}", json={"amount": "1200.00"})
    assert response.status_code == 200, response.get_json()
    assert promises(app, since) == []


def test_walking_contact_ids_reveals_no_other_reps_contact_name(app, api):
    """The trial: an activity, a complaint or a booking's proof contact naming another customer's contact, to read
    other reps' contact names by walking ids. Refused, and no answer (refusal or read) names that contact."""
    from tests.guard_world import OTHER_SALES, add_booking

    mine, theirs = world(app), world(app, owner=OTHER_SALES)
    booking = add_booking(app, mine["contract"], mine["slot"], mine["issue"])
    client = api(SALES)
    answers = [
        client.post("/api/v1/activity/", json={"customer": mine["customer"], "contact": theirs["ad_contact"],
                                               "kind": "call", "happened_on": TODAY.isoformat()}),
        client.edit(f"/api/v1/booking/{booking}", json={"proof_status": "confirmed",
                                                        "proof_contact": theirs["ad_contact"],
                                                        "proof_method": "email"}),
        client.get(f"/api/v1/contact/{theirs['ad_contact']}"),
        client.get(f"/api/v1/booking/{booking}"),
    ]
    assert [a.status_code for a in answers] == [400, 400, 404, 200]
    for answer in answers:
        assert theirs["ad_contact_name"] not in answer.get_data(as_text=True)


def test_a_contact_named_on_activities_or_complaints_is_not_deleted(app, api):
    """Found: Admin deletes a contact an activity names; the database unlinked the activity (ON DELETE SET NULL)
    with no audit entry and no new version."""
    from app.models import Contact
    from tests.change_trail import broken_trail, snapshot

    since = since_now(app)
    w = world(app)
    for record, body in (("activity", {"kind": "visit", "happened_on": TODAY.isoformat()}),
                         ("complaint", {"subject": "发票开错", "received_on": TODAY.isoformat()})):
        contact = api("service").post("/api/v1/contact/", json={"customer": w["customer"], "name": "离职联系人"})
        assert contact.status_code == 201, contact.get_json()
        contact_id = contact.get_json()["id"]
        named = api("admin").post(f"/api/v1/{record}/", json={"customer": w["customer"], "contact": contact_id,
                                                               **body})
        assert named.status_code == 201, named.get_json()
        with app.app_context():
            before = snapshot(db.session, since)
        response = api("admin").delete(f"/api/v1/contact/{contact_id}")
        assert response.status_code == 400, response.get_json()
        assert response.get_json()["code"] == "contact.named_on_records"
        assert row(app, Contact, contact_id) is not None
        with app.app_context():
            assert broken_trail(db.session, before, snapshot(db.session, since)) == []
    # A contact nothing names is deleted as before.
    spare = api("service").post("/api/v1/contact/", json={"customer": w["customer"], "name": "空联系人"}).get_json()
    # (not the highest id: SQLite would give it to the next contact, and other tests read the audit log by id)
    api("service").post("/api/v1/contact/", json={"customer": w["customer"], "name": "新联系人"})
    assert api("admin").delete(f"/api/v1/contact/{spare['id']}").status_code == 200


def test_a_contract_another_renews_is_not_deleted(app, api):
    """The same kind as the contact: deleting a contract another renews cleared the renewal's link in the database
    (ON DELETE SET NULL), unaudited."""
    w = world(app, SALES, status="draft")
    renewal = api(SALES).post("/api/v1/contract/", json={
        "number": f"RN-{w['contract']}", "customer": w["customer"], "party_name": w["customer_name"],
        "publication": w["publication"], "kind": "ad", "start_date": TODAY.isoformat(),
        "end_date": (TODAY + timedelta(days=365)).isoformat(), "amount": "100.00", "payment_terms": "prepaid",
        "renews": w["contract"]})
    assert renewal.status_code == 201, renewal.get_json()
    response = api("admin").delete(f"/api/v1/contract/{w['contract']}")
    assert response.status_code == 400 and response.get_json()["code"] == "contract.renewed", response.get_json()
    assert row(app, Contract, renewal.get_json()["id"])["renews_id"] == w["contract"]
