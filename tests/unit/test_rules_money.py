from datetime import date, datetime, time
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.rules import RuleViolation
from app.domain.rules.money import (
    OpenReceivable, PaymentFacts, ReceivableFacts, ageing_totals, amount_after_discount,
    check_write_off, handover_deadline, handover_overdue, open_receivables,
    overdue_receivables, receivable, to_money, write_off_violations,
)

M = Decimal


@pytest.mark.parametrize("value, expected", [
    (M("10"), M("10.00")), (3, M("3.00")), ("0.005", M("0.01")), ("2.675", M("2.68")),
    ("-0.005", M("-0.01")), ("1.004", M("1.00")),
])
def test_to_money(value, expected):
    assert to_money(value) == expected


def test_to_money_refuses_float():
    with pytest.raises(TypeError, match="float"):
        to_money(0.1)
    with pytest.raises(TypeError, match="float"):
        amount_after_discount(M("1"), 10.0)


@pytest.mark.parametrize("amount, pct, expected", [
    (M("10000"), None, M("10000.00")),
    (M("10000"), M("0"), M("10000.00")),
    (M("10000"), M("15"), M("8500.00")),
    (M("10000"), M("100"), M("0.00")),
    (M("999.99"), M("33.3"), M("666.99")),  # 666.993... rounds down
    (M("0.05"), M("50"), M("0.03")),  # 0.025 rounds half up
    ("1234.5", "12.5", M("1080.19")),  # 1080.1875
])
def test_amount_after_discount(amount, pct, expected):
    assert amount_after_discount(amount, pct) == expected


@pytest.mark.parametrize("amount, pct, code, words", [
    (M("100"), M("-1"), "money.discount_out_of_range", ["-1%", "0 to 100"]),
    (M("100"), M("100.01"), "money.discount_out_of_range", ["100.01%"]),
    (M("-5"), M("0"), "money.amount_negative", ["-5.00"]),
])
def test_amount_after_discount_refused(amount, pct, code, words):
    with pytest.raises(RuleViolation) as exc:
        amount_after_discount(amount, pct)
    assert exc.value.code == code
    for word in words:
        assert word in exc.value.message


PAID = PaymentFacts(M("3000"), confirmed=True)
UNCONFIRMED = PaymentFacts(M("2000"), confirmed=False)


@pytest.mark.parametrize("payments, write_offs, expected", [
    ([], [], M("8500.00")),
    ([PAID], [], M("5500.00")),
    ([PAID, UNCONFIRMED], [], M("5500.00")),  # only confirmed payments count
    ([PAID, PAID], [M("500")], M("2000.00")),
    ([PAID, PAID, PAID], [], M("-500.00")),  # overpaid: a credit
])
def test_receivable(payments, write_offs, expected):
    assert receivable(M("10000"), M("15"), payments, write_offs) == expected


TODAY = date(2024, 5, 20)
ITEMS = [
    ReceivableFacts("jan-ad", "ad_fee", date(2024, 1, 10), M("1000")),  # due 2024-02-13
    ReceivableFacts("apr-ad", "ad_fee", date(2024, 4, 2), M("500")),  # due 2024-05-13
    ReceivableFacts("may-member", "membership_fee", date(2024, 5, 1), M("300")),  # due 05-31
    ReceivableFacts("feb-paid", "misc", date(2024, 2, 1), M("200"),
                    payments=(PaymentFacts(M("200"), True),)),
    ReceivableFacts("mar-written-off", "ad_fee", date(2024, 3, 1), M("800"),
                    write_offs=(M("800"),)),
    ReceivableFacts("agreed", "ad_fee", date(2024, 1, 1), M("100"), M("10"),
                    agreed_due_date=date(2024, 3, 1)),
]


def test_open_receivables():
    assert open_receivables(ITEMS, TODAY) == [
        OpenReceivable("jan-ad", date(2024, 2, 13), M("1000.00"), 97, "90+"),
        OpenReceivable("agreed", date(2024, 3, 1), M("90.00"), 80, "61-90"),
        OpenReceivable("apr-ad", date(2024, 5, 13), M("500.00"), 7, "0-30"),
        OpenReceivable("may-member", date(2024, 5, 31), M("300.00"), 0, "0-30"),
    ]


def test_overdue_receivables_most_overdue_first():
    assert [r.ref for r in overdue_receivables(ITEMS, TODAY)] == ["jan-ad", "agreed", "apr-ad"]


@pytest.mark.parametrize("today, overdue", [
    (date(2024, 5, 13), False),  # the 13th itself
    (date(2024, 5, 14), True),  # day 14
])
def test_overdue_from_the_14th(today, overdue):
    item = ReceivableFacts("x", "ad_fee", date(2024, 4, 30), M("1"))
    assert bool(overdue_receivables([item], today)) is overdue


def test_ageing_totals():
    totals = ageing_totals(open_receivables(ITEMS, TODAY))
    assert totals == {"0-30": M("800.00"), "31-60": M("0.00"), "61-90": M("90.00"),
                      "90+": M("1000.00")}


def test_open_receivables_does_not_mutate_input():
    items = list(ITEMS)
    open_receivables(items, TODAY)
    assert items == ITEMS


@pytest.mark.parametrize("user, amount, outstanding, reason, codes", [
    (None, M("100"), M("500"), "wrong size printed", ["money.writeoff_responsible_missing"]),
    (7, M("0"), M("500"), "wrong size printed", ["money.writeoff_amount_not_positive"]),
    (7, M("-1"), M("500"), "wrong size printed", ["money.writeoff_amount_not_positive"]),
    (7, None, M("500"), "wrong size printed", ["money.writeoff_amount_not_positive"]),
    (7, M("500.01"), M("500"), "wrong size printed", ["money.writeoff_exceeds_receivable"]),
    (7, M("100"), M("500"), "  ", ["money.writeoff_reason_required"]),
    (7, M("100"), M("500"), None, ["money.writeoff_reason_required"]),
    (None, M("0"), M("500"), "", ["money.writeoff_responsible_missing",
                                  "money.writeoff_amount_not_positive",
                                  "money.writeoff_reason_required"]),
])
def test_write_off_refused(user, amount, outstanding, reason, codes):
    violations = write_off_violations(user, amount, outstanding, reason)
    assert [v.code for v in violations] == codes
    with pytest.raises(RuleViolation) as exc:
        check_write_off(user, amount, outstanding, reason)
    assert exc.value.code == codes[0]


@pytest.mark.parametrize("code, words", [
    ("money.writeoff_responsible_missing", ["staff member responsible"]),
    ("money.writeoff_amount_not_positive", ["greater than zero"]),
    ("money.writeoff_reason_required", ["reason"]),
])
def test_write_off_messages_name_the_problem(code, words):
    violations = {v.code: v for v in write_off_violations(None, 0, 10, "")}
    for word in words:
        assert word in violations[code].message


def test_write_off_exceeds_message_names_amounts():
    (v,) = write_off_violations(7, M("600"), M("500"), "misprint")
    assert "600.00" in v.message and "500.00" in v.message


@pytest.mark.parametrize("amount, outstanding", [(M("500"), M("500")), (M("0.01"), M("500"))])
def test_write_off_allowed(amount, outstanding):
    assert write_off_violations(7, amount, outstanding, "misprint") == []
    assert check_write_off(7, amount, outstanding, "misprint") is None


DAY = date(2024, 3, 13)


@pytest.mark.parametrize("method, confirmed_at, now, cob, overdue", [
    ("cash", datetime(2024, 3, 13, 16, 0), datetime(2024, 3, 20), None, False),
    ("cash", datetime(2024, 3, 13, 23, 59, 59), datetime(2024, 3, 20), None, False),
    ("cash", datetime(2024, 3, 14, 0, 0), datetime(2024, 3, 20), None, True),
    ("cheque", datetime(2024, 3, 14, 9, 0), datetime(2024, 3, 14, 9), None, True),
    ("cash", None, datetime(2024, 3, 13, 23, 0), None, False),  # still time today
    ("cash", None, datetime(2024, 3, 14, 0, 1), None, True),  # not confirmed, day over
    ("transfer", None, datetime(2024, 4, 1), None, False),  # no handover for transfers
    ("cash", datetime(2024, 3, 13, 17, 30), datetime(2024, 3, 20), time(17, 30), False),
    ("cash", datetime(2024, 3, 13, 17, 31), datetime(2024, 3, 20), time(17, 30), True),
    ("cheque", None, datetime(2024, 3, 13, 18, 0), time(17, 30), True),
])
def test_handover_overdue(method, confirmed_at, now, cob, overdue):
    assert handover_overdue(method, DAY, confirmed_at, now, cob) is overdue


def test_handover_deadline():
    assert handover_deadline(date(2024, 12, 31), time(17, 30)) == datetime(2024, 12, 31, 17, 30)
    assert handover_deadline(date(2024, 12, 31)).date() == date(2024, 12, 31)


money = st.decimals(min_value=0, max_value=10**9, places=2)
pcts = st.decimals(min_value=0, max_value=100, places=2)


@given(money, pcts)
def test_discount_stays_between_zero_and_amount(amount, pct):
    net = amount_after_discount(amount, pct)
    assert M("0") <= net <= amount
    assert net == net.quantize(M("0.01"))


@given(money, st.lists(money, max_size=5))
def test_receivable_is_net_minus_confirmed_payments(amount, paid):
    payments = [PaymentFacts(p, True) for p in paid]
    assert receivable(amount, None, payments) == amount - sum(paid, M("0"))
