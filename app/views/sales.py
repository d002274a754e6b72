"""Views of contracts, bookings and payments."""
from flask_appbuilder import ModelView
from flask_appbuilder.models.sqla.interface import SQLAInterface
from app.security.ownership import acting_user_id

from app.domain.enums import ContractKind, ContractStatus, PaymentKind, PaymentMethod, PaymentTerms, ProofStatus
from app.labels import labels_for
from app.models import Booking, Contract, Payment

from .base import RecordViewMixin, enum_formatter, enum_select, own_rel_filter
from .export import ExportMixin


class BookingView(ExportMixin, RecordViewMixin, ModelView):
    record = "booking"
    datamodel = SQLAInterface(Booking)
    list_columns = ["contract", "customer", "slot", "issue", "price", "proof_status", "published"]
    search_columns = ["issue", "slot", "proof_status", "published"]
    add_columns = edit_columns = [
        "contract", "slot", "issue", "web_start", "web_end", "price", "copy_text", "copy_received",
        "proof_status", "published",
    ]
    show_columns = ["id", "customer"] + add_columns + ["created_at", "updated_at"]
    label_columns = labels_for(show_columns)
    formatters_columns = {"proof_status": enum_formatter(ProofStatus)}
    add_form_extra_fields = edit_form_extra_fields = {
        "proof_status": enum_select(label_columns["proof_status"], ProofStatus),
    }
    add_form_query_rel_fields = edit_form_query_rel_fields = {"contract": own_rel_filter("contract")}
    base_order = ("id", "desc")


class PaymentView(ExportMixin, RecordViewMixin, ModelView):
    record = "payment"
    datamodel = SQLAInterface(Payment)
    list_columns = ["collected_on", "contract", "customer", "amount", "kind", "method", "collected_by", "confirmed_at"]
    search_columns = ["collected_on", "method", "kind", "collected_by", "confirmed_at"]
    add_columns = edit_columns = [
        "contract", "amount", "kind", "method", "collected_on", "received_at", "confirmed_at", "notes",
    ]
    show_columns = ["id", "customer"] + add_columns + ["collected_by", "confirmed_by", "created_at"]
    label_columns = labels_for(show_columns)
    formatters_columns = {"kind": enum_formatter(PaymentKind), "method": enum_formatter(PaymentMethod)}
    add_form_extra_fields = edit_form_extra_fields = {
        "kind": enum_select(label_columns["kind"], PaymentKind),
        "method": enum_select(label_columns["method"], PaymentMethod),
    }
    add_form_query_rel_fields = edit_form_query_rel_fields = {"contract": own_rel_filter("contract")}
    base_order = ("collected_on", "desc")

    def pre_add(self, item):
        if item.collected_by_id is None and item.collected_by is None:
            item.collected_by_id = acting_user_id()
        super().pre_add(item)


class ContractView(ExportMixin, RecordViewMixin, ModelView):
    record = "contract"
    datamodel = SQLAInterface(Contract)
    list_columns = ["number", "customer", "kind", "status", "start_date", "end_date", "amount"]
    search_columns = ["number", "status", "kind", "end_date", "start_date", "party_name", "customer"]
    add_columns = edit_columns = [
        "number", "customer", "party_name", "publication", "kind", "start_date", "end_date", "amount",
        "discount_pct", "payment_terms", "settle_date", "status", "copy_finance", "copy_department",
        "copy_customer", "notes",
    ]
    show_columns = ["id"] + add_columns + ["created_by", "created_at", "updated_at"]
    label_columns = labels_for(show_columns)
    formatters_columns = {
        "kind": enum_formatter(ContractKind),
        "status": enum_formatter(ContractStatus),
        "payment_terms": enum_formatter(PaymentTerms),
    }
    add_form_extra_fields = edit_form_extra_fields = {
        "kind": enum_select(label_columns["kind"], ContractKind),
        "status": enum_select(label_columns["status"], ContractStatus),
        "payment_terms": enum_select(label_columns["payment_terms"], PaymentTerms),
    }
    add_form_query_rel_fields = edit_form_query_rel_fields = {"customer": own_rel_filter("customer")}
    related_views = [BookingView, PaymentView]
    show_template = "appbuilder/general/model/show_cascade.html"
    base_order = ("end_date", "desc")

    def pre_add(self, item):
        if item.created_by_id is None and item.created_by is None:
            item.created_by_id = acting_user_id()
        super().pre_add(item)
