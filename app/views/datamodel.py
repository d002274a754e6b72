"""FAB's SQLAInterface with bounded statements per page, whatever the page size.

- Relation columns come with their rows: every many-to-one relation of the model (and what the related
  row's ``__repr__`` reads, e.g. an issue's publication) is joined into the page's one SELECT, instead of one
  lazy load per row and relation.
- A page is an id subquery (filters, order, OFFSET/LIMIT on the table alone, so an index can serve a deep
  page without joining the skipped rows) joined back to the table and its relations.
- The total is counted up to a bound (``COUNT_BOUND`` rows past the current page): a list needs the exact
  total only while it is small; past the bound the pager shows "more". (SQLite counts an unfiltered table
  faster than up to a bound, so there the total is counted and then capped: the page reads the same.)
- A related list (the lists on a show/edit page, filtered on the parent) gets its page and its total in one
  statement (``count(*) OVER ()``).
- ``get`` joins the same relations and remembers the row for the rest of the request (a show page asks for
  its item twice).
- A column with a stored sort key (the model's ``__sort_keys__``: Chinese names in pinyin order) is sorted by
  its key (``SortKeyOrder``, also used by the REST API).

Calls with ``select_columns`` (the REST API, which names dotted columns itself) keep FAB's behaviour.
Writes refuse database errors in words (app.database_errors.SafeSQLAInterface).
"""
from flask import g, has_request_context, request
from flask_appbuilder.models.filters import Filters
from flask_appbuilder.models.sqla.filters import FilterRelationOneToManyEqual
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from app.database_errors import SafeSQLAInterface, storable_id

# Rows past the current page counted exactly before the total becomes "at least".
COUNT_BOUND = 10_000


def take_count_capped() -> bool:
    """Whether the count just made stopped at the bound (read once, by the list widget built next)."""
    if not has_request_context():
        return False
    return bool(g.pop("adsheet_count_capped", False))


def repr_loads(model) -> tuple[str, ...]:
    """Relations a model's __repr__ reads (so a joined row prints without another query)."""
    from app.models import Issue

    return {Issue: ("publication",)}.get(model, ())


class SortKeyOrder:
    """Order by the stored sort key of a column that has one (``name`` -> ``name_sort``)."""

    def apply_order_by(self, query, order_column, order_direction, aliases_mapping=None, bypass_many_to_many=False,
                       add_pk=False):
        order_column = getattr(self.obj, "__sort_keys__", {}).get(order_column, order_column)
        return super().apply_order_by(query, order_column, order_direction, aliases_mapping=aliases_mapping,
                                      bypass_many_to_many=bypass_many_to_many, add_pk=add_pk)


class SortKeySQLAInterface(SortKeyOrder, SafeSQLAInterface):
    pass


class EagerSQLAInterface(SortKeyOrder, SafeSQLAInterface):
    def __init__(self, obj, session=None, eager: tuple[str, ...] | None = None):
        super().__init__(obj, session)
        self.eager = eager

    def get_max_length(self, col_name: str) -> int:
        # No length validator on the raw form input: the field checks (app.checks) measure the text once
        # normalised, so surrounding blanks or a pasted zero-width space do not make a valid code too long.
        return -1

    def is_unique(self, col_name) -> bool:
        # FAB's form check answered a bare "Already exists." (appended to a shared validator list, so twice on
        # the customer form); the views check unique values with app.workflow.duplicates (app.views.base).
        return False

    # -- what to load with the rows ---------------------------------------------------------------
    def eager_relations(self) -> list[str]:
        if self.eager is not None:
            return list(self.eager)
        return [name for name in self.list_properties if self.is_relation_many_to_one(name)]

    def eager_options(self) -> list:
        options = []
        for name in self.eager_relations():
            relation = getattr(self.obj, name)
            target = self.get_related_model(name)
            options.append(joinedload(relation))
            options.extend(joinedload(relation).joinedload(getattr(target, sub)) for sub in repr_loads(target))
        return options

    # -- lists ------------------------------------------------------------------------------------
    def query(self, filters=None, order_column="", order_direction="", page=None, page_size=None,
              select_columns=None, outer_default_load=False):
        if select_columns:
            return super().query(filters, order_column, order_direction, page, page_size, select_columns,
                                 outer_default_load)
        if page_size and _is_related_list(filters):
            return self._query_with_window_count(filters, order_column, order_direction, page, page_size)
        count = self.bounded_count(filters, page, page_size)
        inner = self._apply_inner_all(self.session.query(self.obj), filters, order_column, order_direction,
                                      page, page_size, aliases_mapping={})
        if page_size:
            pk = self.get_pk()
            ids = inner.with_entities(pk).subquery()
            outer = self.session.query(self.obj).join(ids, pk == ids.c[pk.key])
            outer = self.apply_order_by(outer, order_column, order_direction, aliases_mapping={}, add_pk=True)
        else:  # everything (the export): filters and order only
            outer = inner
        return count, outer.options(*self.eager_options()).all()

    def bounded_count(self, filters=None, page=None, page_size=None) -> int:
        bound = COUNT_BOUND + ((page or 0) + 1) * (page_size or 0) + 1
        rows = self._apply_inner_all(self.session.query(self.obj), filters, aliases_mapping={})
        ids = rows.with_entities(self.get_pk())
        if not self.counts_all_rows_cheaply(rows):
            ids = ids.limit(bound)
        counted = self.session.execute(select(func.count()).select_from(ids.subquery())).scalar_one()
        total = min(counted, bound)  # the same total and "more than" either way
        if has_request_context():
            # The list header reads this to show "more than N" instead of a total that is only a bound.
            g.adsheet_count_capped = total >= bound
        return total

    def counts_all_rows_cheaply(self, rows) -> bool:
        """SQLite counts a whole table (no WHERE) from its smallest index: 0.5 ms for 200,000 contracts, where
        stepping through rows up to a LIMIT took 16 ms for a deep page. Filtered rows keep the bound."""
        return rows.whereclause is None and self.session.get_bind().dialect.name == "sqlite"

    def _query_with_window_count(self, filters, order_column, order_direction, page, page_size):
        inner = self._apply_inner_all(self.session.query(self.obj), filters, order_column, order_direction,
                                      page, page_size, aliases_mapping={})
        rows = inner.add_columns(func.count().over()).options(*self.eager_options()).all()
        if rows:
            return rows[0][1], [row[0] for row in rows]
        return (self.bounded_count(filters) if page else 0), []

    # -- one row ----------------------------------------------------------------------------------
    def get(self, id, filters=None, select_columns=None, outer_default_load=False):
        if not storable_id(id):
            return None  # an id no row can have (a number beyond 64 bits overflowed the driver: a 500)
        if select_columns or self.is_pk_composite():
            return super().get(id, filters, select_columns, outer_default_load)
        key = (self.obj, str(id), id_of(filters))
        remembered = _request_items().get(key)
        if remembered is not None:
            return remembered
        _filters = filters.copy() if filters else Filters(self.filter_converter_class, self)
        _filters.add_filter(self.get_pk_name(), self.FilterEqual, id)
        query = self.session.query(self.obj).options(*self.eager_options())
        item = self.apply_all(query, _filters).one_or_none()
        if item is not None:
            _request_items()[key] = item
        return item


def id_of(filters) -> int | None:
    return id(filters) if filters is not None else None


def _request_items() -> dict:
    """Rows fetched by `get` in this request (a dict tied to the request object, never reused)."""
    if not has_request_context():
        return {}
    current = id(request._get_current_object())
    memo = getattr(g, "_adsheet_items", None)
    if memo is None or memo[0] != current:
        memo = g._adsheet_items = (current, {})
    return memo[1]


def _is_related_list(filters) -> bool:
    return filters is not None and any(isinstance(f, FilterRelationOneToManyEqual) for f in filters.filters)
