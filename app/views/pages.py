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


def person(user) -> str:
    """A user as the pages name them (first and last name; FAB's own str())."""
    return "" if user is None else f"{user.first_name} {user.last_name}".strip() or user.username


def owner_names(ids) -> dict:
    """user id -> name, in one statement, for the owners a page's rows name."""
    from sqlalchemy import select

    from flask import current_app

    from app.models import db

    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    user = current_app.appbuilder.sm.user_model
    return {u.id: person(u) for u in db.session.scalars(select(user).where(user.id.in_(ids)))}


class TablePage(RecordPage):
    """A work list as one table: the page (each row a link to its record, a totals row) and its CSV and Excel
    exports (app.spreadsheets, numbers kept as numbers) from the same rows."""

    default_view = "index"
    method_permission_name = {"index": "read", "export_csv": "read", "export_xlsx": "read"}
    include_route_methods = {"index", "export_csv", "export_xlsx"}
    slug = ""

    def table(self) -> dict:
        """{"headers": [...], "rows": [{"cells": [...], "link": url, "css": class, "item": any}], "totals": [...]}"""
        raise NotImplementedError

    def export_rows(self):
        table = self.table()
        yield table["headers"]
        for row in table["rows"]:
            yield row["cells"]
        if table.get("totals"):
            yield table["totals"]

    def export_name(self, ext: str) -> str:
        from datetime import date

        return f"{self.slug}-{date.today().isoformat()}.{ext}"

    @expose("/export/csv")
    @has_access
    def export_csv(self):
        from .export import csv_response

        return csv_response(list(self.export_rows()), self.export_name("csv"))

    @expose("/export/xlsx")
    @has_access
    def export_xlsx(self):
        from .export import xlsx_response

        return xlsx_response(list(self.export_rows()), self.export_name("xlsx"))


def money_total(values):
    from decimal import Decimal

    return sum((Decimal(v) for v in values), Decimal("0.00"))


class ReceivablesView(TablePage):
    route_base = "/receivables"
    record = "payment"
    slug = "receivables"

    def table(self):
        from app.workflow.money import open_receivable_rows

        rows = open_receivable_rows()
        owners = owner_names(r.owner_id for r in rows)
        headers = [gettext("Contract"), gettext("Customer"), gettext("Owner"), gettext("Due date"),
                   gettext("Outstanding"), gettext("Days overdue")]
        body = [{"cells": [r.number, r.customer_name, owners.get(r.owner_id, ""), r.item.due_date,
                           r.item.outstanding, r.item.days_overdue],
                 "link": url_for("ContractView.show", pk=r.contract_id), "css": "danger" if r.item.is_overdue else "",
                 "item": r} for r in rows]
        totals = [gettext("Total (%(count)s)", count=len(rows)), "", "", "", money_total(r.item.outstanding for r in rows), ""]
        return {"headers": headers, "rows": body, "totals": totals}

    @expose("/")
    @has_access
    def index(self):
        from app.domain.rules.money import ageing_totals

        table = self.table()
        return self.render_template("adsheet/receivables.html", table=table,
                                    totals=ageing_totals(r["item"].item for r in table["rows"]))


class HandoverView(TablePage):
    route_base = "/handover"
    record = "payment"
    slug = "handover"
    method_permission_name = {**TablePage.method_permission_name, "confirm": "edit"}
    include_route_methods = TablePage.include_route_methods | {"confirm"}

    def table(self):
        from app.workflow.money import pending_handovers

        rows = pending_handovers()
        headers = [gettext("Contract"), gettext("Customer"), gettext("Owner"), gettext("Amount"), gettext("Method"),
                   gettext("Collected by"), gettext("Collected on")]
        body = [{"cells": [str(r.payment.contract), r.payment.customer.name, person(r.payment.customer.owner),
                           r.payment.amount, str(enum_label(PaymentMethod, r.payment.method)),
                           person(r.payment.collected_by), r.payment.collected_on],
                 "link": url_for("PaymentView.show", pk=r.payment.id), "css": "danger" if r.overdue else "",
                 "item": r} for r in rows]
        totals = [gettext("Total (%(count)s)", count=len(rows)), "", "", money_total(r.payment.amount for r in rows),
                  "", "", ""]
        return {"headers": headers, "rows": body, "totals": totals}

    @expose("/")
    @has_access
    def index(self):
        from app.domain.capabilities import Capability
        from app.security import authority

        can_confirm = authority.has_capability(None, Capability.CONFIRM_PAYMENT)
        return self.render_template("adsheet/handover.html", table=self.table(), can_confirm=can_confirm)

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


class RenewalsView(TablePage):
    route_base = "/renewals"
    record = "contract"
    slug = "renewals"

    def table(self):
        from app.workflow.renewals import renewals

        rows = renewals()
        headers = [gettext("Contract"), gettext("Customer"), gettext("Owner"), gettext("Kind"), gettext("End date"),
                   gettext("Amount"), gettext("Status")]
        body = [{"cells": [r.contract.number, r.contract.customer.name, person(r.contract.customer.owner),
                           str(enum_label(ContractKind, r.contract.kind)), r.contract.end_date,
                           r.contract.net_amount, gettext("Lapsed") if r.status == "lapsed" else gettext("Renewal due")],
                 "link": url_for("ContractView.show", pk=r.contract.id),
                 "css": "danger" if r.status == "lapsed" else "warning", "item": r} for r in rows]
        totals = [gettext("Total (%(count)s)", count=len(rows)), "", "", "", "",
                  money_total(r.contract.net_amount or 0 for r in rows), ""]
        return {"headers": headers, "rows": body, "totals": totals}

    @expose("/")
    @has_access
    def index(self):
        return self.render_template("adsheet/renewals.html", table=self.table())


PAGES = [
    (ReceivablesView, "Receivables", _l("Receivables"), "fa-hourglass-half"),
    (HandoverView, "Cash handover", _l("Cash handover"), "fa-exchange"),
    (RenewalsView, "Renewals", _l("Renewals"), "fa-refresh"),
]
