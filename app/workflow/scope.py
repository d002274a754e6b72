"""The one ownership filter of every workflow list and report: Sales see their own customers' rows only.

Lists built on FAB views get it from their base filter (app.security.ownership.OwnRowsFilter); the work
lists, reports and dashboard that query by hand call `own_rows`. A test fails when another module compares
`Customer.owner_id` itself (tests/test_guard_single_places.py).
"""
from sqlalchemy import select

from app.models import Customer
from app.security.ownership import restricted_user_id

EVERYONE = object()  # "no user given: ask who is acting"


def bounding_user(record: str, user_id=EVERYONE) -> int | None:
    """Whose customers bound `record` for the acting user (None: nobody's, all rows)."""
    return restricted_user_id(record) if user_id is EVERYONE else user_id


def customers_of(user_id: int):
    """The ids of the customers `user_id` owns (a subquery)."""
    return select(Customer.id).where(Customer.owner_id == user_id)


def own_rows(query, record: str, *, customer_id=None, owner_id=None, user_id=EVERYONE):
    """`query` limited to the rows of the acting user's customers when the matrix says "own" for `record`.

    Name the query's customer by `owner_id` (a Customer.owner_id column already joined) or by `customer_id`
    (a column holding the customer's id); `user_id` overrides who is acting (None: no limit).
    """
    user = bounding_user(record, user_id)
    if user is None:
        return query
    if owner_id is not None:
        return query.where(owner_id == user)
    return query.where(customer_id.in_(customers_of(user)))


def visible(record: str, model, pk: int):
    """The row `pk` of `model` if the acting user may see it (its record's ownership rule), else None."""
    from app.models import db

    query = select(model).where(model.id == pk)
    column = model.owner_id if model is Customer else model.customer_id
    kwargs = {"owner_id": column} if model is Customer else {"customer_id": column}
    return db.session.scalar(own_rows(query, record, **kwargs))
