"""Sales KPIs (seed rule 9): calls, visits, filings (报备) and signed contracts
per person per ISO week and per calendar month. Pure aggregation.

Decisions (the seed is silent on these):
- Calls and visits count every logged activity of that kind entered on time;
  e-mail, fax and exhibition meetings are logged but are not KPIs. A call or
  visit entered late (more than three days after it happened, marked when it
  is saved) is counted apart, in ``late_entries``, in the period it happened:
  back-dating ten visits shows as ten late entries, not as ten visits.
- A filing is a customer moved to stage 'filed'; the same customer filed twice in
  one period counts once (a customer bounced back and forth is one filing).
  Credit goes to the ``user_id`` on the fact; the caller decides whom (the
  customer's owner at the time).
- A signed contract is counted when it is sealed (the only state in force),
  credited to the customer's owner, once per contract. Stage changes to
  'signed' are not counted, or a contract would count twice.
- Weeks are ISO weeks keyed 'YYYY-Www' with the ISO year (2024-12-30 is
  '2025-W01'); months are 'YYYY-MM'. Facts without a user are skipped. Only
  people with at least one counted fact in a period get a row.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Callable, Iterable

from app.domain.enums import ActivityKind, CustomerStage


@dataclass(frozen=True)
class ActivityFact:
    user_id: int | None
    kind: str  # ActivityKind
    on: date
    late: bool = False  # entered late (Activity.late)


@dataclass(frozen=True)
class StageChangeFact:
    user_id: int | None
    customer_id: int
    to_stage: str  # CustomerStage
    on: date


@dataclass(frozen=True)
class SignedContractFact:
    user_id: int | None  # the customer's owner
    contract_id: int
    sealed_on: date


@dataclass(frozen=True)
class KpiRow:
    user_id: int
    period: str
    calls: int = 0
    visits: int = 0
    filings: int = 0
    signed_contracts: int = 0
    late_entries: int = 0


def iso_week_key(d: date) -> str:
    year, week, _ = d.isocalendar()
    return f"{year}-W{week:02d}"


def month_key(d: date) -> str:
    return f"{d.year}-{d.month:02d}"


def _aggregate(period_of: Callable[[date], str], activities: Iterable[ActivityFact],
               stage_changes: Iterable[StageChangeFact],
               contracts: Iterable[SignedContractFact]) -> list[KpiRow]:
    calls: dict[tuple[int, str], int] = defaultdict(int)
    visits: dict[tuple[int, str], int] = defaultdict(int)
    filed: dict[tuple[int, str], set[int]] = defaultdict(set)
    signed: dict[tuple[int, str], set[int]] = defaultdict(set)
    late: dict[tuple[int, str], int] = defaultdict(int)
    for a in activities:
        if a.user_id is None:
            continue
        if a.late:
            if a.kind in (ActivityKind.CALL, ActivityKind.VISIT):
                late[(a.user_id, period_of(a.on))] += 1
        elif a.kind == ActivityKind.CALL:
            calls[(a.user_id, period_of(a.on))] += 1
        elif a.kind == ActivityKind.VISIT:
            visits[(a.user_id, period_of(a.on))] += 1
    for s in stage_changes:
        if s.user_id is not None and s.to_stage == CustomerStage.FILED:
            filed[(s.user_id, period_of(s.on))].add(s.customer_id)
    for c in contracts:
        if c.user_id is not None:
            signed[(c.user_id, period_of(c.sealed_on))].add(c.contract_id)
    keys = set(calls) | set(visits) | set(filed) | set(signed) | set(late)
    return [KpiRow(user_id, period, calls.get((user_id, period), 0),
                   visits.get((user_id, period), 0), len(filed.get((user_id, period), ())),
                   len(signed.get((user_id, period), ())), late.get((user_id, period), 0))
            for user_id, period in sorted(keys)]


def kpi_by_week(activities: Iterable[ActivityFact], stage_changes: Iterable[StageChangeFact] = (),
                contracts: Iterable[SignedContractFact] = ()) -> list[KpiRow]:
    """One row per (user, ISO week) with any KPI, sorted by user then week."""
    return _aggregate(iso_week_key, activities, stage_changes, contracts)


def kpi_by_month(activities: Iterable[ActivityFact], stage_changes: Iterable[StageChangeFact] = (),
                 contracts: Iterable[SignedContractFact] = ()) -> list[KpiRow]:
    """One row per (user, calendar month) with any KPI, sorted by user then month."""
    return _aggregate(month_key, activities, stage_changes, contracts)
