"""Facts of the issue reports (schedule, deliveries): one statement each; Sales see their own customers."""
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import and_, select

from app.domain.rules.reports import DeliveryFacts
from app.models import AdSlot, Booking, Contact, Contract, Customer, Issue, Publication, db

from .scope import own_rows

PICKER_PAST_DAYS = 180
PICKER_LIMIT = 200


def issue_choices(today: date | None = None, selected: int | None = None) -> list[tuple[int, str]]:
    """Issues for the picker: from half a year back on, latest first (and the selected one, if older)."""
    today = today or date.today()
    since = today - timedelta(days=PICKER_PAST_DAYS)
    query = (select(Issue.id, Publication.name, Issue.number, Issue.publish_date)
             .join(Publication, Publication.id == Issue.publication_id))
    recent = query.where(Issue.publish_date >= since)
    if selected is not None:
        recent = query.where((Issue.publish_date >= since) | (Issue.id == selected))
    rows = db.session.execute(recent.order_by(Issue.publish_date.desc(), Issue.id.desc()).limit(PICKER_LIMIT))
    return [(issue_id, f"{name} {number} ({published})") for issue_id, name, number, published in rows]


def _scoped(query):
    return own_rows(query, "booking", owner_id=Customer.owner_id)


def schedule_rows(issue_id: int) -> list[tuple]:
    """(booking id, slot, customer, contract number, price, copy received, proof status, published), by slot."""
    query = (select(Booking.id, AdSlot.name, Customer.name, Contract.number, Booking.price, Booking.copy_received,
                    Booking.proof_status, Booking.published)
             .join(AdSlot, AdSlot.id == Booking.slot_id)
             .join(Customer, Customer.id == Booking.customer_id)
             .join(Contract, Contract.id == Booking.contract_id)
             .where(Booking.issue_id == issue_id)
             .order_by(AdSlot.name, AdSlot.id, Booking.id))
    return [tuple(row) for row in db.session.execute(_scoped(query))]


def delivery_facts(issue_id: int) -> list[DeliveryFacts]:
    """Customers with a published booking in the issue, with their owner and ad responsible contact."""
    user = current_app.appbuilder.sm.user_model
    published = select(Booking.customer_id).where(Booking.issue_id == issue_id, Booking.published.is_(True))
    query = (select(Customer.id, Customer.name, Customer.locality, Customer.city,
                    user.first_name + " " + user.last_name, Contact.name, Contact.mobile, Contact.phone)
             .outerjoin(user, user.id == Customer.owner_id)
             .outerjoin(Contact, and_(Contact.customer_id == Customer.id, Contact.is_ad_responsible.is_(True)))
             .where(Customer.id.in_(published)))
    return [DeliveryFacts(cid, name, locality, city, (owner or "").strip() or None, contact, mobile or phone)
            for cid, name, locality, city, owner, contact, mobile, phone in db.session.execute(_scoped(query))]
