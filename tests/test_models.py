"""Structural rules and derived columns, whichever door writes the row."""
from decimal import Decimal

import pytest
from sqlalchemy.exc import IntegrityError

from app.models import Booking, Payment, db
from tests import factories as f


def test_payment_takes_its_customer_from_the_contract_id(app):
    with app.app_context():
        rows = f.full_customer(app, "sales1")
        payment = Payment(contract_id=rows["contract"].id, amount=Decimal("1.00"), kind="misc", method="cash")
        db.session.add(payment)
        db.session.flush()
        assert payment.customer_id == rows["customer"].id
        db.session.rollback()


def test_moving_a_booking_to_another_contract_moves_its_customer(app):
    with app.app_context():
        first, second = f.full_customer(app, "sales1"), f.full_customer(app, "sales2")
        booking = db.session.get(Booking, first["booking"].id)
        assert booking.contract is not None  # loaded, then only the id changes
        booking.contract_id = second["contract"].id
        db.session.flush()
        assert booking.customer_id == second["customer"].id
        db.session.rollback()


def test_contract_number_is_unique(app):
    with app.app_context():
        rows = f.full_customer(app, "sales1")
        f.contract(rows["customer"], rows["publication"], number="DUP-1")
        with pytest.raises(IntegrityError):
            f.contract(rows["customer"], rows["publication"], number="DUP-1")
        db.session.rollback()


def test_credit_code_is_unique(app):
    with app.app_context():
        f.customer(None, credit_code=f.credit_code(99_000_001))
        with pytest.raises(IntegrityError):
            f.customer(None, credit_code=f.credit_code(99_000_001))
        db.session.rollback()


def test_one_ad_per_slot_per_issue(app):
    with app.app_context():
        rows = f.full_customer(app, "sales1")
        with pytest.raises(IntegrityError):
            f.booking(rows["contract"], rows["adslot"], rows["issue"])
        db.session.rollback()


def test_one_ad_responsible_contact_per_customer(app):
    with app.app_context():
        rows = f.full_customer(app, "sales1")  # already has one
        with pytest.raises(IntegrityError):
            f.contact(rows["customer"], is_ad_responsible=True)
        db.session.rollback()


def test_slot_price_changes_are_recorded(app):
    with app.app_context():
        pub = f.publication()
        slot = f.slot(pub, list_price=Decimal("100.00"))
        slot.list_price = Decimal("120.00")
        db.session.flush()
        history = [(c.old_price, c.new_price) for c in slot.price_changes]
        assert history == [(None, Decimal("100.00")), (Decimal("100.00"), Decimal("120.00"))]
        db.session.rollback()
