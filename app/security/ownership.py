"""Row-level access: Sales users see and touch only their own customers' rows.

`OwnRowsFilter` is used as a FAB base filter (lists, show, edit, delete and
every REST read) and as the filter of every relation field's choices.
`check_write` guards writes, which base filters do not cover.
"""
from flask import current_app, g, has_request_context
from flask_appbuilder.models.filters import BaseFilter
from flask_babel import lazy_gettext as _l
from sqlalchemy import inspect, select
from werkzeug.exceptions import BadRequest

from app.models import Customer

from .matrix import own_only


def acting_user():
    """The user making the change: signed in by session or JWT, or named by `acting_as` outside a request."""
    if not has_request_context():
        from app.context import current_actor_id

        user_id = current_actor_id.get()
        sm = current_app.appbuilder.sm
        return sm.session.get(sm.user_model, user_id) if user_id else None
    user = current_app.appbuilder.sm.current_user
    return user if user is not None and getattr(user, "is_authenticated", False) else None


def acting_user_id() -> int | None:
    user = acting_user()
    return user.id if user is not None else None


def current_role_names() -> frozenset[str]:
    """The current user's role names, group roles included; cached per request."""
    user = acting_user()
    user_id = user.id if user is not None else None
    cached = getattr(g, "_role_names", None)
    if cached is not None and cached[0] == user_id:
        return cached[1]
    names: frozenset[str] = frozenset()
    if user is not None:
        names = frozenset(role.name for role in current_app.appbuilder.sm.get_user_roles(user))
    g._role_names = (user_id, names)
    return names


def restricted_user_id(record: str) -> int | None:
    """The user id whose customers bound this record for the current user, or None if unbounded."""
    user = acting_user()
    if user is None:
        return None
    if own_only(record, current_role_names()):
        return user.id
    return None


def restricted_user_id_for(user, record: str) -> int | None:
    """`restricted_user_id` for any user (the row scope is declared per role in app.security.matrix)."""
    if user is None:
        return None
    acting = acting_user()
    if acting is not None and acting.id == user.id:
        return restricted_user_id(record)
    roles = frozenset(role.name for role in current_app.appbuilder.sm.get_user_roles(user))
    return user.id if own_only(record, roles) else None


def owned_clause(model, user_id: int):
    if model is Customer:
        return Customer.owner_id == user_id
    owned_customers = select(Customer.id).where(Customer.owner_id == user_id)
    return model.customer_id.in_(owned_customers)


class OwnRowsFilter(BaseFilter):
    """Base filter; its value is the record name whose matrix entry decides."""

    name = _l("Own rows")
    arg_name = "own"

    def apply(self, query, value):
        user_id = restricted_user_id(value)
        if user_id is None:
            return query
        return query.filter(owned_clause(self.model, user_id))


class RefusedWrite(BadRequest):
    """A write refused by a permission or rule; FAB's API turns it into a 400, its views into a flash."""

    def __str__(self) -> str:
        return str(self.description)


def owns_customer(customer: Customer | None, user_id: int) -> bool:
    return customer is not None and customer.owner_id == user_id


def customer_of(item) -> Customer | None:
    """The customer a row belongs to (itself for a customer)."""
    if isinstance(item, Customer):
        return item
    return _customer_of(item)


def _customer_of(item) -> Customer | None:
    from app.models import db

    contract = getattr(item, "contract", None)
    if contract is not None:
        return contract.customer
    if getattr(item, "customer", None) is not None:
        return item.customer
    customer_id = getattr(item, "customer_id", None)
    return db.session.get(Customer, customer_id) if customer_id else None


def owner_changed(item: Customer) -> bool:
    state = inspect(item)
    return state.attrs.owner.history.has_changes() or state.attrs.owner_id.history.has_changes()


def new_owner_id(item: Customer) -> int | None:
    """The owner the customer will have once saved: a relationship set last wins at flush, as does a None."""
    history = inspect(item).attrs.owner.history
    if history.added:
        owner = history.added[0]
        return owner.id if owner is not None else None
    return item.owner.id if item.owner is not None else item.owner_id


def check_write(record: str, item) -> None:
    """Refuse attaching a row to someone else's customer, or re-assigning a customer."""
    user_id = restricted_user_id(record)
    if user_id is None:
        return
    if isinstance(item, Customer):
        state = inspect(item)
        # Forms and the API set the relationship, the sync may set the column: look at both. A Sales rep's new
        # customer was given its owner by the write-preparation step (app.workflow.prepare).
        previous = [u.id for u in state.attrs.owner.history.deleted if u is not None]
        previous += [i for i in state.attrs.owner_id.history.deleted if i is not None]
        if state.persistent and not previous and owner_changed(item):
            previous = [state.committed_state.get("owner_id", item.owner_id)]
        if new_owner_id(item) != user_id or any(old != user_id for old in previous):
            # Emptying the owner counts too: the customer would vanish from the rep's own lists.
            raise RefusedWrite(str(_l("You cannot assign a customer to another user.")))
        return
    if not owns_customer(_customer_of(item), user_id):
        raise RefusedWrite(str(_l("You can only work on your own customers' records.")))


class OwnerChoicesFilter(BaseFilter):
    """Choices of a customer's owner: a restricted user may only pick themselves."""

    name = _l("Owner choices")
    arg_name = "owner_choices"

    def apply(self, query, value):
        user_id = restricted_user_id(value)
        if user_id is None:
            return query.filter(self.model.active.is_(True))
        return query.filter(self.model.id == user_id)
