"""Renewals: sealed contracts inside their renewal window or lapsed, and not yet renewed."""
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import exists, select
from sqlalchemy.orm import aliased, joinedload

from app.domain.enums import ContractStatus
from app.domain.rules.dates import RENEWAL_OK, renewal_status
from app.models import Contract, Customer, db

from .scope import own_rows

LOOK_AHEAD_DAYS = 31  # the longest renewal lead (one month)
LAPSED_DAYS_SHOWN = 90


@dataclass(frozen=True)
class RenewalRow:
    contract: Contract
    status: str  # "due" or "lapsed"


def renewals(today: date | None = None) -> list[RenewalRow]:
    """One statement; Sales see their own customers only."""
    today = today or date.today()
    renewal = aliased(Contract)
    query = (select(Contract).join(Customer, Customer.id == Contract.customer_id)
             .where(Contract.status == ContractStatus.SEALED.value,
                    Contract.end_date <= today + timedelta(days=LOOK_AHEAD_DAYS),
                    Contract.end_date >= today - timedelta(days=LAPSED_DAYS_SHOWN),
                    ~exists().where(renewal.renews_id == Contract.id,
                                    renewal.status != ContractStatus.CANCELLED.value))
             .order_by(Contract.end_date, Contract.id)
             .options(joinedload(Contract.customer).joinedload(Customer.owner)))  # the page names them
    query = own_rows(query, "contract", owner_id=Customer.owner_id)
    rows = []
    for contract in db.session.scalars(query):
        status = renewal_status(contract.kind, contract.end_date, today)
        if status != RENEWAL_OK:
            rows.append(RenewalRow(contract, status))
    return rows
