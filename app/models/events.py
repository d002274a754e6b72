"""The model's own session hooks: columns derived from others kept right whichever door wrote the row.

- a booking's, payment's or write-off's customer follows its contract;
- name sort keys and search bigrams, a contract's net amount (app.models.derived);
- a contract's paid and written-off totals, moved by what each payment or write-off changes (app.models.derived).

Nothing here knows who acts or audits: the workflow registers its own hooks (app.workflow.hooks).
"""
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from . import derived
from .customers import Contact, Customer
from .sales import Booking, Contract, Payment
from .workflow import WriteOff


def _sync_customer_from_contract(session: Session, item) -> None:
    contract = item.contract
    # A writer may have set only the id (the sheet sync, a bulk edit): the id wins over a stale relationship.
    id_changed = inspect(item).attrs.contract_id.history.has_changes()
    if item.contract_id is not None and (contract is None or (id_changed and contract.id != item.contract_id)):
        contract = session.get(Contract, item.contract_id)
        item.contract = contract
    if contract is not None:
        item.customer_id = contract.customer_id
        item.customer = contract.customer


@event.listens_for(Session, "before_flush")
def keep_derived_columns(session: Session, flush_context, instances) -> None:
    changed = list(session.new) + list(session.dirty)
    for item in changed:
        if isinstance(item, (Booking, Payment, WriteOff)):
            _sync_customer_from_contract(session, item)
        if isinstance(item, (Customer, Contact, Contract)):
            derived.keep_name_keys(item)
        if isinstance(item, Contract):
            derived.keep_net_amount(item)
    with session.no_autoflush:
        derived.note_total_changes(session, changed, list(session.deleted))


@event.listens_for(Session, "after_flush")
def move_contract_totals(session: Session, flush_context) -> None:
    derived.apply_total_changes(session)


@event.listens_for(Session, "after_flush_postexec")
def reread_contract_totals(session: Session, flush_context) -> None:
    derived.expire_changed_totals(session)
