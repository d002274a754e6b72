"""Date arithmetic: settlement deadlines, renewal windows, receivable ageing.

Decisions (the seed is silent on these):
- Ad and misc fees for a month are due on the 13th of the following month, the
  13th itself still on time (seed: 每月13日前结算上月广告费及杂项费用). No shift
  when the 13th is a weekend or holiday: the seed names a calendar day, and a
  pure function has no holiday calendar; finance can still receive on Monday,
  the report just shows it as a day or two overdue.
- Membership fees are due on the last day of the month they belong to
  (seed: 当月末结算入网费, "this month's end"), never of the following month.
- "One month before" is a calendar month clamped to the month end
  (Mar 31 -> Feb 28/29); "15 days" is calendar days.
- A contract is lapsed from the day after its end date; the end date itself is
  still in force.
- Activities are logged daily (seed rule 9): one dated in the future did not
  happen; one more than a year old is a typing accident (0001-01-01). One
  entered more than three days after the day it happened is a late entry: kept,
  marked, and counted apart in the KPIs, so back-dating cannot lift a past
  period's figures.
"""
from __future__ import annotations

import calendar
from datetime import date, timedelta

from app.domain.enums import ContractKind, PaymentKind
from app.domain.rules.errors import RuleViolation

AD_FEE_DUE_DAY = 13
AD_RENEWAL_LEAD_DAYS = 15
MEMBERSHIP_RENEWAL_LEAD_MONTHS = 1

RENEWAL_OK = "ok"
RENEWAL_DUE = "due"
RENEWAL_LAPSED = "lapsed"

AGEING_BUCKETS = ("0-30", "31-60", "61-90", "90+")

LATE_ENTRY_DAYS = 3
ACTIVITY_MAX_AGE_DAYS = 366


def month_start(d: date) -> date:
    return d.replace(day=1)


def month_end(d: date) -> date:
    return d.replace(day=calendar.monthrange(d.year, d.month)[1])


def add_months(d: date, months: int) -> date:
    """``d`` moved by ``months`` calendar months (negative allowed), the day
    clamped to the target month's length: Jan 31 + 1 = Feb 28 (29 in leap years)."""
    index = d.year * 12 + (d.month - 1) + months
    year, month0 = divmod(index, 12)
    last = calendar.monthrange(year, month0 + 1)[1]
    return date(year, month0 + 1, min(d.day, last))


def settlement_due_date(kind: str, period: date) -> date:
    """Last on-time day for the fees of the month containing ``period``.

    ``kind`` is a :class:`PaymentKind` value. Any day of the month may be passed.
    """
    if kind == PaymentKind.MEMBERSHIP_FEE:
        return month_end(period)
    if kind in (PaymentKind.AD_FEE, PaymentKind.MISC):
        return add_months(month_start(period), 1).replace(day=AD_FEE_DUE_DAY)
    raise ValueError(f"unknown payment kind: {kind!r}")


def renewal_window_start(kind: str, end_date: date) -> date:
    """First day on which a contract of ``kind`` should be renewed."""
    if kind == ContractKind.MEMBERSHIP:
        return add_months(end_date, -MEMBERSHIP_RENEWAL_LEAD_MONTHS)
    if kind == ContractKind.AD:
        return end_date - timedelta(days=AD_RENEWAL_LEAD_DAYS)
    raise ValueError(f"unknown contract kind: {kind!r}")


def renewal_status(kind: str, end_date: date, today: date) -> str:
    """'ok' before the renewal window, 'due' inside it (end date included),
    'lapsed' once the end date has passed."""
    if today > end_date:
        return RENEWAL_LAPSED
    if today >= renewal_window_start(kind, end_date):
        return RENEWAL_DUE
    return RENEWAL_OK


def days_overdue(due_date: date, today: date) -> int:
    """Whole days past ``due_date``; 0 on or before it."""
    return max(0, (today - due_date).days)


def ageing_bucket(days: int) -> str:
    """Ageing bucket for a receivable ``days`` overdue.

    Anything up to 30 days, including not yet due (0 or negative), is '0-30':
    callers who must tell "current" from "overdue" look at the days themselves.
    """
    if days <= 30:
        return "0-30"
    if days <= 60:
        return "31-60"
    if days <= 90:
        return "61-90"
    return "90+"


def is_late_entry(happened_on: date, entered_on: date) -> bool:
    """True if an activity was entered more than LATE_ENTRY_DAYS days after it happened."""
    return (entered_on - happened_on).days > LATE_ENTRY_DAYS


def activity_date_violation(happened_on: date | None, today: date) -> RuleViolation | None:
    """An activity happened today or in the last ACTIVITY_MAX_AGE_DAYS days."""
    if happened_on is None:
        return None
    if happened_on > today:
        return RuleViolation("activity.in_future", "The activity is dated {happened_on}, after today {today}.",
                             {"happened_on": happened_on.isoformat(), "today": today.isoformat()},
                             field="happened_on")
    if (today - happened_on).days > ACTIVITY_MAX_AGE_DAYS:
        return RuleViolation("activity.too_old", "The activity is dated {happened_on}, more than a year ago.",
                             {"happened_on": happened_on.isoformat()}, field="happened_on")
    return None
