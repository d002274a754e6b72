"""Views of the rate card: publications, issues, ad slots and their price history."""
from flask_appbuilder import ModelView
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import lazy_gettext as _l

from app.labels import labels_for
from app.models import AdSlot, Issue, Publication, SlotPriceChange

from .base import RecordViewMixin
from .export import ExportMixin


class PublicationView(ExportMixin, RecordViewMixin, ModelView):
    record = "publication"
    datamodel = SQLAInterface(Publication)
    list_columns = ["name", "medium"]
    search_columns = ["name", "medium"]
    add_columns = edit_columns = ["name", "medium"]
    show_columns = ["id", "name", "medium", "created_at"]
    label_columns = labels_for(show_columns)
    base_order = ("name", "asc")


class IssueView(ExportMixin, RecordViewMixin, ModelView):
    record = "issue"
    datamodel = SQLAInterface(Issue)
    list_columns = ["publication", "number", "copy_deadline", "publish_date"]
    search_columns = ["publication", "number", "publish_date"]
    add_columns = edit_columns = ["publication", "number", "copy_deadline", "publish_date"]
    show_columns = ["id"] + add_columns
    label_columns = labels_for(show_columns)
    base_order = ("publish_date", "desc")


class SlotPriceChangeView(ExportMixin, RecordViewMixin, ModelView):
    """Read-only: price changes are written by the system when a slot's price changes."""

    record = "adslot"
    record_name = _l("price change")
    list_title = _l("Price changes")
    datamodel = SQLAInterface(SlotPriceChange)
    include_route_methods = {"list", "show", "export_csv", "export_xlsx", "choices"}
    list_columns = ["slot", "old_price", "new_price", "changed_at", "changed_by", "reason"]
    search_columns = ["slot", "changed_at"]
    show_columns = ["id"] + list_columns
    label_columns = labels_for(show_columns)
    base_order = ("changed_at", "desc")
    # Every signed-in reader of slots may read the history; no row filter applies.
    base_filters = []


class AdSlotView(ExportMixin, RecordViewMixin, ModelView):
    record = "adslot"
    datamodel = SQLAInterface(AdSlot)
    list_columns = ["publication", "name", "medium", "size", "list_price", "active"]
    search_columns = ["publication", "name", "medium", "active"]
    add_columns = edit_columns = ["publication", "name", "medium", "size", "list_price", "active"]
    show_columns = ["id"] + add_columns + ["updated_at"]
    label_columns = labels_for(show_columns)
    related_views = [SlotPriceChangeView]
    show_template = "appbuilder/general/model/show_cascade.html"
    base_order = ("name", "asc")
