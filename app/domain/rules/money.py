"""Money: receivables, ageing, staff-error write-offs, cash/cheque handover.

Decisions (the seed is silent on these):
- Amounts are Decimal with two places, rounded half-up once, after the discount
  (``discount_pct`` is percent off, 0..100). Floats are refused (TypeError):
  binary fractions are how cents go missing.
- Receivable = amount after discount - confirmed payments - write-offs. Only
  payments Finance has confirmed count. A staff-error write-off closes the
  customer's debt (the staff member bears it, seed rule 8). The result may be
  negative: a credit, which is never "open".
- A receivable is due on the settlement deadline of its kind and month
  (:func:`dates.settlement_due_date`) unless an agreed date is given (payment
  terms "settle on an agreed date", or a prepayment date).
- A payment pays at most what is still open on its contract (after discount,
  every other payment not reversed, confirmed or not, and write-offs). A surplus
  is accepted only when Finance records it as an advance (``advance``): that
  part does not pay this contract, so no receivable goes below zero.
- A confirmed payment is final; a correction is a reversal by Finance with a
  reason: the payment then counts for nothing and the right one is recorded anew.
- Dates: a payment is not collected in the future nor more than a year ago;
  Finance does not receive or confirm it in the future, nor before it was
  collected (one day of slack: collection days are local dates, receipt
  times UTC).
- Handover: cash or cheque collected by Sales must be confirmed by Finance on the
  collection day, by ``close_of_business`` if given, else by the end of that
  day. Pass local, naive datetimes (a UTC datetime's date may be another
  day). Transfers never need a handover; the caller passes only Sales-collected
  payments.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Hashable, Iterable

from app.domain.enums import PaymentMethod
from app.domain.normalise import is_real_text
from app.domain.rules.dates import AGEING_BUCKETS, ageing_bucket, days_overdue, settlement_due_date
from app.domain.rules.errors import RuleViolation

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
HAND_OVER_METHODS = frozenset({PaymentMethod.CASH, PaymentMethod.CHEQUE})


def to_money(value: Decimal | int | str) -> Decimal:
    """``value`` as a two-place Decimal, rounded half-up."""
    if isinstance(value, float):
        raise TypeError("money must be Decimal, int or str, not float")
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def amount_after_discount(amount: Decimal | int | str,
                          discount_pct: Decimal | int | str | None = None) -> Decimal:
    if isinstance(discount_pct, float):
        raise TypeError("discount_pct must be Decimal, int or str, not float")
    pct = Decimal(0) if discount_pct is None else Decimal(discount_pct)
    gross = to_money(amount)
    if gross < 0:
        raise RuleViolation("money.amount_negative", "The amount {amount} is negative.",
                            {"amount": str(gross)}, field="amount")
    if not 0 <= pct <= 100:
        raise RuleViolation("money.discount_out_of_range",
                            "The discount {discount_pct}% is outside 0 to 100.",
                            {"discount_pct": str(pct)}, field="discount_pct")
    return to_money(Decimal(amount) * (100 - pct) / 100)


@dataclass(frozen=True)
class PaymentFacts:
    amount: Decimal
    confirmed: bool  # Finance has received and confirmed it


@dataclass(frozen=True)
class ReceivableFacts:
    ref: Hashable  # whatever the caller uses to find the row again (contract id, ...)
    kind: str  # PaymentKind
    period: date  # any day of the month the fee belongs to
    amount: Decimal
    discount_pct: Decimal | None = None
    payments: tuple[PaymentFacts, ...] = ()
    write_offs: tuple[Decimal, ...] = ()
    agreed_due_date: date | None = None


@dataclass(frozen=True)
class OpenReceivable:
    ref: Hashable
    due_date: date
    outstanding: Decimal
    days_overdue: int
    bucket: str

    @property
    def is_overdue(self) -> bool:
        return self.days_overdue > 0


def receivable(amount: Decimal | int | str, discount_pct: Decimal | int | str | None,
               payments: Iterable[PaymentFacts],
               write_offs: Iterable[Decimal | int | str] = ()) -> Decimal:
    """Still owed: after discount, less confirmed payments and write-offs."""
    paid = sum((to_money(p.amount) for p in payments if p.confirmed), ZERO)
    written_off = sum((to_money(w) for w in write_offs), ZERO)
    return amount_after_discount(amount, discount_pct) - paid - written_off


def due_date_of(item: ReceivableFacts) -> date:
    return item.agreed_due_date or settlement_due_date(item.kind, item.period)


def open_receivables(items: Iterable[ReceivableFacts], today: date) -> list[OpenReceivable]:
    """Receivables with something still owed, with ageing, earliest due first."""
    out = []
    for item in items:
        owed = receivable(item.amount, item.discount_pct, item.payments, item.write_offs)
        if owed > 0:
            due = due_date_of(item)
            days = days_overdue(due, today)
            out.append(OpenReceivable(item.ref, due, owed, days, ageing_bucket(days)))
    return sorted(out, key=lambda r: r.due_date)


def overdue_receivables(items: Iterable[ReceivableFacts], today: date) -> list[OpenReceivable]:
    """Open receivables past their settlement deadline, most overdue first."""
    late = [r for r in open_receivables(items, today) if r.is_overdue]
    return sorted(late, key=lambda r: -r.days_overdue)


def ageing_totals(open_items: Iterable[OpenReceivable]) -> dict[str, Decimal]:
    """Outstanding total per ageing bucket; every bucket present."""
    totals = {bucket: ZERO for bucket in AGEING_BUCKETS}
    for item in open_items:
        totals[item.bucket] += item.outstanding
    return totals


def write_off_violations(responsible_user_id: int | None, amount: Decimal | int | str | None,
                         outstanding: Decimal | int | str, reason: str | None
                         ) -> list[RuleViolation]:
    """Why a staff-error write-off is refused; empty if it may be recorded (a reason needs real words)."""
    out: list[RuleViolation] = []
    if responsible_user_id is None:
        out.append(RuleViolation("money.writeoff_responsible_missing",
                                 "Name the staff member responsible for the error.",
                                 field="responsible_user"))
    if amount is None or to_money(amount) <= 0:
        out.append(RuleViolation("money.writeoff_amount_not_positive",
                                 "The write-off amount must be greater than zero.", field="amount"))
    elif to_money(amount) > to_money(outstanding):
        out.append(RuleViolation(
            "money.writeoff_exceeds_receivable",
            "The write-off amount {amount} exceeds the receivable {outstanding}.",
            {"amount": str(to_money(amount)), "outstanding": str(to_money(outstanding))},
            field="amount"))
    if not is_real_text(reason):
        out.append(RuleViolation("money.writeoff_reason_required",
                                 "A reason is required for a write-off.", field="reason"))
    return out


def check_write_off(responsible_user_id: int | None, amount: Decimal | int | str | None,
                    outstanding: Decimal | int | str, reason: str | None) -> None:
    violations = write_off_violations(responsible_user_id, amount, outstanding, reason)
    if violations:
        raise violations[0]


def handover_deadline(collected_on: date, close_of_business: time | None = None) -> datetime:
    """The last moment at which Finance may confirm a cash/cheque payment."""
    return datetime.combine(collected_on, close_of_business or time.max)


def handover_overdue(method: str, collected_on: date, confirmed_at: datetime | None,
                     now: datetime, close_of_business: time | None = None) -> bool:
    """True if a Sales-collected cash/cheque payment missed (or is missing) its
    same-day confirmation by Finance."""
    if method not in HAND_OVER_METHODS:
        return False
    moment = confirmed_at if confirmed_at is not None else now
    return moment > handover_deadline(collected_on, close_of_business)


PAYMENT_MAX_AGE_DAYS = 366
CLOCK_SLACK = timedelta(minutes=5)


def applied_amount(amount: Decimal | int | str, advance: Decimal | int | str | None = None) -> Decimal:
    """The part of a payment that pays its contract (the advance is held apart)."""
    return to_money(amount) - to_money(advance or 0)


def payment_amount_violation(amount: Decimal | int | str | None, advance: Decimal | int | str | None,
                             open_amount: Decimal | int | str) -> RuleViolation | None:
    """A payment pays at most what is open; Finance may hold the surplus as an advance."""
    if amount is None:
        return None
    paid, held = to_money(amount), to_money(advance or 0)
    if held < 0 or held > paid:
        return RuleViolation("money.advance_out_of_range",
                             "The advance {advance} must lie between 0 and the amount {amount}.",
                             {"advance": str(held), "amount": str(paid)}, field="advance")
    still_open = max(to_money(open_amount), ZERO)
    if paid - held > still_open:
        return RuleViolation(
            "money.payment_exceeds_receivable",
            "The payment {amount} exceeds what is still open on the contract ({outstanding}); Finance may "
            "record the surplus {surplus} as an advance.",
            {"amount": str(paid - held), "outstanding": str(still_open), "surplus": str(paid - held - still_open)},
            field="amount")
    return None


def payment_date_violations(collected_on: date | None, received_at: datetime | None,
                            confirmed_at: datetime | None, today: date, now: datetime) -> list[RuleViolation]:
    """Dates a payment may carry (``now`` in the same clock as the receipt times)."""
    out: list[RuleViolation] = []
    if collected_on is not None:
        if collected_on > today:
            out.append(RuleViolation("money.collected_in_future",
                                     "The payment is collected on {collected_on}, after today {today}.",
                                     {"collected_on": collected_on.isoformat(), "today": today.isoformat()},
                                     field="collected_on"))
        elif (today - collected_on).days > PAYMENT_MAX_AGE_DAYS:
            out.append(RuleViolation("money.collected_too_old",
                                     "The payment is collected on {collected_on}, more than a year ago.",
                                     {"collected_on": collected_on.isoformat()}, field="collected_on"))
    for field, moment in (("received_at", received_at), ("confirmed_at", confirmed_at)):
        if moment is None:
            continue
        if moment > now + CLOCK_SLACK:
            out.append(RuleViolation("money.receipt_in_future", "The {what} time {moment} is in the future.",
                                     {"what": field, "moment": moment.strftime("%Y-%m-%d %H:%M")}, field=field))
        elif collected_on is not None and moment.date() < collected_on - timedelta(days=1):
            out.append(RuleViolation("money.receipt_before_collection",
                                     "The {what} time {moment} is before the payment was collected ({collected_on}).",
                                     {"what": field, "moment": moment.strftime("%Y-%m-%d %H:%M"),
                                      "collected_on": collected_on.isoformat()}, field=field))
    return out


def reversal_violation(confirmed: bool, reason: str | None) -> RuleViolation | None:
    """A reversal undoes a confirmed payment, and says why."""
    if not confirmed:
        return RuleViolation("money.reversal_not_confirmed",
                             "Only a confirmed payment is reversed; an unconfirmed one is corrected directly.",
                             field="reversed_at")
    if not is_real_text(reason):
        return RuleViolation("money.reversal_reason_required", "A reason is required to reverse a payment.",
                             field="reversal_reason")
    return None
