"""Views of customers, contacts and the activity log."""
from flask_appbuilder import ModelView
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import lazy_gettext as _l

from app.domain.enums import ActivityKind, CustomerSource, CustomerStage, Locality
from app.labels import labels_for
from app.models import Activity, Contact, Customer
from app.security.ownership import OwnerChoicesFilter, acting_user_id
from app.uploads import DocumentField

from .base import RecordViewMixin, enum_formatter, enum_select, own_rel_filter
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
    list_columns = ["happened_on", "customer", "kind", "user", "outcome", "next_follow_up"]
    search_columns = ["happened_on", "kind", "user", "next_follow_up"]
    add_columns = edit_columns = ["customer", "contact", "kind", "happened_on", "outcome", "next_follow_up"]
    show_columns = ["id"] + add_columns + ["user", "created_at"]
    label_columns = labels_for(show_columns)
    formatters_columns = {"kind": enum_formatter(ActivityKind)}
    add_form_extra_fields = edit_form_extra_fields = {"kind": enum_select(label_columns["kind"], ActivityKind)}
    add_form_query_rel_fields = edit_form_query_rel_fields = {
        "customer": own_rel_filter("customer"),
        "contact": own_rel_filter("contact"),
    }
    base_order = ("happened_on", "desc")

    def pre_add(self, item):
        from app.security.ownership import acting_user_id

        if item.user_id is None and item.user is None:
            item.user_id = acting_user_id()
        super().pre_add(item)


class CustomerView(ExportMixin, RecordViewMixin, ModelView):
    record = "customer"
    datamodel = SQLAInterface(Customer)
    list_columns = ["name", "short_name", "city", "locality", "stage", "owner", "credit_code"]
    # The name is searched by the "customer name" filter (app.search, served by an index): not twice.
    search_columns = ["short_name", "credit_code", "city", "stage", "owner", "industry"]
    add_columns = edit_columns = [
        "name", "short_name", "credit_code", "industry", "city", "locality", "source", "stage", "owner",
        "license_copy", "operating_permit", "notes",
    ]
    show_columns = ["id"] + add_columns + ["created_at", "updated_at"]
    label_columns = labels_for(show_columns)
    formatters_columns = {
        "stage": enum_formatter(CustomerStage),
        "source": enum_formatter(CustomerSource),
        "locality": enum_formatter(Locality),
    }
    add_form_extra_fields = edit_form_extra_fields = {
        "stage": enum_select(label_columns["stage"], CustomerStage),
        "source": enum_select(label_columns["source"], CustomerSource, required=False),
        "locality": enum_select(label_columns["locality"], Locality),
        "license_copy": DocumentField(label_columns["license_copy"]),
        "operating_permit": DocumentField(label_columns["operating_permit"]),
    }
    add_form_query_rel_fields = edit_form_query_rel_fields = {
        "owner": [["id", OwnerChoicesFilter, "customer"]],
    }
    base_order = ("name", "asc")
    show_template = "adsheet/customer_show.html"
    # related_views are set by app.views.register once every view class exists.
