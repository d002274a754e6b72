"""Money: receivables and ageing, cash/cheque handover to Finance, payment confirmation and reversal,
staff-error write-offs.

What a payment pays is counted in one place (`counted_payment`, `applied_amount`): a payment counts once
Finance confirmed it and until it is reversed, for its amount less the advance Finance holds apart.
"""
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal

from flask import current_app, has_app_context
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from app.domain.enums import ContractKind, ContractStatus, PaymentKind, PaymentMethod
from app.domain.rules import money as rules
from app.domain.rules.money import OpenReceivable, PaymentFacts, ReceivableFacts
from app.domain.capabilities import Capability
from app.models import Contract, Customer, Payment, WriteOff, db
from app.models.base import utcnow
from app.security import authority

from .concurrency import check_version, lock_for_update
from .messages import violation
from .scope import EVERYONE, bounding_user, own_rows


def close_of_business() -> time | None:
    """HANDOVER_CLOSE_OF_BUSINESS ("HH:MM") if configured; else the end of the day."""
    raw = current_app.config.get("HANDOVER_CLOSE_OF_BUSINESS") if has_app_context() else None
    if not raw:
        return None
    hours, minutes = str(raw).split(":")
    return time(int(hours), int(minutes))


def fee_kind(contract_kind: str) -> str:
    return PaymentKind.MEMBERSHIP_FEE.value if contract_kind == ContractKind.MEMBERSHIP else PaymentKind.AD_FEE.value


def agreed_due_date(terms: str, start: date, settle_date: date | None) -> date | None:
    if terms == "settle_on_date":
        return settle_date
    return start  # prepaid: due before the contract starts


def counted_payment():
    """The payments that pay their contract: confirmed by Finance and not reversed."""
    return Payment.confirmed_at.is_not(None) & Payment.reversed_at.is_(None)


def applied_amount():
    """What a payment pays its contract: the amount less the advance held apart."""
    return Payment.amount - Payment.advance


def _paid_subquery():
    return (select(Payment.contract_id, func.sum(applied_amount()).label("paid"))
            .where(counted_payment()).group_by(Payment.contract_id).subquery())


def _written_off_subquery():
    return (select(WriteOff.contract_id, func.sum(WriteOff.amount).label("written_off"))
            .group_by(WriteOff.contract_id).subquery())


@dataclass(frozen=True)
class ReceivableRow:
    contract_id: int
    number: str
    customer_id: int
    customer_name: str
    owner_id: int | None
    item: OpenReceivable


def receivable_facts_query(user_id: int | None = None):
    """One statement: sealed contracts with their confirmed payments and write-offs summed (`user_id`: only
    that rep's customers)."""
    paid, written = _paid_subquery(), _written_off_subquery()
    query = (select(Contract.id, Contract.number, Contract.kind, Contract.start_date, Contract.amount,
                    Contract.discount_pct, Contract.payment_terms, Contract.settle_date, Customer.id,
                    Customer.name, Customer.owner_id, func.coalesce(paid.c.paid, 0),
                    func.coalesce(written.c.written_off, 0))
             .join(Customer, Customer.id == Contract.customer_id)
             .outerjoin(paid, paid.c.contract_id == Contract.id)
             .outerjoin(written, written.c.contract_id == Contract.id)
             .where(Contract.status == ContractStatus.SEALED.value))
    return own_rows(query, "payment", owner_id=Customer.owner_id, user_id=user_id)


def open_receivable_rows(today: date | None = None, user_id=EVERYONE) -> list[ReceivableRow]:
    """Open receivables (ageing included), earliest due first; Sales see their customers only."""
    today = today or date.today()
    rows = db.session.execute(receivable_facts_query(bounding_user("payment", user_id))).all()
    facts, meta = [], {}
    for (cid, number, kind, start, amount, discount, terms, settle, cust_id, cust_name, owner_id,
         paid, written) in rows:
        facts.append(ReceivableFacts(
            ref=cid, kind=fee_kind(kind), period=start, amount=Decimal(amount), discount_pct=Decimal(discount),
            payments=(PaymentFacts(Decimal(paid), True),), write_offs=(Decimal(written),),
            agreed_due_date=agreed_due_date(terms, start, settle)))
        meta[cid] = (number, cust_id, cust_name, owner_id)
    return [ReceivableRow(item.ref, *meta[item.ref], item) for item in rules.open_receivables(facts, today)]


def _written_off(contract: Contract, exclude_write_off_id: int | None = None) -> Decimal:
    query = select(func.coalesce(func.sum(WriteOff.amount), 0)).where(WriteOff.contract_id == contract.id)
    if exclude_write_off_id is not None:
        query = query.where(WriteOff.id != exclude_write_off_id)
    return Decimal(db.session.scalar(query))


def contract_open_amount(contract: Contract, payment: Payment | None = None) -> Decimal:
    """What a new or changed `payment` may still pay on the contract: after discount, less every other payment
    not reversed (confirmed or not: two reps must not both collect the whole sum) and the write-offs."""
    if contract.id is None:
        return rules.receivable(contract.amount or 0, contract.discount_pct, [])
    query = select(func.coalesce(func.sum(applied_amount()), 0)).where(
        Payment.contract_id == contract.id, Payment.reversed_at.is_(None))
    if payment is not None and payment.id is not None:
        query = query.where(Payment.id != payment.id)
    others = Decimal(db.session.scalar(query))
    return rules.receivable(contract.amount or 0, contract.discount_pct, [PaymentFacts(others, True)],
                            [_written_off(contract)])


def contract_outstanding(contract: Contract, exclude_write_off_id: int | None = None) -> Decimal:
    """What the customer still owes on the contract (counted payments and write-offs deducted)."""
    paid = db.session.scalar(select(func.coalesce(func.sum(applied_amount()), 0)).where(
        Payment.contract_id == contract.id, counted_payment()))
    written_query = select(func.coalesce(func.sum(WriteOff.amount), 0)).where(WriteOff.contract_id == contract.id)
    if exclude_write_off_id is not None:
        written_query = written_query.where(WriteOff.id != exclude_write_off_id)
    written = db.session.scalar(written_query)
    return rules.receivable(contract.amount or 0, contract.discount_pct, [PaymentFacts(Decimal(paid), True)],
                            [Decimal(written)])


def write_off_problems(write_off: WriteOff):
    contract = write_off.contract
    if contract is None:
        return [violation("booking.no_contract", "No contract.", field="contract")]
    with db.session.no_autoflush:
        outstanding = contract_outstanding(contract, exclude_write_off_id=write_off.id)
    responsible = write_off.responsible_user.id if write_off.responsible_user is not None \
        else write_off.responsible_user_id
    return rules.write_off_violations(responsible, write_off.amount, outstanding, write_off.reason)


def record_write_off(contract: Contract, amount, responsible_user_id: int | None, reason: str | None) -> WriteOff:
    """Close part of a receivable because of a staff error (seed rule 8), through the write guard.
    Flushes; the caller commits (or rolls back on a refusal)."""
    from .guards import check_record_write

    lock_for_update(contract)  # concurrent write-offs of one receivable: the second sees the first
    row = WriteOff(contract=contract, amount=amount, responsible_user_id=responsible_user_id, reason=reason)
    check_record_write("writeoff", row)
    db.session.add(row)
    db.session.flush()
    return row


@dataclass(frozen=True)
class HandoverRow:
    payment: Payment
    overdue: bool


def pending_handovers(now: datetime | None = None) -> list[HandoverRow]:
    """Cash and cheques collected by staff and not yet confirmed by Finance (one statement)."""
    now = now or datetime.now()
    query = (select(Payment).where(Payment.method.in_([PaymentMethod.CASH.value, PaymentMethod.CHEQUE.value]),
                                   Payment.collected_by_id.is_not(None), Payment.confirmed_at.is_(None))
             .order_by(Payment.collected_on, Payment.id)
             .options(joinedload(Payment.contract), joinedload(Payment.collected_by),
                      joinedload(Payment.customer).joinedload(Customer.owner)))  # the page names them all
    query = own_rows(query, "payment", customer_id=Payment.customer_id)
    cob = close_of_business()
    return [HandoverRow(p, rules.handover_overdue(p.method, p.collected_on, None, now, cob))
            for p in db.session.scalars(query)]


def confirm_not_allowed(field: str | None = None):
    return violation("money.confirm_not_allowed", "You are not allowed to confirm that a payment was received.",
                     field=field)


def confirm_blockers(payment: Payment, may_confirm: bool | None = None) -> list:
    """Why the current user may not confirm `payment` now (empty: they may). The one list the confirm action
    checks and the pages show next to a missing button. `may_confirm`: the capability, if already known
    (a list page asks once for all its rows)."""
    out = []
    if may_confirm is None:
        may_confirm = authority.has_capability(None, Capability.CONFIRM_PAYMENT)
    if not may_confirm:
        out.append(confirm_not_allowed())
    if payment.reversed_at is not None:
        out.append(violation("money.confirm_reversed", "This payment was reversed: it cannot be confirmed."))
    elif payment.confirmed_at is not None:
        out.append(violation("money.already_confirmed", "This payment was already confirmed."))
    return out


def reverse_blockers(payment: Payment, who_may: bool = False) -> list:
    """Why a reversal of `payment` is not offered (empty: it may be reversed, with a reason). `who_may`: also
    whether the current user's roles may record a reversal (the write guard's declaration, app.domain.rules.editable)."""
    if who_may:
        from app.domain.rules import editable

        from .guards import editable_violation

        refused = editable_violation("payment", payment, set(editable.REVERSAL))
        if refused is not None:
            return [refused]
    if payment.reversed_at is not None:
        return [violation("money.already_reversed", "This payment was already reversed.")]
    if payment.confirmed_at is None:
        return [violation("money.reversal_not_confirmed",
                          "Only a confirmed payment is reversed; correct an unconfirmed one directly.")]
    return []


def confirm_payment(payment: Payment, at: datetime | None = None, expected_version: int | None = None) -> Payment:
    """Finance confirms it received the payment (received_at, confirmed_at; confirmed_by is stamped by the
    write guard, which also checks the rest). Flushes; the caller commits (or rolls back on a refusal).

    Locks the payment, then its contract, and checks them as committed (two clicks of two people confirm once);
    with `expected_version` (the payment as the user saw it), a payment changed since is refused."""
    from .guards import check_record_write

    lock_for_update(payment)
    if payment.contract is not None:
        lock_for_update(payment.contract)
    if expected_version is not None:
        check_version(payment, expected_version)
    blockers = confirm_blockers(payment)
    if blockers:
        raise blockers[0]
    moment = at or utcnow()
    payment.received_at = payment.received_at or moment
    payment.confirmed_at = moment
    check_record_write("payment", payment)
    db.session.flush()
    return payment


def reverse_payment(payment: Payment, reason: str | None, at: datetime | None = None) -> Payment:
    """Finance reverses a confirmed payment, saying why: from then on it pays nothing (the right payment is
    recorded anew). Through the write guard (who may, the reason, the payment confirmed); audited like every
    write. Flushes; the caller commits (or rolls back on a refusal)."""
    from .guards import check_record_write

    lock_for_update(payment)
    if payment.contract is not None:
        lock_for_update(payment.contract)
    if payment.reversed_at is not None:
        raise reverse_blockers(payment)[0]
    payment.reversed_at = at or utcnow()
    payment.reversal_reason = reason
    check_record_write("payment", payment)
    db.session.flush()
    return payment
