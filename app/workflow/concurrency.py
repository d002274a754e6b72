"""Two people at the same moment: versions, row locks, and one refusal for "changed by someone else".

Two mechanisms, used together:

- Optimistic, for edits of a record: every record carries a version (`app.models.base.Versioned`). A form, an
  API PUT or a sheet edit says which version it was based on; `check_version` refuses it when the row has moved
  on since, and the UPDATE itself names the version it read, so a change that slips in between fails as a
  StaleDataError instead of being overwritten. Both end as the same refusal (`changed_meanwhile`).
- Pessimistic, for workflow steps whose rules read other rows (a transition, a payment confirmation, a
  write-off, a booking): the step first locks its contract (and a booking its slot) with `lock_for_update`,
  then checks its rules. Two such steps on one contract run one after the other, and the second judges what
  the first committed. Locks are always taken in one order: the row being changed, then its contract, then
  the slot, so that two requests never wait for each other in a circle.
"""
from sqlalchemy import inspect, select, update
from sqlalchemy.orm.exc import StaleDataError

from app.domain.rules.errors import RuleViolation

from .messages import violation

STALE_CODE = "record.changed_meanwhile"
# What a booking, payment or write-off locks before its rules run (attribute names, in locking order).
LOCKED_PARENTS = {"booking": ("contract", "slot"), "payment": ("contract",), "writeoff": ("contract",)}


def changed_meanwhile(item=None) -> RuleViolation:
    """The refusal of a write based on an outdated read (translated by messages.translate)."""
    current = getattr(item, "version", None)
    return violation(STALE_CODE, "This record was changed by someone else since you opened it; nothing was saved.",
                     {"version": current})


def is_stale(exc: BaseException) -> bool:
    """True for every form the "changed by someone else" refusal takes."""
    if isinstance(exc, StaleDataError):
        return True
    found = getattr(exc, "violation", exc)  # a RuleRefused carries its violation
    return isinstance(found, RuleViolation) and found.code == STALE_CODE


def as_violation(exc: Exception) -> RuleViolation:
    """A refusal to show: the rule's own, or "changed by someone else" for a StaleDataError."""
    return exc if isinstance(exc, RuleViolation) else changed_meanwhile()


def is_versioned(model_or_item) -> bool:
    mapper = inspect(model_or_item, raiseerr=False)
    mapper = getattr(mapper, "mapper", mapper)
    return mapper is not None and getattr(mapper, "version_id_col", None) is not None


def parse_version(raw) -> int | None:
    """A version as sent by a client: a whole number (JSON integer or digits); None if it is not one."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw if raw >= 0 else None
    if isinstance(raw, str) and raw.strip().isdigit() and len(raw.strip()) < 19:
        return int(raw.strip())
    return None


def check_version(item, expected: int | None) -> None:
    """Refuse (RuleViolation STALE_CODE) unless the row is still at the version the user's change is based on.
    Call it after `lock_for_update(item)` so that the comparison holds until the transaction ends."""
    if expected is None or item.version != expected:
        raise changed_meanwhile(item)


def lock_for_update(item):
    """Lock the item's row until the transaction ends, and reload it with what others committed before.

    PostgreSQL: SELECT ... FOR UPDATE. SQLite has no row locks: a no-op UPDATE of the row takes the database's
    write lock instead, which likewise makes every other writer wait until this transaction ends. A row not yet
    stored is left alone; changes this session made to the item and not yet flushed are kept (not reloaded).
    """
    state = inspect(item)
    if state.key is None or state.session is None:
        return item
    session, mapper = state.session, state.mapper
    where = [column == value for column, value in zip(mapper.primary_key, state.identity)]
    with session.no_autoflush:
        if session.get_bind().dialect.name == "sqlite":
            table = mapper.local_table
            touched = table.c.version if "version" in table.c else mapper.primary_key[0]
            session.connection().execute(update(table).where(*where).values({touched.name: touched}))
        statement = select(mapper.class_).where(*where).with_for_update()
        if not session.is_modified(item, include_collections=False):
            statement = statement.execution_options(populate_existing=True)
        session.execute(statement).all()
    return item


def lock_related(record: str, item) -> None:
    """Lock what the record's rules depend on (its contract, a booking's slot) before they are checked."""
    names = LOCKED_PARENTS.get(record)
    if not names:
        return
    state = inspect(item)
    session = state.session
    for name in names:
        related = getattr(item, name, None)
        if related is None and session is not None:
            related_id = getattr(item, f"{name}_id", None)
            if related_id is not None:
                related = session.get(state.mapper.relationships[name].mapper.class_, related_id)
        if related is not None:
            lock_for_update(related)


def last_changes(item, since_version: int | None, limit: int = 20) -> tuple[list[str], list[str]]:
    """Who changed the item, and which fields, after `since_version` (from the audit log): (users, fields)."""
    import json

    from app.models import AuditLog, db

    from .audit import audited_records

    record = audited_records().get(type(item))
    if record is None or since_version is None or item.version is None or item.version <= since_version:
        return [], []
    rows = db.session.execute(
        select(AuditLog.actor_name, AuditLog.changes)
        .where(AuditLog.record == record, AuditLog.record_id == item.id, AuditLog.action != "create")
        .order_by(AuditLog.id.desc()).limit(min(item.version - since_version, limit))).all()
    users, fields = [], []
    for actor, changes in rows:
        if actor and actor not in users:
            users.append(actor)
        try:
            names = list(json.loads(changes or "{}"))
        except ValueError:
            names = []
        fields += [name for name in names if name not in fields]
    return users, fields
