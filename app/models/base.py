"""The database handle and column helpers shared by the model modules."""
from datetime import datetime, timezone

from flask_appbuilder import Model
from flask_appbuilder.utils.legacy import get_sqla_class
from sqlalchemy import CheckConstraint, DateTime, Integer, Numeric, String
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

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


def created_column():
    return mapped_column(DateTime, default=utcnow, nullable=False)


def updated_column():
    return mapped_column(DateTime, default=utcnow, onupdate=utcnow, nullable=False)


class Versioned:
    """A version counter on the row (SQLAlchemy's version_id_col): every UPDATE or DELETE names the version it
    read and bumps it, so a write based on an outdated read changes nothing and raises StaleDataError.
    Forms, the API and the sheet sync carry the version the user saw (app.workflow.concurrency)."""

    version: Mapped[int] = mapped_column(Integer, nullable=False, server_default="1")

    @declared_attr.directive
    def __mapper_args__(cls):
        return {"version_id_col": cls.__table__.c.version}


__all__ = ["db", "Model", "Money", "Versioned", "enum_column", "enum_check", "utcnow"]
