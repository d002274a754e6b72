"""The one permission authority at run time: FAB's permission tables, for the browser, the API and the sync.

    may(user, "edit", "customer")            may the user edit customers (the role's can_edit on Customer)?
    may(user, "edit", "customer", row)       ... and this row (a Sales rep: only their own customers')?
    has_capability(user, Capability.X)       may the user review / approve / seal / confirm payments ...?
    capabilities(user)                       every capability the user holds (what the pure rules take)

`user` is a FAB user, or None for whoever is acting (the request's user, or the one `acting_as` names
outside a request). The answers come from the same (permission, view) names FAB's own `has_access`
uses: inside a request the set loaded with the user (app.security.permcache, one statement per request);
outside a request (the sheet sync, CLI) one query per user and database transaction, kept in the
session's `info` until that transaction ends, so a sync cycle reads the tables once and the next cycle
sees an admin's change. The declaration (app.security.matrix) is not consulted here, except for the
row scope (": own"), which FAB's tables cannot express.
"""
from flask import current_app, has_request_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.domain.capabilities import Capability

from .matrix import CAPABILITIES, READ_ONLY_RECORDS, RECORDS, permission_name

_CACHE_KEY = "adsheet_permissions"


def view_of(record: str) -> str:
    """The FAB view (permission view menu) name of a record."""
    if record in RECORDS:
        return RECORDS[record]
    return READ_ONLY_RECORDS[record][0]


def _resolve(user):
    if user is None:
        from .ownership import acting_user

        return acting_user()
    return user


def permissions(user=None) -> frozenset[tuple[str, str]]:
    """The (permission, view) names the user's roles (group roles included) grant in FAB's tables."""
    user = _resolve(user)
    if user is None or not getattr(user, "is_active", False):
        return frozenset()
    sm = current_app.appbuilder.sm
    if has_request_context():
        return sm.user_permissions(user)  # the per-request set FAB's has_access reads too
    session = sm.session
    cache = session.info.setdefault(_CACHE_KEY, {})
    if user.id not in cache:
        cache[user.id] = sm.database_permissions(user)
    return cache[user.id]


def may(user, operation: str, record: str, row=None) -> bool:
    """May the user do `operation` (read, add, edit, delete) on `record`, and on `row` if one is given?"""
    user = _resolve(user)
    if (permission_name(operation), view_of(record)) not in permissions(user):
        return False
    if row is None:
        return True
    from .ownership import customer_of, owns_customer, restricted_user_id_for

    owner = restricted_user_id_for(user, record)
    return owner is None or owns_customer(customer_of(row), owner)


def has_capability(user, capability: str) -> bool:
    permission, view, _roles = CAPABILITIES[Capability(capability)]
    return (permission, view) in permissions(user)


def capabilities(user=None) -> frozenset[str]:
    granted = permissions(user)
    return frozenset(str(capability) for capability, (permission, view, _roles) in CAPABILITIES.items()
                     if (permission, view) in granted)


def _forget_at_transaction_end(session: Session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(_CACHE_KEY, None)


def register() -> None:
    """Out of a request, permissions are read once per database transaction."""
    if not event.contains(Session, "after_transaction_end", _forget_at_transaction_end):
        event.listen(Session, "after_transaction_end", _forget_at_transaction_end)
