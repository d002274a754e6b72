import unicodedata
from dataclasses import replace
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.rules.bookings import (
    BookingFacts, SlotUse, booking_contract_violation, find_sensitive_words,
    publication_blockers, slot_conflict,
)
from app.domain.rules.contracts import ContractFacts

CUSTOMER, AD_CONTACT, OTHER_CONTACT = 10, 100, 101
WORDS = ["最佳", "第一", "Cure", "  ", "", "国家级"]

CONTRACT = ContractFacts(status="sealed", owner_id=1, kind="ad", start=date(2024, 1, 1),
                         end=date(2024, 6, 30), party_name="X", license_name="X",
                         has_license_copy=True, has_operating_permit=True)


def booking(**kw):
    base = BookingFacts(customer_id=CUSTOMER, contract_customer_id=CUSTOMER,
                        publish_date=date(2024, 3, 15), copy_received=True,
                        copy_text="优质音响，欢迎选购", has_supporting_documents=False,
                        proof_status="confirmed", proof_method="email",
                        proof_confirmed_by_contact_id=AD_CONTACT, proof_confirmed_by_user_id=None,
                        ad_responsible_contact_id=AD_CONTACT)
    return replace(base, **kw)


@pytest.mark.parametrize("text, words, expected", [
    ("本店音响全国第一，最佳之选", WORDS, ["第一", "最佳"]),  # order of appearance
    ("最佳最佳最佳", WORDS, ["最佳"]),  # once each
    ("This will CURE your hum", WORDS, ["Cure"]),  # Latin case-insensitive
    ("ＣＵＲＥ guaranteed", WORDS, ["Cure"]),  # full-width Latin
    ("secure payment", ["cure"], ["cure"]),  # plain substring, also for Latin
    ("国家级产品", ["国家", "国家级"], ["国家", "国家级"]),  # same start: list order
    ("国家级产品", ["国家级", "国家"], ["国家级", "国家"]),
    ("nothing here", WORDS, []),
    ("", WORDS, []),
    (None, WORDS, []),
    ("some text", ["", "   ", None], []),  # blank words ignored, never match everything
    ("best BEST", ["best", "BEST", " Best "], ["best"]),  # duplicates by case reported once
    ("a  最佳 b", [" 最佳 "], ["最佳"]),  # words trimmed
])
def test_find_sensitive_words(text, words, expected):
    assert find_sensitive_words(text, words) == expected


@given(st.text(max_size=40), st.lists(st.text(max_size=4), max_size=6))
def test_find_sensitive_words_properties(text, words):
    snapshot = list(words)
    found = find_sensitive_words(text, words)
    assert words == snapshot  # not mutated
    folded = {unicodedata.normalize("NFKC", w).casefold() for w in found}
    assert len(found) == len(folded)
    assert all(w.strip() for w in found)
    assert set(found) <= {w.strip() for w in words}


def test_publishable_booking_has_no_blockers():
    assert publication_blockers(booking(), CONTRACT, WORDS) == []


def test_web_period_inside_contract():
    assert publication_blockers(booking(until=date(2024, 6, 30)), CONTRACT, WORDS) == []


@pytest.mark.parametrize("b, contract, code, words", [
    (booking(), None, "booking.no_contract", ["no contract"]),
    (booking(contract_customer_id=11), CONTRACT, "booking.contract_other_customer",
     ["customer 11", "customer 10"]),
    (booking(), replace(CONTRACT, status="approved"), "booking.contract_not_sealed",
     ["approved", "not sealed"]),
    (booking(publish_date=date(2023, 12, 31)), CONTRACT, "booking.contract_not_started",
     ["2024-01-01", "2023-12-31"]),
    (booking(publish_date=date(2024, 7, 1)), CONTRACT, "booking.contract_lapsed",
     ["2024-06-30", "not renewed"]),
    (booking(until=date(2024, 7, 31)), CONTRACT, "booking.contract_lapsed",
     ["2024-06-30", "2024-07-31"]),
    (booking(), replace(CONTRACT, end=None), "booking.contract_dates_missing", ["end date"]),
    (booking(copy_received=False), CONTRACT, "booking.copy_missing", ["copy"]),
    (booking(copy_text="全国第一的最佳音响"), CONTRACT, "booking.sensitive_words",
     ["第一, 最佳", "supporting documents"]),
    (booking(proof_status="sent"), CONTRACT, "booking.proof_not_confirmed", ["sent"]),
    (booking(proof_status="rejected"), CONTRACT, "booking.proof_not_confirmed", ["rejected"]),
    (booking(proof_confirmed_by_user_id=7), CONTRACT, "booking.proof_confirmed_by_staff",
     ["staff user 7", "ad responsible"]),
    (booking(ad_responsible_contact_id=None), CONTRACT, "booking.no_ad_responsible",
     ["no ad responsible"]),
    (booking(proof_confirmed_by_contact_id=None), CONTRACT, "booking.proof_confirmer_missing",
     ["which contact"]),
    (booking(proof_confirmed_by_contact_id=OTHER_CONTACT), CONTRACT,
     "booking.proof_confirmer_not_responsible", ["contact 101", "(100)"]),
    (booking(proof_method=None), CONTRACT, "booking.proof_method_missing", ["e-mail or fax"]),
    (booking(proof_method="pigeon"), CONTRACT, "booking.proof_method_missing", ["in person"]),
])
def test_publication_blocker(b, contract, code, words):
    blockers = publication_blockers(b, contract, WORDS)
    assert [v.code for v in blockers] == [code]
    for word in words:
        assert word in blockers[0].message


def test_supporting_documents_clear_sensitive_words_only():
    b = booking(copy_text="最佳音响", has_supporting_documents=True, proof_status="pending")
    assert [v.code for v in publication_blockers(b, CONTRACT, WORDS)] == [
        "booking.proof_not_confirmed"]


def test_staff_confirmer_and_no_contact_both_reported():
    b = booking(proof_confirmed_by_user_id=3, proof_confirmed_by_contact_id=None)
    assert [v.code for v in publication_blockers(b, CONTRACT, WORDS)] == [
        "booking.proof_confirmed_by_staff", "booking.proof_confirmer_missing"]


def test_all_blockers_listed_together():
    b = booking(publish_date=date(2024, 8, 1), copy_text="第一", proof_status="pending")
    codes = [v.code for v in publication_blockers(b, replace(CONTRACT, status="reviewed"), WORDS)]
    assert codes == ["booking.contract_not_sealed", "booking.contract_lapsed",
                     "booking.sensitive_words", "booking.proof_not_confirmed"]


@pytest.mark.parametrize("customer, contract_customer, code", [
    (10, 10, None), (10, None, "booking.no_contract"), (10, 11, "booking.contract_other_customer"),
])
def test_booking_contract_violation(customer, contract_customer, code):
    v = booking_contract_violation(customer, contract_customer)
    assert (v.code if v else None) == code


OTHERS = [SlotUse(1, slot_id=5, issue_id=50), SlotUse(2, slot_id=6, issue_id=50),
          SlotUse(3, slot_id=5, issue_id=51)]


@pytest.mark.parametrize("mine, taken_by", [
    (SlotUse(None, 5, 50), 1),
    (SlotUse(9, 6, 50), 2),
    (SlotUse(1, 5, 50), None),  # editing the booking itself
    (SlotUse(None, 7, 50), None),
    (SlotUse(None, 5, 52), None),
    (SlotUse(None, 5, None), None),  # web booking: not checked here
])
def test_slot_conflict(mine, taken_by):
    v = slot_conflict(mine, OTHERS)
    if taken_by is None:
        assert v is None
    else:
        assert v.code == "booking.slot_taken"
        assert f"Slot {mine.slot_id} in issue {mine.issue_id}" in v.message
        assert f"booking {taken_by}" in v.message
