"""The audit log: every create/update/delete of the domain records, every contract transition, and every
change of users, roles, groups and role permissions.

`register()` (called from app.workflow.hooks) installs two Session hooks: before_flush notes who is
acting and reads the rows the database will delete with a deleted row (ON DELETE CASCADE, e.g. a
customer's contacts and activities) while they still exist; after_flush writes one audit_log row per
changed row, cascaded rows included (marked `deleted_with`), with the changes as JSON {field: [old, new]}.
Rows go in with one Core INSERT on the flush's own connection.

Users, roles and groups (FAB's tables, whatever the door: security pages, security API, CLI) are logged
as records "user", "role" and "group". A password is never logged, nor its hash: only that it was set or
changed. Collections (a user's roles, a role's permissions...) are logged as [removed, added].
"""
import json
from datetime import date, datetime
from decimal import Decimal

from flask_appbuilder.security.sqla.models import Group, PermissionView, Role, User
from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.base import NO_VALUE

from app.domain.enums import AuditAction

# The version counter changes with every update (app.models.base.Versioned): not a change worth listing.
SKIPPED_COLUMNS = frozenset({"created_at", "updated_at", "version"})
_INFO_KEY = "adsheet_audit_actor"
_CASCADE_KEY = "adsheet_audit_cascade"

SECURITY_RECORDS = {User: "user", Role: "role", Group: "group"}
# Bookkeeping FAB updates on its own (every sign-in counts logins): not changes anyone made.
SECURITY_SKIPPED_COLUMNS = frozenset({
    "password", "last_login", "login_count", "fail_login_count", "created_on", "changed_on", "created_by_fk",
    "changed_by_fk",
})
SECURITY_COLLECTIONS = {User: ("roles", "groups"), Role: ("permissions", "user"), Group: ("users", "roles")}
PASSWORD_SET, PASSWORD_CHANGED = "(set)", "(changed)"


def audited_records() -> dict:
    """Model class -> record name (the matrix key where there is one)."""
    from app.models import ALL_MODELS, AdSlot, SlotPriceChange, WriteOff

    names = {model: model.__name__.lower() for model in ALL_MODELS}
    names[AdSlot] = "adslot"
    names[SlotPriceChange] = "slotpricechange"
    names[WriteOff] = "writeoff"
    return names


def _plain(value):
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return str(value)


def _columns(item):
    mapper = inspect(item).mapper
    # Derived columns (sort keys, totals: app.models.derived) follow the fields that were changed.
    return [attr for attr in mapper.column_attrs if attr.key not in SKIPPED_COLUMNS and attr.key != "id"
            and not attr.columns[0].info.get("derived")]


def _changes(item, action: str) -> dict:
    state = inspect(item)
    out = {}
    for attr in _columns(item):
        if action == AuditAction.CREATE:
            value = getattr(item, attr.key)
            if value is not None:
                out[attr.key] = [None, _plain(value)]
        elif action == AuditAction.DELETE:
            value = state.attrs[attr.key].loaded_value
            if value is not NO_VALUE and value is not None:
                out[attr.key] = [_plain(value), None]
        else:
            history = state.attrs[attr.key].history
            if history.has_changes():
                old = history.deleted[0] if history.deleted else None
                new = history.added[0] if history.added else None
                if old != new:
                    out[attr.key] = [_plain(old), _plain(new)]
    return out


def _name(member) -> str:
    if isinstance(member, PermissionView):
        permission, view = member.permission, member.view_menu
        return f"{permission.name if permission else '?'} on {view.name if view else '?'}"
    if isinstance(member, User):
        return member.username
    return str(getattr(member, "name", member))


def _security_changes(item, action: str) -> dict:
    """A user's, role's or group's changes: columns (never the password), then collections."""
    out = {key: value for key, value in _changes(item, action).items() if key not in SECURITY_SKIPPED_COLUMNS}
    state = inspect(item)
    if isinstance(item, User):
        if action == AuditAction.CREATE and item.password:
            out["password"] = [None, PASSWORD_SET]
        elif action == AuditAction.UPDATE and state.attrs.password.history.has_changes():
            out["password"] = [None, PASSWORD_CHANGED]
    if action == AuditAction.DELETE:
        return out
    for name in SECURITY_COLLECTIONS[type(item)]:
        history = state.attrs[name].history
        removed = sorted(_name(member) for member in history.deleted)
        added = sorted(_name(member) for member in history.added)
        if action == AuditAction.CREATE and not added and name not in state.unloaded:
            added = sorted(_name(member) for member in getattr(item, name) or ())
        if set(removed) != set(added):
            out[name] = [removed, added]
    return out


def _summary(obj) -> str | None:
    try:
        return str(obj)[:200]
    except Exception:  # a repr that needs an unloaded relation must not break the write
        return None


def _actor(session: Session):
    from app.context import channel

    from .actors import actor_id

    user_id = actor_id()
    name = None
    if user_id is not None:
        from flask import current_app, has_app_context

        if has_app_context():
            sm = current_app.appbuilder.sm
            user = session.get(sm.user_model, user_id)
            name = user.username if user is not None else None
    return user_id, name, channel()


def _cascading_children(table) -> list:
    """(model, record, foreign-key column) of the audited rows the database deletes with a row of `table`."""
    return [(model, record, fk.parent) for model, record in audited_records().items()
            for fk in model.__table__.foreign_keys
            if fk.column.table is table and (fk.ondelete or "").upper() == "CASCADE"]


def _cascaded_deletes(session: Session, deleted) -> list[tuple[str, dict, str]]:
    """(record, column values, "record #id" deleted with) of every row ON DELETE CASCADE will remove along
    with the deleted objects (at any depth), read before the flush deletes them. Rows the ORM deletes itself
    (loaded children) are in session.deleted and logged as usual."""
    records = audited_records()
    seen, pending = set(), []
    for obj in deleted:
        identity = inspect(obj).identity
        if identity is None:
            continue
        seen.add((obj.__table__.name, identity[0]))
        pending.append((obj.__table__, identity[0], f"{records.get(type(obj))} #{identity[0]}"))
    found = []
    while pending:
        table, pk, origin = pending.pop()
        for model, record, column in _cascading_children(table):
            for row in session.execute(select(model.__table__).where(column == pk)).mappings():
                key = (model.__table__.name, row["id"])
                if key not in seen:
                    seen.add(key)
                    found.append((record, dict(row), origin))
                    pending.append((model.__table__, row["id"], origin))
    return found


def before_flush(session: Session, flush_context, instances) -> None:
    records = audited_records()
    touched = list(session.new) + list(session.dirty) + list(session.deleted)
    if any(type(obj) in records or type(obj) in SECURITY_RECORDS for obj in touched):
        with session.no_autoflush:
            session.info[_INFO_KEY] = _actor(session)
            deleted = [obj for obj in session.deleted if type(obj) in records]
            if deleted:
                session.info[_CASCADE_KEY] = _cascaded_deletes(session, deleted)


def _cascaded_rows(cascaded, base: dict) -> list[dict]:
    rows = []
    for record, values, origin in cascaded:
        changes = {key: [_plain(value), None] for key, value in values.items()
                   if value is not None and key not in SKIPPED_COLUMNS and key != "id"}
        changes["deleted_with"] = [None, origin]
        summary = values.get("name") or values.get("subject") or values.get("outcome")
        rows.append({**base, "action": AuditAction.DELETE.value, "record": record, "record_id": values["id"],
                     "summary": str(summary)[:200] if summary else None,
                     "changes": json.dumps(changes, ensure_ascii=False, sort_keys=True)})
    return rows


def after_flush(session: Session, flush_context) -> None:
    from app.models import AuditLog, ContractTransition
    from app.models.base import utcnow

    records = audited_records()
    transitions = {id(obj.contract): obj for obj in session.new if isinstance(obj, ContractTransition)}
    actor_id, actor_name, channel = session.info.get(_INFO_KEY) or (None, None, "cli")
    now = utcnow()
    rows = []
    for collection, action in ((session.new, AuditAction.CREATE), (session.dirty, AuditAction.UPDATE),
                               (session.deleted, AuditAction.DELETE)):
        for obj in list(collection):
            security = type(obj) in SECURITY_RECORDS
            record = SECURITY_RECORDS[type(obj)] if security else records.get(type(obj))
            if record is None:
                continue
            if action == AuditAction.UPDATE and not session.is_modified(obj, include_collections=security):
                continue
            changes = _security_changes(obj, action) if security else _changes(obj, action)
            shown_action = action
            transition = transitions.get(id(obj))
            if transition is not None:
                shown_action = AuditAction.TRANSITION
                changes["status"] = [transition.from_status, transition.to_status]
                if transition.reason:
                    changes["reason"] = [None, transition.reason]
            if action == AuditAction.UPDATE and not changes:
                continue
            rows.append({
                "at": now, "actor_id": actor_id, "actor_name": actor_name, "channel": channel,
                "action": shown_action.value, "record": record, "record_id": inspect(obj).identity[0]
                if inspect(obj).identity else getattr(obj, "id", None),
                "summary": _summary(obj), "changes": json.dumps(changes, ensure_ascii=False, sort_keys=True),
            })
    rows += _cascaded_rows(session.info.pop(_CASCADE_KEY, ()), {
        "at": now, "actor_id": actor_id, "actor_name": actor_name, "channel": channel})
    if rows:
        session.connection().execute(AuditLog.__table__.insert(), rows)


def after_flush_postexec(session: Session, flush_context) -> None:
    session.info.pop(_INFO_KEY, None)
    session.info.pop(_CASCADE_KEY, None)


def register() -> None:
    if not event.contains(Session, "before_flush", before_flush):
        event.listen(Session, "before_flush", before_flush)
        event.listen(Session, "after_flush", after_flush)
        event.listen(Session, "after_flush_postexec", after_flush_postexec)
