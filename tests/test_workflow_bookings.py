"""Booking rules through the REST API: each refusal has a clear message and changes nothing."""
from datetime import date

import pytest

from app.models import Booking, SensitiveWord, db
from tests import factories as f


@pytest.fixture
def api(api):
    """These tests read the refusal messages in English."""
    return lambda username: api(username, lang="en")


def make(app, *, sealed=True, word=None, copy_text="优质音响，欢迎选购", end=date(2026, 12, 31), responsible=True):
    """A sales1 customer with a (sealed) contract, an issue, a slot, a booking; returns ids."""
    with app.app_context():
        cust = f.customer(f.user(app, "sales1"))
        pub = f.publication()
        con = f.contract(cust, pub, end_date=end, status="sealed" if sealed else "draft")
        ad_contact = f.contact(cust, is_ad_responsible=responsible)
        other = f.contact(cust)
        iss = f.issue(pub, publish_date=date(2026, 12, 15))
        sl = f.slot(pub)
        bk = f.booking(con, sl, iss, copy_text=copy_text, copy_received=True)
        if word:
            db.session.add(SensitiveWord(word=word))
        db.session.commit()
        return {"customer": cust.id, "contract": con.id, "contact": ad_contact.id, "other_contact": other.id,
                "issue": iss.id, "slot": sl.id, "booking": bk.id, "publication": pub.id}


def booking_state(app, pk):
    with app.app_context():
        b = db.session.get(Booking, pk)
        return (b.contract_id, b.slot_id, b.issue_id, b.proof_status, b.proof_contact_id, b.proof_method,
                b.published, b.has_supporting_documents)


def confirm(api, ids, contact_key="contact", method="email"):
    return api("sales1").edit(f"/api/v1/booking/{ids['booking']}", json={
        "proof_status": "confirmed", "proof_contact": ids[contact_key], "proof_method": method})


def refused(response, words):
    assert response.status_code == 400, response.get_data(as_text=True)
    message = response.get_json()["message"]
    assert any(w in message for w in words), message
    return message


def test_publish_after_sealed_contract_copy_and_confirmed_proof(app, api):
    ids = make(app)
    assert confirm(api, ids).status_code == 200
    response = api("sales1").edit(f"/api/v1/booking/{ids['booking']}", json={"published": True})
    assert response.status_code == 200, response.get_json()
    state = booking_state(app, ids["booking"])
    assert state[3:7] == ("confirmed", ids["contact"], "email", True)
    with app.app_context():
        b = db.session.get(Booking, ids["booking"])
        assert b.proof_confirmed_at is not None and b.proof_recorded_by_id == f.user(app, "sales1").id


def test_unconfirmed_proof_blocks_publication(app, api):
    ids = make(app)
    before = booking_state(app, ids["booking"])
    refused(api("sales1").edit(f"/api/v1/booking/{ids['booking']}", json={"published": True}), ["proof", "认定"])
    assert booking_state(app, ids["booking"]) == before


def test_only_the_ad_responsible_contact_may_confirm(app, api):
    ids = make(app)
    before = booking_state(app, ids["booking"])
    refused(confirm(api, ids, "other_contact"), ["responsible"])
    refused(confirm(api, ids, method=None), ["in person", "e-mail"])
    assert booking_state(app, ids["booking"]) == before


def test_contract_not_sealed_blocks_publication(app, api):
    ids = make(app, sealed=False)
    assert confirm(api, ids).status_code == 200
    before = booking_state(app, ids["booking"])
    refused(api("sales1").edit(f"/api/v1/booking/{ids['booking']}", json={"published": True}), ["sealed"])
    assert booking_state(app, ids["booking"]) == before


def test_lapsed_contract_blocks_publication(app, api):
    ids = make(app, end=date(2026, 12, 1))
    assert confirm(api, ids).status_code == 200
    before = booking_state(app, ids["booking"])
    refused(api("sales1").edit(f"/api/v1/booking/{ids['booking']}", json={"published": True}), ["renewed"])
    assert booking_state(app, ids["booking"]) == before


def test_sensitive_words_block_until_supporting_documents(app, api):
    word = f"最佳{f.next_id()}"
    ids = make(app, word=word, copy_text=f"全国{word}音响")
    assert confirm(api, ids).status_code == 200
    before = booking_state(app, ids["booking"])
    message = refused(api("sales1").edit(f"/api/v1/booking/{ids['booking']}", json={"published": True}), [word])
    assert "supporting" in message
    assert booking_state(app, ids["booking"]) == before
    # Ticking "supporting documents on file" without a document attached is refused (it used to publish).
    response = api("sales1").edit(f"/api/v1/booking/{ids['booking']}",
                                 json={"published": True, "has_supporting_documents": True})
    assert response.status_code == 400
    assert response.get_json()["code"] == "booking.supporting_document_missing"
    assert booking_state(app, ids["booking"]) == before
    with app.app_context():  # the document, as the booking form uploads it (the API takes no files)
        db.session.get(Booking, ids["booking"]).supporting_document = "evidence.pdf"
        db.session.commit()
    response = api("sales1").edit(f"/api/v1/booking/{ids['booking']}",
                                  json={"published": True, "has_supporting_documents": True})
    assert response.status_code == 200, response.get_json()


def test_slot_taken_is_a_friendly_400(app, api):
    ids = make(app)
    response = api("sales1").post("/api/v1/booking/", json={
        "contract": ids["contract"], "slot": ids["slot"], "issue": ids["issue"], "price": 10})
    refused(response, ["taken"])
    with app.app_context():
        assert db.session.query(Booking).filter_by(slot_id=ids["slot"], issue_id=ids["issue"]).count() == 1


def test_booking_cannot_move_to_another_customers_contract(app, api):
    ids = make(app)
    other = make(app)
    before = booking_state(app, ids["booking"])
    refused(api("manager").edit(f"/api/v1/booking/{ids['booking']}", json={"contract": other["contract"]}),
            ["another customer"])
    assert booking_state(app, ids["booking"]) == before


@pytest.mark.parametrize("text,words,expected", [("包治百病，SEX", ["包治百病", "sex"], ["包治百病", "sex"])])
def test_sensitive_word_list_is_used(app, text, words, expected):
    from app.workflow.bookings import publication_problems

    ids = make(app, copy_text=text)
    with app.app_context():
        found = [v for v in publication_problems(db.session.get(Booking, ids["booking"]), words=words)
                 if v.code == "booking.sensitive_words"]
        assert found and found[0].params["words"] == ", ".join(expected)


def test_sensitive_words_are_admin_maintained(app, api):
    n = f.next_id()
    assert api("sales1").post("/api/v1/sensitiveword/", json={"word": f"x{n}"}).status_code == 403
    assert api("admin").post("/api/v1/sensitiveword/", json={"word": f"x{n}"}).status_code == 201
    assert api("sales1").get("/api/v1/sensitiveword/").status_code == 200
