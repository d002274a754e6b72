"""Bookings: publication blockers, sensitive words, slot conflicts and proof confirmation."""
from sqlalchemy import select

from app.domain.enums import ProofStatus
from app.domain.rules import bookings as rules
from app.domain.rules.bookings import BookingFacts, SlotUse
from app.domain.rules.errors import RuleViolation
from app.models import Booking, Contact, Contract, SensitiveWord, db

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


def booking_contract(booking: Booking) -> Contract | None:
    contract = booking.contract
    if contract is None and booking.contract_id is not None:
        contract = db.session.get(Contract, booking.contract_id)
    return contract


def booking_customer_id(booking: Booking) -> int | None:
    """The booking's customer: its own column once saved, else its contract's."""
    if booking.customer_id is not None:
        return booking.customer_id
    contract = booking_contract(booking)
    return contract.customer_id if contract is not None else None


def publish_date(booking: Booking):
    if booking.issue is not None:
        return booking.issue.publish_date
    return booking.web_start


def expected_confirmer_id(booking: Booking) -> int | None:
    """Who may confirm the proof: the ad responsible contact it was sent to, else the current one."""
    sent_to = booking.proof_sent_to.id if booking.proof_sent_to is not None else booking.proof_sent_to_id
    return sent_to if sent_to is not None else ad_responsible_id(booking_customer_id(booking))


def booking_facts(booking: Booking) -> BookingFacts | None:
    """The booking as the rules see it; None if it has no publish date (no issue, no web start).

    Supporting documents clear sensitive words only when a document is attached (the tick alone does not)."""
    when = publish_date(booking)
    if when is None:
        return None
    contract = booking_contract(booking)
    return BookingFacts(
        customer_id=booking_customer_id(booking),
        contract_customer_id=contract.customer_id if contract is not None else None,
        publish_date=when,
        copy_received=bool(booking.copy_received),
        copy_text=booking.copy_text or "",
        has_supporting_documents=bool(booking.has_supporting_documents and booking.supporting_document),
        proof_status=booking.proof_status or ProofStatus.PENDING.value,
        proof_method=booking.proof_method,
        proof_confirmed_by_contact_id=booking.proof_contact.id if booking.proof_contact is not None
        else booking.proof_contact_id,
        proof_confirmed_by_user_id=None,  # confirmers are contacts; staff cannot be recorded as one
        ad_responsible_contact_id=expected_confirmer_id(booking),
        until=booking.web_end,
    )


def publication_problems(booking: Booking, words: list[str] | None = None) -> list[RuleViolation]:
    """Every reason the booking may not be marked published (empty if it may)."""
    with db.session.no_autoflush:
        facts = booking_facts(booking)
        if facts is None:
            return [violation("booking.publish_date_missing",
                              "The booking has neither an issue nor a web start date.", field="issue")]
        contract = booking_contract(booking)
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


def confirm_proof(booking: Booking, contact: Contact, method: str, evidence: str | None = None) -> Booking:
    """Record that `contact` confirmed the proof by `method` (in_person, email, fax), through the write guard.

    Refused (RuleViolation; the caller rolls back) unless `contact` is the ad responsible contact the proof
    was sent to (or the current one) and the method is known. Flushes; the caller commits.
    """
    from .guards import check_record_write


    booking.proof_status = ProofStatus.CONFIRMED.value
    booking.proof_contact = contact
    booking.proof_method = method
    booking.proof_evidence = evidence or booking.proof_evidence
    check_record_write("booking", booking)
    db.session.flush()
    return booking


def send_proof_blockers(booking: Booking) -> list[RuleViolation]:
    """Why the proof cannot be marked sent to the customer now (empty: it can)."""
    if booking.published:
        return [violation("booking.published_final", "The booking is published and final.")]
    if ad_responsible_id(booking_customer_id(booking)) is None:
        return [violation("booking.no_ad_responsible",
                          "The customer has no ad responsible contact to confirm the proof.")]
    return []


def send_proof(booking: Booking) -> Booking:
    """Record that the proof went to the customer's ad responsible contact (who and when: the write
    preparation), through the write guard. Flushes; the caller commits."""
    from .guards import check_record_write

    blockers = send_proof_blockers(booking)
    if blockers:
        raise blockers[0]
    booking.proof_status = ProofStatus.SENT.value
    check_record_write("booking", booking)
    db.session.flush()
    return booking


def publish(booking: Booking) -> Booking:
    """Mark the booking published (上刊) through the write guard; raises the first blocker."""
    from .guards import check_record_write

    booking.published = True
    check_record_write("booking", booking)
    db.session.flush()
    return booking
