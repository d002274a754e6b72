"""Substring search on customer names that an index serves (migration 0004_search).

PostgreSQL: a pg_trgm GIN index on customer.name serves ``name ILIKE '%text%'``.
SQLite: an FTS5 table with the trigram tokenizer, ``customer_name_fts`` (rowid = customer.id), kept in step
with customer by triggers, serves texts of three characters or more; shorter texts fall back to LIKE.

`CustomerNameSearchMixin` gives every list whose rows belong to a customer (and the customer list) a
"customer name contains" filter built on it: FAB cannot search a dotted ``customer.name`` (KeyError in 5.3),
and a relation column in ``search_columns`` would embed the whole customer table.
"""
import sqlite3
import unicodedata

from flask_appbuilder.models.filters import BaseFilter
from flask_babel import lazy_gettext as _l
from sqlalchemy import column, select, table, text
from wtforms import StringField

from app.models import Customer, db

FTS_TABLE = "customer_name_fts"
TRIGRAM = 3  # the FTS5 trigram tokenizer matches texts of at least three characters
HAS_TRIGRAM = sqlite3.sqlite_version_info >= (3, 34, 0)  # as migration 0004_search decided
SEARCH_KEY = "customer_name"


def clean_search_text(value: str, limit: int = 200) -> str:
    """Typed search text without control characters: a NUL ends an FTS5 phrase early and PostgreSQL
    refuses it in any string, so either would turn a search into a server error."""
    kept = "".join(ch for ch in value or "" if unicodedata.category(ch) not in ("Cc", "Cs"))
    return kept.strip()[:limit]


def escape_like(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def customer_name_contains(term: str, customer_id=None):
    """A WHERE clause: the customer's name contains `term` (case-insensitive).

    On Customer itself by default; pass another model's customer id column (``Contract.customer_id``) to
    filter that model's rows without joining customer.
    """
    term = clean_search_text(term)
    like = Customer.name.ilike(f"%{escape_like(term)}%", escape="\\")
    if db.session.get_bind().dialect.name == "sqlite" and HAS_TRIGRAM and len(term) >= TRIGRAM:
        phrase = '"' + term.replace('"', '""') + '"'
        fts = table(FTS_TABLE, column("rowid"))
        ids = select(fts.c.rowid).where(text(f"{FTS_TABLE} MATCH :phrase").bindparams(phrase=phrase))
        return (customer_id if customer_id is not None else Customer.id).in_(ids)
    if customer_id is None:
        return like
    return customer_id.in_(select(Customer.id).where(like))


class FilterCustomerNameContains(BaseFilter):
    name = _l("Contains")
    arg_name = "cnc"

    def apply(self, query, value):
        term = clean_search_text(value)
        if not term:
            return query
        if self.model is Customer:
            return query.filter(customer_name_contains(term))
        return query.filter(customer_name_contains(term, self.model.customer_id))


def has_customer(model) -> bool:
    return model is Customer or "customer_id" in model.__table__.c


class CustomerNameSearchMixin:
    """Adds the "customer name" filter (`_flt_0_customer_name=text`) to a ModelView's search."""

    def _init_properties(self):
        super()._init_properties()
        if not has_customer(self.datamodel.obj):
            return
        label = _l("Customer name")
        self.search_columns = [SEARCH_KEY] + [c for c in self.search_columns if c != SEARCH_KEY]
        self.label_columns = {**self.label_columns, SEARCH_KEY: label}
        self.search_form_extra_fields = {**(self.search_form_extra_fields or {}), SEARCH_KEY: StringField(label)}
        search_filter = FilterCustomerNameContains(SEARCH_KEY, self.datamodel)
        self._filters._search_filters = {**self._filters._search_filters, SEARCH_KEY: [search_filter]}
        self._filters._all_filters = {**self._filters._all_filters, SEARCH_KEY: [search_filter]}
