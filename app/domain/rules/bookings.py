"""Bookings: what must hold before an ad is marked published (上刊).

Decisions (the seed is silent on these):
- Sensitive words are matched on ``normalise.match_key`` of both sides: NFKC,
  casefolded, with spaces, punctuation, symbols and invisible characters removed,
  so 最\u200b佳, 最 佳, 最.佳 and full-width ＳＥＸ do not slip through; Chinese words
  match as plain substrings. Words are trimmed; words with nothing left to match
  are ignored. Each word is reported once, in order of its first appearance in the
  text (ties: the order of the word list), spelled as in the list.
- Supporting documents clear the sensitive-word check for that booking; they
  do not clear anything else.
- "Contract not lapsed" is judged on the publish date (and, for a web period,
  its last day): a contract that ended before the ad runs blocks it
  (seed: 到截止日仍未续签的广告禁止刊登).
- The confirmer must be the customer's ad-responsible contact as passed in
  (the app passes the current one, or the one at confirmation time if it keeps
  history). A staff user recorded as confirmer is refused outright, and the
  proof method (in person, e-mail, fax) must be recorded.
- Slot uniqueness is per slot and issue (as the DB constraint); web bookings
  hold their slot for a period instead, and two periods of one web slot may not
  overlap (their first and last days included).
- Placement: a print slot is booked in an issue of its own publication and has
  no web dates; a web slot is booked for a period (start and end) and in no
  issue. An inactive slot takes no new booking (a booking already in it keeps
  it). The contract's own publication is not compared: one ad contract may buy
  print pages and a web banner.
- Which contracts carry bookings: none before the customer has stamped (a draft
  is not a contract yet, seed rule 1) and none on a cancelled contract; stamped
  to sealed may hold slots, and publication still needs "sealed".
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Iterable

from app.domain.enums import ContractStatus, Medium, ProofMethod, ProofStatus
from app.domain.normalise import match_key
from app.domain.rules.contracts import ContractFacts
from app.domain.rules.errors import RuleViolation


@dataclass(frozen=True)
class BookingFacts:
    customer_id: int
    contract_customer_id: int | None
    publish_date: date  # the issue's publish date, or the first day of a web period
    copy_received: bool
    copy_text: str
    has_supporting_documents: bool
    proof_status: str
    proof_method: str | None
    proof_confirmed_by_contact_id: int | None
    proof_confirmed_by_user_id: int | None  # set only if staff recorded themselves: refused
    ad_responsible_contact_id: int | None
    until: date | None = None  # last day of a web period


@dataclass(frozen=True)
class Placement:
    """Where a booking goes: its slot (medium, publication, active) and its issue or web period."""
    booking_id: int | None
    slot_id: int
    slot_medium: str
    slot_publication_id: int | None
    slot_active: bool
    issue_id: int | None
    issue_publication_id: int | None
    web_start: date | None
    web_end: date | None


@dataclass(frozen=True)
class WebUse:
    booking_id: int | None
    start: date
    end: date


@dataclass(frozen=True)
class SlotUse:
    booking_id: int | None  # None for a booking not saved yet
    slot_id: int
    issue_id: int | None


def find_sensitive_words(text: str | None, words: Iterable[str | None]) -> list[str]:
    """Words of ``words`` occurring in ``text``, once each, by first appearance."""
    folded_text = match_key(text)
    hits: dict[str, tuple[int, int, str]] = {}
    for order, word in enumerate(words):
        shown = (word or "").strip()
        key = match_key(shown)
        if not key or key in hits:
            continue
        pos = folded_text.find(key)
        if pos >= 0:
            hits[key] = (pos, order, shown)
    return [shown for _, _, shown in sorted(hits.values())]


def booking_contract_violation(customer_id: int, contract_customer_id: int | None
                               ) -> RuleViolation | None:
    """A booking needs a contract, and of the same customer (seed rule 1)."""
    if contract_customer_id is None:
        return RuleViolation("booking.no_contract",
                             "The booking has no contract; sign a contract first.",
                             field="contract")
    if contract_customer_id != customer_id:
        return RuleViolation(
            "booking.contract_other_customer",
            "The contract belongs to customer {contract_customer_id}, not to the booking's "
            "customer {customer_id}.",
            {"contract_customer_id": contract_customer_id, "customer_id": customer_id},
            field="contract")
    return None


def _contract_blockers(booking: BookingFacts, contract: ContractFacts) -> list[RuleViolation]:
    out: list[RuleViolation] = []
    if contract.status != ContractStatus.SEALED:
        out.append(RuleViolation("booking.contract_not_sealed",
                                 "The contract is {status}, not sealed; only a sealed contract "
                                 "is in force.", {"status": str(contract.status)},
                                 field="contract"))
    if contract.start is None or contract.end is None:
        out.append(RuleViolation("booking.contract_dates_missing",
                                 "The contract has no start or end date.", field="contract"))
        return out
    if booking.publish_date < contract.start:
        out.append(RuleViolation(
            "booking.contract_not_started",
            "The contract starts on {start}, after the publish date {publish_date}.",
            {"start": contract.start.isoformat(), "publish_date": booking.publish_date.isoformat()},
            field="contract"))
    last_day = max(booking.publish_date, booking.until or booking.publish_date)
    if last_day > contract.end:
        out.append(RuleViolation(
            "booking.contract_lapsed",
            "The contract ended on {end} and was not renewed; the ad runs until {last_day}.",
            {"end": contract.end.isoformat(), "last_day": last_day.isoformat()},
            field="contract"))
    return out


def _proof_blockers(booking: BookingFacts) -> list[RuleViolation]:
    if booking.proof_status != ProofStatus.CONFIRMED:
        return [RuleViolation("booking.proof_not_confirmed",
                              "The proof is {proof_status}, not confirmed by the customer.",
                              {"proof_status": str(booking.proof_status)}, field="proof_status")]
    out: list[RuleViolation] = []
    if booking.proof_confirmed_by_user_id is not None:
        out.append(RuleViolation(
            "booking.proof_confirmed_by_staff",
            "The proof was confirmed by staff user {user_id}; only the customer's ad responsible "
            "contact may confirm it.", {"user_id": booking.proof_confirmed_by_user_id},
            field="proof_confirmed_by"))
    if booking.ad_responsible_contact_id is None:
        out.append(RuleViolation("booking.no_ad_responsible",
                                 "The customer has no ad responsible contact to confirm the proof.",
                                 field="proof_confirmed_by"))
    elif booking.proof_confirmed_by_contact_id is None:
        out.append(RuleViolation("booking.proof_confirmer_missing",
                                 "The proof confirmation does not record which contact "
                                 "confirmed it.",
                                 field="proof_confirmed_by"))
    elif booking.proof_confirmed_by_contact_id != booking.ad_responsible_contact_id:
        out.append(RuleViolation(
            "booking.proof_confirmer_not_responsible",
            "The proof was confirmed by contact {contact_id}, who is not the customer's ad "
            "responsible contact ({responsible_id}).",
            {"contact_id": booking.proof_confirmed_by_contact_id,
             "responsible_id": booking.ad_responsible_contact_id}, field="proof_confirmed_by"))
    if booking.proof_method not in set(ProofMethod):
        out.append(RuleViolation("booking.proof_method_missing",
                                 "How the proof was confirmed (in person, e-mail or fax) is not "
                                 "recorded.", field="proof_method"))
    return out


def publication_blockers(booking: BookingFacts, contract: ContractFacts | None,
                         sensitive_words: Iterable[str]) -> list[RuleViolation]:
    """Every reason the booking may not be marked published; empty if it may."""
    out: list[RuleViolation] = []
    linked = booking_contract_violation(
        booking.customer_id, booking.contract_customer_id if contract is not None else None)
    if linked is not None:
        out.append(linked)
    if contract is not None:
        out.extend(_contract_blockers(booking, contract))
    if not booking.copy_received:
        out.append(RuleViolation("booking.copy_missing", "The ad copy has not been received.",
                                 field="copy"))
    found = find_sensitive_words(booking.copy_text, sensitive_words)
    if found and not booking.has_supporting_documents:
        out.append(RuleViolation(
            "booking.sensitive_words",
            "The ad copy contains sensitive words ({words}); change the copy or attach "
            "supporting documents.", {"words": ", ".join(found)}, field="copy_text"))
    out.extend(_proof_blockers(booking))
    return out


def slot_conflict(booking: SlotUse, others: Iterable[SlotUse]) -> RuleViolation | None:
    """Friendly check for "one ad per slot per issue" before the DB refuses it."""
    if booking.issue_id is None:
        return None
    for other in others:
        same_booking = booking.booking_id is not None and other.booking_id == booking.booking_id
        if not same_booking and (other.slot_id, other.issue_id) == (booking.slot_id,
                                                                     booking.issue_id):
            return RuleViolation(
                "booking.slot_taken",
                "Slot {slot_id} in issue {issue_id} is already taken by booking {other_id}.",
                {"slot_id": booking.slot_id, "issue_id": booking.issue_id,
                 "other_id": other.booking_id}, field="slot")
    return None


CONTRACT_STATES_WITH_BOOKINGS = frozenset({ContractStatus.STAMPED, ContractStatus.REVIEWED,
                                           ContractStatus.APPROVED, ContractStatus.SEALED})


def contract_takes_bookings(status: str | None) -> RuleViolation | None:
    """No booking on a draft (not yet a contract) or a cancelled contract."""
    if status in CONTRACT_STATES_WITH_BOOKINGS:
        return None
    return RuleViolation("booking.contract_not_open",
                         "The contract is {status}: a booking needs a contract the customer has stamped and "
                         "nobody cancelled.", {"status": str(status)}, field="contract")


def placement_violations(place: Placement, web_uses: Iterable[WebUse] = (),
                         check_active: bool = True) -> list[RuleViolation]:
    """Why the booking's slot, issue and web period do not fit together (empty if they do)."""
    out: list[RuleViolation] = []
    if check_active and not place.slot_active:
        out.append(RuleViolation("booking.slot_inactive", "The slot is no longer on the rate card.",
                                 field="slot"))
    if place.slot_medium == Medium.WEB:
        if place.issue_id is not None:
            out.append(RuleViolation("booking.web_slot_in_issue",
                                     "A web slot is booked for a period, not in a print issue.", field="issue"))
        if place.web_start is None or place.web_end is None:
            out.append(RuleViolation("booking.web_period_missing",
                                     "A web slot needs the first and last day of the period.", field="web_start"))
        else:
            for other in web_uses:
                if other.booking_id is not None and other.booking_id == place.booking_id:
                    continue
                if other.start <= place.web_end and place.web_start <= other.end:
                    out.append(RuleViolation(
                        "booking.web_period_taken",
                        "The slot is booked from {start} to {end} by booking {other_id}.",
                        {"start": other.start.isoformat(), "end": other.end.isoformat(),
                         "other_id": other.booking_id}, field="web_start"))
                    break
        return out
    if place.issue_id is None:
        out.append(RuleViolation("booking.print_issue_missing", "A print slot is booked in an issue.",
                                 field="issue"))
    elif place.issue_publication_id != place.slot_publication_id:
        out.append(RuleViolation("booking.issue_other_publication",
                                 "The issue belongs to another publication than the slot.", field="issue"))
    if place.web_start is not None or place.web_end is not None:
        out.append(RuleViolation("booking.print_slot_web_dates", "A print slot has no web period.",
                                 field="web_start"))
    return out
