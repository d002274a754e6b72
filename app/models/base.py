"""The database handle and column helpers shared by the model modules."""
from datetime import datetime, timezone

from flask_appbuilder import Model
from flask_appbuilder.utils.legacy import get_sqla_class
from sqlalchemy import CheckConstraint, DateTime, Numeric, String
from sqlalchemy.orm import mapped_column

db = get_sqla_class()()

# Money: up to 10 digits before the point, always two after.
Money = Numeric(12, 2)


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def enum_column(enum_cls, *, default=None, nullable=False, index=False):
    """A string column restricted to an enum's values (portable, unlike native enums)."""
    length = max(len(m.value) for m in enum_cls)
    return mapped_column(String(length), nullable=nullable, default=default, index=index)


def enum_check(column: str, enum_cls, table: str) -> CheckConstraint:
    allowed = ", ".join("'%s'" % m.value for m in enum_cls)
    return CheckConstraint(f"{column} IN ({allowed})", name=f"ck_{table}_{column}")


def sort_key_column():
    """A stored sort key (app.domain.textkeys.pinyin_sort_key), kept by app.models.events; compared byte-wise
    (PostgreSQL: the C collation, whatever the database's default). Not loaded with the row."""
    key_type = String(600).with_variant(String(600, collation="C"), "postgresql")
    return mapped_column(key_type, nullable=True, index=True, deferred=True, info=DERIVED)


# Columns the session hooks derive from others: never typed in, never audited as a change.
DERIVED = {"derived": True}


def created_column():
    return mapped_column(DateTime, default=utcnow, nullable=False)


def updated_column():
    return mapped_column(DateTime, default=utcnow, onupdate=utcnow, nullable=False)


__all__ = ["db", "Model", "Money", "DERIVED", "enum_column", "enum_check", "sort_key_column", "utcnow"]
