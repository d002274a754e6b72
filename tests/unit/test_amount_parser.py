"""The one money parser (app.domain.validation.parse_amount) that forms, API and sheets share."""
from decimal import Decimal

import pytest

from app.domain.validation import check_amount, parse_amount


@pytest.mark.parametrize("text, expected", [
    ("36000", "36000"), ("36,000", "36000"), ("36，000", "36000"), ("¥36,000", "36000"), ("￥36,000.50", "36000.50"),
    ("RMB 36,000", "36000"), ("36,000元", "36000"), ("1,234,567.89", "1234567.89"), (" 36000 ", "36000"),
    ("３６，０００", "36000"), ("0.5", "0.5"), ("-1,000", "-1000"), ("¥ 800", "800"),
])
def test_typed_amounts_parse(text, expected):
    assert parse_amount(text) == Decimal(expected)


@pytest.mark.parametrize("text, message", [
    ("3,6000", "Thousands separators group three digits, as in 36,000."),
    ("36,00", "Thousands separators group three digits, as in 36,000."),
    ("abc", "An amount must be a number."), ("36.000.00", "An amount must be a number."),
    ("¥", "An amount must be a number."), ("1 000", "An amount must be a number."),
    ("NaN", "An amount must be a number."), ("Infinity", "An amount must be a number."),
])
def test_unclear_amounts_are_refused_with_a_reason(text, message):
    with pytest.raises(ValueError) as caught:
        parse_amount(text)
    assert str(caught.value) == message
    assert check_amount(text) == message


def test_values_that_are_already_numbers():
    assert parse_amount(Decimal("12.30")) == Decimal("12.30")
    assert parse_amount(7) == Decimal(7)
    assert parse_amount(0.1) == Decimal("0.1")
    with pytest.raises(ValueError):
        parse_amount(True)
    assert check_amount("36,000.005") == "An amount has at most two decimals."
    assert check_amount("-5") == "An amount cannot be negative."
