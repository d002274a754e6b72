"""Issue 8, literal cases: which contracts carry bookings, slots that fit their issue or period, sensitive words
that hide, supporting documents, the ad responsible contact and the proof, contacts of other customers.
Through the REST API where the trial found them, and the forms where they apply."""
from datetime import timedelta

import pytest

from app.models import Activity, Booking, Complaint, Contact, SensitiveWord, db
from app.views.customers import ContactView
from tests import factories as f
from tests.guard_world import (  # noqa: F401 (guard_users is a fixture)
    OTHER_SALES, SALES, TODAY, add_booking, contact_names, edit_form, guard_users, page_text, post_form, row,
    world,
)


def refused(response, code):
    assert response.status_code == 400, response.get_data(as_text=True)
    assert response.get_json()["code"] == code, response.get_json()
    return response.get_json()


def bookings_of(app, contract_id) -> int:
    with app.app_context():
        return db.session.query(Booking).filter_by(contract_id=contract_id).count()


# --- which contracts carry bookings ---------------------------------------------------------------------------

@pytest.mark.parametrize("status", ["draft", "cancelled"])
def test_no_booking_on_a_draft_or_cancelled_contract(app, api, status):
    w = world(app, status=status)
    body = {"contract": w["contract"], "slot": w["slot"], "issue": w["issue"], "price": 100}
    refused(api(SALES).post("/api/v1/booking/", json=body), "booking.contract_not_open")
    assert bookings_of(app, w["contract"]) == 0


@pytest.mark.parametrize("status", ["stamped", "reviewed", "approved", "sealed"])
def test_a_stamped_or_later_contract_may_hold_slots(app, api, status):
    w = world(app, status=status)
    response = api(SALES).post("/api/v1/booking/", json={"contract": w["contract"], "slot": w["slot"],
                                                            "issue": w["issue"], "price": 100})
    assert response.status_code == 201, response.get_json()


def test_a_booking_cannot_move_onto_a_cancelled_contract(app, api):
    w = world(app)
    cancelled = f.next_id()
    with app.app_context():
        from app.models import Customer, Publication

        con = f.contract(db.session.get(Customer, w["customer"]), db.session.get(Publication, w["publication"]),
                         status="cancelled", number=f"CX-{cancelled}")
        db.session.commit()
        cancelled = con.id
    booking = add_booking(app, w["contract"], w["slot"], w["issue"])
    refused(api(SALES).edit(f"/api/v1/booking/{booking}", json={"contract": cancelled}), "booking.contract_not_open")
    assert row(app, Booking, booking)["contract_id"] == w["contract"]


# --- slots, issues and web periods ----------------------------------------------------------------------------

def test_a_print_slot_needs_an_issue_and_no_web_dates(app, api):
    w = world(app)
    client = api(SALES)
    refused(client.post("/api/v1/booking/", json={"contract": w["contract"], "slot": w["slot"], "price": 1,
                                                  "web_start": TODAY.isoformat(),
                                                  "web_end": (TODAY + timedelta(days=30)).isoformat()}),
            "booking.print_issue_missing")
    refused(client.post("/api/v1/booking/", json={"contract": w["contract"], "slot": w["slot"], "issue": w["issue"],
                                                  "web_start": TODAY.isoformat(), "web_end": TODAY.isoformat()}),
            "booking.print_slot_web_dates")
    assert bookings_of(app, w["contract"]) == 0


def test_the_trial_cover_slot_with_web_dates_cannot_be_published_over_the_issue_booking(app, api):
    """The trial: a print cover slot booked with web dates and no issue, published while another booking held
    that slot in an issue."""
    w = world(app)
    add_booking(app, w["contract"], w["slot"], w["issue"])  # the slot's holder in that issue
    response = api(SALES).post("/api/v1/booking/", json={
        "contract": w["contract"], "slot": w["slot"], "web_start": TODAY.isoformat(),
        "web_end": (TODAY + timedelta(days=5)).isoformat(), "copy_received": True, "published": True})
    refused(response, "booking.print_issue_missing")
    assert bookings_of(app, w["contract"]) == 1


def test_an_issue_of_another_publication_does_not_fit_the_slot(app, api):
    w, other = world(app), world(app)
    refused(api(SALES).post("/api/v1/booking/", json={"contract": w["contract"], "slot": w["slot"],
                                                         "issue": other["issue"]}),
            "booking.issue_other_publication")


def test_a_web_slot_is_booked_for_a_period_not_in_a_print_issue(app, api):
    w = world(app)
    client = api(SALES)
    refused(client.post("/api/v1/booking/", json={"contract": w["contract"], "slot": w["web_slot"],
                                                  "issue": w["issue"]}), "booking.web_slot_in_issue")
    refused(client.post("/api/v1/booking/", json={"contract": w["contract"], "slot": w["web_slot"],
                                                  "web_start": TODAY.isoformat()}), "booking.web_period_missing")
    response = client.post("/api/v1/booking/", json={"contract": w["contract"], "slot": w["web_slot"],
                                                     "web_start": TODAY.isoformat(),
                                                     "web_end": (TODAY + timedelta(days=30)).isoformat()})
    assert response.status_code == 201, response.get_json()


def test_two_bookings_of_one_web_slot_do_not_overlap(app, api):
    w = world(app)
    other_customer = world(app)  # another of the rep's customers wants the same banner
    add_booking(app, w["contract"], w["web_slot"], web_start=TODAY, web_end=TODAY + timedelta(days=30))
    client = api(SALES)
    for start, end in ((TODAY + timedelta(days=30), TODAY + timedelta(days=40)),  # the last day is shared
                       (TODAY - timedelta(days=10), TODAY), (TODAY + timedelta(days=5), TODAY + timedelta(days=6))):
        body = refused(client.post("/api/v1/booking/", json={
            "contract": other_customer["contract"], "slot": w["web_slot"], "web_start": start.isoformat(),
            "web_end": end.isoformat()}), "booking.web_period_taken")
        assert body["field"] == "web_start"
    response = client.post("/api/v1/booking/", json={
        "contract": other_customer["contract"], "slot": w["web_slot"],
        "web_start": (TODAY + timedelta(days=31)).isoformat(), "web_end": (TODAY + timedelta(days=60)).isoformat()})
    assert response.status_code == 201, response.get_json()
    # Moving an existing booking onto a taken period is refused the same way.
    refused(client.edit(f"/api/v1/booking/{response.get_json()['id']}",
                       json={"web_start": (TODAY + timedelta(days=20)).isoformat()}), "booking.web_period_taken")


def test_an_inactive_slot_takes_no_booking(app, api):
    w = world(app)
    refused(api(SALES).post("/api/v1/booking/", json={"contract": w["contract"], "slot": w["inactive_slot"],
                                                         "issue": w["issue"]}), "booking.slot_inactive")
    # A booking already in a slot that was taken off the rate card keeps it and can still be edited.
    kept = add_booking(app, w["contract"], w["inactive_slot"], w["issue2"])
    assert api(SALES).edit(f"/api/v1/booking/{kept}", json={"copy_text": "新稿"}).status_code == 200


def test_a_slot_with_bookings_keeps_its_medium(app, api):
    w = world(app)
    add_booking(app, w["contract"], w["slot"], w["issue"])
    refused(api("manager").edit(f"/api/v1/adslot/{w['slot']}", json={"medium": "web"}), "adslot.in_use")


def test_an_issue_with_published_ads_keeps_its_date_and_a_proof_contact_stays(app, api):
    w = world(app)
    booking = add_booking(app, w["contract"], w["slot"], w["issue"], copy_received=True, copy_text="稿",
                          proof_status="confirmed", proof_contact_id=w["ad_contact"], proof_method="email")
    assert api(SALES).edit(f"/api/v1/booking/{booking}", json={"published": True}).status_code == 200
    moved = (TODAY + timedelta(days=400)).isoformat()  # after the contract's end: the ad would not be in force
    refused(api("manager").edit(f"/api/v1/issue/{w['issue']}", json={"publish_date": moved}), "issue.published_in")
    refused(api("manager").edit(f"/api/v1/issue/{w['issue']}", json={"publication": w["web_publication"]}),
            "issue.in_use")
    refused(api("admin").delete(f"/api/v1/contact/{w['ad_contact']}"), "contact.confirmed_proofs")
    assert row(app, Booking, booking)["proof_contact_id"] == w["ad_contact"]


# --- sensitive words ------------------------------------------------------------------------------------------

def ready_booking(app, w, copy_text):
    return add_booking(app, w["contract"], w["slot"], w["issue"], copy_received=True, copy_text=copy_text,
                       proof_status="confirmed", proof_contact_id=w["ad_contact"], proof_method="email")


@pytest.mark.parametrize("hidden", ["最\u200b佳", "最\u2060佳", "最 佳", "最\u3000佳", "最．佳", "ＳＵＰＥＲ最\u200d佳"])
def test_sensitive_words_are_caught_however_they_are_split(app, api, hidden):
    word = f"最佳{f.next_id()}"
    with app.app_context():
        db.session.add(SensitiveWord(word=word))
        db.session.commit()
    w = world(app)
    booking = ready_booking(app, w, f"全国{hidden}{word[2:]}音响")
    body = refused(api(SALES).edit(f"/api/v1/booking/{booking}", json={"published": True}),
                   "booking.sensitive_words")
    assert word in body["message"]
    assert row(app, Booking, booking)["published"] is False


def test_ticking_supporting_documents_without_a_document_is_refused(app, api):
    word = f"第一{f.next_id()}"
    with app.app_context():
        db.session.add(SensitiveWord(word=word))
        db.session.commit()
    w = world(app)
    booking = ready_booking(app, w, f"行业{word}")
    refused(api(SALES).edit(f"/api/v1/booking/{booking}", json={"has_supporting_documents": True,
                                                                  "published": True}),
            "booking.supporting_document_missing")
    assert row(app, Booking, booking)["published"] is False


def test_the_copy_cannot_change_under_a_confirmed_proof(app, api):
    w = world(app)
    booking = ready_booking(app, w, "原稿")
    refused(api(SALES).edit(f"/api/v1/booking/{booking}", json={"copy_text": "改过的稿"}),
            "booking.copy_changed_after_proof")
    assert api(SALES).edit(f"/api/v1/booking/{booking}", json={"proof_status": "pending"}).status_code == 200
    assert api(SALES).edit(f"/api/v1/booking/{booking}", json={"copy_text": "改过的稿"}).status_code == 200


def test_a_published_booking_is_final(app, api):
    w = world(app)
    booking = ready_booking(app, w, "上刊稿")
    assert api(SALES).edit(f"/api/v1/booking/{booking}", json={"published": True}).status_code == 200
    for change in ({"price": 1}, {"issue": w["issue2"]}, {"published": False}, {"copy_text": "x"}):
        refused(api("admin").edit(f"/api/v1/booking/{booking}", json=change), "booking.published_final")
    refused(api("admin").delete(f"/api/v1/booking/{booking}"), "booking.published_not_deletable")
    assert row(app, Booking, booking)["published"] is True


# --- the ad responsible contact and the proof ------------------------------------------------------------------

def test_the_trial_sales_self_confirmation_is_refused_at_every_step(app, api):
    """The trial: a rep clears the real ad contact's flag, creates "销售本人代签" as ad responsible, confirms the
    proof as that contact and publishes."""
    w = world(app)
    client = api(SALES)
    refused(client.edit(f"/api/v1/contact/{w['ad_contact']}", json={"is_ad_responsible": False}),
            "contact.designation_role_required")
    refused(client.post("/api/v1/contact/", json={"customer": w["customer"], "name": "销售本人代签",
                                                  "is_ad_responsible": True}), "contact.designation_role_required")
    assert "销售本人代签" not in contact_names(app, w["customer"])
    # Renaming the ad contact would designate another person too.
    refused(client.edit(f"/api/v1/contact/{w['ad_contact']}", json={"name": "销售本人代签"}),
            "contact.ad_responsible_protected")
    # A plain contact of the rep's making cannot confirm the proof.
    response = client.post("/api/v1/contact/", json={"customer": w["customer"], "name": "销售本人代签"})
    assert response.status_code == 201
    own = response.get_json()["id"]
    booking = add_booking(app, w["contract"], w["slot"], w["issue"], copy_received=True, copy_text="稿")
    refused(client.edit(f"/api/v1/booking/{booking}", json={"proof_status": "confirmed", "proof_contact": own,
                                                           "proof_method": "email"}),
            "booking.proof_confirmer_not_responsible")
    refused(client.edit(f"/api/v1/booking/{booking}", json={"published": True}), "booking.proof_not_confirmed")
    assert row(app, Booking, booking)["published"] is False
    # The ad contact's phone numbers stay the rep's to keep up to date.
    assert client.edit(f"/api/v1/contact/{w['ad_contact']}", json={"mobile": "13900139000"}).status_code == 200


@pytest.mark.parametrize("who", ["service", "manager", "admin"])
def test_service_manager_and_admin_designate_the_ad_contact_and_it_is_audited(app, api, who):
    from app.models import AuditLog

    w = world(app)
    client = api(who)
    refused(client.edit(f"/api/v1/contact/{w['other_contact']}", json={"is_ad_responsible": True}),
            "contact.ad_responsible_taken")
    assert client.edit(f"/api/v1/contact/{w['ad_contact']}", json={"is_ad_responsible": False}).status_code == 200
    assert client.edit(f"/api/v1/contact/{w['other_contact']}", json={"is_ad_responsible": True}).status_code == 200
    assert row(app, Contact, w["other_contact"])["is_ad_responsible"] is True
    with app.app_context():
        entry = db.session.query(AuditLog).filter_by(record="contact", record_id=w["other_contact"]) \
            .order_by(AuditLog.id.desc()).first()
        assert entry.actor_name == who and "is_ad_responsible" in entry.changes


def test_the_proof_is_confirmed_by_the_contact_it_was_sent_to(app, api):
    w = world(app)
    client = api(SALES)
    booking = add_booking(app, w["contract"], w["slot"], w["issue"], copy_received=True, copy_text="稿")
    assert client.edit(f"/api/v1/booking/{booking}", json={"proof_status": "sent"}).status_code == 200
    assert row(app, Booking, booking)["proof_sent_to_id"] == w["ad_contact"]
    # Service designates another ad contact after the proof went out.
    service = api("service")
    assert service.edit(f"/api/v1/contact/{w['ad_contact']}", json={"is_ad_responsible": False}).status_code == 200
    assert service.edit(f"/api/v1/contact/{w['other_contact']}", json={"is_ad_responsible": True}).status_code == 200
    refused(client.edit(f"/api/v1/booking/{booking}", json={"proof_status": "confirmed",
                                                           "proof_contact": w["other_contact"],
                                                           "proof_method": "fax"}),
            "booking.proof_confirmer_not_responsible")
    response = client.edit(f"/api/v1/booking/{booking}", json={"proof_status": "confirmed",
                                                              "proof_contact": w["ad_contact"],
                                                              "proof_method": "fax"})
    assert response.status_code == 200, response.get_json()
    state = row(app, Booking, booking)
    assert state["proof_contact_id"] == w["ad_contact"] and state["proof_recorded_by_id"] is not None


def test_the_fields_the_system_sets_cannot_be_typed_through_any_door(app, api):
    """The API does not even take them (422); a door that would (the CLI, an import) meets the guard."""
    from datetime import datetime

    from app.context import acting_as
    from app.workflow.guards import check_record_write
    from app.workflow.messages import RuleRefused

    w = world(app)
    booking = add_booking(app, w["contract"], w["slot"], w["issue"])
    assert api(SALES).edit(f"/api/v1/booking/{booking}", json={"proof_recorded_by": 1}).status_code == 422
    with app.app_context(), acting_as(f.user(app, SALES).id, "cli"):
        item = db.session.get(Booking, booking)
        item.proof_confirmed_at = datetime(2026, 1, 1)
        with pytest.raises(RuleRefused) as refusal:
            check_record_write("booking", item)
        assert refusal.value.violation.code == "edit.system_field"
        db.session.rollback()


# --- a contact named on a row belongs to that row's customer --------------------------------------------------

def test_the_api_refuses_another_customers_contact_on_every_row(app, api):
    mine = world(app)
    theirs = world(app, owner=OTHER_SALES)
    second = world(app)  # another of the rep's own customers: its contacts do not fit either
    client = api(SALES)
    booking = add_booking(app, mine["contract"], mine["slot"], mine["issue"])
    for contact in (theirs["ad_contact"], second["ad_contact"]):
        refused(client.post("/api/v1/activity/", json={"customer": mine["customer"], "contact": contact,
                                                       "kind": "call", "happened_on": TODAY.isoformat()}),
                "contact.other_customer")
        refused(api("service").post("/api/v1/complaint/", json={"customer": mine["customer"], "contact": contact,
                                                                "subject": "投诉"}), "contact.other_customer")
        refused(client.edit(f"/api/v1/booking/{booking}", json={"proof_status": "confirmed", "proof_contact": contact,
                                                               "proof_method": "email"}), "contact.other_customer")
    with app.app_context():
        assert db.session.query(Activity).filter_by(customer_id=mine["customer"]).count() == 0
        assert db.session.query(Complaint).filter_by(customer_id=mine["customer"]).count() == 0
    assert row(app, Booking, booking)["proof_contact_id"] is None


def test_the_form_refuses_a_contact_of_another_of_the_reps_customers(app, login):
    mine, second = world(app), world(app)
    client = login(SALES)
    client.get("/lang/en")
    data = {"customer": mine["customer"], "contact": second["other_contact"], "kind": "call",
            "happened_on": TODAY.isoformat(), "outcome": f"form-{f.next_id()}"}
    response = post_form(client, "/activityview/add", data)
    assert "another customer" in page_text(response)
    with app.app_context():
        assert db.session.query(Activity).filter_by(outcome=data["outcome"]).count() == 0


def test_a_contact_named_on_records_cannot_move_to_another_customer(app, api, login):
    w, other = world(app), world(app)
    assert api(SALES).post("/api/v1/activity/", json={"customer": w["customer"], "contact": w["other_contact"],
                                                         "kind": "visit",
                                                         "happened_on": TODAY.isoformat()}).status_code == 201
    refused(api(SALES).edit(f"/api/v1/contact/{w['other_contact']}", json={"customer": other["customer"]}),
            "contact.in_use")
    client = login(SALES)
    client.get("/lang/en")
    response = post_form(client, f"/contactview/edit/{w['other_contact']}",
                         edit_form(app, ContactView, w["other_contact"], customer=other["customer"]))
    assert "named on" in page_text(response)
    assert row(app, Contact, w["other_contact"])["customer_id"] == w["customer"]


def test_sales_cannot_designate_through_the_contact_form(app, login):
    w = world(app)
    client = login(SALES)
    client.get("/lang/en")
    response = post_form(client, f"/contactview/edit/{w['ad_contact']}",
                         edit_form(app, ContactView, w["ad_contact"], is_ad_responsible=False))
    assert "designates" in page_text(response)
    assert row(app, Contact, w["ad_contact"])["is_ad_responsible"] is True
