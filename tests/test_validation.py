"""The shared field checks, with literal cases."""
from datetime import date

import pytest

from app.checks import record_errors
from app.domain import validation as v

VALID_CODES = ["91350100M000100Y43", "91110000600037341L", "9144030071526726XG"]


@pytest.mark.parametrize("code", VALID_CODES)
def test_real_credit_codes_pass(code):
    assert v.check_credit_code(code) is None


@pytest.mark.parametrize("code,fragment", [
    ("91350100M000100Y42", "check character"),
    ("91350100M000100Y4", "18 characters"),
    ("91350100M00010OY43", "capital letters"),
    ("91350100M000100Y43X", "18 characters"),
])
def test_bad_credit_codes_are_refused_with_the_reason(code, fragment):
    assert fragment in v.check_credit_code(code)


def test_check_character_round_trip():
    body = "91440300MA5F00000"
    assert v.check_credit_code(body + v.credit_code_check_char(body)) is None


@pytest.mark.parametrize("mobile,ok", [
    ("13800138000", True), ("19912345678", True), ("12800138000", False), ("1380013800", False),
    ("138001380001", False), ("1380013800a", False), ("", True), (None, True),
])
def test_mobile(mobile, ok):
    assert (v.check_mobile(mobile) is None) == ok


@pytest.mark.parametrize("email,ok", [
    ("wang@example.com", True), ("a.b@c.cn", True), ("no-at.example.com", False), ("a@b", False),
    ("a b@c.cn", False),
])
def test_email(email, ok):
    assert (v.check_email(email) is None) == ok


@pytest.mark.parametrize("amount,ok", [
    ("0", True), ("12.5", True), ("12.50", True), ("1,234.56", True), ("12.345", False), ("-1", False),
    ("abc", False), ("NaN", False), ("99999999999", False), (3.25, True),
])
def test_amount(amount, ok):
    assert (v.check_amount(amount) is None) == ok


@pytest.mark.parametrize("pct,ok", [("0", True), ("100", True), ("100.01", False), ("-5", False)])
def test_percent(pct, ok):
    assert (v.check_percent(pct) is None) == ok


def test_date_order():
    assert v.check_date_order(date(2026, 1, 2), date(2026, 1, 1)) is not None
    assert v.check_date_order(date(2026, 1, 1), date(2026, 1, 1)) is None
    assert v.check_date_order(None, date(2026, 1, 1)) is None


def test_record_errors_names_each_bad_field():
    errors = record_errors("contract", {
        "status": "signed-ish", "amount": "-3", "discount_pct": "5",
        "start_date": date(2026, 5, 1), "end_date": date(2026, 4, 1),
    })
    assert set(errors) == {"status", "amount", "end_date"}


def test_record_errors_accepts_valid_values():
    assert record_errors("customer", {"credit_code": VALID_CODES[0], "stage": "lead", "locality": "local"}) == {}
