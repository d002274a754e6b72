"""Promises the records keep, checked over the whole database (issue 8).

Each check reads the tables and returns a list of broken promises (text naming the rows); none means kept.
`since` ({table: highest id before}) limits a check to the rows made after that point: the test database is
shared, and other tests make rows through the factories, which write below the guard on purpose.
Used on the demo seed (tests/test_demo_data.py) and meant for any test that wants to know the database as a
whole is still right after it ran (the stateful property test of a later round).
"""
from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import String, Text, inspect, select

from app.models import (
    Activity, AdSlot, Booking, Complaint, Contact, Contract, Customer, Issue, Payment, WriteOff,
)

CENT = Decimal("0.01")


def _new(query, model, since):
    return query.where(model.id > (since or {}).get(model.__tablename__, 0))


def _net(contract) -> Decimal:
    return (Decimal(contract.amount) * (100 - Decimal(contract.discount_pct)) / 100).quantize(CENT, ROUND_HALF_UP)


def published_bookings_are_in_force(session, since=None) -> list[str]:
    """A published booking: sealed contract covering its dates, copy received, proof confirmed by the contact
    it was sent to (or the ad responsible one), with a method."""
    out = []
    responsible = dict(session.execute(select(Contact.customer_id, Contact.id).where(Contact.is_ad_responsible)).all())
    for booking in session.scalars(_new(select(Booking).where(Booking.published.is_(True)), Booking, since)):
        contract = booking.contract
        first = booking.issue.publish_date if booking.issue is not None else booking.web_start
        last = max(first, booking.web_end or first) if first else None
        confirmer = booking.proof_sent_to_id or responsible.get(booking.customer_id)
        if contract.status != "sealed":
            out.append(f"booking #{booking.id} published on a {contract.status} contract")
        if first is None or not contract.start_date <= first or last > contract.end_date:
            out.append(f"booking #{booking.id} published outside its contract's dates")
        if not booking.copy_received:
            out.append(f"booking #{booking.id} published without copy")
        if booking.proof_status != "confirmed" or booking.proof_method is None:
            out.append(f"booking #{booking.id} published without a confirmed proof")
        elif booking.proof_contact_id is None or booking.proof_contact_id != confirmer:
            out.append(f"booking #{booking.id} confirmed by contact {booking.proof_contact_id}, not {confirmer}")
        if booking.has_supporting_documents and not booking.supporting_document:
            out.append(f"booking #{booking.id} ticks supporting documents without one")
    return out


def bookings_fit_their_slots(session, since=None) -> list[str]:
    """Print slot: an issue of its publication, no web dates; web slot: a period, no issue, no overlap."""
    out = []
    periods = defaultdict(list)
    rows = session.execute(_new(select(Booking.id, Booking.web_start, Booking.web_end, AdSlot.id, AdSlot.medium,
                                       AdSlot.publication_id, Issue.publication_id)
                                .join(AdSlot, AdSlot.id == Booking.slot_id)
                                .outerjoin(Issue, Issue.id == Booking.issue_id), Booking, since))
    for booking_id, start, end, slot_id, medium, slot_pub, issue_pub in rows:
        if medium == "print":
            if issue_pub is None or issue_pub != slot_pub or start is not None or end is not None:
                out.append(f"print booking #{booking_id} not in an issue of its slot's publication")
        elif issue_pub is not None or start is None or end is None:
            out.append(f"web booking #{booking_id} without a period or in an issue")
        else:
            periods[slot_id].append((start, end, booking_id))
    for slot_id, spans in periods.items():
        spans.sort()
        for (s1, e1, b1), (s2, e2, b2) in zip(spans, spans[1:]):
            if s2 <= e1:
                out.append(f"web bookings #{b1} and #{b2} overlap in slot {slot_id}")
    return out


def no_bookings_on_drafts_or_cancelled(session, since=None) -> list[str]:
    rows = session.execute(_new(select(Booking.id, Contract.status).join(Contract, Contract.id == Booking.contract_id)
                                .where(Contract.status.in_(["draft", "cancelled"])), Booking, since))
    return [f"booking #{bid} on a {status} contract" for bid, status in rows]


def named_contacts_belong_to_the_customer(session, since=None) -> list[str]:
    out = []
    contact_customer = dict(session.execute(select(Contact.id, Contact.customer_id)).all())
    checks = [(Activity, Activity.contact_id), (Complaint, Complaint.contact_id),
              (Booking, Booking.proof_contact_id), (Booking, Booking.proof_sent_to_id)]
    for model, column in checks:
        for row_id, customer_id, contact_id in session.execute(
                _new(select(model.id, model.customer_id, column).where(column.is_not(None)), model, since)):
            if contact_customer.get(contact_id) != customer_id:
                out.append(f"{model.__tablename__} #{row_id} names contact {contact_id} of another customer")
    return out


def dependants_follow_their_contract(session, since=None) -> list[str]:
    out = []
    for model in (Booking, Payment, WriteOff):
        rows = session.execute(_new(select(model.id).join(Contract, Contract.id == model.contract_id)
                                    .where(model.customer_id != Contract.customer_id), model, since))
        out += [f"{model.__tablename__} #{row_id} is on another customer than its contract" for (row_id,) in rows]
    return out


def payments_within_the_contract(session, since=None) -> list[str]:
    """What the payments (not reversed, less advances) and write-offs pay never exceeds the amount after
    discount: no receivable below zero."""
    out = []
    applied = defaultdict(Decimal)
    for contract_id, amount, advance in session.execute(
            select(Payment.contract_id, Payment.amount, Payment.advance).where(Payment.reversed_at.is_(None))):
        applied[contract_id] += Decimal(amount) - Decimal(advance or 0)
    for contract_id, amount in session.execute(select(WriteOff.contract_id, WriteOff.amount)):
        applied[contract_id] += Decimal(amount)
    for contract in session.scalars(_new(select(Contract).where(Contract.id.in_(list(applied))), Contract, since)):
        if applied[contract.id] > _net(contract):
            out.append(f"contract {contract.number} paid {applied[contract.id]} of {_net(contract)}")
    return out


def dates_are_sane(session, since=None, today: date | None = None) -> list[str]:
    today = today or date.today()
    now = datetime.utcnow() + timedelta(minutes=5)
    out = []
    for activity in session.scalars(_new(select(Activity), Activity, since)):
        if activity.happened_on > today:
            out.append(f"activity #{activity.id} in the future")
        entered = activity.created_at.date()
        if activity.late != ((entered - activity.happened_on).days > 3):
            out.append(f"activity #{activity.id} late flag {activity.late} but entered {entered}")
    for payment in session.scalars(_new(select(Payment), Payment, since)):
        if payment.collected_on > today:
            out.append(f"payment #{payment.id} collected in the future")
        for moment in (payment.received_at, payment.confirmed_at):
            if moment is not None and moment > now:
                out.append(f"payment #{payment.id} received or confirmed in the future")
    return out


def no_blank_text(session, since=None) -> list[str]:
    """Blank optional text is NULL, never '' (an empty credit code '' collides with the next one)."""
    out = []
    for model in (Customer, Contact, Activity, Contract, Booking, Payment, Complaint):
        for column in inspect(model).columns:
            if isinstance(column.type, (String, Text)) and column.nullable:
                count = len(session.execute(_new(select(model.id).where(column == ""), model, since)).all())
                if count:
                    out.append(f"{model.__tablename__}.{column.key}: {count} blank value(s) stored as ''")
    return out


ALL = (published_bookings_are_in_force, bookings_fit_their_slots, no_bookings_on_drafts_or_cancelled,
       named_contacts_belong_to_the_customer, dependants_follow_their_contract, payments_within_the_contract,
       dates_are_sane, no_blank_text)


def broken_promises(session, since=None) -> list[str]:
    return [problem for check in ALL for problem in check(session, since)]
