"""Views of customers, contacts and the activity log."""
from flask_appbuilder import ModelView
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import lazy_gettext as _l

from app.labels import labels_for
from app.models import Activity, Contact, Customer
from app.security.ownership import OwnerChoicesFilter
from app.uploads import DocumentField

from .assign import AssignOwnerMixin
from .base import RecordViewMixin, own_rel_filter
from .bulk import BulkActionsMixin
from .documents import DocumentsMixin, without
from .export import ExportMixin


class ContactView(ExportMixin, RecordViewMixin, ModelView):
    record = "contact"
    datamodel = SQLAInterface(Contact)
    list_columns = ["name", "customer", "title", "mobile", "phone", "email", "is_ad_responsible"]
    search_columns = ["name", "mobile", "email", "is_ad_responsible"]
    add_columns = edit_columns = ["customer", "name", "title", "mobile", "phone", "email", "is_ad_responsible"]
    show_columns = ["id"] + add_columns + ["created_at", "updated_at"]
    label_columns = {**labels_for(show_columns), "name": _l("Full name")}  # a person's name: 姓名, not 名称
    add_form_query_rel_fields = edit_form_query_rel_fields = {"customer": own_rel_filter("customer")}
    base_order = ("name", "asc")


class ActivityView(ExportMixin, RecordViewMixin, ModelView):
    record = "activity"
    datamodel = SQLAInterface(Activity)
    list_columns = ["happened_on", "customer", "kind", "user", "outcome", "next_follow_up", "late"]
    search_columns = ["happened_on", "kind", "user", "next_follow_up"]
    add_columns = edit_columns = ["customer", "contact", "kind", "happened_on", "outcome", "next_follow_up"]
    show_columns = ["id"] + add_columns + ["user", "late", "created_at"]
    label_columns = labels_for(show_columns)
    add_form_query_rel_fields = edit_form_query_rel_fields = {
        "customer": own_rel_filter("customer"),
        "contact": own_rel_filter("contact"),
    }
    relation_context = {"contact": "customer"}  # the contact list shows the chosen customer's contacts only
    base_order = ("happened_on", "desc")


class CustomerView(AssignOwnerMixin, BulkActionsMixin, DocumentsMixin, ExportMixin, RecordViewMixin, ModelView):
    record = "customer"
    datamodel = SQLAInterface(Customer)
    list_columns = ["name", "short_name", "city", "locality", "stage", "owner", "credit_code"]
    # The name is searched by the "customer name" filter (app.search, served by an index): not twice.
    search_columns = ["short_name", "credit_code", "city", "stage", "owner", "industry"]
    add_columns = edit_columns = [
        "name", "short_name", "credit_code", "industry", "city", "locality", "source", "stage", "owner",
        "license_copy", "operating_permit", "notes",
    ]
    document_columns = ("license_copy", "operating_permit")
    # The documents are listed below the details, as downloads (adsheet/documents.html).
    show_columns = ["id"] + without(add_columns, document_columns) + ["created_at", "updated_at"]
    label_columns = labels_for(["id"] + add_columns + ["created_at", "updated_at"])
    add_form_extra_fields = edit_form_extra_fields = {
        "license_copy": DocumentField(label_columns["license_copy"]),
        "operating_permit": DocumentField(label_columns["operating_permit"]),
    }
    add_form_query_rel_fields = edit_form_query_rel_fields = {
        "owner": [["id", OwnerChoicesFilter, "customer"]],
    }
    base_order = ("name", "asc")
    show_template = "adsheet/customer_show.html"
    # related_views are set by app.views.register once every view class exists.
