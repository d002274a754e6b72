"""The model's own session hook: denormalised columns kept right whichever door wrote the row.

Nothing here knows who acts or audits: the workflow registers its own hooks (app.workflow.hooks).
"""
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from .sales import Booking, Payment
from .workflow import WriteOff


def _sync_customer_from_contract(session: Session, item) -> None:
    contract = item.contract
    # A writer may have set only the id (the sheet sync, a bulk edit): the id wins over a stale relationship.
    id_changed = inspect(item).attrs.contract_id.history.has_changes()
    if item.contract_id is not None and (contract is None or (id_changed and contract.id != item.contract_id)):
        from .sales import Contract

        contract = session.get(Contract, item.contract_id)
        item.contract = contract
    if contract is not None:
        item.customer_id = contract.customer_id
        item.customer = contract.customer


@event.listens_for(Session, "before_flush")
def keep_derived_columns(session: Session, flush_context, instances) -> None:
    for item in list(session.new) + list(session.dirty):
        if isinstance(item, (Booking, Payment, WriteOff)):
            _sync_customer_from_contract(session, item)
