"""The home dashboard: which sections a role sees, the facts behind them in a few aggregate statements,
and the figures (pure functions of app.domain.rules.dashboard), as one JSON-ready dict.

Statements (beyond sign-in), each only when a section needs it: 1 for the counted facts (KPIs, pipeline,
satisfaction, occupancy: one UNION ALL), 1 for sealed contracts and their payments summed and grouped
(revenue, ageing, overdue), 1 for the rows of the overdue list, 1 for renewals, 1 for cash handovers.
At most 5. Each returns aggregates or the few rows shown, never a row per contract or payment (statement
2 still sums every sealed contract's payments inside the database). Rows the rules rank equal (same days
overdue, same end date, same collection day) come in id order.
"""
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import Date, Integer, String, and_, cast, func, literal, null, or_, select, type_coerce, union_all
from sqlalchemy.orm import aliased

from app.domain.enums import ContractStatus, CustomerStage, PaymentMethod
from app.domain.rules import dashboard as rules
from app.domain.rules.dashboard import CollectedPayment, ContractValue, IssueSlots, RenewalCandidate
from app.domain.rules.dates import add_months, month_start
from app.domain.rules.kpi import ActivityFact, SignedContractFact, StageChangeFact
from app.domain.rules.money import PaymentFacts, ReceivableFacts, open_receivables
from app.models import (
    Activity, AdSlot, Booking, Complaint, Contract, ContractTransition, Customer, CustomerStageChange, Issue,
    Payment, Publication, WriteOff, db,
)
from app.models.base import Money
from app.security import authority
from app.security.matrix import allowed
from app.security.ownership import acting_user, current_role_names, restricted_user_id

from .scope import own_rows

# The confirmed-payment and write-off sums of the receivables page, so both count the same money.
from .money import (
    _paid_subquery, _written_off_subquery, agreed_due_date, applied_amount, close_of_business, counted_payment, fee_kind,
)
from .renewals import LAPSED_DAYS_SHOWN, LOOK_AHEAD_DAYS

# section -> (records it reads, roles it is meant for). A section shows when the user has one of the
# roles AND the matrix lets them read every record; rows are limited as the matrix says (own customers).
SECTIONS = {
    "kpi": (("activity", "customer", "contract"), {"Admin", "Manager", "Sales"}),
    "pipeline": (("customer",), {"Admin", "Manager", "Sales", "Service"}),
    "revenue": (("contract",), {"Admin", "Manager", "Sales", "Finance"}),
    "ageing": (("payment",), {"Admin", "Manager", "Sales", "Finance"}),
    "occupancy": (("issue", "adslot", "booking"), {"Admin", "Manager", "Sales"}),
    "renewals": (("contract",), {"Admin", "Manager", "Sales"}),
    "overdue": (("payment",), {"Admin", "Manager", "Sales", "Finance"}),
    "handovers": (("payment",), {"Admin", "Manager", "Sales", "Finance"}),
    "satisfaction": (("complaint",), {"Admin", "Manager", "Service"}),
}


def visible_sections(roles, may_read=None) -> list[str]:
    """`may_read(record)`: the user's read permission (app.security.authority); the declaration's when omitted."""
    roles = set(roles)
    may_read = may_read or (lambda record: allowed(record, roles, "read"))
    return [name for name, (records, audience) in SECTIONS.items()
            if roles & audience and all(may_read(record) for record in records)]


def money_text(value: Decimal) -> str:
    return f"{value:.2f}"


# --- statement 1: counted facts and the next issues' slots, one UNION ALL ---------------------------------

def _row(family: str, user_id=None, ref=None, label=None, day=None, n=None, total=None, note=None):
    """One select's columns in the union's shape (typed NULLs, so PostgreSQL can match the types)."""
    return [
        cast(literal(family), String()).label("family"),
        user_id if user_id is not None else cast(null(), Integer),
        ref if ref is not None else cast(null(), Integer),
        label if label is not None else cast(null(), String()),
        note if note is not None else cast(null(), String()),
        day if day is not None else cast(null(), Date),
        n if n is not None else cast(null(), Integer),
        total if total is not None else cast(null(), Integer),
    ]


def occupancy_select(today: date):
    """The next issues of each publication with their bookings in active slots and the active slots."""
    rank = func.row_number().over(partition_by=Issue.publication_id,
                                  order_by=(Issue.publish_date, Issue.id)).label("rank")
    upcoming = (select(Issue.id, Issue.number, Issue.publish_date, Issue.publication_id, rank)
                .where(Issue.publish_date >= today).subquery())
    active = (select(AdSlot.publication_id, func.count().label("active")).where(AdSlot.active.is_(True))
              .group_by(AdSlot.publication_id).subquery())
    booked = (select(Booking.issue_id, func.count().label("booked"))
              .join(AdSlot, AdSlot.id == Booking.slot_id).join(Issue, Issue.id == Booking.issue_id)
              .where(AdSlot.active.is_(True), Issue.publish_date >= today)
              .group_by(Booking.issue_id).subquery())
    return (select(*_row("occupancy", ref=upcoming.c.id, label=Publication.name, note=upcoming.c.number,
                         day=upcoming.c.publish_date, n=func.coalesce(booked.c.booked, 0),
                         total=func.coalesce(active.c.active, 0)))
            .select_from(upcoming)
            .join(Publication, Publication.id == upcoming.c.publication_id)
            .outerjoin(active, active.c.publication_id == upcoming.c.publication_id)
            .outerjoin(booked, booked.c.issue_id == upcoming.c.id)
            .where(upcoming.c.rank <= rules.NEXT_ISSUES))


def counted_facts_statement(sections, today: date, kpi_user: int | None, pipeline_user: int | None):
    parts = []
    if "kpi" in sections:
        since = rules.kpi_window_start(today)
        activity = (select(*_row("activity", Activity.user_id, ref=cast(Activity.late, Integer), label=Activity.kind,
                                 day=Activity.happened_on, n=func.count()))
                    .where(Activity.kind.in_(["call", "visit"]), Activity.happened_on >= since,
                           Activity.happened_on <= today, Activity.user_id.is_not(None))
                    .group_by(Activity.user_id, Activity.kind, Activity.happened_on, Activity.late))
        filing = (select(*_row("filing", CustomerStageChange.owner_id, CustomerStageChange.customer_id,
                               day=CustomerStageChange.changed_on)).distinct()
                  .where(CustomerStageChange.to_stage == CustomerStage.FILED.value,
                         CustomerStageChange.changed_on >= since, CustomerStageChange.changed_on <= today))
        sealed_day = type_coerce(func.date(ContractTransition.at), Date)
        sealed = (select(*_row("sealed", Customer.owner_id, ContractTransition.contract_id, day=sealed_day))
                  .join(Contract, Contract.id == ContractTransition.contract_id)
                  .join(Customer, Customer.id == Contract.customer_id)
                  .where(ContractTransition.to_status == ContractStatus.SEALED.value,
                         ContractTransition.at >= datetime.combine(since, datetime.min.time())))
        if kpi_user is not None:
            activity = activity.where(Activity.user_id == kpi_user)
            filing = filing.where(CustomerStageChange.owner_id == kpi_user)
            sealed = own_rows(sealed, "contract", owner_id=Customer.owner_id, user_id=kpi_user)
        parts += [activity, filing, sealed]
        if kpi_user is None:
            from flask import current_app

            user = current_app.appbuilder.sm.user_model
            parts.append(select(*_row("person", user.id, label=cast(user.first_name + " " + user.last_name,
                                                                    String()))))
    if "pipeline" in sections:
        stages = select(*_row("stage", label=Customer.stage, n=func.count())).group_by(Customer.stage)
        stages = own_rows(stages, "customer", owner_id=Customer.owner_id, user_id=pipeline_user)
        parts.append(stages)
    if "satisfaction" in sections:
        since = rules.months_start(today, rules.SATISFACTION_MONTHS)
        parts.append(select(*_row("satisfaction", day=Complaint.received_on, n=func.count(Complaint.satisfaction),
                                  total=func.sum(Complaint.satisfaction)))
                     .where(Complaint.satisfaction.is_not(None), Complaint.received_on >= since,
                            Complaint.received_on <= today)
                     .group_by(Complaint.received_on))
    if "occupancy" in sections:
        parts.append(occupancy_select(today))
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else union_all(*parts)


def _as_date(value):
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, str):
        return date.fromisoformat(value[:10])
    return value


# --- the page ----------------------------------------------------------------------------------------

def dashboard_data(today: date | None = None, now: datetime | None = None) -> dict:
    """Everything the dashboard shows for the current user, JSON-ready (money as text, two places)."""
    today = today or date.today()
    now = now or datetime.now()
    roles = current_role_names()
    me = acting_user()
    sections = visible_sections(roles, lambda record: authority.may(me, "read", record))
    data: dict = {"sections": sections, "today": today.isoformat()}
    kpi_user = restricted_user_id("activity")
    statement = counted_facts_statement(sections, today, kpi_user, restricted_user_id("customer"))
    issues = []
    if statement is not None:
        activities, filings, sealed, stages, scores, persons = [], [], [], {}, [], {}
        for family, user_id, ref, label, note, day, n, total in db.session.execute(statement):
            if family == "activity":
                activities += [ActivityFact(user_id, label, _as_date(day), late=bool(ref))] * int(n)
            elif family == "filing":
                filings.append(StageChangeFact(user_id, ref, CustomerStage.FILED.value, _as_date(day)))
            elif family == "sealed":
                sealed.append(SignedContractFact(user_id, ref, _as_date(day)))
            elif family == "person":
                persons[user_id] = (label or "").strip()
            elif family == "stage":
                stages[label] = int(n)
            elif family == "satisfaction":
                scores.append((_as_date(day), int(n), int(total or 0)))
            elif family == "occupancy":
                issues.append(IssueSlots(ref, label, note, _as_date(day), int(n), int(total)))
        if "kpi" in sections:
            figures = rules.kpi_figures(activities, filings, sealed, today)
            if kpi_user is not None and me is not None:
                persons = {me.id: f"{me.first_name} {me.last_name}".strip()}
            shown = {row["user_id"] for row in figures["by_week"] + figures["by_month"]}
            figures["people"] = {str(uid): persons.get(uid, f"#{uid}") for uid in sorted(shown)}
            figures["week_totals"] = rules.kpi_totals(figures["by_week"], figures["weeks"])
            data["kpi"] = figures
        if "pipeline" in sections:
            data["pipeline"] = rules.pipeline(stages)
        if "satisfaction" in sections:
            trend = rules.satisfaction_trend(scores, rules.month_keys(today, rules.SATISFACTION_MONTHS))
            data["satisfaction"] = {month: (str(avg) if avg is not None else None) for month, avg in trend.items()}
    if {"revenue", "ageing", "overdue"} & set(sections):
        data.update(money_figures(sections, today))
    if "occupancy" in sections:
        data["occupancy"] = rules.occupancy(issues)
    if "renewals" in sections:
        data["renewals"] = renewal_list(today)
    if "handovers" in sections:
        data["handovers"] = handover_list(now)
    return data


# --- statements 2 and 3: sealed contracts and what was paid (revenue, ageing, overdue) -----------------
#
# The database only sums and counts: statement 2 groups sealed contracts with identical facts (revenue: by
# start day, amount and discount; receivables: by every fact the money rules read), so the rules run once
# per group rather than once per contract. Only contracts that can still be open are grouped: owing
# anything needs the unrounded amount after discount above what was paid and written off (the rules round
# it by at most half a cent; payments are whole cents), so the comparison keeps every open receivable and
# the rules decide. Statement 3 reads the rows of the overdue list: the contracts of the groups that hold
# its first rows (the rules decide which), one by one, with their numbers and customers.

def _can_be_open(amount, discount_pct, paid, written):
    return amount * (100 - discount_pct) > (paid + written) * 100


def sealed_contracts(user_id: int | None):
    """Sealed contracts with their confirmed payments and write-offs summed (as money.receivable_facts_query,
    without the customer columns), in id order: SQLite then reads the contracts in table order
    (ix_contract_status) rather than hopping through ix_contract_status_end; PostgreSQL merge-joins."""
    paid, written = _paid_subquery(), _written_off_subquery()
    query = (select(Contract.id, Contract.kind, Contract.start_date, Contract.payment_terms, Contract.settle_date,
                    Contract.amount, Contract.discount_pct, func.coalesce(paid.c.paid, 0).label("paid"),
                    func.coalesce(written.c.written_off, 0).label("written"))
             .outerjoin(paid, paid.c.contract_id == Contract.id)
             .outerjoin(written, written.c.contract_id == Contract.id)
             .where(Contract.status == ContractStatus.SEALED.value)
             .order_by(Contract.id))
    return own_rows(query, "contract", customer_id=Contract.customer_id, user_id=user_id)


def money_facts_statement(sections, today: date, user_id: int | None):
    sealed = sealed_contracts(user_id).cte("sealed_contract")
    c = sealed.c
    parts = []
    if "revenue" in sections:
        after = add_months(month_start(today), 1)
        parts.append(select(cast(literal("revenue"), String()).label("family"), cast(null(), String()), c.start_date,
                            cast(null(), String()), cast(null(), Date), c.amount, c.discount_pct,
                            cast(null(), Money), cast(null(), Money), func.count())
                     .where(c.start_date >= rules.months_start(today, rules.REVENUE_MONTHS), c.start_date < after)
                     .group_by(c.start_date, c.amount, c.discount_pct))
    if {"ageing", "overdue"} & set(sections):
        facts = (c.kind, c.start_date, c.payment_terms, c.settle_date, c.amount, c.discount_pct, c.paid, c.written)
        parts.append(select(cast(literal("receivable"), String()).label("family"), *facts, func.count())
                     .where(_can_be_open(c.amount, c.discount_pct, c.paid, c.written))
                     .group_by(*facts))
    return parts[0] if len(parts) == 1 else union_all(*parts)


def _receivable(ref, kind, start, terms, settle, amount, discount, paid, written) -> ReceivableFacts:
    return ReceivableFacts(
        ref=ref, kind=fee_kind(kind), period=start, amount=Decimal(amount), discount_pct=Decimal(discount),
        payments=(PaymentFacts(Decimal(paid), True),), write_offs=(Decimal(written),),
        agreed_due_date=agreed_due_date(terms, start, settle))


def overdue_rows_statement(groups, user_id: int | None):
    """Sealed contracts with the given (kind, start, terms, settle date) that can still be open, by id.
    Their sums per contract (correlated: a few hundred contracts, not all of them)."""
    paid = (select(func.coalesce(func.sum(applied_amount()), 0))
            .where(Payment.contract_id == Contract.id, counted_payment()).scalar_subquery())
    written = select(func.coalesce(func.sum(WriteOff.amount), 0)).where(
        WriteOff.contract_id == Contract.id).scalar_subquery()
    which = or_(*(and_(Contract.kind == kind, Contract.start_date == start, Contract.payment_terms == terms,
                       Contract.settle_date.is_(None) if settle is None else Contract.settle_date == settle)
                  for kind, start, terms, settle in sorted(groups, key=str)))
    # Materialized on PostgreSQL: without statistics it would otherwise start from the owner's customers
    # and probe the contracts once per customer.
    rows = (select(Contract.id, Contract.number, Contract.customer_id, Contract.kind, Contract.start_date,
                   Contract.payment_terms, Contract.settle_date, Contract.amount, Contract.discount_pct,
                   paid.label("paid"), written.label("written"))
            .where(Contract.status == ContractStatus.SEALED.value, which)
            .cte("overdue_candidate").prefix_with("MATERIALIZED", dialect="postgresql"))
    query = (select(rows.c.id, rows.c.number, Customer.name, rows.c.kind, rows.c.start_date, rows.c.payment_terms,
                    rows.c.settle_date, rows.c.amount, rows.c.discount_pct, rows.c.paid, rows.c.written)
             .join(Customer, Customer.id == rows.c.customer_id)
             .where(_can_be_open(rows.c.amount, rows.c.discount_pct, rows.c.paid, rows.c.written))
             .order_by(rows.c.id))
    return own_rows(query, "payment", owner_id=Customer.owner_id, user_id=user_id)


def money_figures(sections, today: date) -> dict:
    # One statement serves revenue (read on Contract) and the money lists (read on Payment): every role
    # that sees both has the same scope on the two records (Sales: own customers; others: all).
    user_id = restricted_user_id("payment") if {"ageing", "overdue"} & set(sections) else restricted_user_id(
        "contract")
    values, groups, sizes = [], {}, {}
    for family, kind, start, terms, settle, amount, discount, paid, written, n in db.session.execute(
            money_facts_statement(sections, today, user_id)):
        start, settle = _as_date(start), _as_date(settle)
        if family == "revenue":
            values.append(ContractValue(start, Decimal(amount), Decimal(discount), int(n)))
            continue
        key = (kind, start, terms, settle, Decimal(amount), Decimal(discount), Decimal(paid), Decimal(written))
        if key not in groups:  # (SQLite's float sums may split one group in two)
            groups[key] = _receivable(key, *key)
        sizes[key] = sizes.get(key, 0) + int(n)
    out = {}
    if "revenue" in sections:
        revenue = rules.revenue_by_month(values, rules.month_keys(today, rules.REVENUE_MONTHS))
        out["revenue"] = {month: money_text(total) for month, total in revenue.items()}
    open_groups = open_receivables(groups.values(), today)
    if "ageing" in sections:
        out["ageing"] = {bucket: money_text(total) for bucket, total in rules.grouped_ageing(
            open_groups, sizes).items()}
    if "overdue" in sections:
        late_groups = rules.overdue_first(open_groups)
        total = sum(sizes[group.ref] for group in late_groups)
        leading = rules.leading_groups(late_groups, sizes, tie_key=lambda group: group.due_date)
        facts, meta = [], {}
        if leading:
            for cid, number, customer, *row in db.session.execute(
                    overdue_rows_statement({group.ref[:4] for group in leading}, user_id)):
                kind, start, terms, settle, amount, discount, paid, written = row
                facts.append(_receivable(cid, kind, _as_date(start), terms, _as_date(settle), amount, discount,
                                         paid, written))
                meta[cid] = (number, customer)
        late = rules.short_list(rules.overdue_first(open_receivables(facts, today)), total=total)
        late["rows"] = [{"contract_id": i.ref, "number": meta[i.ref][0], "customer": meta[i.ref][1],
                         "due_date": i.due_date.isoformat(), "outstanding": money_text(i.outstanding),
                         "days_overdue": i.days_overdue} for i in late["rows"]]
        out["overdue"] = late
    return out


# --- statement 4: renewals due or lapsed ---------------------------------------------------------------
#
# The renewal status depends on the kind and the end date only: the first rows of each (kind, end date)
# and how many there are hold everything the short list shows.

def renewals_statement(today: date, user_id: int | None):
    renewal = aliased(Contract)
    renewed = (select(renewal.renews_id)
               .where(renewal.renews_id.is_not(None), renewal.status != ContractStatus.CANCELLED.value)
               .group_by(renewal.renews_id).subquery())
    same = (Contract.kind, Contract.end_date)
    ranked = (select(Contract.id, Contract.number, Contract.kind, Contract.end_date, Contract.customer_id,
                     func.row_number().over(partition_by=same, order_by=Contract.id).label("rank"),
                     func.count().over(partition_by=same).label("size"))
              .outerjoin(renewed, renewed.c.renews_id == Contract.id)
              .where(Contract.status == ContractStatus.SEALED.value,
                     Contract.end_date <= today + timedelta(days=LOOK_AHEAD_DAYS),
                     Contract.end_date >= today - timedelta(days=LAPSED_DAYS_SHOWN),
                     renewed.c.renews_id.is_(None)))
    ranked = own_rows(ranked, "contract", customer_id=Contract.customer_id, user_id=user_id).subquery()
    return (select(ranked.c.id, ranked.c.number, ranked.c.kind, ranked.c.end_date, Customer.name, ranked.c.size)
            .join(Customer, Customer.id == ranked.c.customer_id)
            .where(ranked.c.rank <= rules.SHORT_LIST)
            .order_by(ranked.c.id))


def renewal_list(today: date) -> dict:
    meta, candidates, sizes = {}, [], {}
    for cid, number, kind, end, customer, size in db.session.execute(
            renewals_statement(today, restricted_user_id("contract"))):
        end = _as_date(end)
        meta[cid] = (number, customer)
        candidates.append(RenewalCandidate(cid, kind, end))
        sizes[(kind, end)] = int(size)
    groups = [RenewalCandidate(key, *key) for key in sizes]
    total = sum(sizes[group.ref] for group, _status in rules.renewals_due(groups, today))
    due = rules.short_list(rules.renewals_due(candidates, today), total=total)
    due["rows"] = [{"contract_id": c.ref, "number": meta[c.ref][0], "customer": meta[c.ref][1], "kind": c.kind,
                    "end_date": c.end_date.isoformat(), "status": status} for c, status in due["rows"]]
    return due


# --- statement 5: cash and cheques waiting for Finance ---------------------------------------------------
#
# How many wait, and the first of them in the list's order (collected on, then id): the only ones shown.

HANDED_OVER = [PaymentMethod.CASH.value, PaymentMethod.CHEQUE.value]


def handovers_statement(user_id: int | None):
    waiting = [Payment.collected_by_id.is_not(None), Payment.confirmed_at.is_(None)]
    if user_id is not None:
        waiting.append(Payment.customer_id.in_(own_rows(select(Customer.id), "payment", owner_id=Customer.owner_id,
                                                        user_id=user_id)))
    # The method test sits in the count's FILTER: SQLite then counts in one pass over the table instead of
    # visiting half of it row by row through ix_payment_method_date.
    count = select(cast(null(), Integer), cast(null(), String()), cast(null(), Date), cast(null(), Money),
                   cast(null(), String()), cast(null(), String()),
                   func.count().filter(Payment.method.in_(HANDED_OVER))).where(*waiting)
    first = (select(Payment.id, Payment.method, Payment.collected_on, Payment.amount, Payment.contract_id,
                    Payment.customer_id)
             .where(Payment.method.in_(HANDED_OVER), *waiting)
             .order_by(Payment.collected_on, Payment.id).limit(rules.SHORT_LIST).subquery())
    rows = (select(first.c.id, first.c.method, first.c.collected_on, first.c.amount, Contract.number, Customer.name,
                   cast(null(), Integer))
            .join(Contract, Contract.id == first.c.contract_id)
            .join(Customer, Customer.id == first.c.customer_id))
    return union_all(count, rows)


def handover_list(now: datetime) -> dict:
    meta, payments, total = {}, [], 0
    for pid, method, collected_on, amount, number, customer, waiting in db.session.execute(
            handovers_statement(restricted_user_id("payment"))):
        if pid is None:
            total = int(waiting)
            continue
        meta[pid] = (Decimal(amount), number, customer)
        payments.append(CollectedPayment(pid, method, _as_date(collected_on)))
    payments.sort(key=lambda p: p.ref)  # the given order: handovers_late keeps it among same-day payments
    pending = rules.short_list(rules.handovers_late(payments, now, close_of_business()), total=total)
    pending["rows"] = [{"payment_id": p.ref, "method": p.method, "collected_on": p.collected_on.isoformat(),
                        "amount": money_text(meta[p.ref][0]), "contract": meta[p.ref][1],
                        "customer": meta[p.ref][2], "overdue": late} for p, late in pending["rows"]]
    return pending
