"""Every change leaves a trail: a row created, changed or deleted between two snapshots has an audit entry made
in between, and a changed row a higher version (issue 8: "every change has an audit entry"; versions increase
on every change). Derived columns (sort keys, totals: app.models.derived) are the system's bookkeeping and are
left out, as the audit log leaves them out."""
from sqlalchemy import func, inspect, select

from app.models import Activity, AuditLog, Booking, Complaint, Contact, Contract, Customer, Payment, WriteOff

TRACKED = {Customer: "customer", Contact: "contact", Activity: "activity", Contract: "contract",
           Booking: "booking", Payment: "payment", WriteOff: "writeoff", Complaint: "complaint"}
IGNORED = {"version", "created_at", "updated_at"}


def _columns(model):
    return [c for c in inspect(model).columns if c.key not in IGNORED and not c.info.get("derived")]


def snapshot(session, since: dict) -> dict:
    """{(record, id): (version, {column: value})} of the tracked rows made after `since`, and the audit's
    highest id."""
    rows = {}
    for model, record in TRACKED.items():
        columns = _columns(model)
        query = select(model.__table__.c.version, *columns).where(
            model.__table__.c.id > since.get(model.__tablename__, 0))
        for version, *values in session.execute(query):
            data = dict(zip([c.key for c in columns], values))
            rows[(record, data["id"])] = (version, data)
    return {"rows": rows, "audit": session.scalar(select(func.coalesce(func.max(AuditLog.id), 0)))}


def broken_trail(session, before: dict, after: dict) -> list[str]:
    entries = {}
    for record, record_id, action in session.execute(
            select(AuditLog.record, AuditLog.record_id, AuditLog.action).where(AuditLog.id > before["audit"])):
        entries.setdefault((record, record_id), set()).add(action)
    out = []
    for key, (version, data) in after["rows"].items():
        old = before["rows"].get(key)
        if old is None:
            if "create" not in entries.get(key, ()):
                out.append(f"{key[0]} #{key[1]} created without an audit entry")
            continue
        old_version, old_data = old
        changed = sorted(column for column in data if data[column] != old_data[column])
        if changed:
            if version <= old_version:
                out.append(f"{key[0]} #{key[1]} changed {changed} but kept version {version}")
            if not entries.get(key, set()) & {"update", "transition"}:
                out.append(f"{key[0]} #{key[1]} changed {changed} without an audit entry")
        elif version < old_version:
            out.append(f"{key[0]} #{key[1]} version went down from {old_version} to {version}")
    for key in before["rows"].keys() - after["rows"].keys():
        if "delete" not in entries.get(key, ()):
            out.append(f"{key[0]} #{key[1]} deleted without an audit entry")
    return out
