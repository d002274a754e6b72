"""Substring search on customer names that an index serves, for any fragment of two characters or more
(migration ui_name_keys).

The index holds the bigrams of each name (customer.name_grams, app.domain.textkeys): a name contains a
fragment only if it holds every bigram of the fragment, so the index narrows the names to those, and
``name ILIKE '%fragment%'`` then keeps the exact matches among them.
PostgreSQL: a GIN index on ``string_to_array(name_grams, ' ')``, asked with ``@>``.
SQLite: the FTS5 table ``customer_name_fts`` over name_grams (rowid = customer.id), one token per bigram.
A fragment without a bigram (one character, or letters and digits only one by one) falls back to LIKE.

`CustomerNameSearchMixin` gives every list whose rows belong to a customer (and the customer list) a
"customer name contains" filter built on it: FAB cannot search a dotted ``customer.name`` (KeyError in 5.3),
and a relation column in ``search_columns`` would embed the whole customer table.
"""
import unicodedata

from flask_appbuilder.models.filters import BaseFilter
from flask_babel import lazy_gettext as _l
from sqlalchemy import Text, cast, column, literal_column, select, table, text
from sqlalchemy.dialects.postgresql import ARRAY, array
from wtforms import StringField

from app.domain.textkeys import name_bigrams
from app.models import Customer, db

FTS_TABLE = "customer_name_fts"
SEARCH_KEY = "customer_name"


def clean_search_text(value: str, limit: int = 200) -> str:
    """Typed search text without control characters: a NUL ends an FTS5 phrase early and PostgreSQL
    refuses it in any string, so either would turn a search into a server error."""
    kept = "".join(ch for ch in value or "" if unicodedata.category(ch) not in ("Cc", "Cs"))
    return kept.strip()[:limit]


def escape_like(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def holds_bigrams_of(term: str):
    """A WHERE clause on customer that an index serves: the name holds every bigram of ``term`` (the names
    containing ``term`` and a few more); None when the term has no bigram to look up."""
    grams = name_bigrams(term)
    if not grams:
        return None
    if db.session.get_bind().dialect.name == "postgresql":
        # The index's own expression, separator included as a literal, so the planner matches the two.
        indexed = literal_column("string_to_array(customer.name_grams, ' ')", ARRAY(Text))
        return indexed.op("@>")(cast(array(grams), ARRAY(Text)))
    # FTS5: every bigram as a quoted phrase (implicit AND); bigrams are letters and digits only.
    query = " ".join('"' + gram.replace('"', '""') + '"' for gram in grams)
    fts = table(FTS_TABLE, column("rowid"))
    return Customer.id.in_(select(fts.c.rowid).where(text(f"{FTS_TABLE} MATCH :grams").bindparams(grams=query)))


def customer_name_contains(term: str, customer_id=None):
    """A WHERE clause: the customer's name contains `term` (case-insensitive).

    On Customer itself by default; pass another model's customer id column (``Contract.customer_id``) to
    filter that model's rows without joining customer.
    """
    term = clean_search_text(term)
    condition = Customer.name.ilike(f"%{escape_like(term)}%", escape="\\")
    indexed = holds_bigrams_of(term)
    if indexed is not None:
        condition = indexed & condition
    if customer_id is None:
        return condition
    return customer_id.in_(select(Customer.id).where(condition))


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
