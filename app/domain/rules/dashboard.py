"""The dashboard's figures, each a pure function of literal facts (queried by app.workflow.dashboard).

Decisions (the seed is silent on these):
- KPIs: the last ``KPI_WEEKS`` ISO weeks and the last ``KPI_MONTHS`` calendar months, today's included;
  counted by :mod:`app.domain.rules.kpi` (calls, visits, filings, signed = sealed contracts).
- Revenue: amount after discount of every sealed contract, by the month the contract STARTS (when the
  advertising is delivered), for the last ``REVENUE_MONTHS`` months, today's included. Rounded per
  contract, as receivables are.
- Occupancy: per publication, its next ``NEXT_ISSUES`` issues (publish date today or later); booked =
  bookings of the issue in active slots, so the share never exceeds 100 %; no active slot -> no share.
- Satisfaction: the average of the 1..5 scores of complaints received in a month, two places, half-up;
  months without a score are None; the last ``SATISFACTION_MONTHS`` months.
- Short lists hold ``SHORT_LIST`` rows and say how many there are in all.
- Identical facts may come grouped, with how many rows each stands for (``count`` / ``sizes``): the
  figures are the same as for the rows one by one (the database only counts; the rules decide).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Hashable, Iterable, Mapping, Sequence

from app.domain.enums import CustomerStage
from app.domain.rules.dates import RENEWAL_OK, add_months, month_start, renewal_status
from app.domain.rules.kpi import (
    ActivityFact, SignedContractFact, StageChangeFact, iso_week_key, kpi_by_month, kpi_by_week, month_key,
)
from app.domain.rules.money import ZERO, OpenReceivable, ageing_totals, amount_after_discount, handover_overdue

KPI_WEEKS = 8
KPI_MONTHS = 6
REVENUE_MONTHS = 12
SATISFACTION_MONTHS = 12
NEXT_ISSUES = 3
SHORT_LIST = 10


def month_keys(today: date, count: int) -> list[str]:
    """The ``count`` months ending with today's, oldest first ('YYYY-MM')."""
    return [month_key(add_months(month_start(today), -back)) for back in range(count - 1, -1, -1)]


def week_keys(today: date, count: int) -> list[str]:
    """The ``count`` ISO weeks ending with today's, oldest first ('YYYY-Www')."""
    return [iso_week_key(today - timedelta(weeks=back)) for back in range(count - 1, -1, -1)]


def months_start(today: date, count: int) -> date:
    """First day of the oldest of the ``count`` months ending with today's."""
    return add_months(month_start(today), -(count - 1))


def weeks_start(today: date, count: int) -> date:
    """Monday of the oldest of the ``count`` ISO weeks ending with today's."""
    return today - timedelta(days=today.weekday(), weeks=count - 1)


def kpi_window_start(today: date, weeks: int = KPI_WEEKS, months: int = KPI_MONTHS) -> date:
    """The earliest day any KPI period shown covers."""
    return min(weeks_start(today, weeks), months_start(today, months))


def kpi_figures(activities: Iterable[ActivityFact], stage_changes: Iterable[StageChangeFact],
                contracts: Iterable[SignedContractFact], today: date, weeks: int = KPI_WEEKS,
                months: int = KPI_MONTHS) -> dict:
    """Per person per week and per month, only the periods shown; rows as plain dicts."""
    activities, stage_changes, contracts = list(activities), list(stage_changes), list(contracts)
    week_list, month_list = week_keys(today, weeks), month_keys(today, months)
    by_week = [asdict(r) for r in kpi_by_week(activities, stage_changes, contracts) if r.period in week_list]
    by_month = [asdict(r) for r in kpi_by_month(activities, stage_changes, contracts) if r.period in month_list]
    return {"weeks": week_list, "months": month_list, "by_week": by_week, "by_month": by_month}


def kpi_totals(rows: Iterable[Mapping], periods: Sequence[str]) -> dict[str, list[int]]:
    """The team's sum of each KPI per period (for the chart), every period present."""
    names = ("calls", "visits", "filings", "signed_contracts")
    totals = {name: [0] * len(periods) for name in names}
    index = {period: i for i, period in enumerate(periods)}
    for row in rows:
        if row["period"] in index:
            for name in names:
                totals[name][index[row["period"]]] += row[name]
    return totals


def pipeline(stage_counts: Mapping[str, int]) -> dict[str, int]:
    """Customers per stage in pipeline order, every stage present (unknown stages ignored)."""
    return {stage.value: int(stage_counts.get(stage.value, 0)) for stage in CustomerStage}


@dataclass(frozen=True)
class ContractValue:
    start: date
    amount: Decimal
    discount_pct: Decimal | None = None
    count: int = 1  # how many contracts with exactly these facts


def revenue_by_month(contracts: Iterable[ContractValue], months: Sequence[str]) -> dict[str, Decimal]:
    """Sealed contract value after discount by start month; only ``months``, every one present."""
    totals = {month: ZERO for month in months}
    for c in contracts:
        key = month_key(c.start)
        if key in totals:
            totals[key] += amount_after_discount(c.amount, c.discount_pct) * c.count
    return totals


def grouped_ageing(open_groups: Iterable[OpenReceivable], sizes: Mapping[Hashable, int]) -> dict[str, Decimal]:
    """:func:`money.ageing_totals` of open receivables given as groups of identical ones
    (``sizes[item.ref]`` receivables each; one if absent)."""
    return ageing_totals(replace(item, outstanding=item.outstanding * sizes.get(item.ref, 1))
                         for item in open_groups)


def leading_groups(groups: Sequence, sizes: Mapping[Hashable, int], tie_key, limit: int = SHORT_LIST) -> list:
    """The first groups of an ordered list of groups (``sizes[group.ref]`` rows each) that hold its first
    ``limit`` rows, with every later group tied with the last of them on ``tie_key(group)`` (rows of tied
    groups interleave)."""
    out, rows = [], 0
    for group in groups:
        if out and rows >= limit and tie_key(group) != tie_key(out[-1]):
            break
        out.append(group)
        rows += sizes.get(group.ref, 1)
    return out


@dataclass(frozen=True)
class IssueSlots:
    issue_id: int
    publication: str
    number: str
    publish_date: date
    booked: int  # bookings of the issue in active slots
    active: int  # active slots of the issue's publication


def occupancy(issues: Iterable[IssueSlots], per_publication: int = NEXT_ISSUES) -> list[dict]:
    """The next issues of each publication with booked/active and the share in percent (one place)."""
    seen: dict[str, int] = {}
    out = []
    for item in sorted(issues, key=lambda i: (i.publication, i.publish_date, i.issue_id)):
        seen[item.publication] = seen.get(item.publication, 0) + 1
        if seen[item.publication] > per_publication:
            continue
        share = None
        if item.active > 0:
            share = float((Decimal(100 * item.booked) / item.active).quantize(Decimal("0.1"), ROUND_HALF_UP))
        out.append({"issue_id": item.issue_id, "publication": item.publication, "number": item.number,
                    "publish_date": item.publish_date.isoformat(), "booked": item.booked,
                    "active": item.active, "percent": share})
    return out


def satisfaction_trend(days: Iterable[tuple[date, int, int]], months: Sequence[str]) -> dict[str, Decimal | None]:
    """Average score per month from (day, number of scores, sum of scores); None where nothing was scored."""
    counts = {month: 0 for month in months}
    sums = {month: 0 for month in months}
    for day, count, total in days:
        key = month_key(day)
        if key in counts:
            counts[key] += int(count)
            sums[key] += int(total)
    return {month: (Decimal(sums[month]) / counts[month]).quantize(Decimal("0.01"), ROUND_HALF_UP)
            if counts[month] else None for month in months}


def short_list(rows: Sequence, limit: int = SHORT_LIST, total: int | None = None) -> dict:
    """The first ``limit`` rows and how many there are in all (``total`` if the rows given are only the
    first ones)."""
    return {"rows": list(rows[:limit]), "total": len(rows) if total is None else total}


@dataclass(frozen=True)
class RenewalCandidate:
    ref: Hashable
    kind: str  # ContractKind
    end_date: date


def renewals_due(candidates: Iterable[RenewalCandidate], today: date) -> list[tuple[RenewalCandidate, str]]:
    """Contracts inside their renewal window ('due') or past their end ('lapsed'), earliest end first."""
    out = []
    for c in sorted(candidates, key=lambda c: c.end_date):
        status = renewal_status(c.kind, c.end_date, today)
        if status != RENEWAL_OK:
            out.append((c, status))
    return out


def overdue_first(items: Iterable[OpenReceivable]) -> list[OpenReceivable]:
    """Open receivables past their deadline, most overdue first."""
    return sorted((i for i in items if i.is_overdue), key=lambda i: (-i.days_overdue, i.due_date))


@dataclass(frozen=True)
class CollectedPayment:
    ref: Hashable
    method: str
    collected_on: date


def handovers_late(payments: Iterable[CollectedPayment], now: datetime,
                   close_of_business: time | None = None) -> list[tuple[CollectedPayment, bool]]:
    """Unconfirmed cash/cheque payments with whether they missed their same-day handover, oldest first
    (stable: same-day payments keep their given order)."""
    return [(p, handover_overdue(p.method, p.collected_on, None, now, close_of_business))
            for p in sorted(payments, key=lambda p: p.collected_on)]
