"""The home dashboard: which sections a role sees, the facts behind them in a few aggregate statements,
and the figures (pure functions of app.domain.rules.dashboard), as one JSON-ready dict.

Statements (beyond sign-in), each only when a section needs it: 1 for the counted facts (KPIs, pipeline,
satisfaction, occupancy, renewals per kind and end date: one UNION ALL), 1 for sealed contracts' revenue and
open receivables (from the totals each contract keeps, app.models.derived), 1 for the rows of the overdue
list, 1 for the renewal rows, 1 for cash handovers. At most 5. Each returns aggregates or the few rows shown,
read from indexes alone where the data is large (never a row per contract or payment). Rows the rules rank
equal (same days overdue, same end date, same collection day) come in id order.
"""
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import (
    Date, Integer, String, and_, case, cast, func, literal, literal_column, null, or_, select, type_coerce,
    union_all,
)
from sqlalchemy.orm import aliased

from app.domain.enums import ContractStatus, CustomerStage, PaymentMethod
from app.domain.rules import dashboard as rules
from app.domain.rules.dashboard import CollectedPayment, ContractValue, IssueSlots, RenewalCandidate
from app.domain.rules.dates import add_months, month_start
from app.domain.rules.kpi import ActivityFact, SignedContractFact, StageChangeFact
from app.domain.rules.money import PaymentFacts, ReceivableFacts, ageing_totals, open_receivables
from app.models import (
    Activity, AdSlot, Booking, Complaint, Contract, ContractTransition, Customer, CustomerStageChange, Issue,
    Payment, Publication, db,
)
from app.models.base import Money
from app.security import authority
from app.security.matrix import allowed
from app.security.ownership import acting_user, current_role_names, restricted_user_id

from .inboxes import owner_name, user_model
from .money import agreed_due_date, close_of_business, fee_kind
from .scope import own_rows
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

def _row(family: str, user_id=None, ref=None, label=None, day=None, n=None, total=None, note=None, extra=None,
         extra2=None, extra3=None):
    """One select's columns in the union's shape (typed NULLs, so PostgreSQL can match the types). The extra
    texts carry the inboxes' owner, status or method and amount (app.workflow.inboxes)."""
    return [
        cast(literal(family), String()).label("family"),
        user_id if user_id is not None else cast(null(), Integer),
        ref if ref is not None else cast(null(), Integer),
        label if label is not None else cast(null(), String()),
        note if note is not None else cast(null(), String()),
        day if day is not None else cast(null(), Date),
        n if n is not None else cast(null(), Integer),
        total if total is not None else cast(null(), Integer),
        extra if extra is not None else cast(null(), String()),
        extra2 if extra2 is not None else cast(null(), String()),
        extra3 if extra3 is not None else cast(null(), String()),
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


def counted_facts_statement(sections, today: date, kpi_user: int | None, pipeline_user: int | None,
                            renewal_user: int | None = None, inboxes=(), me=None):
    parts = []
    if inboxes:
        from .inboxes import inbox_parts

        parts += inbox_parts(inboxes, today, me, _row)
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
    if "renewals" in sections:
        parts.append(renewal_counts_select(today, renewal_user))
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
    from .inboxes import collect, visible_inboxes

    inboxes = visible_inboxes(roles, me)
    statement = counted_facts_statement(sections, today, kpi_user, restricted_user_id("customer"),
                                        restricted_user_id("contract"), inboxes=inboxes, me=me)
    issues, renewal_sizes, inbox_rows = [], {}, []
    if statement is not None:
        activities, filings, sealed, stages, scores, persons = [], [], [], {}, [], {}
        for found in db.session.execute(statement):
            family, user_id, ref, label, note, day, n, total = found[:8]
            if family.startswith("inbox:"):
                inbox_rows.append(tuple(found[:5]) + (_as_date(day),) + tuple(found[6:]))
            elif family == "activity":
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
            elif family == "renewal":
                renewal_sizes[(label, _as_date(day))] = int(n)
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
    if inboxes:
        data["inboxes"] = collect(inboxes, inbox_rows)
    if {"revenue", "ageing", "overdue"} & set(sections):
        data.update(money_figures(sections, today))
    if "occupancy" in sections:
        data["occupancy"] = rules.occupancy(issues)
    if "renewals" in sections:
        data["renewals"] = renewal_list(today, renewal_sizes)
    if "handovers" in sections:
        data["handovers"] = handover_list(now)
    return data


# --- statements 2 and 3: sealed contracts and what is still owed (revenue, ageing, overdue) -------------
#
# Each contract carries its amount after discount (net_amount, by the money rule) and its confirmed payments
# and write-offs summed (paid_total, written_off_total), kept on every write (app.models.derived). Statement
# 2 reads two partial indexes alone: the net amounts of sealed contracts summed by start date (revenue), and
# the open ones (owed = net - paid - written off, a cent or more) counted and summed by what decides their
# due date (kind, start, terms, settlement date); the rules then give each group its due date, days overdue
# and ageing bucket. Statement 3 reads the rows of the overdue list: the open contracts of the groups that
# hold its first rows (the rules decide which), the first of them by group then id, with their numbers and
# customers, and the rules rank them contract by contract. The partial indexes' conditions are written as
# literals so that SQLite sees the query implies them (app.models.sales SEALED and OPEN).

SEALED = literal_column("'sealed'", String)
OWED_ABOVE = literal_column("0.005", Money)  # owed amounts are whole cents; SQLite sums in binary floats


def _owed():
    return type_coerce(Contract.net_amount - Contract.paid_total - Contract.written_off_total, Money)


def _open_contracts():
    return [Contract.status == SEALED, _owed() > OWED_ABOVE]


def money_facts_statement(sections, today: date, user_id: int | None):
    """Rows (family, kind, start, terms, settle date, contracts, money): family "revenue" (net amounts by
    start date in the revenue months) or "open" (open receivables by due facts)."""
    money = type_coerce(func.sum(Contract.net_amount), Money)
    revenue = (select(cast(literal("revenue"), String()).label("family"), cast(null(), String()),
                      Contract.start_date, cast(null(), String()), cast(null(), Date), func.count(), money)
               .where(Contract.status == SEALED,
                      Contract.start_date >= rules.months_start(today, rules.REVENUE_MONTHS),
                      Contract.start_date < add_months(month_start(today), 1))
               .group_by(Contract.start_date))
    due_facts = (Contract.kind, Contract.start_date, Contract.payment_terms, Contract.settle_date)
    receivable = (select(cast(literal("open"), String()).label("family"), *due_facts, func.count(),
                         type_coerce(func.sum(_owed()), Money))
                  .where(*_open_contracts())
                  .group_by(*due_facts))
    if user_id is not None:
        revenue = own_rows(revenue, "contract", customer_id=Contract.customer_id, user_id=user_id)
        receivable = own_rows(receivable, "contract", customer_id=Contract.customer_id, user_id=user_id)
    parts = ([revenue] if "revenue" in sections else []) + (
        [receivable] if {"ageing", "overdue"} & set(sections) else [])
    return parts[0] if len(parts) == 1 else union_all(*parts)


def _group_receivable(key, owed: Decimal) -> ReceivableFacts:
    """A group of open contracts with one due date as one receivable of what they owe together."""
    kind, start, terms, settle = key
    return ReceivableFacts(ref=key, kind=fee_kind(kind), period=start, amount=owed,
                           agreed_due_date=agreed_due_date(terms, start, settle))


def _receivable(ref, kind, start, terms, settle, amount, discount, paid, written) -> ReceivableFacts:
    return ReceivableFacts(
        ref=ref, kind=fee_kind(kind), period=start, amount=Decimal(amount), discount_pct=Decimal(discount),
        payments=(PaymentFacts(Decimal(paid), True),), write_offs=(Decimal(written),),
        agreed_due_date=agreed_due_date(terms, start, settle))


def overdue_rows_statement(ranked_groups, user_id: int | None):
    """The first rows of the overdue list: open sealed contracts of the given groups ((kind, start, terms,
    settle date) -> rank, groups of one rank being tied), by rank then id, at most a short list of them.
    The ids come from the index alone (a group may hold thousands of contracts), then their rows."""
    def group_is(kind, start, terms, settle):
        return and_(Contract.kind == kind, Contract.start_date == start, Contract.payment_terms == terms,
                    Contract.settle_date.is_(None) if settle is None else Contract.settle_date == settle)

    ordered = sorted(ranked_groups.items(), key=lambda item: (item[1], str(item[0])))
    rank = case(*((group_is(*group), position) for group, position in ordered))
    first = (select(Contract.id, rank.label("rank"))
             .where(*_open_contracts(), or_(*(group_is(*group) for group, _position in ordered)))
             .order_by(rank, Contract.id).limit(rules.SHORT_LIST))
    if user_id is not None:
        first = own_rows(first, "contract", customer_id=Contract.customer_id, user_id=user_id)
    first = first.subquery()
    owner = aliased(user_model())
    return (select(Contract.id, Contract.number, Customer.name, owner_name(owner), Contract.kind, Contract.start_date,
                   Contract.payment_terms, Contract.settle_date, Contract.amount, Contract.discount_pct,
                   Contract.paid_total, Contract.written_off_total)
            .join(first, first.c.id == Contract.id)
            .join(Customer, Customer.id == Contract.customer_id)
            .outerjoin(owner, owner.id == Customer.owner_id)
            .order_by(first.c.rank, first.c.id))


def money_figures(sections, today: date) -> dict:
    # One statement serves revenue (read on Contract) and the money lists (read on Payment): every role
    # that sees both has the same scope on the two records (Sales: own customers; others: all).
    user_id = restricted_user_id("payment") if {"ageing", "overdue"} & set(sections) else restricted_user_id(
        "contract")
    values, groups, sizes = [], [], {}
    for family, kind, start, terms, settle, count, money in db.session.execute(
            money_facts_statement(sections, today, user_id)):
        start = _as_date(start)
        if family == "revenue":
            # The net amounts of the contracts starting that day: after discount, rounded contract by contract.
            values.append(ContractValue(start, Decimal(money)))
        else:
            key = (kind, start, terms, _as_date(settle))
            groups.append(_group_receivable(key, Decimal(money)))
            sizes[key] = int(count)
    out = {}
    if "revenue" in sections:
        revenue = rules.revenue_by_month(values, rules.month_keys(today, rules.REVENUE_MONTHS))
        out["revenue"] = {month: money_text(total) for month, total in revenue.items()}
    open_groups = open_receivables(groups, today)
    if "ageing" in sections:
        out["ageing"] = {bucket: money_text(total) for bucket, total in ageing_totals(open_groups).items()}
    if "overdue" in sections:
        late_groups = rules.overdue_first(open_groups)
        total = sum(sizes[group.ref] for group in late_groups)
        leading = rules.leading_groups(late_groups, sizes, tie_key=lambda group: group.due_date)
        # tied groups (same due date, so the same days overdue) share a rank: their rows interleave by id
        ranks = {due: position for position, due in enumerate(dict.fromkeys(g.due_date for g in leading))}
        facts, meta = [], {}
        if leading:
            for cid, number, customer, owner, *row in db.session.execute(
                    overdue_rows_statement({group.ref: ranks[group.due_date] for group in leading}, user_id)):
                kind, start, terms, settle, amount, discount, paid, written = row
                facts.append(_receivable(cid, kind, _as_date(start), terms, _as_date(settle), amount, discount,
                                         paid, written))
                meta[cid] = (number, customer, (owner or "").strip())
        late = rules.short_list(rules.overdue_first(open_receivables(facts, today)), total=total)
        late["rows"] = [{"contract_id": i.ref, "number": meta[i.ref][0], "customer": meta[i.ref][1],
                         "owner": meta[i.ref][2],
                         "due_date": i.due_date.isoformat(), "outstanding": money_text(i.outstanding),
                         "days_overdue": i.days_overdue} for i in late["rows"]]
        # what all the overdue contracts owe together (not only the rows shown)
        late["outstanding"] = money_text(sum((group.outstanding for group in late_groups), Decimal("0.00")))
        out["overdue"] = late
    return out


# --- renewals due or lapsed: counted in statement 1, the rows shown in statement 4 ------------------------
#
# The renewal status depends on the kind and the end date only: statement 1 counts the sealed contracts not
# yet renewed per (kind, end date) in the window (on ix_contract_status_end_kind), the rules say which of
# those groups are due and which hold the first rows, and statement 4 reads those first rows, by end date
# then id (the rules' order among contracts ending the same day).

def _renewal_window(today: date):
    return today - timedelta(days=LAPSED_DAYS_SHOWN), today + timedelta(days=LOOK_AHEAD_DAYS)


def _not_renewed():
    renewal = aliased(Contract)
    # (renews_id IS NOT NULL: PostgreSQL otherwise hashes every contract to find the few renewals)
    return ~select(renewal.id).where(renewal.renews_id == Contract.id, renewal.renews_id.is_not(None),
                                     renewal.status != ContractStatus.CANCELLED.value).exists()


def renewal_counts_select(today: date, user_id: int | None):
    first, last = _renewal_window(today)
    counts = (select(*_row("renewal", label=Contract.kind, day=Contract.end_date, n=func.count()))
              .where(Contract.status == ContractStatus.SEALED.value, Contract.end_date >= first,
                     Contract.end_date <= last, _not_renewed())
              .group_by(Contract.kind, Contract.end_date))
    if user_id is not None:
        counts = own_rows(counts, "contract", customer_id=Contract.customer_id, user_id=user_id)
    return counts


def renewals_statement(groups, today: date, user_id: int | None):
    first, last = _renewal_window(today)
    which = or_(*(and_(Contract.kind == kind, Contract.end_date == end) for kind, end in sorted(groups)))
    # The first ids from the index alone, then their rows: a leading group may hold thousands of contracts.
    first_ids = (select(Contract.id, Contract.end_date)
                 .where(Contract.status == ContractStatus.SEALED.value, Contract.end_date >= first,
                        Contract.end_date <= last, which, _not_renewed())
                 .order_by(Contract.end_date, Contract.id).limit(rules.SHORT_LIST))
    if user_id is not None:
        first_ids = own_rows(first_ids, "contract", customer_id=Contract.customer_id, user_id=user_id)
    first_ids = first_ids.subquery()
    owner = aliased(user_model())
    return (select(Contract.id, Contract.number, Contract.kind, Contract.end_date, Customer.name, owner_name(owner))
            .join(first_ids, first_ids.c.id == Contract.id)
            .join(Customer, Customer.id == Contract.customer_id)
            .outerjoin(owner, owner.id == Customer.owner_id)
            .order_by(first_ids.c.end_date, first_ids.c.id))


def renewal_list(today: date, sizes: dict) -> dict:
    """``sizes``: (kind, end date) -> how many sealed contracts not yet renewed (from statement 1)."""
    groups = [RenewalCandidate(key, *key) for key in sorted(sizes, key=lambda k: (k[1], k[0]))]
    due_groups = [group for group, _status in rules.renewals_due(groups, today)]
    total = sum(sizes[group.ref] for group in due_groups)
    leading = rules.leading_groups(due_groups, sizes, tie_key=lambda group: group.end_date)
    meta, candidates = {}, []
    if leading:
        for cid, number, kind, end, customer, owner in db.session.execute(
                renewals_statement({group.ref for group in leading}, today, restricted_user_id("contract"))):
            meta[cid] = (number, customer, (owner or "").strip())
            candidates.append(RenewalCandidate(cid, kind, _as_date(end)))
    due = rules.short_list(rules.renewals_due(candidates, today), total=total)
    due["rows"] = [{"contract_id": c.ref, "number": meta[c.ref][0], "customer": meta[c.ref][1],
                    "owner": meta[c.ref][2], "kind": c.kind,
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
                   cast(null(), String()), cast(null(), String()), cast(null(), String()),
                   func.count().filter(Payment.method.in_(HANDED_OVER))).where(*waiting)
    first = (select(Payment.id, Payment.method, Payment.collected_on, Payment.amount, Payment.contract_id,
                    Payment.customer_id)
             .where(Payment.method.in_(HANDED_OVER), *waiting)
             .order_by(Payment.collected_on, Payment.id).limit(rules.SHORT_LIST).subquery())
    owner = aliased(user_model())
    rows = (select(first.c.id, first.c.method, first.c.collected_on, first.c.amount, Contract.number, Customer.name,
                   owner_name(owner), cast(null(), Integer))
            .join(Contract, Contract.id == first.c.contract_id)
            .join(Customer, Customer.id == first.c.customer_id)
            .outerjoin(owner, owner.id == Customer.owner_id))
    return union_all(count, rows)


def handover_list(now: datetime) -> dict:
    meta, payments, total = {}, [], 0
    for pid, method, collected_on, amount, number, customer, owner, waiting in db.session.execute(
            handovers_statement(restricted_user_id("payment"))):
        if pid is None:
            total = int(waiting)
            continue
        meta[pid] = (Decimal(amount), number, customer, (owner or "").strip())
        payments.append(CollectedPayment(pid, method, _as_date(collected_on)))
    payments.sort(key=lambda p: p.ref)  # the given order: handovers_late keeps it among same-day payments
    pending = rules.short_list(rules.handovers_late(payments, now, close_of_business()), total=total)
    pending["rows"] = [{"payment_id": p.ref, "method": p.method, "collected_on": p.collected_on.isoformat(),
                        "amount": money_text(meta[p.ref][0]), "contract": meta[p.ref][1],
                        "customer": meta[p.ref][2], "owner": meta[p.ref][3], "overdue": late}
                       for p, late in pending["rows"]]
    return pending
