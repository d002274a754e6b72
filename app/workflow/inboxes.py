"""The role inboxes of the dashboard: what waits for the user, each list with its count and its first rows.

- Manager / Admin: contracts awaiting my review, approval or seal (the steps my capabilities allow, never on a
  customer I own, and not the approval of a contract I reviewed myself: the four-eyes rule of
  app.domain.rules.contracts, here as a condition of the statement so the count and the rows agree with it).
- Sales: follow-ups due today or overdue (an activity's next follow-up date has come and nothing was logged with
  that customer since), proofs sent and awaiting the customer's confirmation.
- Finance: payments to confirm, every method (not confirmed, not reversed).
- Service: open complaints (open or in progress).
(Renewals due and cash or cheques not yet handed over are the dashboard's renewal and handover lists.)

Every inbox is two selects of the dashboard's first statement (a UNION ALL: app.workflow.dashboard): the count
and the first SHORT_LIST rows. No inbox adds a statement or reads a row per row. Rows are limited like the lists
(app.workflow.scope.own_rows: Sales see their own customers').
"""
from datetime import date
from decimal import Decimal

from flask import url_for
from sqlalchemy import Date, String, and_, cast, func, or_, select, text, type_coerce
from sqlalchemy.orm import aliased

from app.domain.capabilities import Capability
from app.domain.enums import ComplaintStatus, ContractStatus, ProofStatus
from app.domain.rules.dashboard import SHORT_LIST
from app.models import Activity, Booking, Complaint, Contract, ContractTransition, Customer, Payment
from app.models.sales import UNCONFIRMED as UNCONFIRMED_SQL
from app.security import authority

from .scope import customers_of, own_rows

# inbox -> (records it reads, roles it is meant for, capabilities of which one is needed, or None)
INBOXES = {
    "to_review": (("contract",), {"Admin", "Manager"},
                  (Capability.REVIEW_CONTRACT, Capability.APPROVE_CONTRACT, Capability.SEAL_CONTRACT)),
    "follow_ups": (("activity", "customer"), {"Sales"}, None),
    "proofs": (("booking",), {"Sales"}, None),
    "to_confirm": (("payment",), {"Finance"}, (Capability.CONFIRM_PAYMENT,)),
    "complaints": (("complaint",), {"Service"}, None),
}

# the status a contract waits in -> the capability that takes it on
WAITING_FOR = {ContractStatus.STAMPED.value: Capability.REVIEW_CONTRACT,
               ContractStatus.REVIEWED.value: Capability.APPROVE_CONTRACT,
               ContractStatus.APPROVED.value: Capability.SEAL_CONTRACT}
# written as the partial index's own condition (ix_payment_unconfirmed), so that SQLite sees the query implies it
UNCONFIRMED = text(UNCONFIRMED_SQL.replace("confirmed_at", "payment.confirmed_at").replace("reversed_at", "payment.reversed_at"))
OPEN_COMPLAINTS = (ComplaintStatus.OPEN.value, ComplaintStatus.IN_PROGRESS.value)


def visible_inboxes(roles, user) -> list[str]:
    roles = set(roles)
    if user is None:
        return []
    held = authority.capabilities(user)
    return [name for name, (records, audience, needs) in INBOXES.items()
            if roles & audience and all(authority.may(user, "read", record) for record in records)
            and (needs is None or any(str(c) in held for c in needs))]


def owner_name(owner):
    return cast(owner.first_name + " " + owner.last_name, String())


def user_model():
    from flask import current_app

    return current_app.appbuilder.sm.user_model


def _contracts_waiting(me):
    """Where-clauses: contracts waiting for a step the user may take. Written so that the count reads an index
    of contract alone (status, customer, id) and two short id lists: the user's own customers (usually none for
    a manager) and the contracts whose latest review is the user's (the four-eyes rule)."""
    held = authority.capabilities(me)
    statuses = [status for status, capability in WAITING_FOR.items() if str(capability) in held]
    mine = aliased(ContractTransition)
    since = aliased(ContractTransition)
    reviewed_by_me = (select(mine.contract_id)
                      .where(mine.to_status == ContractStatus.REVIEWED.value, mine.actor_id == me.id,
                             ~select(since.id).where(since.contract_id == mine.contract_id,
                                                     since.to_status == ContractStatus.REVIEWED.value,
                                                     or_(since.at > mine.at,
                                                         and_(since.at == mine.at, since.id > mine.id)))
                             .correlate(mine).exists()))
    return [Contract.status.in_(statuses or ["-"]), Contract.customer_id.not_in(customers_of(me.id)),
            or_(Contract.status != ContractStatus.REVIEWED.value, Contract.id.not_in(reviewed_by_me))]


def _follow_ups_due(today: date):
    later = aliased(Activity)
    nothing_since = ~select(later.id).where(
        later.customer_id == Activity.customer_id,
        or_(later.happened_on > Activity.happened_on,
            and_(later.happened_on == Activity.happened_on, later.id > Activity.id))).correlate(Activity).exists()
    return [Activity.next_follow_up.is_not(None), Activity.next_follow_up <= today, nothing_since]


def inbox_parts(names, today: date, me, row):
    """The selects of the inboxes `names` in the dashboard union's shape (`row`: its column maker)."""
    owner = aliased(user_model())
    parts = []

    def add(name, base, where, order, columns, counted=None):
        """`base`: a select of the row columns (already joined); `columns`: label -> the union's column name;
        `counted`: what to count (a select of the record alone, without the display's joins) if not `base`."""
        counted = (counted if counted is not None else base).where(*where)
        parts.append(select(*row(f"inbox:{name}", n=func.count())).select_from(counted.subquery()))
        first = base.where(*where).order_by(*order).limit(SHORT_LIST).subquery()
        parts.append(select(*row(f"inbox:{name}", **{key: first.c[label] for key, label in columns.items()})))

    if "to_review" in names:
        base = (select(Contract.id.label("id"), Contract.number.label("number"), Customer.name.label("customer"),
                       owner_name(owner).label("owner"), Contract.status.label("status"),
                       Contract.start_date.label("day"))
                .join(Customer, Customer.id == Contract.customer_id)
                .outerjoin(owner, owner.id == Customer.owner_id))
        # by status then id: the rows come in the order of ix_contract_status (status, rowid), the first ten read
        # without sorting all that waits (the furthest along first: approved, then reviewed, then stamped)
        add("to_review", base, _contracts_waiting(me), [Contract.status, Contract.id],
            {"ref": "id", "label": "number", "note": "customer", "extra": "owner", "extra2": "status", "day": "day"},
            counted=select(Contract.id))
    if "follow_ups" in names:
        base = (select(Activity.id.label("id"), Customer.id.label("customer_id"), Customer.name.label("customer"),
                       owner_name(owner).label("owner"), Activity.kind.label("kind"),
                       cast(Activity.outcome, String()).label("outcome"), Activity.next_follow_up.label("day"))
                .join(Customer, Customer.id == Activity.customer_id)
                .outerjoin(owner, owner.id == Customer.owner_id))
        base = own_rows(base, "activity", owner_id=Customer.owner_id)
        add("follow_ups", base, _follow_ups_due(today), [Activity.next_follow_up, Activity.id],
            {"ref": "id", "total": "customer_id", "label": "customer", "extra": "owner", "extra2": "kind",
             "note": "outcome", "day": "day"})
    if "proofs" in names:
        base = (select(Booking.id.label("id"), Contract.number.label("number"), Customer.name.label("customer"),
                       owner_name(owner).label("owner"), type_coerce(func.date(Booking.proof_sent_at), Date).label("day"))
                .join(Contract, Contract.id == Booking.contract_id)
                .join(Customer, Customer.id == Booking.customer_id)
                .outerjoin(owner, owner.id == Customer.owner_id))
        base = own_rows(base, "booking", owner_id=Customer.owner_id)
        add("proofs", base, [Booking.proof_status == ProofStatus.SENT.value, Booking.published.is_(False)],
            [Booking.proof_sent_at, Booking.id],
            {"ref": "id", "label": "number", "note": "customer", "extra": "owner", "day": "day"})
    if "to_confirm" in names:
        collector = aliased(user_model())
        base = (select(Payment.id.label("id"), Contract.number.label("number"), Customer.name.label("customer"),
                       owner_name(collector).label("owner"), Payment.method.label("method"),
                       cast(Payment.amount, String()).label("amount"), Payment.collected_on.label("day"))
                .join(Contract, Contract.id == Payment.contract_id)
                .join(Customer, Customer.id == Payment.customer_id)
                .outerjoin(collector, collector.id == Payment.collected_by_id))
        base = own_rows(base, "payment", owner_id=Customer.owner_id)
        counted = own_rows(select(Payment.id), "payment", customer_id=Payment.customer_id)
        add("to_confirm", base, [UNCONFIRMED],
            [Payment.collected_on, Payment.id],
            {"ref": "id", "label": "number", "note": "customer", "extra": "owner", "extra2": "method",
             "extra3": "amount", "day": "day"}, counted=counted)
    if "complaints" in names:
        base = (select(Complaint.id.label("id"), Complaint.subject.label("subject"), Customer.name.label("customer"),
                       owner_name(owner).label("owner"), Complaint.status.label("status"),
                       Complaint.received_on.label("day"))
                .join(Customer, Customer.id == Complaint.customer_id)
                .outerjoin(owner, owner.id == Customer.owner_id))
        base = own_rows(base, "complaint", owner_id=Customer.owner_id)
        add("complaints", base, [Complaint.status.in_(OPEN_COMPLAINTS)], [Complaint.received_on, Complaint.id],
            {"ref": "id", "label": "subject", "note": "customer", "extra": "owner", "extra2": "status", "day": "day"})
    return parts


def row_link(name: str, ref: int, second: int | None) -> str:
    if name == "to_review":
        return url_for("ContractView.show", pk=ref)
    if name == "follow_ups":
        return url_for("CustomerView.show", pk=second)
    if name == "proofs":
        return url_for("BookingView.show", pk=ref)
    if name == "to_confirm":
        return url_for("PaymentView.show", pk=ref)
    return url_for("ComplaintView.show", pk=ref)


def collect(names, rows) -> list[dict]:
    """The inboxes from the union's rows (family "inbox:<name>"): [{name, total, rows: [...]}, ...]."""
    boxes = {name: {"name": name, "total": 0, "rows": []} for name in names}
    for family, user_id, ref, label, note, day, n, total, extra, extra2, extra3 in rows:
        box = boxes[family.split(":", 1)[1]]
        if ref is None:
            box["total"] = int(n or 0)
            continue
        box["rows"].append({"id": ref, "link": row_link(box["name"], ref, total), "label": label or "",
                            "note": note or "", "owner": (extra or "").strip(), "kind": extra2 or "",
                            "amount": f"{Decimal(extra3):.2f}" if extra3 is not None else None, "day": day.isoformat() if hasattr(day, "isoformat") else (day or "")})
    return [boxes[name] for name in names]
