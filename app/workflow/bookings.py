"""Bookings: publication blockers, sensitive words, slot conflicts and proof confirmation."""
from datetime import datetime

from sqlalchemy import select

from app.domain.enums import ProofMethod, ProofStatus
from app.domain.rules import bookings as rules
from app.domain.rules.bookings import BookingFacts, SlotUse
from app.domain.rules.errors import RuleViolation
from app.models import Booking, Contact, SensitiveWord, db
from app.models.base import utcnow

from .concurrency import lock_related
from .contracts import contract_facts
from .messages import violation

PROOF_CODES = frozenset({
    "booking.proof_not_confirmed", "booking.proof_confirmed_by_staff", "booking.no_ad_responsible",
    "booking.proof_confirmer_missing", "booking.proof_confirmer_not_responsible",
    "booking.proof_method_missing",
})


def sensitive_words() -> list[str]:
    return list(db.session.scalars(select(SensitiveWord.word).order_by(SensitiveWord.id)))


def ad_responsible_id(customer_id: int | None) -> int | None:
    if customer_id is None:
        return None
    return db.session.scalar(select(Contact.id).where(Contact.customer_id == customer_id,
                                                      Contact.is_ad_responsible.is_(True)))


def _customer_id(booking: Booking) -> int | None:
    if booking.customer_id is not None:
        return booking.customer_id
    return booking.contract.customer_id if booking.contract is not None else None


def publish_date(booking: Booking):
    if booking.issue is not None:
        return booking.issue.publish_date
    return booking.web_start


def booking_facts(booking: Booking) -> BookingFacts | None:
    """The booking as the rules see it; None if it has no publish date (no issue, no web start)."""
    when = publish_date(booking)
    if when is None:
        return None
    contract = booking.contract
    customer_id = _customer_id(booking)
    return BookingFacts(
        customer_id=customer_id,
        contract_customer_id=contract.customer_id if contract is not None else None,
        publish_date=when,
        copy_received=bool(booking.copy_received),
        copy_text=booking.copy_text or "",
        has_supporting_documents=bool(booking.has_supporting_documents or booking.supporting_document),
        proof_status=booking.proof_status or ProofStatus.PENDING.value,
        proof_method=booking.proof_method,
        proof_confirmed_by_contact_id=booking.proof_contact.id if booking.proof_contact is not None
        else booking.proof_contact_id,
        proof_confirmed_by_user_id=None,  # confirmers are contacts; staff cannot be recorded as one
        ad_responsible_contact_id=ad_responsible_id(customer_id),
        until=booking.web_end,
    )


def publication_problems(booking: Booking, words: list[str] | None = None) -> list[RuleViolation]:
    """Every reason the booking may not be marked published (empty if it may)."""
    with db.session.no_autoflush:
        facts = booking_facts(booking)
        if facts is None:
            return [violation("booking.publish_date_missing",
                              "The booking has neither an issue nor a web start date.", field="issue")]
        contract = booking.contract
        cfacts = contract_facts(contract, with_reviewer=False) if contract is not None else None
        return rules.publication_blockers(facts, cfacts, sensitive_words() if words is None else words)


def proof_problems(booking: Booking) -> list[RuleViolation]:
    return [v for v in publication_problems(booking, words=[]) if v.code in PROOF_CODES]


def slot_problem(booking: Booking) -> RuleViolation | None:
    issue_id = booking.issue.id if booking.issue is not None else booking.issue_id
    slot_id = booking.slot.id if booking.slot is not None else booking.slot_id
    if issue_id is None or slot_id is None:
        return None
    with db.session.no_autoflush:
        others = db.session.execute(select(Booking.id, Booking.slot_id, Booking.issue_id).where(
            Booking.slot_id == slot_id, Booking.issue_id == issue_id)).all()
    return rules.slot_conflict(SlotUse(booking.id, slot_id, issue_id),
                               [SlotUse(*row) for row in others])


def confirm_proof(booking: Booking, contact: Contact, method: str, evidence: str | None = None,
                  at: datetime | None = None) -> Booking:
    """Record that `contact` confirmed the proof by `method` (in_person, email, fax).

    Refused (RuleViolation, nothing changed) unless `contact` is the customer's ad responsible
    contact and the method is known. Flushes; the caller commits.
    """
    lock_related("booking", booking)
    previous = (booking.proof_status, booking.proof_contact, booking.proof_method,
                booking.proof_confirmed_at, booking.proof_evidence, booking.proof_recorded_by_id)
    from app.security.ownership import acting_user_id

    booking.proof_status = ProofStatus.CONFIRMED.value
    booking.proof_contact = contact
    booking.proof_method = method if method in set(ProofMethod) else None
    booking.proof_confirmed_at = at or utcnow()
    booking.proof_evidence = evidence or booking.proof_evidence
    booking.proof_recorded_by_id = acting_user_id()
    problems = proof_problems(booking)
    if problems:
        (booking.proof_status, booking.proof_contact, booking.proof_method, booking.proof_confirmed_at,
         booking.proof_evidence, booking.proof_recorded_by_id) = previous
        raise problems[0]
    db.session.flush()
    return booking


def publish(booking: Booking) -> Booking:
    """Mark the booking published (上刊) if nothing blocks it; else raise the first blocker."""
    lock_related("booking", booking)  # the contract's state and the slot are judged as committed
    problems = publication_problems(booking)
    if problems:
        raise problems[0]
    booking.published = True
    db.session.flush()
    return booking


def stamp_proof(booking: Booking) -> None:
    """A proof newly marked confirmed (form, API, sheet) gets its time and who recorded it."""
    from app.security.ownership import acting_user_id

    from .guards import changed

    if booking.proof_status == ProofStatus.CONFIRMED and changed(booking, "proof_status", "proof_contact",
                                                                 "proof_contact_id"):
        booking.proof_confirmed_at = booking.proof_confirmed_at or utcnow()
        booking.proof_recorded_by_id = acting_user_id()
