from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.enums import ContractKind, PaymentKind
from app.domain.rules.dates import (
    add_months, ageing_bucket, days_overdue, month_end, month_start, renewal_status,
    renewal_window_start, settlement_due_date,
)

D = date


@pytest.mark.parametrize("d, expected", [
    (D(2024, 2, 1), D(2024, 2, 29)),  # leap year
    (D(2023, 2, 15), D(2023, 2, 28)),
    (D(1900, 2, 1), D(1900, 2, 28)),  # century, not leap
    (D(2000, 2, 1), D(2000, 2, 29)),  # 400-year, leap
    (D(2024, 4, 30), D(2024, 4, 30)),
    (D(2024, 12, 31), D(2024, 12, 31)),
    (D(2024, 1, 1), D(2024, 1, 31)),
])
def test_month_end(d, expected):
    assert month_end(d) == expected


@pytest.mark.parametrize("d, n, expected", [
    (D(2024, 1, 31), 1, D(2024, 2, 29)),
    (D(2023, 1, 31), 1, D(2023, 2, 28)),
    (D(2024, 3, 31), 1, D(2024, 4, 30)),  # 31st -> 30-day month
    (D(2024, 3, 31), -1, D(2024, 2, 29)),
    (D(2024, 12, 15), 1, D(2025, 1, 15)),  # Dec -> Jan
    (D(2025, 1, 15), -1, D(2024, 12, 15)),  # Jan -> Dec
    (D(2024, 2, 29), 12, D(2025, 2, 28)),
    (D(2024, 2, 29), 48, D(2028, 2, 29)),
    (D(2024, 5, 10), 0, D(2024, 5, 10)),
    (D(2024, 11, 30), 14, D(2026, 1, 30)),
])
def test_add_months(d, n, expected):
    assert add_months(d, n) == expected


@pytest.mark.parametrize("kind, period, expected", [
    (PaymentKind.AD_FEE, D(2024, 1, 1), D(2024, 2, 13)),
    (PaymentKind.AD_FEE, D(2024, 1, 31), D(2024, 2, 13)),
    (PaymentKind.MISC, D(2024, 1, 20), D(2024, 2, 13)),
    (PaymentKind.AD_FEE, D(2024, 12, 5), D(2025, 1, 13)),  # Dec -> Jan, year roll
    (PaymentKind.AD_FEE, D(2024, 7, 1), D(2024, 8, 13)),  # Aug 13 2024 is a Tuesday
    (PaymentKind.AD_FEE, D(2024, 9, 1), D(2024, 10, 13)),  # a Sunday: no shift
    (PaymentKind.MEMBERSHIP_FEE, D(2024, 2, 1), D(2024, 2, 29)),
    (PaymentKind.MEMBERSHIP_FEE, D(2023, 2, 14), D(2023, 2, 28)),
    (PaymentKind.MEMBERSHIP_FEE, D(2024, 12, 31), D(2024, 12, 31)),
    (PaymentKind.MEMBERSHIP_FEE, D(2024, 4, 13), D(2024, 4, 30)),
    ("ad_fee", D(2024, 3, 3), D(2024, 4, 13)),  # plain strings work too
])
def test_settlement_due_date(kind, period, expected):
    assert settlement_due_date(kind, period) == expected


def test_settlement_due_date_unknown_kind():
    with pytest.raises(ValueError, match="payment kind"):
        settlement_due_date("bribe", D(2024, 1, 1))


@pytest.mark.parametrize("kind, end, expected", [
    (ContractKind.MEMBERSHIP, D(2024, 3, 31), D(2024, 2, 29)),
    (ContractKind.MEMBERSHIP, D(2023, 3, 31), D(2023, 2, 28)),
    (ContractKind.MEMBERSHIP, D(2025, 1, 15), D(2024, 12, 15)),
    (ContractKind.MEMBERSHIP, D(2024, 5, 31), D(2024, 4, 30)),
    (ContractKind.AD, D(2024, 3, 10), D(2024, 2, 24)),  # leap Feb
    (ContractKind.AD, D(2025, 1, 10), D(2024, 12, 26)),
    (ContractKind.AD, D(2024, 6, 30), D(2024, 6, 15)),
])
def test_renewal_window_start(kind, end, expected):
    assert renewal_window_start(kind, end) == expected


def test_renewal_window_unknown_kind():
    with pytest.raises(ValueError, match="contract kind"):
        renewal_window_start("lease", D(2024, 1, 1))


@pytest.mark.parametrize("kind, end, today, expected", [
    (ContractKind.AD, D(2024, 6, 30), D(2024, 6, 14), "ok"),
    (ContractKind.AD, D(2024, 6, 30), D(2024, 6, 15), "due"),  # 15 days before
    (ContractKind.AD, D(2024, 6, 30), D(2024, 6, 30), "due"),  # end day still in force
    (ContractKind.AD, D(2024, 6, 30), D(2024, 7, 1), "lapsed"),
    (ContractKind.MEMBERSHIP, D(2024, 3, 31), D(2024, 2, 28), "ok"),
    (ContractKind.MEMBERSHIP, D(2024, 3, 31), D(2024, 2, 29), "due"),
    (ContractKind.MEMBERSHIP, D(2024, 12, 31), D(2024, 11, 30), "due"),
    (ContractKind.MEMBERSHIP, D(2024, 12, 31), D(2025, 1, 1), "lapsed"),
])
def test_renewal_status(kind, end, today, expected):
    assert renewal_status(kind, end, today) == expected


@pytest.mark.parametrize("due, today, expected", [
    (D(2024, 2, 13), D(2024, 2, 12), 0),
    (D(2024, 2, 13), D(2024, 2, 13), 0),  # the 13th itself is on time
    (D(2024, 2, 13), D(2024, 2, 14), 1),  # day 14 is late
    (D(2024, 2, 13), D(2024, 3, 13), 29),  # leap February
    (D(2024, 12, 13), D(2025, 1, 13), 31),
])
def test_days_overdue(due, today, expected):
    assert days_overdue(due, today) == expected


@pytest.mark.parametrize("days, bucket", [
    (-5, "0-30"), (0, "0-30"), (1, "0-30"), (30, "0-30"), (31, "31-60"), (60, "31-60"),
    (61, "61-90"), (90, "61-90"), (91, "90+"), (1000, "90+"),
])
def test_ageing_bucket(days, bucket):
    assert ageing_bucket(days) == bucket


dates = st.dates(min_value=D(1900, 1, 1), max_value=D(9000, 12, 31))


@given(dates, st.integers(min_value=-1000, max_value=1000))
def test_add_months_never_overflows_and_lands_in_target_month(d, n):
    result = add_months(d, n)
    assert (result.year * 12 + result.month) - (d.year * 12 + d.month) == n
    assert result.day == min(d.day, month_end(result).day)


@given(dates, st.sampled_from(list(PaymentKind)))
def test_due_date_never_before_period_start(period, kind):
    due = settlement_due_date(kind, period)
    assert due >= month_start(period)
    assert due == settlement_due_date(kind, month_start(period))  # any day of the month


@given(dates, st.sampled_from(list(ContractKind)))
def test_renewal_status_is_monotonic(end, kind):
    order = ["ok", "due", "lapsed"]
    statuses = [renewal_status(kind, end, end + timedelta(days=k)) for k in range(-40, 3)]
    assert [order.index(s) for s in statuses] == sorted(order.index(s) for s in statuses)
    assert renewal_status(kind, end, end) == "due"
