"""Session hooks that keep derived columns right whichever door wrote the row."""
from contextlib import contextmanager
from contextvars import ContextVar

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from . import derived
from .customers import Contact, Customer
from .media import AdSlot, SlotPriceChange
from .sales import Booking, Contract, Payment
from .workflow import CustomerStageChange, WriteOff

# The user on whose behalf work outside a request runs (the sheet sync, CLI commands).
current_actor_id: ContextVar[int | None] = ContextVar("current_actor_id", default=None)


# Which door a change came through: "browser", "api", "sheet" or "cli".
current_channel: ContextVar[str | None] = ContextVar("current_channel", default=None)


@contextmanager
def acting_as(user_id: int | None, channel: str):
    """Run work outside a request on behalf of a user (the sheet sync, CLI commands)."""
    user_token = current_actor_id.set(user_id)
    channel_token = current_channel.set(channel)
    try:
        yield
    finally:
        current_actor_id.reset(user_token)
        current_channel.reset(channel_token)


def channel() -> str:
    """The door of the current change; inside a request, told apart by the URL."""
    from flask import has_request_context, request

    explicit = current_channel.get()
    if explicit:
        return explicit
    if has_request_context():
        return "api" if request.path.startswith("/api/") else "browser"
    return "cli"


def actor_id() -> int | None:
    """Who is making the change: the request's user, else whoever the context names."""
    from flask import has_request_context

    if has_request_context():
        from app.security.ownership import acting_user_id

        user_id = acting_user_id()
        if user_id is not None:
            return user_id
    return current_actor_id.get()


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


def _record_price_change(session: Session, slot: AdSlot) -> None:
    history = inspect(slot).attrs.list_price.history
    if not history.has_changes():
        return
    old = history.deleted[0] if history.deleted else None
    if old is not None and slot.list_price is not None and old == slot.list_price:
        return
    session.add(SlotPriceChange(slot=slot, old_price=old, new_price=slot.list_price,
                                changed_by_id=actor_id()))


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


@event.listens_for(Session, "before_flush")
def keep_derived_columns(session: Session, flush_context, instances) -> None:
    changed = list(session.new) + list(session.dirty)
    for item in changed:
        if isinstance(item, (Booking, Payment, WriteOff)):
            _sync_customer_from_contract(session, item)
        elif isinstance(item, AdSlot):
            _record_price_change(session, item)
        elif isinstance(item, Customer):
            _record_stage_change(session, item)
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


def _register_audit_log() -> None:
    from app.workflow import audit

    audit.register()


_register_audit_log()
