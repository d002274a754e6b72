"""Referential checks that give a clear refusal instead of a database error."""
from sqlalchemy import Engine, event, func, select

from .base import db


@event.listens_for(Engine, "connect")
def enforce_sqlite_foreign_keys(dbapi_connection, connection_record) -> None:
    # SQLite ignores foreign keys (and ON DELETE CASCADE) unless asked on every connection.
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


def blocking_dependents(item) -> list[tuple[str, int]]:
    """(table, count) of rows that reference the item and would stop its deletion."""
    from . import ALL_MODELS

    table = item.__table__
    found = []
    for model in ALL_MODELS:
        for fk in model.__table__.foreign_keys:
            if fk.column.table is not table or (fk.ondelete or "").upper() in ("CASCADE", "SET NULL"):
                continue
            count = db.session.scalar(
                select(func.count()).select_from(model.__table__).where(fk.parent == item.id))
            if count:
                found.append((model.__tablename__, count))
    return found
