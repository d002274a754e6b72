"""The pure rules added for issue 8, literal cases: placement of a booking, which contracts carry bookings, what a
payment may pay, the dates it may carry, its reversal, activity dates, late entries in the KPIs."""
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest

from app.domain.rules.bookings import Placement, WebUse, contract_takes_bookings, placement_violations
from app.domain.rules.dates import activity_date_violation, is_late_entry
from app.domain.rules.kpi import ActivityFact, kpi_by_week
from app.domain.rules.money import (
    applied_amount, payment_amount_violation, payment_date_violations, reversal_violation, write_off_violations,
)

D = date(2026, 11, 29)


def place(**kw):
    base = dict(booking_id=None, slot_id=1, slot_medium="print", slot_publication_id=7, slot_active=True,
                issue_id=3, issue_publication_id=7, web_start=None, web_end=None)
    base.update(kw)
    return Placement(**base)


def codes(violations):
    return [v.code for v in violations]


@pytest.mark.parametrize("p,uses,check_active,expected", [
    (place(), (), True, []),
    (place(issue_id=None, issue_publication_id=None), (), True, ["booking.print_issue_missing"]),
    (place(issue_publication_id=8), (), True, ["booking.issue_other_publication"]),
    (place(web_start=D), (), True, ["booking.print_slot_web_dates"]),
    (place(issue_id=None, issue_publication_id=None, web_start=D, web_end=D),
     (), True, ["booking.print_issue_missing", "booking.print_slot_web_dates"]),
    (place(slot_active=False), (), True, ["booking.slot_inactive"]),
    (place(slot_active=False), (), False, []),
    (place(slot_medium="web", issue_id=None, issue_publication_id=None, web_start=D, web_end=D + timedelta(days=30)),
     (), True, []),
    (place(slot_medium="web", web_start=D, web_end=D), (), True, ["booking.web_slot_in_issue"]),
    (place(slot_medium="web", issue_id=None, web_start=D), (), True, ["booking.web_period_missing"]),
    # overlaps: touching on one day counts; the booking itself does not
    (place(slot_medium="web", issue_id=None, web_start=D, web_end=D + timedelta(days=9)),
     (WebUse(5, D + timedelta(days=9), D + timedelta(days=20)),), True, ["booking.web_period_taken"]),
    (place(slot_medium="web", issue_id=None, web_start=D, web_end=D + timedelta(days=9)),
     (WebUse(5, D + timedelta(days=10), D + timedelta(days=20)),), True, []),
    (place(booking_id=5, slot_medium="web", issue_id=None, web_start=D, web_end=D + timedelta(days=9)),
     (WebUse(5, D, D + timedelta(days=9)),), True, []),
    (place(slot_medium="web", issue_id=None, web_start=D, web_end=D + timedelta(days=9)),
     (WebUse(6, D - timedelta(days=30), D + timedelta(days=40)),), True, ["booking.web_period_taken"]),
])
def test_placement(p, uses, check_active, expected):
    assert codes(placement_violations(p, uses, check_active)) == expected


@pytest.mark.parametrize("status,ok", [("draft", False), ("cancelled", False), ("stamped", True),
                                       ("reviewed", True), ("approved", True), ("sealed", True), (None, False)])
def test_which_contracts_take_bookings(status, ok):
    assert (contract_takes_bookings(status) is None) is ok


@pytest.mark.parametrize("amount,advance,open_amount,code", [
    ("30600.00", "0", "30600.00", None),
    ("40000.00", "0", "30600.00", "money.payment_exceeds_receivable"),
    ("40000.00", "9400.00", "30600.00", None),
    ("40000.00", "9399.99", "30600.00", "money.payment_exceeds_receivable"),
    ("10.00", "0", "-5.00", "money.payment_exceeds_receivable"),  # a credit is nothing open
    ("10.00", "11.00", "100.00", "money.advance_out_of_range"),
    ("10.00", "-1.00", "100.00", "money.advance_out_of_range"),
    (None, "0", "0", None),
])
def test_payment_amount(amount, advance, open_amount, code):
    found = payment_amount_violation(amount, advance, Decimal(open_amount))
    assert (found.code if found else None) == code


def test_the_overpayment_message_names_the_surplus():
    found = payment_amount_violation("40000.00", None, Decimal("30600.00"))
    assert found.params == {"amount": "40000.00", "outstanding": "30600.00", "surplus": "9400.00"}
    assert applied_amount("40000.00", "9400.00") == Decimal("30600.00")


NOW = datetime(2026, 11, 29, 10, 0)


@pytest.mark.parametrize("collected,received,confirmed,expected", [
    (D, None, None, []),
    (D + timedelta(days=1), None, None, ["money.collected_in_future"]),
    (date(2099, 12, 31), None, None, ["money.collected_in_future"]),
    (D - timedelta(days=367), None, None, ["money.collected_too_old"]),
    (D, NOW + timedelta(days=1), None, ["money.receipt_in_future"]),
    (D, None, datetime(2099, 1, 1), ["money.receipt_in_future"]),
    (D, NOW + timedelta(minutes=4), None, []),  # clock slack
    (D, datetime(1999, 1, 1), None, ["money.receipt_before_collection"]),
    (D, datetime(2026, 11, 28, 23, 0), None, []),  # one day of slack: local day, UTC time
    (D, datetime(2026, 11, 27, 23, 0), NOW, ["money.receipt_before_collection"]),
])
def test_payment_dates(collected, received, confirmed, expected):
    assert codes(payment_date_violations(collected, received, confirmed, D, NOW)) == expected


@pytest.mark.parametrize("confirmed,reason,code", [
    (True, "bank returned the cheque", None), (True, "\u200b", "money.reversal_reason_required"),
    (True, ".", "money.reversal_reason_required"), (True, None, "money.reversal_reason_required"),
    (False, "why", "money.reversal_not_confirmed"),
])
def test_reversal(confirmed, reason, code):
    found = reversal_violation(confirmed, reason)
    assert (found.code if found else None) == code


@pytest.mark.parametrize("reason,refused", [("录错版位", False), (".", True), ("\u200b", True), ("。", True)])
def test_write_off_reason_needs_words(reason, refused):
    found = codes(write_off_violations(1, "10.00", "100.00", reason))
    assert ("money.writeoff_reason_required" in found) is refused


@pytest.mark.parametrize("happened,entered,late", [
    (D, D, False), (D - timedelta(days=3), D, False), (D - timedelta(days=4), D, True),
    (D - timedelta(days=14), D, True),
])
def test_late_entry(happened, entered, late):
    assert is_late_entry(happened, entered) is late


@pytest.mark.parametrize("happened,code", [
    (D, None), (D - timedelta(days=366), None), (D - timedelta(days=367), "activity.too_old"),
    (D + timedelta(days=1), "activity.in_future"), (date(2099, 12, 31), "activity.in_future"), (None, None),
])
def test_activity_dates(happened, code):
    found = activity_date_violation(happened, D)
    assert (found.code if found else None) == code


def test_back_dated_visits_are_counted_apart():
    day = date(2026, 11, 12)
    facts = [ActivityFact(1, "visit", day)] + [ActivityFact(1, "visit", day, late=True)] * 10 \
        + [ActivityFact(1, "email", day, late=True)]
    [row] = kpi_by_week(facts)
    assert (row.visits, row.calls, row.late_entries) == (1, 0, 10)
