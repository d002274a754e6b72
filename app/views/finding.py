"""Finding things on every record's list: a quick-search box, saved views per user, a column chooser.

Quick search: one box over the columns people look a record up by (QUICK_COLUMNS; rows that belong to a
customer are found by the customer's name too, through the bigram index of app.search). It is a filter of
the list like the others (`_flt_0_quick=<text>`), so paging, sorting and the CSV/Excel export keep it; it is
kept out of the search form's list of active filters (the box shows it).

Column chooser: `cols_<View>=number,customer,amount` shows those of the list's columns, in the list's order.

Saved views: a user names the list as it is (its query string: filters, quick search, sort, page size and
columns) and finds it again above the list; each user sees and deletes only their own (table saved_view).
"""
from urllib.parse import parse_qsl, urlencode

from flask import abort, flash, g, redirect, request, url_for
from flask_appbuilder import expose
from flask_appbuilder.models.filters import BaseFilter
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext, lazy_gettext as _l
from sqlalchemy import or_, select

QUICK_KEY = "quick"
QUICK_ARG = f"_flt_0_{QUICK_KEY}"
MAX_SAVED_VIEWS = 50

# record -> the columns the quick search looks in ("contract.number": the number of the row's contract).
# A record whose rows belong to a customer is also found by the customer's name.
QUICK_COLUMNS = {
    "customer": ("short_name", "credit_code", "city"),
    "contact": ("name", "mobile", "phone", "email"),
    "activity": ("outcome",),
    "publication": ("name",),
    "issue": ("number",),
    "adslot": ("name",),
    "contract": ("number", "party_name"),
    "booking": ("contract.number", "copy_text"),
    "payment": ("contract.number", "notes"),
    "writeoff": ("contract.number", "reason"),
    "complaint": ("subject",),
    "sensitiveword": ("word",),
}


class FilterQuickSearch(BaseFilter):
    name = _l("Contains")
    arg_name = "qs"

    def __init__(self, column_name, datamodel, record: str | None = None):
        super().__init__(column_name, datamodel)  # FAB copies filters with these two arguments only
        if record is None:
            from app.models import RECORD_MODELS

            record = next((name for name, model in RECORD_MODELS.items() if model is datamodel.obj), "")
        self.record = record

    def apply(self, query, value):
        from app.search import clean_search_text, customer_name_contains, escape_like, has_customer

        term = clean_search_text(value if isinstance(value, str) else (value or [""])[0], 100)
        if not term:
            return query
        like = f"%{escape_like(term)}%"
        model = self.model
        clauses = []
        for name in QUICK_COLUMNS.get(self.record, ()):
            if "." in name:
                relation, column = name.split(".", 1)
                target = getattr(model, relation).property.mapper.class_
                clauses.append(getattr(model, f"{relation}_id").in_(
                    select(target.id).where(getattr(target, column).ilike(like, escape="\\"))))
            else:
                clauses.append(getattr(model, name).ilike(like, escape="\\"))
        if has_customer(model):
            clauses.append(customer_name_contains(term, None if self.record == "customer" else model.customer_id))
        return query.filter(or_(*clauses)) if clauses else query


def chosen_columns(view) -> list[str]:
    """The list's columns the user chose (cols_<View>=a,b), in the list's order; all when none are chosen."""
    wanted = request.args.get(f"cols_{type(view).__name__}", "")
    if not wanted:
        return list(view.list_columns)
    names = set(wanted.split(","))
    return [column for column in view.list_columns if column in names] or list(view.list_columns)


def saved_query(args) -> str:
    """The query string a saved view keeps: the list's arguments less paging and one-off ones."""
    kept = [(k, v) for k, v in args if not k.startswith("page_") and k not in ("_l_", "next", "csrf_token")]
    return urlencode(kept)


class FindingMixin:
    """For a record's ModelView (app.views.base.RecordViewMixin)."""

    def quick_search_enabled(self) -> bool:
        from app.models import RECORD_MODELS

        return self.record in QUICK_COLUMNS and RECORD_MODELS.get(self.record) is self.datamodel.obj

    def saved_views_enabled(self) -> bool:
        return {"save_view", "delete_view"} <= set(self.include_route_methods or ())

    def _init_properties(self):
        super()._init_properties()
        if not self.quick_search_enabled():
            return
        quick = FilterQuickSearch(QUICK_KEY, self.datamodel, self.record)
        self._filters._search_filters = {**self._filters._search_filters, QUICK_KEY: [quick]}
        self._filters._all_filters = {**self._filters._all_filters, QUICK_KEY: [quick]}

    def _get_list_widget(self, filters, actions=None, order_column="", order_direction="", page=None,
                         page_size=None, widgets=None, **kwargs):
        """FAB's, with the columns the user chose (the query still loads what the list declares)."""
        columns = chosen_columns(self)
        if columns == list(self.list_columns):
            return super()._get_list_widget(filters, actions=actions, order_column=order_column,
                                            order_direction=order_direction, page=page, page_size=page_size,
                                            widgets=widgets, **kwargs)
        widgets = widgets or {}
        actions = actions or self.actions
        page_size = page_size or self.page_size
        if not order_column and self.base_order:
            order_column, order_direction = self.base_order
        joined_filters = filters.get_joined_filters(self._base_filters)
        count, lst = self.datamodel.query(joined_filters, order_column, order_direction, page=page,
                                          page_size=page_size)
        pks = [self._serialize_pk_if_composite(pk) for pk in self.datamodel.get_keys(lst)]
        widgets["list"] = self.list_widget(
            label_columns=self.label_columns, include_columns=columns,
            value_columns=self.datamodel.get_values(lst, columns), order_columns=self.order_columns,
            formatters_columns=self.formatters_columns, page=page, page_size=page_size, count=count, pks=pks,
            actions=actions, filters=filters, modelview_name=self.__class__.__name__, **kwargs)
        return widgets

    # Search columns kept as filters (links use them) but not offered in the search form's menu, where they
    # doubled another: the customer picked by id beside "customer name contains".
    hidden_search_columns: tuple[str, ...] = ()

    def _get_search_widget(self, form=None, exclude_cols=None, widgets=None):
        widgets = super()._get_search_widget(form=form, exclude_cols=exclude_cols, widgets=widgets)
        hidden = [c for c in self.hidden_search_columns if c in (self.search_columns or ())]
        if hidden:
            widgets["search"].template_args["hidden_cols"] = hidden
        return widgets

    def list_tools(self) -> dict:
        """What the list's toolbar shows (adsheet/list_tools.html)."""
        from app.models import SavedView, db

        name = type(self).__name__
        user_id = signed_in_user_id()
        saving = self.saved_views_enabled()
        saved = [] if user_id is None or not saving else db.session.scalars(
            select(SavedView).where(SavedView.user_id == user_id, SavedView.view == name)
            .order_by(SavedView.name)).all()
        shown = chosen_columns(self)
        keep = [(k, v) for k, v in request.args.items(multi=True)
                if k != QUICK_ARG and not k.startswith("page_") and k != f"cols_{name}"]
        return {
            "quick_enabled": self.quick_search_enabled(), "saving": saving, "quick_value": request.args.get(QUICK_ARG, ""),
            "quick_arg": QUICK_ARG, "keep_args": keep, "cols_arg": f"cols_{name}",
            "columns": [(column, str(self.label_columns.get(column, column)), column in shown)
                        for column in self.list_columns],
            "saved_views": [{"id": row.id, "name": row.name,
                             "url": url_for(f"{name}.list") + ("?" + row.query if row.query else "")}
                            for row in saved],
            "save_url": url_for(f"{name}.save_view") if saving else "", "current_query": saved_query(request.args.items(multi=True)),
        }

    def render_template(self, template, **kwargs):
        if template == self.list_template:
            kwargs["list_tools"] = self.list_tools()
        return super().render_template(template, **kwargs)

    @expose("/savedview/save", methods=["POST"])
    @has_access
    def save_view(self):
        from app.models import SavedView, db
        from app.search import clean_search_text

        name = type(self).__name__
        user_id = signed_in_user_id()
        title = clean_search_text(request.form.get("name", ""), 100)
        query = saved_query(parse_qsl(request.form.get("query", ""), keep_blank_values=True))
        back = url_for(f"{name}.list") + ("?" + query if query else "")
        if user_id is None:
            abort(403)
        if not title:
            flash(gettext("Give the view a name."), "warning")
            return redirect(back)
        row = db.session.scalar(select(SavedView).where(
            SavedView.user_id == user_id, SavedView.view == name, SavedView.name == title))
        if row is None:
            count = db.session.query(SavedView).filter_by(user_id=user_id, view=name).count()
            if count >= MAX_SAVED_VIEWS:
                flash(gettext("You have %(n)s saved views of this list: delete one first.", n=count), "warning")
                return redirect(back)
            row = SavedView(user_id=user_id, view=name, name=title)
            db.session.add(row)
        row.query = query
        cols = dict(parse_qsl(query)).get(f"cols_{name}")
        row.columns = cols or None
        db.session.commit()
        flash(gettext("Saved the view “%(name)s”.", name=title), "success")
        return redirect(back)

    @expose("/savedview/<int:view_id>/delete", methods=["POST"])
    @has_access
    def delete_view(self, view_id):
        from app.models import SavedView, db

        row = db.session.get(SavedView, view_id) if view_id < 2 ** 31 else None
        if row is None or row.user_id != signed_in_user_id() or row.view != type(self).__name__:
            abort(404)  # another user's view is as good as missing
        title = row.name
        db.session.delete(row)
        db.session.commit()
        flash(gettext("Deleted the view “%(name)s”.", name=title), "success")
        return redirect(url_for(f"{type(self).__name__}.list"))


def signed_in_user_id() -> int | None:
    """Whose saved views these are: the signed-in user (a saved view is no record of the matrix)."""
    from flask_login import current_user

    return current_user.id if current_user and current_user.is_authenticated else None


def without_quick(active_filters):
    """The search form's active filters less the quick search (the box above the list shows it)."""
    if isinstance(active_filters, dict):
        return {k: v for k, v in active_filters.items() if k != QUICK_KEY}
    return [entry for entry in active_filters if not (entry and entry[0] == QUICK_KEY)]
