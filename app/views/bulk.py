"""Bulk actions on lists: rows ticked in a list, one action for all of them (FAB's actions menu).

FAB's own `action_post` looked the ticked ids up without the view's row filter: a Sales user could name another
rep's rows. Here the ids are read through the same filter as the list (`_base_filters`): if any ticked id is
not one of the user's rows (or no longer exists), the whole request is refused and nothing is done. Each action
is a permission of the view's record (FAB's `method_permission_name`: "export_selected" needs read, "confirm_selected"
the confirm capability...), checked by FAB's menu (hidden without it) and again here. POST only, with the CSRF
token of the page (Flask-WTF checks every POST).
"""
from flask import abort, flash, redirect, request
from flask_appbuilder import expose
from flask_appbuilder.actions import action
from flask_babel import gettext, lazy_gettext as _l

MAX_SELECTED = 1000


class BulkActionsMixin:
    """`action_post` with the row filter; "export selected" (CSV of the ticked rows, the list's columns)."""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls.include_route_methods = set(cls.include_route_methods or ()) | {"action_post"}
        cls.method_permission_name = {"export_selected": "read", **(cls.method_permission_name or {})}

    def selected_items(self, pks: list[str]):
        """The ticked rows the user may see, in the order ticked; None if any id is not one of them."""
        from .base import valid_pk

        ids = []
        for pk in pks:
            try:
                value = int(pk)
            except (TypeError, ValueError):
                return None
            if not valid_pk(value):
                return None
            if value not in ids:
                ids.append(value)
        if not ids or len(ids) > MAX_SELECTED:
            return None
        _count, items = self.datamodel.query(self._id_filters(ids))
        found = {item.id: item for item in items}
        if set(found) != set(ids):
            return None
        return [found[i] for i in ids]

    def _id_filters(self, ids):
        from flask_appbuilder.models.sqla.filters import FilterInFunction

        filters = self.datamodel.get_filters(["id"])
        filters.add_filter("id", FilterInFunction, lambda: ids)
        return filters.get_joined_filters(self._base_filters)

    @expose("/action_post", methods=["POST"])
    def action_post(self):
        name = request.form.get("action", "")
        found = (self.actions or {}).get(name)
        if found is None:
            abort(404)
        if not self.appbuilder.sm.has_access(self.get_action_permission_name(name), self.class_permission_name):
            flash(gettext("You are not allowed to do that."), "danger")
            return redirect(self.list_url())
        pks = request.form.getlist("rowid")
        if not pks:
            flash(gettext("No row selected."), "warning")
            return redirect(self.list_url())
        items = self.selected_items(pks)
        if items is None:
            flash(gettext("Nothing was done: some of the selected rows are not yours to change or no longer "
                          "exist (at most %(count)s rows at a time). Reload the list and select again.",
                          count=MAX_SELECTED), "danger")
            return redirect(self.list_url())
        return found.func(items)

    def list_url(self) -> str:
        from flask import url_for

        referrer = request.referrer or ""
        own = url_for(f"{self.endpoint}.list")
        # back to the list as it was (its filters and page), never to another site
        if referrer.startswith(request.host_url) and own in referrer:
            return referrer
        return own

    @action("export_selected", _l("Export selected (CSV)"), icon="fa-download", single=False)
    def export_selected(self, items):
        from datetime import date

        from .export import csv_response

        columns = list(self.list_columns)
        rows = [[str(self.label_columns.get(c, c)) for c in columns]]
        rows += [[self.export_value(item, column) for column in columns] for item in items]
        name = f"{self.__class__.__name__.removesuffix('View').lower()}-selected-{date.today().isoformat()}.csv"
        return csv_response(rows, name)
