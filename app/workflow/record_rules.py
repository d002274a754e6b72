"""The consistency of related rows and each record's business rules, as the write guard checks them.

Each rule takes the item and the fields the writer changed (app.workflow.prepare.changed_fields) and returns the
first RuleViolation, or None. Pure decisions live in app.domain.rules (placement, money, dates, bookings); these
functions gather the facts from the ORM. Called only by app.workflow.guards.check_record_write.
"""
from datetime import date

from sqlalchemy import exists, inspect, or_, select

from app.domain.enums import ContractStatus, ProofStatus
from app.domain.rules.bookings import Placement, WebUse, contract_takes_bookings, placement_violations
from app.domain.rules.dates import activity_date_violation
from app.domain.rules.errors import RuleViolation
from app.domain.rules.money import payment_amount_violation, payment_date_violations, reversal_violation

from .messages import violation
from .prepare import committed, is_new


# --- related rows ------------------------------------------------------------------------------------------

def _customer_id_of(item) -> int | None:
    customer = getattr(item, "customer", None)
    return customer.id if customer is not None else getattr(item, "customer_id", None)


def contact_violation(contact, customer_id: int | None, field: str) -> RuleViolation | None:
    """A contact named on a row belongs to that row's customer."""
    if contact is None:
        return None
    if customer_id is None or contact.customer_id != customer_id:
        return violation("contact.other_customer", "The contact belongs to another customer.", field=field)
    return None


def _named_contact(item, relation: str):
    from app.models import Contact, db

    contact = getattr(item, relation)
    if contact is None and getattr(item, f"{relation}_id", None) is not None:
        contact = db.session.get(Contact, getattr(item, f"{relation}_id"))
    return contact


def _contract_of(item):
    from app.models import Contract, db

    contract = item.contract
    if contract is not None and item.contract_id is not None and contract.id != item.contract_id \
            and inspect(item).attrs.contract_id.history.has_changes():
        contract = None  # the id was set last (a bulk edit): it wins, as at flush
    if contract is None and item.contract_id is not None:
        contract = db.session.get(Contract, item.contract_id)
    return contract


# --- the records' rules ------------------------------------------------------------------------------------

def _contract(item, changes: set[str]) -> RuleViolation | None:
    from .contracts import is_pending_transition

    if is_new(item):
        if item.status not in (None, ContractStatus.DRAFT.value):
            return violation("contract.new_not_draft", "A new contract starts as a draft.", field="status")
        item.status = ContractStatus.DRAFT.value
        return _renewal_violation(item) if "renews" in changes else None
    if "status" in changes and not is_pending_transition(item):
        return violation("contract.status_not_editable", "The contract status cannot be edited directly.",
                         field="status")
    if {"renews", "customer"} & changes and (item.renews_id is not None or item.renews is not None):
        found = _renewal_violation(item)
        if found is not None:
            return found
    if {"amount", "discount_pct"} & changes:
        found = _amount_covers_money(item)
        if found is not None:
            return found
    if "customer" in changes:
        return _dependants_follow(item)
    return None


def _amount_covers_money(contract) -> RuleViolation | None:
    """A contract's amount after discount never drops below what its payments (not reversed, less advances) and
    write-offs already cover: no receivable below zero (a draft sent back from stamped may carry payments).
    Locks the contract first, as a payment or a write-off does, so that neither slips in between."""
    from decimal import Decimal

    from sqlalchemy import func

    from app.domain.rules.money import receivable
    from app.models import Payment, WriteOff, db

    from .concurrency import lock_for_update
    from .money import applied_amount

    lock_for_update(contract)
    paid = db.session.scalar(select(func.coalesce(func.sum(applied_amount()), 0)).where(
        Payment.contract_id == contract.id, Payment.reversed_at.is_(None)))
    written = db.session.scalar(select(func.coalesce(func.sum(WriteOff.amount), 0)).where(
        WriteOff.contract_id == contract.id))
    covered = Decimal(paid) + Decimal(written)
    if covered and receivable(contract.amount or 0, contract.discount_pct, []) < covered:
        return violation("contract.amount_below_paid",
                         "Payments and write-offs already cover {covered} of this contract; its amount after "
                         "discount cannot be less.", {"covered": str(covered)}, field="amount")
    return None


def _renewal_violation(contract) -> RuleViolation | None:
    """A contract renews an earlier contract of the same customer (and not itself)."""
    from app.models import Contract, db

    renewed = contract.renews or db.session.get(Contract, contract.renews_id)
    customer_id = _customer_id_of(contract)
    if renewed is None:
        return None
    if renewed is contract or (contract.id is not None and renewed.id == contract.id) \
            or renewed.customer_id != customer_id:
        return violation("contract.renews_other_customer", "A contract renews one of its own customer's contracts.",
                         field="renews")
    return None


def _dependants_follow(contract) -> RuleViolation | None:
    """A draft contract moved to another customer takes its bookings, payments and write-offs along, unless one
    of them records something done with the old customer (then the move is refused)."""
    from app.models import Booking, Payment, WriteOff, db

    bookings = list(db.session.scalars(select(Booking).where(Booking.contract_id == contract.id)))
    payments = list(db.session.scalars(select(Payment).where(Payment.contract_id == contract.id)))
    written = db.session.scalar(select(exists().where(WriteOff.contract_id == contract.id)))
    history = (written or any(p.confirmed_at is not None for p in payments)
               or any(b.published or b.proof_contact_id is not None or b.proof_sent_to_id is not None
                      for b in bookings))
    if history:
        return violation("contract.customer_has_history",
                         "The contract's bookings or payments record work done with its customer.",
                         field="customer")
    for row in bookings + payments:
        row.customer = contract.customer
        if contract.customer is None:
            row.customer_id = contract.customer_id
    return None


BOOKING_PLACEMENT = {"slot", "issue", "web_start", "web_end", "contract"}


def _placement(item):
    from app.models import AdSlot, Booking, Issue, db

    slot = item.slot or (db.session.get(AdSlot, item.slot_id) if item.slot_id is not None else None)
    if slot is None:
        return None, []
    issue = item.issue or (db.session.get(Issue, item.issue_id) if item.issue_id is not None else None)
    place = Placement(booking_id=item.id, slot_id=slot.id, slot_medium=slot.medium,
                      slot_publication_id=slot.publication_id, slot_active=bool(slot.active),
                      issue_id=issue.id if issue is not None else None,
                      issue_publication_id=issue.publication_id if issue is not None else None,
                      web_start=item.web_start, web_end=item.web_end)
    uses = []
    if place.web_start is not None and place.web_end is not None:
        rows = db.session.execute(select(Booking.id, Booking.web_start, Booking.web_end).where(
            Booking.slot_id == slot.id, Booking.web_start.is_not(None), Booking.web_end.is_not(None),
            Booking.web_start <= place.web_end, Booking.web_end >= place.web_start))
        uses = [WebUse(*row) for row in rows]
    return place, uses


def _booking(item, changes: set[str]) -> RuleViolation | None:
    from .bookings import booking_customer_id, proof_problems, publication_problems, slot_problem

    contract = _contract_of(item)
    if contract is None:
        return violation("booking.no_contract", "The booking has no contract.", field="contract")
    new = is_new(item)
    if new or "contract" in changes:
        found = contract_takes_bookings(contract.status)
        if found is not None:
            return found
        if not new and item.customer_id is not None and contract.customer_id != item.customer_id:
            return violation("booking.contract_other_customer", "The contract belongs to another customer.",
                             {"contract_customer_id": contract.customer_id, "customer_id": item.customer_id},
                             field="contract")
    if new or BOOKING_PLACEMENT & changes:
        place, uses = _placement(item)
        if place is None:
            return violation("booking.slot_missing", "The booking has no slot.", field="slot")
        problems = placement_violations(place, uses, check_active=new or "slot" in changes)
        if problems:
            return problems[0]
        conflict = slot_problem(item)
        if conflict is not None:
            return conflict
    if {"has_supporting_documents", "supporting_document"} & changes and item.has_supporting_documents \
            and not item.supporting_document:
        return violation("booking.supporting_document_missing", "Attach the supporting document.",
                         field="supporting_document")
    if "proof_contact" in changes:
        found = contact_violation(_named_contact(item, "proof_contact"), booking_customer_id(item), "proof_contact")
        if found is not None:
            return found
    if not new and "copy_text" in changes and committed(item, "proof_status") == ProofStatus.CONFIRMED \
            and item.proof_status == ProofStatus.CONFIRMED:
        return violation("booking.copy_changed_after_proof", "The customer confirmed the proof of another copy.",
                         field="copy_text")
    if item.proof_status == ProofStatus.CONFIRMED and {"proof_status", "proof_contact", "proof_method"} & changes:
        problems = proof_problems(item)
        if problems:
            return problems[0]
    if item.published and (new or changes & set(PUBLICATION_FIELDS)):
        problems = publication_problems(item)
        if problems:
            return problems[0]
    return None


PUBLICATION_FIELDS = ("published", "contract", "issue", "slot", "web_start", "web_end", "copy_text",
                      "copy_received", "has_supporting_documents", "supporting_document", "proof_status",
                      "proof_contact", "proof_method")
CONTRACT_STATES_WITH_MONEY = frozenset({ContractStatus.STAMPED, ContractStatus.REVIEWED, ContractStatus.APPROVED,
                                        ContractStatus.SEALED})


def _money_contract_violation(contract) -> RuleViolation | None:
    if contract.status in CONTRACT_STATES_WITH_MONEY:
        return None
    return violation("money.contract_not_open", "The contract is {status}.", {"status": contract.status},
                     field="contract")


def _payment(item, changes: set[str]) -> RuleViolation | None:
    from app.models.base import utcnow

    from .money import contract_open_amount

    contract = _contract_of(item)
    if contract is None:
        return violation("booking.no_contract", "No contract.", field="contract")
    new = is_new(item)
    if new or "contract" in changes:
        found = _money_contract_violation(contract)
        if found is not None:
            return found
    if new or {"collected_on", "received_at", "confirmed_at"} & changes:
        problems = payment_date_violations(item.collected_on or date.today(), item.received_at, item.confirmed_at,
                                           date.today(), utcnow())
        if problems:
            return problems[0]
    if {"reversed_at", "reversal_reason"} & changes:
        if item.reversed_at is None:
            return violation("money.reversal_time_missing", "A reversal records when it was made.",
                             field="reversed_at")
        found = reversal_violation(committed(item, "confirmed_at") is not None, item.reversal_reason)
        if found is not None:
            return found
    if item.reversed_at is None and (new or {"amount", "advance", "contract"} & changes):
        found = payment_amount_violation(item.amount, item.advance, contract_open_amount(contract, item))
        if found is not None:
            return found
    return None


def _write_off(item, changes: set[str]) -> RuleViolation | None:
    from .money import write_off_problems

    contract = _contract_of(item)
    if contract is None:
        return violation("booking.no_contract", "No contract.", field="contract")
    if is_new(item) or "contract" in changes:
        found = _money_contract_violation(contract)
        if found is not None:
            return found
    problems = write_off_problems(item)
    return problems[0] if problems else None


def _contact(item, changes: set[str]) -> RuleViolation | None:
    from app.models import Activity, Booking, Complaint, Contact, db

    if not is_new(item) and "customer" in changes:
        named = or_(exists().where(Activity.contact_id == item.id), exists().where(Complaint.contact_id == item.id),
                    exists().where(or_(Booking.proof_contact_id == item.id, Booking.proof_sent_to_id == item.id)))
        if db.session.scalar(select(named)):
            return violation("contact.in_use", "The contact is named on the customer's records.", field="customer")
    if item.is_ad_responsible and {"is_ad_responsible", "customer"} & changes:
        others = [Contact.customer_id == _customer_id_of(item), Contact.is_ad_responsible.is_(True)]
        if item.id is not None:
            others.append(Contact.id != item.id)
        current = db.session.scalar(select(Contact.name).where(*others).limit(1))
        if current is not None:
            return violation("contact.ad_responsible_taken", "{name} is the ad responsible contact.",
                             {"name": current}, field="is_ad_responsible")
    return None


def _activity(item, changes: set[str]) -> RuleViolation | None:
    if "contact" in changes or "customer" in changes:
        found = contact_violation(_named_contact(item, "contact"), _customer_id_of(item), "contact")
        if found is not None:
            return found
    if is_new(item) or "happened_on" in changes:
        return activity_date_violation(item.happened_on, date.today())
    return None


def _complaint(item, changes: set[str]) -> RuleViolation | None:
    if "contact" in changes or "customer" in changes:
        return contact_violation(_named_contact(item, "contact"), _customer_id_of(item), "contact")
    return None


def _adslot(item, changes: set[str]) -> RuleViolation | None:
    from app.models import Booking, db

    if not is_new(item) and {"medium", "publication"} & changes and \
            db.session.scalar(select(exists().where(Booking.slot_id == item.id))):
        return violation("adslot.in_use", "The slot has bookings.", field="medium")
    return None


def _issue(item, changes: set[str]) -> RuleViolation | None:
    """An issue keeps its publication while bookings use it, and its date while an ad in it is published (the
    ad ran on that date, inside its contract)."""
    from app.models import Booking, db

    if is_new(item):
        return None
    booked = Booking.issue_id == item.id
    if "publication" in changes and db.session.scalar(select(exists().where(booked))):
        return violation("issue.in_use", "The issue has bookings.", field="publication")
    if "publish_date" in changes and db.session.scalar(select(exists().where(booked, Booking.published.is_(True)))):
        return violation("issue.published_in", "Ads in this issue are published.", field="publish_date")
    return None


RECORD_RULES = {
    "contract": _contract,
    "booking": _booking,
    "payment": _payment,
    "writeoff": _write_off,
    "contact": _contact,
    "activity": _activity,
    "complaint": _complaint,
    "adslot": _adslot,
    "issue": _issue,
}
