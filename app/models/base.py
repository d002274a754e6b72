"""The database handle and column helpers shared by the model modules."""
from datetime import datetime, timezone

from flask_appbuilder import Model
from flask_appbuilder.utils.legacy import get_sqla_class
from sqlalchemy import CheckConstraint, DateTime, Integer, Numeric, String, event, inspect
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

db = get_sqla_class()()

# Money: up to 10 digits before the point, always two after.
Money = Numeric(12, 2)


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def enum_column(enum_cls, *, default=None, nullable=False, index=False):
    """A string column restricted to an enum's values (portable, unlike native enums).

    The one declaration of the column's value set: the CHECK constraint ck_<table>_<column> is added when
    the column joins its table, and the field checks (app.checks), the forms' selects and formatters
    (app.views.base) and the sheet's dropdowns (sync.profiles) all read the enum from here (`column_enum`).
    """
    length = max(len(m.value) for m in enum_cls)
    column = mapped_column(String(length), nullable=nullable, default=default, index=index,
                           info={"enum": enum_cls})
    event.listen(column.column, "after_parent_attach", _add_enum_check)
    return column


def _add_enum_check(column, table) -> None:
    allowed = ", ".join("'%s'" % m.value for m in column.info["enum"])
    table.append_constraint(CheckConstraint(f"{column.name} IN ({allowed})", name=f"ck_{table.name}_{column.name}"))


def column_enum(model, field: str):
    """The enum declared on `model.field` (None if the field is not an enum column)."""
    column = inspect(model).columns.get(field)
    return column.info.get("enum") if column is not None else None


def enum_columns(model) -> dict:
    """field -> enum class, for every enum column of the model."""
    return {column.key: column.info["enum"] for column in inspect(model).columns if "enum" in column.info}


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


class Versioned:
    """A version counter on the row (SQLAlchemy's version_id_col): every UPDATE or DELETE names the version it
    read and bumps it, so a write based on an outdated read changes nothing and raises StaleDataError.
    Forms, the API and the sheet sync carry the version the user saw (app.workflow.concurrency)."""

    version: Mapped[int] = mapped_column(Integer, nullable=False, server_default="1")

    @declared_attr.directive
    def __mapper_args__(cls):
        return {"version_id_col": cls.__table__.c.version}


__all__ = ["db", "Model", "Money", "DERIVED", "Versioned", "column_enum", "enum_column", "enum_columns", "sort_key_column",
           "utcnow"]
