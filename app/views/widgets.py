"""FAB's list and search widgets, with the per-page work they repeat done once."""
from flask_appbuilder._compat import as_unicode
from flask_appbuilder.widgets import ListWidget, RenderTemplateWidget, ShowWidget
from flask_appbuilder.widgets import SearchWidget as FabSearchWidget
from flask_babel import get_locale

from .datamodel import take_count_capped


class BoundedCountListWidget(ListWidget):
    """The record count says "more than N" when the count stopped at its bound (adsheet/widgets/list.html)."""

    template = "adsheet/widgets/list.html"

    def __init__(self, **kwargs):
        # FAB builds the widget right after the datamodel counted this list's rows.
        kwargs.setdefault("count_capped", take_count_capped())
        # Each shown column with its formatter (or None), looked up once per page rather than once per cell;
        # a formatter that can translate its labels once (enum_formatter) does so here.
        formatters = kwargs.get("formatters_columns") or {}
        kwargs.setdefault("column_formatters", [
            (column, page_formatter(formatters.get(column))) for column in kwargs.get("include_columns") or ()])
        super().__init__(**kwargs)


def page_formatter(formatter):
    for_page = getattr(formatter, "for_page", None)
    return for_page() if for_page is not None else formatter


class SearchWidget(FabSearchWidget):
    """FAB's search widget with the field labels and filter names translated once per form and language:
    they were about 70 translations of lazy texts on every list page. The fields themselves (empty on a list
    page, but they carry the language too) and the active filters are still made on every page."""

    _texts: dict = {}  # (search form class, language) -> (labels, filter names)

    def __call__(self, **kwargs):
        form, columns = self.template_args["form"], self.template_args["include_cols"]
        # Filters kept for links (a customer's bookings: _flt_0_customer=<id>) but left out of the "Add filter"
        # menu, where they doubled another (客户 beside 客户名称): app.views.finding.hidden_search_columns.
        hidden = set(self.template_args.get("hidden_cols") or ())
        self.template_args = {**self.template_args, "include_cols": [c for c in columns if c not in hidden]}
        key = (type(form), str(get_locale()))
        texts = self._texts.get(key)
        if texts is None:
            search_filters = self.filters.get_search_filters()
            texts = self._texts[key] = (
                {col: as_unicode(form[col].label.text) for col in columns},
                {col: [as_unicode(flt.name) for flt in search_filters[col]] for col in columns},
            )
        kwargs["label_columns"], kwargs["search_filters"] = texts
        kwargs["form_fields"] = {col: form[col]() for col in columns}
        from .finding import without_quick  # the quick search has its own box above the list

        kwargs["active_filters"] = without_quick(self.filters.get_filters_values_tojson())
        return RenderTemplateWidget.__call__(self, **kwargs)


class EditableShowWidget(ShowWidget):
    """A record's page with an Edit button for those who may edit it (adsheet/widgets/show.html)."""

    template = "adsheet/widgets/show.html"

    def __call__(self, **kwargs):
        from flask import current_app, url_for

        name, pk = self.template_args.get("modelview_name"), self.template_args.get("pk")
        edit_url = None
        view = next((v for v in current_app.appbuilder.baseviews if v.__class__.__name__ == name), None)
        if view is not None and pk is not None and "edit" in (view.include_route_methods or ()) \
                and current_app.appbuilder.sm.has_access("can_edit", view.class_permission_name):
            edit_url = url_for(f"{view.endpoint}.edit", pk=pk)
        kwargs["edit_url"] = edit_url
        return super().__call__(**kwargs)
