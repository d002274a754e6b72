"""The workflow's session hooks, registered by the app factory (`register()`): histories that record who
changed something (slot price changes, customer stage changes) and the audit log. The models know nothing
of these: they only keep their own derived columns (app.models.events)."""
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from app.models import AdSlot, Customer, CustomerStageChange, SlotPriceChange

from . import audit
from .actors import actor_id


def _record_price_change(session: Session, slot: AdSlot) -> None:
    history = inspect(slot).attrs.list_price.history
    if not history.has_changes():
        return
    old = history.deleted[0] if history.deleted else None
    if old is not None and slot.list_price is not None and old == slot.list_price:
        return
    session.add(SlotPriceChange(slot=slot, old_price=old, new_price=slot.list_price, changed_by_id=actor_id()))


def _record_stage_change(session: Session, customer: Customer) -> None:
    history = inspect(customer).attrs.stage.history
    if not history.has_changes() or not customer.stage:
        return
    old = history.deleted[0] if history.deleted else None
    if old == customer.stage:
        return
    owner_id = customer.owner.id if customer.owner is not None else customer.owner_id
    session.add(CustomerStageChange(customer=customer, from_stage=old, to_stage=customer.stage,
                                    owner_id=owner_id, changed_by_id=actor_id()))


def record_histories(session: Session, flush_context, instances) -> None:
    for item in list(session.new) + list(session.dirty):
        if isinstance(item, AdSlot):
            _record_price_change(session, item)
        elif isinstance(item, Customer):
            _record_stage_change(session, item)


def register() -> None:
    """Install the workflow's session hooks once (idempotent: every app built in a process shares them)."""
    if not event.contains(Session, "before_flush", record_histories):
        event.listen(Session, "before_flush", record_histories)
    audit.register()
