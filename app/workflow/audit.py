"""The audit log: every create/update/delete of the domain records, and every contract transition.

`register()` (called from app.models.events) installs two Session hooks: before_flush notes who is
acting (it may query), after_flush writes one audit_log row per changed row with the changes as JSON
{field: [old, new]}. Rows go in with one Core INSERT on the flush's own connection.
"""
import json
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session
from sqlalchemy.orm.base import NO_VALUE

from app.domain.enums import AuditAction

SKIPPED_COLUMNS = frozenset({"created_at", "updated_at"})
_INFO_KEY = "adsheet_audit_actor"


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


def _summary(obj) -> str | None:
    try:
        return str(obj)[:200]
    except Exception:  # a repr that needs an unloaded relation must not break the write
        return None


def _actor(session: Session):
    from app.models.events import actor_id, channel

    user_id = actor_id()
    name = None
    if user_id is not None:
        from flask import current_app, has_app_context

        if has_app_context():
            sm = current_app.appbuilder.sm
            user = session.get(sm.user_model, user_id)
            name = user.username if user is not None else None
    return user_id, name, channel()


def before_flush(session: Session, flush_context, instances) -> None:
    records = audited_records()
    if any(type(obj) in records for obj in list(session.new) + list(session.dirty) + list(session.deleted)):
        with session.no_autoflush:
            session.info[_INFO_KEY] = _actor(session)


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
            record = records.get(type(obj))
            if record is None:
                continue
            if action == AuditAction.UPDATE and not session.is_modified(obj, include_collections=False):
                continue
            changes = _changes(obj, action)
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
    if rows:
        session.connection().execute(AuditLog.__table__.insert(), rows)


def after_flush_postexec(session: Session, flush_context) -> None:
    session.info.pop(_INFO_KEY, None)


def register() -> None:
    if not event.contains(Session, "before_flush", before_flush):
        event.listen(Session, "before_flush", before_flush)
        event.listen(Session, "after_flush", after_flush)
        event.listen(Session, "after_flush_postexec", after_flush_postexec)
