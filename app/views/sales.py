"""Views of contracts, bookings and payments."""
from flask import abort, flash, redirect, request, url_for
from flask_appbuilder import ModelView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext
from flask_appbuilder.models.sqla.interface import SQLAInterface
from app.security.ownership import acting_user_id

from app.domain.enums import (
    ContractKind, ContractStatus, PaymentKind, PaymentMethod, PaymentTerms, ProofMethod, ProofStatus,
)
from flask_babel import lazy_gettext as _l

from app.labels import enum_label, labels_for

# Button labels of the approval chain.
TRANSITION_LABELS = {
    "stamped": _l("Record customer stamp"), "reviewed": _l("Mark reviewed"), "approved": _l("Approve and sign"),
    "sealed": _l("Apply company seal"), "draft": _l("Send back to draft"), "cancelled": _l("Cancel contract"),
}
from app.models import Booking, Contract, Payment

from .base import VIEW_METHOD_PERMISSIONS, RecordViewMixin, enum_formatter, enum_select, own_rel_filter
from .export import ExportMixin
from app.uploads import DocumentField
from app.workflow.bookings import stamp_proof


class BookingView(ExportMixin, RecordViewMixin, ModelView):
    record = "booking"
    datamodel = SQLAInterface(Booking)
    list_columns = ["contract", "customer", "slot", "issue", "price", "proof_status", "published"]
    search_columns = ["customer", "contract", "issue", "slot", "proof_status", "published"]
    add_columns = edit_columns = [
        "contract", "slot", "issue", "web_start", "web_end", "price", "copy_text", "copy_received",
        "has_supporting_documents", "supporting_document", "proof_status", "proof_contact", "proof_method",
        "proof_evidence", "published",
    ]
    show_columns = ["id", "customer"] + add_columns + ["proof_confirmed_at", "proof_recorded_by", "created_at",
                                                       "updated_at"]
    label_columns = labels_for(show_columns)
    formatters_columns = {"proof_status": enum_formatter(ProofStatus), "proof_method": enum_formatter(ProofMethod)}
    add_form_extra_fields = edit_form_extra_fields = {
        "proof_status": enum_select(label_columns["proof_status"], ProofStatus),
        "proof_method": enum_select(label_columns["proof_method"], ProofMethod, required=False),
        "proof_evidence": DocumentField(label_columns["proof_evidence"]),
        "supporting_document": DocumentField(label_columns["supporting_document"]),
    }
    add_form_query_rel_fields = edit_form_query_rel_fields = {
        "contract": own_rel_filter("contract"), "proof_contact": own_rel_filter("contact"),
    }

    def pre_update(self, item):
        stamp_proof(item)
        super().pre_update(item)

    def pre_add(self, item):
        stamp_proof(item)
        super().pre_add(item)
    base_order = ("id", "desc")


class PaymentView(ExportMixin, RecordViewMixin, ModelView):
    record = "payment"
    datamodel = SQLAInterface(Payment)
    list_columns = ["collected_on", "contract", "customer", "amount", "kind", "method", "collected_by", "confirmed_at"]
    search_columns = ["customer", "contract", "collected_on", "method", "kind", "collected_by", "confirmed_at"]
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
    # The status changes only through the approval buttons (transition); new contracts start as drafts.
    add_columns = edit_columns = [
        "number", "customer", "party_name", "publication", "kind", "start_date", "end_date", "amount",
        "discount_pct", "payment_terms", "settle_date", "copy_finance", "copy_department",
        "copy_customer", "renews", "notes",
    ]
    show_columns = ["id", "status"] + add_columns + ["created_by", "created_at", "updated_at"]
    label_columns = labels_for(show_columns)
    formatters_columns = {
        "kind": enum_formatter(ContractKind),
        "status": enum_formatter(ContractStatus),
        "payment_terms": enum_formatter(PaymentTerms),
    }
    add_form_extra_fields = edit_form_extra_fields = {
        "kind": enum_select(label_columns["kind"], ContractKind),
        "payment_terms": enum_select(label_columns["payment_terms"], PaymentTerms),
    }
    add_form_query_rel_fields = edit_form_query_rel_fields = {
        "customer": own_rel_filter("customer"), "renews": own_rel_filter("contract"),
    }
    related_views = [BookingView, PaymentView]
    show_template = "adsheet/contract_show.html"
    base_order = ("end_date", "desc")
    method_permission_name = {**VIEW_METHOD_PERMISSIONS, "transition": "edit"}
    include_route_methods = RecordViewMixin.include_route_methods | {"transition"}

    def pre_add(self, item):
        if item.created_by_id is None and item.created_by is None:
            item.created_by_id = acting_user_id()
        super().pre_add(item)

    def render_template(self, template, **kwargs):
        if template == self.show_template and "pk" in kwargs:
            item = self.datamodel.get(kwargs["pk"], self._base_filters)
            if item is not None:
                kwargs.update(approval_panel(item, can_edit=self.appbuilder.sm.has_access(
                    "can_edit", self.class_permission_name)))
        return super().render_template(template, **kwargs)

    @expose("/transition/<int:pk>", methods=["POST"])
    @has_access
    def transition(self, pk):
        from app.domain.rules.errors import RuleViolation
        from app.models import db
        from app.workflow.contracts import transition_contract
        from app.workflow.messages import translate

        item = self.datamodel.get(pk, self._base_filters)
        if item is None:
            abort(404)
        to = request.form.get("to", "")
        try:
            transition_contract(item, to, request.form.get("reason"))
        except RuleViolation as refused:
            db.session.rollback()
            flash(translate(refused), "danger")
        else:
            db.session.commit()
            flash(gettext("The contract is now %(status)s.", status=enum_label(ContractStatus, to)), "success")
        return redirect(url_for(f"{self.endpoint}.show", pk=pk))


def approval_panel(contract, can_edit: bool) -> dict:
    """The show page's approval box: buttons for the current user, what blocks sealing, the history."""
    from app.domain.rules.contracts import sealing_blockers
    from app.workflow.contracts import available_transitions, contract_facts, history
    from app.workflow.messages import translate

    transitions = available_transitions(contract) if can_edit else []
    blockers = []
    if contract.status == ContractStatus.APPROVED:
        blockers = [translate(v) for v in sealing_blockers(contract_facts(contract, with_reviewer=False))]
    from app.labels import CHANNEL_LABELS, label_of

    from .display import local_minute_text

    rows = [{"at": local_minute_text(row.at), "from_label": enum_label(ContractStatus, row.from_status),
             "to_label": enum_label(ContractStatus, row.to_status),
             "actor": row.actor.username if row.actor is not None else None,
             "channel": label_of(CHANNEL_LABELS, row.channel), "reason": row.reason} for row in history(contract)]
    return {
        "status_label": enum_label(ContractStatus, contract.status),
        "transitions": [(to, TRANSITION_LABELS.get(to, to)) for to in transitions],
        "blockers": blockers, "history": rows,
    }
