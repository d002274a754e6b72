"""Columns derived from others, kept right on every flush whichever door wrote the row (form, API, sheet,
CLI, import): the session hooks of app.models.events call these.

- Name keys: ``name_sort`` / ``party_name_sort`` (pinyin order) and ``customer.name_grams`` (the bigrams the
  substring search indexes), from app.domain.textkeys, set whenever the name is new or changed.
- Contract money: ``net_amount`` (the amount after discount, by the one money rule) when the amount or the
  discount changes; ``paid_total`` (what confirmed, unreversed payments pay: their amount less the advance)
  and ``written_off_total`` (write-offs) moved by the difference each payment or write-off makes, as ``total = total + delta`` in the database: two people
  recording payments on one contract at the same moment both count, whatever each transaction saw.

Rows written around the ORM (bulk inserts of the scale seed, migrations) call ``recompute_contract_totals``.
"""
from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from sqlalchemy import func, inspect, select, update
from sqlalchemy.orm import Session

from app.domain.rules.errors import RuleViolation
from app.domain.rules.money import amount_after_discount
from app.domain.textkeys import bigram_text, pinyin_sort_key

_DELTAS_KEY = "adsheet_contract_total_deltas"
_TOUCHED_KEY = "adsheet_contract_totals_touched"


def _changed(item, key: str) -> bool:
    state = inspect(item)
    return state.pending or state.attrs[key].history.has_changes()


def committed(item, key: str):
    """The attribute's value as the database holds it (before this flush's change)."""
    history = inspect(item).attrs[key].history
    if history.deleted:
        return history.deleted[0]
    if history.unchanged:
        return history.unchanged[0]
    return None if history.added else getattr(item, key)


def keep_name_keys(item) -> None:
    """The sort keys declared in the model's ``__sort_keys__``, and a customer's bigrams, for a new row or a
    changed name (rows written before the keys existed got theirs from migration ui_name_keys; the keys are
    not loaded with a row, so they are not read here)."""
    for column, key_column in getattr(type(item), "__sort_keys__", {}).items():
        if _changed(item, column):
            setattr(item, key_column, pinyin_sort_key(getattr(item, column)))
    if hasattr(type(item), "name_grams") and _changed(item, "name"):
        item.name_grams = bigram_text(item.name)


def net_amount_of(amount, discount_pct) -> Decimal | None:
    if amount is None:
        return None
    try:
        return amount_after_discount(Decimal(amount), None if discount_pct is None else Decimal(discount_pct))
    except (RuleViolation, ArithmeticError, ValueError):
        return None  # refused by the rules and the table's checks before it is stored


def keep_net_amount(contract) -> None:
    if _changed(contract, "amount") or _changed(contract, "discount_pct") or contract.net_amount is None:
        contract.net_amount = net_amount_of(contract.amount, contract.discount_pct)


# --- payments and write-offs -> contract totals -----------------------------------------------------------

def _contribution(item, total: str, now: bool):
    """(contract, amount) that the payment or write-off adds to ``total``, before this flush (now=False) or
    after it; None when it adds nothing."""
    value = getattr if now else committed
    if total == "paid_total":
        # What a payment pays (app.workflow.money.counted_payment / applied_amount): once confirmed and until
        # reversed, its amount less the advance Finance holds apart.
        if value(item, "confirmed_at") is None or value(item, "reversed_at") is not None:
            return None
        amount = Decimal(value(item, "amount") or 0) - Decimal(value(item, "advance") or 0)
    else:
        amount = value(item, "amount")
    if not amount:
        return None
    if now:
        target = item.contract if item.contract is not None else item.contract_id
    else:
        target = value(item, "contract_id")
    return (target, Decimal(amount)) if target is not None else None


def note_total_changes(session: Session, items, deleted) -> None:
    """Before the flush: what each changed payment / write-off moves in its contracts' totals."""
    from .sales import Payment
    from .workflow import WriteOff

    # Replaced on every flush: what a failed flush noted never reaches the next one.
    deltas = session.info[_DELTAS_KEY] = []
    for item, is_deleted in [(i, False) for i in items] + [(i, True) for i in deleted]:
        total = "paid_total" if isinstance(item, Payment) else "written_off_total" if isinstance(
            item, WriteOff) else None
        if total is None:
            continue
        state = inspect(item)
        before = None if state.pending else _contribution(item, total, now=False)
        after = None if is_deleted else _contribution(item, total, now=True)
        if before == after:
            continue
        if before is not None:
            deltas.append((before[0], total, -before[1]))
        if after is not None:
            deltas.append((after[0], total, after[1]))


def apply_total_changes(session: Session) -> None:
    """After the flush wrote the rows: move the totals in the database, one UPDATE per contract."""
    from .sales import Contract

    noted = session.info.pop(_DELTAS_KEY, None)
    if not noted:
        return
    summed: dict[tuple[int, str], Decimal] = defaultdict(Decimal)
    for target, total, delta in noted:
        contract_id = target if isinstance(target, int) else getattr(target, "id", None)
        if contract_id is not None:
            summed[(contract_id, total)] += delta
    table = Contract.__table__
    by_contract: dict[int, dict[str, Decimal]] = defaultdict(dict)
    for (contract_id, total), delta in summed.items():
        if delta:
            by_contract[contract_id][total] = delta
    for contract_id, changes in sorted(by_contract.items()):  # one order: no deadlock between two writers
        session.connection().execute(
            update(table).where(table.c.id == contract_id)
            .values({total: table.c[total] + delta for total, delta in changes.items()}))
    session.info.setdefault(_TOUCHED_KEY, set()).update(by_contract)


def expire_changed_totals(session: Session) -> None:
    """After the flush: contracts of this session whose totals moved read them again when next asked."""
    from .sales import Contract

    touched = session.info.pop(_TOUCHED_KEY, None)
    for contract_id in touched or ():
        contract = session.identity_map.get(session.identity_key(Contract, contract_id))
        if contract is not None:
            session.expire(contract, ["paid_total", "written_off_total"])


def recompute_contract_totals(session: Session, from_id: int | None = None) -> None:
    """Every contract's totals (or those from id ``from_id`` on) summed afresh, for rows written around the
    ORM (the scale seed's bulk inserts)."""
    from .sales import Contract, Payment
    from .workflow import WriteOff

    paid = (select(func.coalesce(func.sum(Payment.amount - Payment.advance), 0))
            .where(Payment.contract_id == Contract.id, Payment.confirmed_at.is_not(None),
                   Payment.reversed_at.is_(None)).scalar_subquery())
    written = (select(func.coalesce(func.sum(WriteOff.amount), 0))
               .where(WriteOff.contract_id == Contract.id).scalar_subquery())
    statement = update(Contract.__table__).values(paid_total=paid, written_off_total=written)
    if from_id is not None:
        statement = statement.where(Contract.__table__.c.id >= from_id)
    session.execute(statement)
