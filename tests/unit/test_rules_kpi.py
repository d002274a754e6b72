from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.rules.kpi import (
    ActivityFact, KpiRow, SignedContractFact, StageChangeFact, iso_week_key, kpi_by_month,
    kpi_by_week, month_key,
)

D = date
ANN, BOB = 1, 2

ACTIVITIES = [
    ActivityFact(ANN, "call", D(2024, 1, 29)),  # Mon, 2024-W05
    ActivityFact(ANN, "call", D(2024, 1, 31)),  # Wed, W05, January
    ActivityFact(ANN, "visit", D(2024, 2, 1)),  # Thu, W05, February
    ActivityFact(ANN, "email", D(2024, 2, 1)),  # not a KPI
    ActivityFact(ANN, "fax", D(2024, 2, 2)),
    ActivityFact(ANN, "exhibition", D(2024, 2, 2)),
    ActivityFact(BOB, "call", D(2024, 2, 5)),  # W06
    ActivityFact(None, "call", D(2024, 2, 5)),  # no user: skipped
]
STAGES = [
    StageChangeFact(ANN, 100, "filed", D(2024, 1, 30)),
    StageChangeFact(ANN, 100, "intent", D(2024, 1, 30)),
    StageChangeFact(ANN, 100, "filed", D(2024, 1, 31)),  # same customer, same week: once
    StageChangeFact(ANN, 101, "filed", D(2024, 2, 1)),
    StageChangeFact(ANN, 102, "signed", D(2024, 2, 1)),  # counted via contracts, not here
    StageChangeFact(BOB, 103, "lead", D(2024, 2, 6)),
]
CONTRACTS = [
    SignedContractFact(ANN, 500, D(2024, 2, 1)),
    SignedContractFact(BOB, 501, D(2024, 2, 9)),
    SignedContractFact(BOB, 501, D(2024, 2, 9)),  # same contract twice: once
    SignedContractFact(None, 502, D(2024, 2, 9)),
]


def test_kpi_by_week():
    assert kpi_by_week(ACTIVITIES, STAGES, CONTRACTS) == [
        KpiRow(ANN, "2024-W05", calls=2, visits=1, filings=2, signed_contracts=1),
        KpiRow(BOB, "2024-W06", calls=1, visits=0, filings=0, signed_contracts=1),
    ]


def test_kpi_by_month():
    assert kpi_by_month(ACTIVITIES, STAGES, CONTRACTS) == [
        KpiRow(ANN, "2024-01", calls=2, visits=0, filings=1, signed_contracts=0),
        KpiRow(ANN, "2024-02", calls=0, visits=1, filings=1, signed_contracts=1),
        KpiRow(BOB, "2024-02", calls=1, visits=0, filings=0, signed_contracts=1),
    ]


def test_same_customer_filed_in_two_months_counts_in_each():
    stages = [StageChangeFact(ANN, 100, "filed", D(2024, 1, 31)),
              StageChangeFact(ANN, 100, "filed", D(2024, 2, 1))]
    assert [r.filings for r in kpi_by_month([], stages)] == [1, 1]
    assert [r.filings for r in kpi_by_week([], stages)] == [1]


def test_empty_input():
    assert kpi_by_week([]) == [] and kpi_by_month([], [], []) == []


@pytest.mark.parametrize("d, key", [
    (D(2024, 1, 1), "2024-W01"),
    (D(2024, 12, 30), "2025-W01"),  # ISO year differs from calendar year
    (D(2021, 1, 3), "2020-W53"),
    (D(2020, 12, 31), "2020-W53"),
    (D(2024, 2, 29), "2024-W09"),
])
def test_iso_week_key(d, key):
    assert iso_week_key(d) == key


@pytest.mark.parametrize("d, key", [(D(2024, 1, 31), "2024-01"), (D(2024, 12, 1), "2024-12")])
def test_month_key(d, key):
    assert month_key(d) == key


def test_week_spanning_new_year():
    acts = [ActivityFact(ANN, "visit", D(2024, 12, 30)), ActivityFact(ANN, "visit", D(2025, 1, 2))]
    assert kpi_by_week(acts) == [KpiRow(ANN, "2025-W01", visits=2)]
    assert [r.period for r in kpi_by_month(acts)] == ["2024-12", "2025-01"]


activity = st.builds(ActivityFact, st.integers(1, 3),
                     st.sampled_from(["call", "visit", "email", "fax", "exhibition"]),
                     st.dates(D(2023, 1, 1), D(2025, 12, 31)))


@given(st.lists(activity, max_size=40))
def test_weekly_and_monthly_totals_agree(acts):
    snapshot = list(acts)
    for rows in (kpi_by_week(acts), kpi_by_month(acts)):
        assert sum(r.calls for r in rows) == sum(a.kind == "call" for a in acts)
        assert sum(r.visits for r in rows) == sum(a.kind == "visit" for a in acts)
        assert all(r.calls or r.visits for r in rows)
    assert acts == snapshot


@given(st.dates(D(2000, 1, 1), D(2100, 12, 31)))
def test_week_key_shared_by_the_seven_days_of_a_week(d):
    monday = d - timedelta(days=d.weekday())
    assert {iso_week_key(monday + timedelta(days=k)) for k in range(7)} == {iso_week_key(d)}
