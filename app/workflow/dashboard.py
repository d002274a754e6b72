"""The home dashboard: which sections a role sees, the facts behind them in a few aggregate statements,
and the figures (pure functions of app.domain.rules.dashboard), as one JSON-ready dict.

Statements (beyond sign-in): 1 for the counted facts (KPIs, pipeline, satisfaction: one UNION ALL),
1 for sealed contracts with their payments (revenue, ageing, overdue list), 1 for occupancy, 1 for
renewals, 1 for cash handovers; each only when a section needs it. At most 5.
"""
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import Date, Integer, String, and_, cast, exists, func, literal, null, select, type_coerce, union_all
from sqlalchemy.orm import aliased

from app.domain.enums import ContractStatus, CustomerStage, PaymentMethod
from app.domain.rules import dashboard as rules
from app.domain.rules.dashboard import CollectedPayment, ContractValue, IssueSlots, RenewalCandidate
from app.domain.rules.kpi import ActivityFact, SignedContractFact, StageChangeFact
from app.domain.rules.money import PaymentFacts, ReceivableFacts, ageing_totals, open_receivables
from app.models import (
    Activity, AdSlot, Booking, Complaint, Contract, ContractTransition, Customer, CustomerStageChange, Issue,
    Payment, Publication, db,
)
from app.security.matrix import allowed
from app.security.ownership import acting_user, current_role_names, restricted_user_id

from .money import agreed_due_date, close_of_business, fee_kind, receivable_facts_query
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


def visible_sections(roles) -> list[str]:
    roles = set(roles)
    return [name for name, (records, audience) in SECTIONS.items()
            if roles & audience and all(allowed(record, roles, "read") for record in records)]


def money_text(value: Decimal) -> str:
    return f"{value:.2f}"


# --- statement 1: counted facts, one UNION ALL ------------------------------------------------------

def _row(family: str, user_id=None, ref=None, label=None, day=None, n=None, total=None):
    """One select's columns in the union's shape (typed NULLs, so PostgreSQL can match the types)."""
    return [
        cast(literal(family), String()).label("family"),
        user_id if user_id is not None else cast(null(), Integer),
        ref if ref is not None else cast(null(), Integer),
        label if label is not None else cast(null(), String()),
        day if day is not None else cast(null(), Date),
        n if n is not None else cast(null(), Integer),
        total if total is not None else cast(null(), Integer),
    ]


def counted_facts_statement(sections, today: date, kpi_user: int | None, pipeline_user: int | None):
    parts = []
    if "kpi" in sections:
        since = rules.kpi_window_start(today)
        activity = (select(*_row("activity", Activity.user_id, label=Activity.kind, day=Activity.happened_on,
                                 n=func.count()))
                    .where(Activity.kind.in_(["call", "visit"]), Activity.happened_on >= since,
                           Activity.happened_on <= today, Activity.user_id.is_not(None))
                    .group_by(Activity.user_id, Activity.kind, Activity.happened_on))
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
            sealed = sealed.where(Customer.owner_id == kpi_user)
        parts += [activity, filing, sealed]
        if kpi_user is None:
            from flask import current_app

            user = current_app.appbuilder.sm.user_model
            parts.append(select(*_row("person", user.id, label=cast(user.first_name + " " + user.last_name,
                                                                    String()))))
    if "pipeline" in sections:
        stages = select(*_row("stage", label=Customer.stage, n=func.count())).group_by(Customer.stage)
        if pipeline_user is not None:
            stages = stages.where(Customer.owner_id == pipeline_user)
        parts.append(stages)
    if "satisfaction" in sections:
        since = rules.months_start(today, rules.SATISFACTION_MONTHS)
        parts.append(select(*_row("satisfaction", day=Complaint.received_on, n=func.count(Complaint.satisfaction),
                                  total=func.sum(Complaint.satisfaction)))
                     .where(Complaint.satisfaction.is_not(None), Complaint.received_on >= since,
                            Complaint.received_on <= today)
                     .group_by(Complaint.received_on))
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
    sections = visible_sections(roles)
    data: dict = {"sections": sections, "today": today.isoformat()}
    me = acting_user()
    kpi_user = restricted_user_id("activity")
    statement = counted_facts_statement(sections, today, kpi_user, restricted_user_id("customer"))
    if statement is not None:
        activities, filings, sealed, stages, scores, persons = [], [], [], {}, [], {}
        for family, user_id, ref, label, day, n, total in db.session.execute(statement):
            if family == "activity":
                activities += [ActivityFact(user_id, label, _as_date(day))] * int(n)
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
        data["occupancy"] = rules.occupancy(occupancy_facts(today))
    if "renewals" in sections:
        data["renewals"] = renewal_list(today)
    if "handovers" in sections:
        data["handovers"] = handover_list(now)
    return data


# --- statement 2: sealed contracts with what was paid (revenue, ageing, overdue) ---------------------

def money_figures(sections, today: date) -> dict:
    # One statement serves revenue (read on Contract) and the money lists (read on Payment): every role
    # that sees both has the same scope on the two records (Sales: own customers; others: all).
    user_id = restricted_user_id("payment") if {"ageing", "overdue"} & set(sections) else restricted_user_id(
        "contract")
    rows = db.session.execute(receivable_facts_query(user_id)).all()
    values, facts, meta = [], [], {}
    for (cid, number, kind, start, amount, discount, terms, settle, cust_id, cust_name, _owner,
         paid, written) in rows:
        values.append(ContractValue(start, Decimal(amount), Decimal(discount)))
        facts.append(ReceivableFacts(
            ref=cid, kind=fee_kind(kind), period=start, amount=Decimal(amount), discount_pct=Decimal(discount),
            payments=(PaymentFacts(Decimal(paid), True),), write_offs=(Decimal(written),),
            agreed_due_date=agreed_due_date(terms, start, settle)))
        meta[cid] = (number, cust_name)
    out = {}
    if "revenue" in sections:
        revenue = rules.revenue_by_month(values, rules.month_keys(today, rules.REVENUE_MONTHS))
        out["revenue"] = {month: money_text(total) for month, total in revenue.items()}
    open_items = open_receivables(facts, today)
    if "ageing" in sections:
        out["ageing"] = {bucket: money_text(total) for bucket, total in ageing_totals(open_items).items()}
    if "overdue" in sections:
        late = rules.short_list(rules.overdue_first(open_items))
        late["rows"] = [{"contract_id": i.ref, "number": meta[i.ref][0], "customer": meta[i.ref][1],
                         "due_date": i.due_date.isoformat(), "outstanding": money_text(i.outstanding),
                         "days_overdue": i.days_overdue} for i in late["rows"]]
        out["overdue"] = late
    return out


# --- statement 3: the next issues and their slots -----------------------------------------------------

def occupancy_facts(today: date) -> list[IssueSlots]:
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
    query = (select(upcoming.c.id, Publication.name, upcoming.c.number, upcoming.c.publish_date,
                    func.coalesce(booked.c.booked, 0), func.coalesce(active.c.active, 0))
             .join(Publication, Publication.id == upcoming.c.publication_id)
             .outerjoin(active, active.c.publication_id == upcoming.c.publication_id)
             .outerjoin(booked, booked.c.issue_id == upcoming.c.id)
             .where(upcoming.c.rank <= rules.NEXT_ISSUES))
    return [IssueSlots(issue_id, name, number, _as_date(published), int(n), int(slots))
            for issue_id, name, number, published, n, slots in db.session.execute(query)]


# --- statement 4: renewals due or lapsed ---------------------------------------------------------------

def renewal_list(today: date) -> dict:
    renewal = aliased(Contract)
    query = (select(Contract.id, Contract.number, Contract.kind, Contract.end_date, Customer.name)
             .join(Customer, Customer.id == Contract.customer_id)
             .where(Contract.status == ContractStatus.SEALED.value,
                    Contract.end_date <= today + timedelta(days=LOOK_AHEAD_DAYS),
                    Contract.end_date >= today - timedelta(days=LAPSED_DAYS_SHOWN),
                    ~exists().where(and_(renewal.renews_id == Contract.id,
                                         renewal.status != ContractStatus.CANCELLED.value))))
    user_id = restricted_user_id("contract")
    if user_id is not None:
        query = query.where(Customer.owner_id == user_id)
    meta, candidates = {}, []
    for cid, number, kind, end, customer in db.session.execute(query):
        meta[cid] = (number, customer)
        candidates.append(RenewalCandidate(cid, kind, _as_date(end)))
    due = rules.short_list(rules.renewals_due(candidates, today))
    due["rows"] = [{"contract_id": c.ref, "number": meta[c.ref][0], "customer": meta[c.ref][1], "kind": c.kind,
                    "end_date": c.end_date.isoformat(), "status": status} for c, status in due["rows"]]
    return due


# --- statement 5: cash and cheques waiting for Finance ---------------------------------------------------

def handover_list(now: datetime) -> dict:
    query = (select(Payment.id, Payment.method, Payment.collected_on, Payment.amount, Contract.number,
                    Customer.name)
             .join(Contract, Contract.id == Payment.contract_id)
             .join(Customer, Customer.id == Payment.customer_id)
             .where(Payment.method.in_([PaymentMethod.CASH.value, PaymentMethod.CHEQUE.value]),
                    Payment.collected_by_id.is_not(None), Payment.confirmed_at.is_(None))
             .order_by(Payment.collected_on, Payment.id))
    user_id = restricted_user_id("payment")
    if user_id is not None:
        query = query.where(Customer.owner_id == user_id)
    meta, payments = {}, []
    for pid, method, collected_on, amount, number, customer in db.session.execute(query):
        meta[pid] = (Decimal(amount), number, customer)
        payments.append(CollectedPayment(pid, method, _as_date(collected_on)))
    pending = rules.short_list(rules.handovers_late(payments, now, close_of_business()))
    pending["rows"] = [{"payment_id": p.ref, "method": p.method, "collected_on": p.collected_on.isoformat(),
                        "amount": money_text(meta[p.ref][0]), "contract": meta[p.ref][1],
                        "customer": meta[p.ref][2], "overdue": late} for p, late in pending["rows"]]
    return pending
