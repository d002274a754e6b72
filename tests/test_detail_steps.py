"""Record pages carry Edit and their workflow steps; a step not open to the user says why, in the rules' words:
bookings (proof sent, published), contracts (the approval chain's steps the user may not take)."""
from decimal import Decimal

from app.models import Booking, db
from tests import factories as f
from tests.conftest import csrf_token, hidden_value


def english(client):
    client.get("/lang/en")
    return client


def booking_world(app, with_contact=True):
    with app.app_context():
        cust = f.customer(f.user(app, "sales1"))
        if with_contact:
            f.contact(cust, is_ad_responsible=True, mobile="13800138000")
        pub = f.publication()
        con = f.contract(cust, pub, amount=Decimal("5000.00"), status="sealed")
        row = f.booking(con, f.slot(pub), f.issue(pub))
        db.session.commit()
        return row.id


def test_the_booking_page_offers_proof_sent_and_says_why_it_may_not_be_published(app, login):
    pk = booking_world(app)
    client = english(login("sales1"))
    page = client.get(f"/bookingview/show/{pk}").get_data(as_text=True)
    assert f'href="/bookingview/edit/{pk}"' in page
    assert f'action="/bookingview/send_proof/{pk}"' in page
    # not publishable yet: the button is greyed and the blockers are listed (the proof, the copy...)
    assert f'action="/bookingview/publish/{pk}"' not in page
    assert "Mark published" in page and "adsheet-why-not" in page
    response = client.post(f"/bookingview/send_proof/{pk}", data={
        "csrf_token": csrf_token(page), "version": hidden_value(page, "version")}, follow_redirects=True)
    assert "The proof is recorded as sent to the customer." in response.get_data(as_text=True)
    with app.app_context():
        row = db.session.get(Booking, pk)
        assert row.proof_status == "sent" and row.proof_sent_to_id is not None and row.proof_sent_at is not None
    # a click on the old page (its version) changes nothing more and says so
    again = client.post(f"/bookingview/send_proof/{pk}", data={
        "csrf_token": csrf_token(page), "version": hidden_value(page, "version")}, follow_redirects=True)
    assert "changed by someone else" in again.get_data(as_text=True)


def test_without_an_ad_responsible_contact_the_proof_step_says_why(app, login):
    pk = booking_world(app, with_contact=False)
    page = english(login("sales1")).get(f"/bookingview/show/{pk}").get_data(as_text=True)
    assert f'action="/bookingview/send_proof/{pk}"' not in page
    assert "The customer has no ad responsible contact to confirm the proof." in page


def test_readers_see_the_steps_greyed_with_why(app, login):
    pk = booking_world(app)
    client = english(login("finance"))
    page = client.get(f"/bookingview/show/{pk}").get_data(as_text=True)
    assert "You are not allowed to change bookings." in page and f"/bookingview/edit/{pk}" not in page
    token = csrf_token(client.get("/userinfoeditview/form").get_data(as_text=True))
    assert client.post(f"/bookingview/send_proof/{pk}", data={"csrf_token": token}).status_code == 403
    assert client.get(f"/bookingview/send_proof/{pk}").status_code == 405


def test_a_contract_page_says_why_a_step_is_not_the_users(app, login):
    with app.app_context():
        cust = f.customer(f.user(app, "sales1"))
        con = f.contract(cust, f.publication(), status="stamped")
        db.session.commit()
        pk = con.id
    sales = english(login("sales1")).get(f"/contractview/show/{pk}").get_data(as_text=True)
    assert "Mark reviewed" in sales and "You are not allowed to review contracts." in sales
    manager = english(login("manager")).get(f"/contractview/show/{pk}").get_data(as_text=True)
    assert 'value="reviewed"' in manager and "You are not allowed to review contracts." not in manager
