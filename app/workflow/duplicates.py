"""A value that must be unique and is already taken: which record holds it, said as far as the user may see.

FAB's own check answered "Already exists." (twice on the customer form, as it appended its validator to a
shared list once per form) without saying which record. Here the message names the record holding the value
when the user may read it (a Sales rep sees their own customers only), and otherwise says only that another
record, which they cannot see, holds it. Forms (app.views.base) and the REST API (its write guard) ask here.
"""
from flask_babel import gettext
from sqlalchemy import select

from app.labels import FIELD_LABELS, record_name
from app.models import Customer, db
from app.security.ownership import owned_clause, restricted_user_id


def unique_columns(model) -> list[str]:
    """The model's columns that are unique on their own."""
    return [column.key for column in model.__table__.columns if column.unique]


def may_see(record: str, model, row_id) -> bool:
    """Whether the current user may read the row (Sales: rows of their own customers)."""
    user_id = restricted_user_id(record)
    if user_id is None or (model is not Customer and "customer_id" not in model.__table__.c):
        return True
    return db.session.scalar(select(model.id).where(model.id == row_id, owned_clause(model, user_id))) is not None


def duplicate_message(record: str, model, column: str, value, own_id=None) -> str | None:
    """None when no other row holds ``value``; else what to tell the user."""
    if value is None or value == "":
        return None
    query = select(model).where(getattr(model, column) == value)
    if own_id is not None:
        query = query.where(model.id != own_id)
    with db.session.no_autoflush:
        holder = db.session.scalars(query.limit(1)).first()
        if holder is None:
            return None
        visible = may_see(record, model, holder.id)
    field = str(FIELD_LABELS.get(column, column))
    if visible:
        return gettext("%(field)s %(value)s is already used by %(record)s “%(name)s”.", field=field, value=value,
                       record=record_name(record), name=str(holder))
    return gettext("%(field)s %(value)s is already used by another %(record)s, which you cannot see.",
                   field=field, value=value, record=record_name(record))


def duplicate_messages(record: str, item) -> dict[str, str]:
    """Field -> message for each unique value of ``item`` that another row already holds."""
    model = type(item)
    found = {}
    for column in unique_columns(model):
        message = duplicate_message(record, model, column, getattr(item, column, None), getattr(item, "id", None))
        if message:
            found[column] = message
    return found
