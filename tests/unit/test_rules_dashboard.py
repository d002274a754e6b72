"""Each dashboard figure against a hand-computed fixture of literal facts."""
from datetime import date, datetime, time
from decimal import Decimal

from app.domain.rules.dashboard import (
    CollectedPayment, ContractValue, IssueSlots, RenewalCandidate, grouped_ageing, handovers_late, kpi_figures,
    kpi_totals, kpi_window_start, leading_groups, month_keys, months_start, occupancy, overdue_first, pipeline,
    renewals_due, revenue_by_month, satisfaction_trend, short_list, week_keys, weeks_start,
)
from app.domain.rules.kpi import ActivityFact, SignedContractFact, StageChangeFact
from app.domain.rules.money import OpenReceivable, ageing_totals

D = date
TODAY = D(2026, 11, 26)  # Thursday, ISO week 2026-W48
ANN, BOB = 1, 2


def test_periods_end_with_today():
    assert month_keys(TODAY, 3) == ["2026-09", "2026-10", "2026-11"]
    assert month_keys(D(2026, 2, 10), 3) == ["2025-12", "2026-01", "2026-02"]
    assert week_keys(TODAY, 3) == ["2026-W46", "2026-W47", "2026-W48"]
    assert week_keys(D(2027, 1, 1), 2) == ["2026-W52", "2026-W53"]
    assert months_start(TODAY, 6) == D(2026, 6, 1)
    assert weeks_start(TODAY, 8) == D(2026, 10, 5)  # Monday of W41
    assert kpi_window_start(TODAY, weeks=8, months=6) == D(2026, 6, 1)
    assert kpi_window_start(TODAY, weeks=30, months=1) == weeks_start(TODAY, 30)


def test_kpi_figures_per_person_per_week_and_month():
    activities = [
        ActivityFact(ANN, "call", D(2026, 11, 23)),  # W48, Nov
        ActivityFact(ANN, "call", D(2026, 11, 26)),  # W48, Nov
        ActivityFact(ANN, "visit", D(2026, 10, 30)),  # W44, Oct
        ActivityFact(ANN, "email", D(2026, 11, 24)),  # not a KPI
        ActivityFact(BOB, "visit", D(2026, 11, 16)),  # W47, Nov
        ActivityFact(BOB, "call", D(2026, 5, 29)),  # before both windows: not shown
    ]
    filings = [StageChangeFact(ANN, 10, "filed", D(2026, 11, 2)),  # W45
               StageChangeFact(ANN, 10, "filed", D(2026, 11, 3))]  # same customer, same week and month: once
    sealed = [SignedContractFact(BOB, 7, D(2026, 11, 17))]  # W47
    out = kpi_figures(activities, filings, sealed, TODAY, weeks=4, months=2)
    assert out["weeks"] == ["2026-W45", "2026-W46", "2026-W47", "2026-W48"]
    assert out["months"] == ["2026-10", "2026-11"]
    assert out["by_week"] == [
        {"user_id": ANN, "period": "2026-W45", "calls": 0, "visits": 0, "filings": 1, "signed_contracts": 0,
         "late_entries": 0},
        {"user_id": ANN, "period": "2026-W48", "calls": 2, "visits": 0, "filings": 0, "signed_contracts": 0,
         "late_entries": 0},
        {"user_id": BOB, "period": "2026-W47", "calls": 0, "visits": 1, "filings": 0, "signed_contracts": 1,
         "late_entries": 0},
    ]
    assert out["by_month"] == [
        {"user_id": ANN, "period": "2026-10", "calls": 0, "visits": 1, "filings": 0, "signed_contracts": 0,
         "late_entries": 0},
        {"user_id": ANN, "period": "2026-11", "calls": 2, "visits": 0, "filings": 1, "signed_contracts": 0,
         "late_entries": 0},
        {"user_id": BOB, "period": "2026-11", "calls": 0, "visits": 1, "filings": 0, "signed_contracts": 1,
         "late_entries": 0},
    ]
    assert kpi_totals(out["by_week"], out["weeks"]) == {
        "calls": [0, 0, 0, 2], "visits": [0, 0, 1, 0], "filings": [1, 0, 0, 0], "signed_contracts": [0, 0, 1, 0]}


def test_pipeline_in_stage_order_with_zeros():
    assert pipeline({"signed": 2, "lead": 5, "bogus": 9}) == {
        "lead": 5, "intent": 0, "filed": 0, "signed": 2, "lost": 0}


def test_revenue_after_discount_by_start_month():
    contracts = [
        ContractValue(D(2026, 11, 1), Decimal("10000.00"), Decimal("10")),  # 9000.00
        ContractValue(D(2026, 11, 30), Decimal("333.33"), Decimal("50")),  # 166.665 -> 166.67 (half-up, per contract)
        ContractValue(D(2026, 10, 15), Decimal("1200"), None),  # 1200.00
        ContractValue(D(2026, 12, 1), Decimal("999"), Decimal("0")),  # outside the months asked
        ContractValue(D(2025, 11, 1), Decimal("5"), Decimal("0")),  # a year back: outside
    ]
    assert revenue_by_month(contracts, ["2026-09", "2026-10", "2026-11"]) == {
        "2026-09": Decimal("0.00"), "2026-10": Decimal("1200.00"), "2026-11": Decimal("9166.67")}


def test_revenue_of_grouped_contracts_is_rounded_per_contract():
    one_by_one = [ContractValue(D(2026, 11, 30), Decimal("333.33"), Decimal("50"))] * 3  # 3 x 166.67
    grouped = [ContractValue(D(2026, 11, 30), Decimal("333.33"), Decimal("50"), count=3)]
    assert revenue_by_month(grouped, ["2026-11"]) == revenue_by_month(one_by_one, ["2026-11"]) == {
        "2026-11": Decimal("500.01")}  # not 999.99 x 50 % = 499.995 -> 500.00


def test_ageing_of_groups_counts_every_receivable_of_a_group():
    groups = [OpenReceivable("a", D(2026, 11, 13), Decimal("1000.00"), 13, "0-30"),
              OpenReceivable("b", D(2026, 8, 13), Decimal("0.01"), 105, "90+"),
              OpenReceivable("c", D(2026, 10, 13), Decimal("250.50"), 44, "31-60")]
    sizes = {"a": 3, "b": 7}  # "c" alone
    expanded = [g for g in groups for _ in range(sizes.get(g.ref, 1))]
    assert grouped_ageing(groups, sizes) == ageing_totals(expanded) == {
        "0-30": Decimal("3000.00"), "31-60": Decimal("250.50"), "61-90": Decimal("0.00"), "90+": Decimal("0.07")}


def test_leading_groups_hold_the_first_rows_and_their_ties():
    def group(ref, due):
        return OpenReceivable(ref, due, Decimal("1"), 1, "0-30")

    groups = [group("a", D(2026, 8, 1)), group("b", D(2026, 9, 1)), group("c", D(2026, 9, 1)),
              group("d", D(2026, 9, 1)), group("e", D(2026, 10, 1))]
    sizes = {"a": 4, "b": 6, "c": 1, "d": 2, "e": 9}
    due = (lambda g: g.due_date)
    # a and b hold the first 10 rows; c and d share b's due date, so their rows may come before b's
    assert [g.ref for g in leading_groups(groups, sizes, due, limit=10)] == ["a", "b", "c", "d"]
    assert [g.ref for g in leading_groups(groups, sizes, due, limit=4)] == ["a"]
    assert [g.ref for g in leading_groups(groups, sizes, due, limit=5)] == ["a", "b", "c", "d"]
    assert [g.ref for g in leading_groups(groups, sizes, due, limit=100)] == ["a", "b", "c", "d", "e"]
    assert leading_groups([], sizes, due) == []


def test_occupancy_next_issues_per_publication():
    issues = [
        IssueSlots(1, "刊A", "N1", D(2026, 12, 1), booked=3, active=4),
        IssueSlots(2, "刊A", "N2", D(2026, 12, 15), booked=0, active=4),
        IssueSlots(3, "刊A", "N3", D(2027, 1, 1), booked=1, active=3),
        IssueSlots(4, "刊A", "N4", D(2027, 1, 15), booked=4, active=4),  # the 4th: not shown
        IssueSlots(5, "刊B", "B1", D(2026, 12, 2), booked=0, active=0),  # no active slot: no share
    ]
    out = occupancy(issues, per_publication=3)
    assert [(r["issue_id"], r["booked"], r["active"], r["percent"]) for r in out] == [
        (1, 3, 4, 75.0), (2, 0, 4, 0.0), (3, 1, 3, 33.3), (5, 0, 0, None)]
    assert out[0] == {"issue_id": 1, "publication": "刊A", "number": "N1", "publish_date": "2026-12-01",
                      "booked": 3, "active": 4, "percent": 75.0}


def test_satisfaction_average_by_month():
    days = [(D(2026, 10, 3), 2, 7), (D(2026, 10, 20), 1, 4),  # Oct: 11 / 3 = 3.666.. -> 3.67
            (D(2026, 11, 1), 2, 5),  # Nov: 2.50
            (D(2026, 6, 1), 1, 5)]  # outside
    assert satisfaction_trend(days, ["2026-09", "2026-10", "2026-11"]) == {
        "2026-09": None, "2026-10": Decimal("3.67"), "2026-11": Decimal("2.50")}


def test_short_list_counts_all():
    assert short_list(list(range(12)), limit=10) == {"rows": list(range(10)), "total": 12}
    assert short_list([], limit=10) == {"rows": [], "total": 0}
    assert short_list(list(range(10)), limit=10, total=25) == {"rows": list(range(10)), "total": 25}


def test_renewals_due_or_lapsed_earliest_end_first():
    candidates = [
        RenewalCandidate("ad-ok", "ad", D(2026, 12, 20)),  # window opens Dec 5: ok
        RenewalCandidate("ad-due", "ad", D(2026, 12, 10)),  # window opened Nov 25: due
        RenewalCandidate("member-due", "membership", D(2026, 12, 26)),  # window opened Nov 26: due
        RenewalCandidate("lapsed", "ad", D(2026, 11, 25)),  # ended yesterday
        RenewalCandidate("last-day", "ad", D(2026, 11, 26)),  # ends today: still due
    ]
    assert [(c.ref, status) for c, status in renewals_due(candidates, TODAY)] == [
        ("lapsed", "lapsed"), ("last-day", "due"), ("ad-due", "due"), ("member-due", "due")]


def test_overdue_first_most_overdue_first():
    items = [OpenReceivable("a", D(2026, 11, 13), Decimal("1"), 13, "0-30"),
             OpenReceivable("b", D(2026, 12, 13), Decimal("1"), 0, "0-30"),  # not overdue
             OpenReceivable("c", D(2026, 8, 13), Decimal("1"), 105, "90+")]
    assert [i.ref for i in overdue_first(items)] == ["c", "a"]


def test_handovers_late_after_the_collection_day():
    payments = [CollectedPayment(2, "cash", D(2026, 11, 26)), CollectedPayment(1, "cheque", D(2026, 11, 25)),
                CollectedPayment(3, "transfer", D(2026, 11, 1))]  # transfers never need a handover
    now = datetime(2026, 11, 26, 18, 0)
    assert [(p.ref, late) for p, late in handovers_late(payments, now)] == [(3, False), (1, True), (2, False)]
    assert [(p.ref, late) for p, late in handovers_late(payments, now, time(17, 30))] == [
        (3, False), (1, True), (2, True)]
