"""Work lists built on the workflow services: receivables, cash handover, renewals.

Each page borrows the read permission of the record its rows come from, so the role matrix decides
who sees it (rows limited to one's own customers for Sales); confirming a handover needs edit on Payment.
"""
from flask import abort, flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext, lazy_gettext as _l

from app.domain.enums import ContractKind, PaymentMethod
from app.labels import enum_label
from app.security.matrix import RECORDS

ALL_PERMISSIONS = ["can_read", "can_add", "can_edit", "can_delete"]


class RecordPage(BaseView):
    record = ""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.record:
            cls.class_permission_name = RECORDS[cls.record]
            cls.base_permissions = ALL_PERMISSIONS


class ReceivablesView(RecordPage):
    route_base = "/receivables"
    record = "payment"
    default_view = "index"
    method_permission_name = {"index": "read"}
    include_route_methods = {"index"}

    @expose("/")
    @has_access
    def index(self):
        from app.domain.rules.money import ageing_totals
        from app.workflow.money import open_receivable_rows

        rows = open_receivable_rows()
        return self.render_template("adsheet/receivables.html", rows=rows,
                                    totals=ageing_totals(r.item for r in rows))


class HandoverView(RecordPage):
    route_base = "/handover"
    record = "payment"
    default_view = "index"
    method_permission_name = {"index": "read", "confirm": "edit"}
    include_route_methods = {"index", "confirm"}

    @expose("/")
    @has_access
    def index(self):
        from app.workflow.money import pending_handovers

        from app.domain.capabilities import Capability
        from app.security import authority

        can_confirm = authority.has_capability(None, Capability.CONFIRM_PAYMENT)
        return self.render_template("adsheet/handover.html", rows=pending_handovers(), can_confirm=can_confirm,
                                    method_label=lambda m: enum_label(PaymentMethod, m))

    @expose("/confirm/<int:pk>", methods=["POST"])
    @has_access
    def confirm(self, pk):
        from app.models import Payment
        from app.workflow.concurrency import parse_version
        from app.workflow.http import run_action
        from app.workflow.money import confirm_payment
        from app.workflow.scope import visible

        payment = visible("payment", Payment, pk)
        if payment is None:
            abort(404)
        # The list sends the version each row was shown with: a payment changed since is refused.
        refused = run_action(confirm_payment, payment, expected_version=parse_version(request.form.get("version")))
        if refused is not None:
            flash(refused.message, "danger")
        else:
            flash(gettext("Payment confirmed as received."), "success")
        return redirect(url_for(f"{self.endpoint}.index"))


class RenewalsView(RecordPage):
    route_base = "/renewals"
    record = "contract"
    default_view = "index"
    method_permission_name = {"index": "read"}
    include_route_methods = {"index"}

    @expose("/")
    @has_access
    def index(self):
        from app.workflow.renewals import renewals

        return self.render_template("adsheet/renewals.html", rows=renewals(),
                                    kind_label=lambda k: enum_label(ContractKind, k))


PAGES = [
    (ReceivablesView, "Receivables", _l("Receivables"), "fa-hourglass-half"),
    (HandoverView, "Cash handover", _l("Cash handover"), "fa-exchange"),
    (RenewalsView, "Renewals", _l("Renewals"), "fa-refresh"),
]
