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


# --- more promises (the stateful property test, tests/test_state_machine.py) ---------------------------------

def _sensitive_words(session) -> list[str]:
    from app.models import SensitiveWord

    return list(session.scalars(select(SensitiveWord.word)))


def published_copy_is_clean(session, since=None) -> list[str]:
    """No sensitive word (however split: zero-width characters, spaces, full-width forms) in a published copy,
    unless a supporting document is attached."""
    from app.domain.normalise import match_key

    words = [match_key(w) for w in _sensitive_words(session) if match_key(w)]
    out = []
    for booking in session.scalars(_new(select(Booking).where(Booking.published.is_(True)), Booking, since)):
        if booking.has_supporting_documents and booking.supporting_document:
            continue
        text = match_key(booking.copy_text)
        found = [w for w in words if w in text]
        if found:
            out.append(f"booking #{booking.id} published with sensitive words {found}")
    return out


def one_booking_per_slot_and_issue(session, since=None) -> list[str]:
    rows = session.execute(_new(select(Booking.id, Booking.slot_id, Booking.issue_id)
                                .where(Booking.issue_id.is_not(None)), Booking, since)).all()
    seen, out = {}, []
    for booking_id, slot_id, issue_id in rows:
        if (slot_id, issue_id) in seen:
            out.append(f"bookings #{seen[(slot_id, issue_id)]} and #{booking_id} share slot {slot_id} "
                       f"in issue {issue_id}")
        seen[(slot_id, issue_id)] = booking_id
    return out


def confirmed_proofs_by_the_right_contact(session, since=None) -> list[str]:
    """Every confirmed proof (published or not) names the contact who confirmed it, one of the booking's own
    customer, the one the proof was sent to when it was sent; and a method."""
    out = []
    contact_customer = dict(session.execute(select(Contact.id, Contact.customer_id)).all())
    for booking in session.scalars(_new(select(Booking).where(Booking.proof_status == "confirmed"), Booking, since)):
        if booking.proof_contact_id is None or booking.proof_method is None:
            out.append(f"booking #{booking.id} confirmed without a contact or a method")
        elif contact_customer.get(booking.proof_contact_id) != booking.customer_id:
            out.append(f"booking #{booking.id} confirmed by contact {booking.proof_contact_id} of another customer")
        elif booking.proof_sent_to_id is not None and booking.proof_contact_id != booking.proof_sent_to_id:
            out.append(f"booking #{booking.id} sent to {booking.proof_sent_to_id}, confirmed by "
                       f"{booking.proof_contact_id}")
    return out


def one_ad_responsible_per_customer(session, since=None) -> list[str]:
    from sqlalchemy import func

    rows = session.execute(select(Contact.customer_id, func.count()).where(Contact.is_ad_responsible.is_(True))
                           .where(Contact.customer_id > (since or {}).get("customer", 0))
                           .group_by(Contact.customer_id).having(func.count() > 1)).all()
    return [f"customer #{customer_id} has {count} ad responsible contacts" for customer_id, count in rows]


def sealed_terms_never_changed(session, since=None) -> list[str]:
    """A sealed contract's terms equal their values at sealing: the audit log records no change of a term
    after the transition that sealed it (and no transition out of sealed)."""
    import json

    from app.domain.rules.editable import TERMS
    from app.models import AuditLog

    terms = set(TERMS) | {f"{t}_id" for t in TERMS}
    out = []
    sealed_at: dict[int, int] = {}
    query = select(AuditLog.id, AuditLog.record_id, AuditLog.action, AuditLog.changes).where(
        AuditLog.record == "contract", AuditLog.record_id > (since or {}).get("contract", 0)).order_by(AuditLog.id)
    for audit_id, contract_id, action, changes in session.execute(query):
        changed = json.loads(changes or "{}")
        status = changed.get("status")
        if contract_id in sealed_at:
            touched = sorted(terms & set(changed))
            if touched:
                out.append(f"contract #{contract_id}: {touched} changed after sealing (audit #{audit_id})")
            if status:
                out.append(f"contract #{contract_id} left sealed for {status[1]} (audit #{audit_id})")
        if action == "transition" and status and status[1] == "sealed":
            sealed_at[contract_id] = audit_id
    return out


def sealed_contracts_are_sealable(session, since=None) -> list[str]:
    """A sealed contract has its customer's licence copy and permit on file, and sane dates. (The party name equals
    the licence name at the moment of sealing; the customer may be renamed later, so that is checked by whoever
    seals, e.g. the state machine's model, not here.)"""
    out = []
    for contract in session.scalars(_new(select(Contract).where(Contract.status == "sealed"), Contract, since)):
        customer = contract.customer
        if not (customer.license_copy and customer.operating_permit):
            out.append(f"contract {contract.number} sealed without the licence documents on file")
        if contract.start_date > contract.end_date:
            out.append(f"contract {contract.number} sealed ending before it starts")
    return out


def every_customer_has_an_owner_or_none_was_removed_by_sales(session, since=None) -> list[str]:
    """Sales never leave a customer without an owner (it would vanish from every Sales view)."""
    import json

    from app.models import AuditLog

    sales_ids = _sales_user_ids(session)
    out = []
    for audit_id, actor_id, record_id, changes in session.execute(
            select(AuditLog.id, AuditLog.actor_id, AuditLog.record_id, AuditLog.changes).where(
                AuditLog.record == "customer", AuditLog.action == "update",
                AuditLog.record_id > (since or {}).get("customer", 0))):
        owner = json.loads(changes or "{}").get("owner_id")
        if actor_id in sales_ids and owner is not None and owner[1] != actor_id:
            out.append(f"Sales user {actor_id} set customer #{record_id}'s owner to {owner[1]} (audit #{audit_id})")
    return out


def _sales_user_ids(session) -> set[int]:
    from flask_appbuilder.security.sqla.models import Role, User, assoc_user_role

    return set(session.scalars(select(User.id).join(assoc_user_role, assoc_user_role.c.user_id == User.id)
                               .join(Role, Role.id == assoc_user_role.c.role_id).where(Role.name == "Sales")))


MORE = (published_copy_is_clean, one_booking_per_slot_and_issue, confirmed_proofs_by_the_right_contact,
        one_ad_responsible_per_customer, sealed_terms_never_changed, sealed_contracts_are_sealable,
        every_customer_has_an_owner_or_none_was_removed_by_sales)


def all_broken_promises(session, since=None) -> list[str]:
    """`broken_promises` and the checks above."""
    return broken_promises(session, since) + [problem for check in MORE for problem in check(session, since)]
