"""Views of contracts, bookings and payments."""
from flask import abort, flash, redirect, request, url_for
from flask_appbuilder import ModelView, expose
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.actions import action
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext, lazy_gettext as _l

from app.domain.enums import ContractStatus
from app.labels import enum_label, labels_for
from app.models import Booking, Contract, Payment
from app.uploads import DocumentField

from .base import VIEW_METHOD_PERMISSIONS, RecordViewMixin, own_rel_filter
from .contract_form import new_contract_fields
from .bulk import BulkActionsMixin
from .documents import DocumentsMixin, without
from .export import ExportMixin

# Button labels of the approval chain.
TRANSITION_LABELS = {
    "stamped": _l("Record customer stamp"), "reviewed": _l("Mark reviewed"), "approved": _l("Approve and sign"),
    "sealed": _l("Apply company seal"), "draft": _l("Send back to draft"), "cancelled": _l("Cancel contract"),
}


class BookingView(BulkActionsMixin, DocumentsMixin, ExportMixin, RecordViewMixin, ModelView):
    record = "booking"
    datamodel = SQLAInterface(Booking)
    list_columns = ["contract", "customer", "slot", "issue", "price", "proof_status", "published"]
    search_columns = ["customer", "contract", "issue", "slot", "proof_status", "published"]
    hidden_search_columns = ("customer",)  # links filter by it; the menu offers "customer name"
    add_columns = edit_columns = [
        "contract", "slot", "issue", "web_start", "web_end", "price", "copy_text", "copy_received",
        "has_supporting_documents", "supporting_document", "proof_status", "proof_contact", "proof_method",
        "proof_evidence", "published",
    ]
    document_columns = ("supporting_document", "proof_evidence")
    # The documents are listed below the details, as downloads (adsheet/documents.html).
    show_columns = ["id", "customer"] + without(add_columns, document_columns) + [
        "proof_sent_to", "proof_sent_at", "proof_confirmed_at", "proof_recorded_by", "created_at", "updated_at"]
    label_columns = labels_for(["id", "customer"] + add_columns + [
        "proof_sent_to", "proof_sent_at", "proof_confirmed_at", "proof_recorded_by", "created_at", "updated_at"])
    show_template = "adsheet/booking_show.html"
    add_form_extra_fields = edit_form_extra_fields = {
        "proof_evidence": DocumentField(label_columns["proof_evidence"]),
        "supporting_document": DocumentField(label_columns["supporting_document"]),
    }
    add_form_query_rel_fields = edit_form_query_rel_fields = {
        "contract": own_rel_filter("contract"), "proof_contact": own_rel_filter("contact"),
    }
    relation_context = {"proof_contact": "contract"}  # the contract's customer's contacts only
    base_order = ("id", "desc")
    method_permission_name = {**VIEW_METHOD_PERMISSIONS, "publish": "edit", "send_proof": "edit"}
    include_route_methods = RecordViewMixin.include_route_methods | {"publish", "send_proof"}

    def render_template(self, template, **kwargs):
        if template == self.show_template and "pk" in kwargs:
            from .detail_actions import booking_steps

            item = self.datamodel.get(kwargs["pk"], self._base_filters)
            if item is not None:
                kwargs["record_steps"] = booking_steps(self.endpoint, item, self.appbuilder.sm.has_access(
                    "can_edit", self.class_permission_name))
        return super().render_template(template, **kwargs)

    @expose("/publish/<int:pk>", methods=["POST"])
    @has_access
    def publish(self, pk):
        """Mark the booking published (上刊) through the write guard, which checks every blocker."""
        from app.workflow.bookings import publish
        from app.workflow.concurrency import check_version, lock_for_update, parse_version
        from app.workflow.http import run_action

        item = self.datamodel.get(pk, self._base_filters)
        if item is None:
            abort(404)

        def publish_seen(booking, expected):
            lock_for_update(booking)
            check_version(booking, expected)
            publish(booking)

        refused = run_action(publish_seen, item, parse_version(request.form.get("version")))
        if refused is not None:
            flash(refused.message, "danger")
        else:
            flash(gettext("The booking is marked published."), "success")
        return redirect(url_for(f"{self.endpoint}.show", pk=pk))

    @expose("/send_proof/<int:pk>", methods=["POST"])
    @has_access
    def send_proof(self, pk):
        """The proof went to the customer's ad responsible contact: recorded with who and when."""
        from app.workflow.bookings import send_proof
        from app.workflow.concurrency import check_version, lock_for_update, parse_version
        from app.workflow.http import run_action

        item = self.datamodel.get(pk, self._base_filters)
        if item is None:
            abort(404)

        def send_seen(booking, expected):
            lock_for_update(booking)
            check_version(booking, expected)
            send_proof(booking)

        refused = run_action(send_seen, item, parse_version(request.form.get("version")))
        if refused is not None:
            flash(refused.message, "danger")
        else:
            flash(gettext("The proof is recorded as sent to the customer."), "success")
        return redirect(url_for(f"{self.endpoint}.show", pk=pk))


def advance_field(label):
    """The advance Finance holds apart: optional, empty means none (0)."""
    from decimal import Decimal

    from wtforms.validators import Optional

    from .amounts import AmountField

    return AmountField(label, places=2, validators=[Optional()], default=Decimal("0"),
                        filters=[lambda value: Decimal("0") if value is None else value])


class PaymentView(BulkActionsMixin, ExportMixin, RecordViewMixin, ModelView):
    record = "payment"
    datamodel = SQLAInterface(Payment)
    list_columns = ["collected_on", "contract", "customer", "amount", "kind", "method", "collected_by", "confirmed_at",
                    "reversed_at"]
    search_columns = ["customer", "contract", "collected_on", "method", "kind", "collected_by", "confirmed_at"]
    hidden_search_columns = ("customer",)  # links filter by it; the menu offers "customer name"
    # Who may set which field in which state (Sales: no receipt, no advance): app.domain.rules.editable.
    add_columns = edit_columns = [
        "contract", "amount", "advance", "kind", "method", "collected_on", "received_at", "confirmed_at", "notes",
    ]
    show_columns = ["id", "customer"] + add_columns + ["collected_by", "confirmed_by", "reversed_at", "reversed_by",
                                                       "reversal_reason", "created_at"]
    label_columns = labels_for(show_columns)
    add_form_extra_fields = edit_form_extra_fields = {"advance": advance_field(label_columns["advance"])}
    add_form_query_rel_fields = edit_form_query_rel_fields = {"contract": own_rel_filter("contract")}
    base_order = ("collected_on", "desc")
    show_template = "adsheet/payment_show.html"
    # Confirming is the capability "can_confirm" on Payment (app.security.matrix.CAPABILITIES: Finance, Admin).
    method_permission_name = {**VIEW_METHOD_PERMISSIONS, "reverse": "edit", "confirm": "confirm",
                              "confirm_selected": "confirm"}
    include_route_methods = RecordViewMixin.include_route_methods | {"reverse", "confirm"}

    def render_template(self, template, **kwargs):
        if template == self.show_template and "pk" in kwargs:
            from .detail_actions import payment_steps

            item = self.datamodel.get(kwargs["pk"], self._base_filters)
            if item is not None:
                kwargs["record_steps"] = payment_steps(self.endpoint, item)
        return super().render_template(template, **kwargs)

    @expose("/confirm/<int:pk>", methods=["POST"])
    @has_access
    def confirm(self, pk):
        """Finance confirms it received the payment: one click; the time is the server's (stored in UTC, shown in
        APP_TIMEZONE), through the one confirmation (app.workflow.money.confirm_payment and its write guard)."""
        from app.workflow.concurrency import parse_version
        from app.workflow.http import run_action
        from app.workflow.money import confirm_payment

        item = self.datamodel.get(pk, self._base_filters)
        if item is None:
            abort(404)
        # The page sends the version it was shown with: a payment changed since is refused.
        refused = run_action(confirm_payment, item, expected_version=parse_version(request.form.get("version")))
        if refused is not None:
            flash(refused.message, "danger")
        else:
            flash(gettext("Payment confirmed as received."), "success")
        return redirect(url_for(f"{self.endpoint}.show", pk=pk))

    @action("confirm_selected", _l("Confirm received"), icon="fa-check", single=False)
    def confirm_selected(self, items):
        """Confirm the ticked payments, each through the one confirmation; each refusal is named with its row."""
        from app.workflow.http import run_action
        from app.workflow.money import confirm_payment

        done, refusals = 0, []
        for item in items:
            pk = item.id
            refused = run_action(confirm_payment, item)
            if refused is None:
                done += 1
            else:
                refusals.append(gettext("Payment #%(id)s: %(reason)s", id=pk, reason=refused.message))
        if done:
            flash(gettext("%(count)s payments confirmed as received.", count=done), "success")
        for message in refusals:
            flash(message, "danger")
        return redirect(self.list_url())

    @expose("/reverse/<int:pk>", methods=["POST"])
    @has_access
    def reverse(self, pk):
        """Reverse a confirmed payment with a reason (the same action as POST /api/v1/payment/<id>/reverse)."""
        from app.workflow.http import reverse

        item = self.datamodel.get(pk, self._base_filters)
        if item is None:
            abort(404)
        refused = reverse(item, request.form.get("reason"))
        if refused is not None:
            flash(refused.message, "danger")
        else:
            flash(gettext("The payment is reversed: it no longer counts."), "success")
        return redirect(url_for(f"{self.endpoint}.show", pk=pk))


class ContractView(BulkActionsMixin, ExportMixin, RecordViewMixin, ModelView):
    record = "contract"
    datamodel = SQLAInterface(Contract)
    list_columns = ["number", "customer", "kind", "status", "start_date", "end_date", "amount"]
    search_columns = ["number", "status", "kind", "end_date", "start_date", "party_name", "customer"]
    hidden_search_columns = ("customer",)  # links filter by it; the menu offers "customer name"
    # The status changes only through the approval buttons (transition); new contracts start as drafts.
    add_columns = edit_columns = [
        "number", "customer", "party_name", "publication", "kind", "start_date", "end_date", "amount",
        "discount_pct", "payment_terms", "settle_date", "copy_finance", "copy_department",
        "copy_customer", "renews", "notes",
    ]
    show_columns = ["id", "status"] + add_columns + ["created_by", "created_at", "updated_at"]
    # Two different things were both 编号: the database's id and the contract's own number.
    label_columns = {**labels_for(show_columns), "id": _l("Record ID"), "number": _l("Contract number")}
    add_form_query_rel_fields = edit_form_query_rel_fields = {
        "customer": own_rel_filter("customer"), "renews": own_rel_filter("contract"),
    }
    relation_context = {"renews": "customer"}  # a contract renews one of the same customer
    related_views = [BookingView, PaymentView]
    show_template = "adsheet/contract_show.html"
    base_order = ("end_date", "desc")
    method_permission_name = {**VIEW_METHOD_PERMISSIONS, "transition": "edit"}
    include_route_methods = RecordViewMixin.include_route_methods | {"transition"}

    def render_template(self, template, **kwargs):
        if template == self.show_template and "pk" in kwargs:
            item = self.datamodel.get(kwargs["pk"], self._base_filters)
            if item is not None:
                kwargs.update(approval_panel(item, can_edit=self.appbuilder.sm.has_access(
                    "can_edit", self.class_permission_name)))
                from .contract_page import contract_header

                kwargs["head"] = contract_header(item)  # number, customer, status, money, days to end
        return super().render_template(template, **kwargs)

    @expose("/transition/<int:pk>", methods=["POST"])
    @has_access
    def transition(self, pk):
        """Move the contract along the approval chain (the same function as POST /api/v1/contract/<id>/transition)."""
        from app.workflow.concurrency import parse_version
        from app.workflow.http import transition

        item = self.datamodel.get(pk, self._base_filters)
        if item is None:
            abort(404)
        to = request.form.get("to", "")
        # The approval box sends the version it was shown with: a contract changed since is refused.
        refused = transition(item, to, request.form.get("reason"),
                             expected_version=parse_version(request.form.get("version")))
        if refused is not None:
            flash(refused.message, "danger")
        else:
            flash(gettext("The contract is now %(status)s.", status=enum_label(ContractStatus, to)), "success")
        return redirect(url_for(f"{self.endpoint}.show", pk=pk))


# The number may be left empty and the party name is pre-filled (app.views.contract_form).
ContractView.add_form_extra_fields = {**ContractView.add_form_extra_fields, **new_contract_fields(ContractView)}


def approval_panel(contract, can_edit: bool) -> dict:
    """The show page's approval box: buttons for the current user, what blocks sealing, the history."""
    from app.domain.rules.contracts import sealing_blockers
    from app.workflow.contracts import available_transitions, contract_facts, history
    from app.workflow.messages import translate

    from .detail_actions import contract_unavailable_steps

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
        "version": contract.version,
        "status_label": enum_label(ContractStatus, contract.status),
        "transitions": [(to, TRANSITION_LABELS.get(to, to)) for to in transitions],
        "blockers": blockers, "history": rows,
        # the steps the state allows but this user may not take, with why (app.views.detail_actions)
        "unavailable": contract_unavailable_steps(contract),
    }
