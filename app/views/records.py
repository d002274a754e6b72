"""Views of the workflow records: write-offs, complaints, the sensitive-word list and the audit log."""
import json

from flask_appbuilder import ModelView
from flask_appbuilder.models.filters import BaseFilter
from flask_appbuilder.models.sqla.filters import FilterEqual
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from sqlalchemy import select
from wtforms import StringField

from app.domain import enums
from app.domain.enums import AuditAction
from app.labels import CHANNEL_LABELS, label_of, labels_for, record_label, record_name
from app.models import AuditLog, Complaint, Customer, SensitiveWord, WriteOff
from app.models.base import column_enum
from app.security.matrix import READ_ONLY_RECORDS
from app.security.ownership import OwnerChoicesFilter

from .base import RecordViewMixin, enum_formatter, enum_select, own_rel_filter
from .display import local_minute_text
from .export import ExportMixin
from .widgets import BoundedCountListWidget


class WriteOffView(ExportMixin, RecordViewMixin, ModelView):
    record = "writeoff"
    datamodel = SQLAInterface(WriteOff)
    list_columns = ["created_at", "contract", "customer", "amount", "responsible_user", "reason"]
    search_columns = ["created_at", "responsible_user", "amount"]
    add_columns = edit_columns = ["contract", "amount", "responsible_user", "reason"]
    show_columns = ["id", "customer"] + add_columns + ["recorded_by", "created_at"]
    label_columns = labels_for(show_columns)
    add_form_query_rel_fields = edit_form_query_rel_fields = {
        "contract": own_rel_filter("contract"), "responsible_user": [["id", OwnerChoicesFilter, "writeoff"]],
    }
    base_order = ("created_at", "desc")


class CustomerNameFilter(BaseFilter):
    """The row's customer name contains the text (any case)."""

    name = _l("Name contains")
    arg_name = "customer_name"

    def apply(self, query, value):
        if not value:
            return query
        names = select(Customer.id).where(Customer.name.icontains(str(value), autoescape=True))
        return query.filter(self.model.customer_id.in_(names))


class ComplaintView(ExportMixin, RecordViewMixin, ModelView):
    record = "complaint"
    datamodel = SQLAInterface(Complaint)
    list_columns = ["received_on", "customer", "subject", "status", "handled_by", "satisfaction"]
    search_columns = ["received_on", "status", "customer", "subject", "satisfaction"]
    hidden_search_columns = ("customer",)  # links filter by it; the menu offers "customer name"
    add_columns = edit_columns = ["customer", "contact", "received_on", "subject", "details", "status",
                                  "resolution", "resolved_on", "satisfaction"]
    show_columns = ["id"] + add_columns + ["handled_by", "created_at", "updated_at"]
    label_columns = labels_for(show_columns)
    add_form_query_rel_fields = edit_form_query_rel_fields = {
        "customer": own_rel_filter("customer"), "contact": own_rel_filter("contact"),
    }
    relation_context = {"contact": "customer"}  # the chosen customer's contacts only
    # Filters: status from its translated choices; customer by name (a text box, not a select of every customer).
    search_form_extra_fields = {"status": enum_select(label_columns["status"], column_enum(Complaint, "status"),
                                                      required=False),
                                "customer": StringField(label_columns["customer"])}
    base_order = ("received_on", "desc")

    def _init_properties(self):
        super()._init_properties()
        filters = self._filters
        filters._search_filters["customer"] = filters._all_filters["customer"] = [
            CustomerNameFilter("customer", self.datamodel)]
        filters._search_filters["status"] = filters._all_filters["status"] = [FilterEqual("status", self.datamodel)]


class SensitiveWordView(ExportMixin, RecordViewMixin, ModelView):
    record = "sensitiveword"
    datamodel = SQLAInterface(SensitiveWord)
    list_columns = ["word", "notes", "created_at"]
    search_columns = ["word"]
    add_columns = edit_columns = ["word", "notes"]
    show_columns = ["id", "word", "notes", "created_at"]
    label_columns = labels_for(show_columns)
    base_order = ("word", "asc")


def change_field_label(field: str) -> str:
    """A changed column as its field label ("customer_id" -> 客户); unknown ones as stored."""
    from app.labels import FIELD_LABELS

    name = field[:-3] if field.endswith("_id") and field[:-3] in FIELD_LABELS else field
    return str(FIELD_LABELS.get(name, field))


def change_value_text(field: str, value) -> str:
    """A changed value as people read it: enum values by their labels, nothing for empty, yes/no."""
    from flask_babel import gettext

    from app.labels import ENUM_LABELS

    if value is None:
        return ""
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    for enum_cls in CHANGE_ENUMS.get(field, ()):
        labels = ENUM_LABELS[enum_cls]
        if value in labels:
            return str(labels[value])
    return str(value)


def changes_html(text):
    """The audit row's JSON changes as a small table (field: old -> new)."""
    try:
        changes = json.loads(text or "{}")
    except ValueError:
        return text
    rows = "".join(f"<tr><td>{escape(change_field_label(k))}</td><td>{escape(change_value_text(k, v[0]))}</td>"
                   f"<td>{escape(change_value_text(k, v[1]))}</td></tr>" for k, v in changes.items())
    return Markup(f'<table class="table table-condensed">{rows}</table>')


# Columns that hold enum values, and the enums they may come from (the audit log does not keep the record's
# kind with each change, so a value is looked up in each enum its column name can mean).
CHANGE_ENUMS = {
    "stage": (enums.CustomerStage,), "from_stage": (enums.CustomerStage,), "to_stage": (enums.CustomerStage,),
    "source": (enums.CustomerSource,), "locality": (enums.Locality,),
    "kind": (enums.ActivityKind, enums.ContractKind, enums.PaymentKind),
    "medium": (enums.Medium,), "status": (enums.ContractStatus, enums.ComplaintStatus),
    "payment_terms": (enums.PaymentTerms,), "proof_status": (enums.ProofStatus,),
    "proof_method": (enums.ProofMethod,), "method": (enums.PaymentMethod,),
}


def audit_summary(value, row=None) -> str:
    """What the row names the record by; a bare "#67" (the repr of a payment or booking) gets the record's
    name when the whole row is at hand (list pages)."""
    if row is not None and value and value.startswith("#") and value[1:].isdigit():
        return f"{record_name(row.get('record'))} {value}"
    return value or ""


audit_summary.wants_row = True


class AuditLogView(ModelView):
    """Read-only: list and show, for Admin and Manager."""

    record = "auditlog"
    datamodel = SQLAInterface(AuditLog)
    class_permission_name = READ_ONLY_RECORDS["auditlog"][0]
    base_permissions = ["can_read"]
    method_permission_name = {"list": "read", "show": "read"}
    include_route_methods = {"list", "show"}
    list_columns = ["at", "actor_name", "channel", "action", "record", "record_id", "summary"]
    search_columns = ["at", "actor_name", "channel", "action", "record", "record_id"]
    show_columns = list_columns + ["changes"]
    label_columns = labels_for(show_columns)
    list_widget = BoundedCountListWidget  # its row-aware formatters give "#67" its record's name
    list_title = show_title = _l("Audit log")
    formatters_columns = {
        "action": enum_formatter(AuditAction), "changes": changes_html, "at": local_minute_text,
        "channel": lambda value: label_of(CHANNEL_LABELS, value), "record": record_label,
        "summary": audit_summary,
        "actor_name": lambda value: value or str(_l("System")),  # the CLI, the sync, a start-up step
    }
    base_order = ("id", "desc")
