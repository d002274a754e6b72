"""Issue reports (read on Booking; Sales see their own customers' rows): the issue schedule and the
delivery checklist, each as a page with an issue picker, a printable page, CSV and Excel."""
from datetime import date

from flask import abort, request
from flask_appbuilder import expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext, lazy_gettext as _l

from app.domain.enums import ProofStatus
from app.domain.rules.reports import HAND, delivery_list
from app.labels import enum_label

from .base import valid_pk
from .export import csv_response, xlsx_response
from .pages import RecordPage

REPORT_METHODS = {"index": "read", "print_view": "read", "export_csv": "read", "export_xlsx": "read"}
CHECKBOX = "\u2610"


def yes_no(value) -> str:
    return gettext("Yes") if value else gettext("No")


class IssueReport(RecordPage):
    """A table about one issue (?issue=<id>): page, print page, CSV, Excel."""

    record = "booking"
    default_view = "index"
    method_permission_name = REPORT_METHODS
    include_route_methods = set(REPORT_METHODS)
    report_title = ""
    slug = ""

    def headers(self) -> list[str]:
        raise NotImplementedError

    def rows(self, issue_id: int) -> list[list]:
        raise NotImplementedError

    def selected_issue(self, required: bool):
        from app.models import Issue, db

        issue_id = request.args.get("issue", type=int)
        if issue_id is None:
            if required:
                abort(404)
            return None
        issue = db.session.get(Issue, issue_id) if valid_pk(issue_id) else None
        if issue is None:
            abort(404)
        return issue

    def table(self, issue) -> list[list]:
        return [self.headers()] + self.rows(issue.id)

    def filename(self, issue, ext: str) -> str:
        return f"{self.slug}-issue{issue.id}-{date.today().isoformat()}.{ext}"

    @expose("/")
    @has_access
    def index(self):
        from app.workflow.reports import issue_choices

        issue = self.selected_issue(required=False)
        table = self.table(issue) if issue is not None else None
        return self.render_template("adsheet/report.html", title=str(self.report_title), issue=issue,
                                    choices=issue_choices(selected=issue.id if issue else None),
                                    headers=table[0] if table else [], rows=table[1:] if table else [])

    @expose("/print")
    @has_access
    def print_view(self):
        issue = self.selected_issue(required=True)
        table = self.table(issue)
        return self.render_template("adsheet/report_print.html", title=str(self.report_title), issue=issue,
                                    headers=table[0], rows=table[1:], printed_on=date.today())

    @expose("/csv")
    @has_access
    def export_csv(self):
        issue = self.selected_issue(required=True)
        return csv_response(self.table(issue), self.filename(issue, "csv"))

    @expose("/xlsx")
    @has_access
    def export_xlsx(self):
        issue = self.selected_issue(required=True)
        return xlsx_response(self.table(issue), self.filename(issue, "xlsx"))


class IssueScheduleView(IssueReport):
    route_base = "/reports/schedule"
    report_title = _l("Issue schedule")
    slug = "schedule"

    def headers(self):
        return [gettext("Booking"), gettext("Ad slot"), gettext("Customer"), gettext("Contract"), gettext("Price"),
                gettext("Copy received"), gettext("Proof status"), gettext("Published")]

    def rows(self, issue_id):
        from app.workflow.reports import schedule_rows

        return [[booking_id, slot, customer, number, price, yes_no(copy), str(enum_label(ProofStatus, proof)),
                 yes_no(published)]
                for booking_id, slot, customer, number, price, copy, proof, published in schedule_rows(issue_id)]


class DeliveriesView(IssueReport):
    route_base = "/reports/deliveries"
    report_title = _l("Deliveries")
    slug = "deliveries"

    def headers(self):
        return [gettext("Done"), gettext("Delivery"), gettext("Customer"), gettext("City"), gettext("Contact"),
                gettext("Phone"), gettext("Owner")]

    def rows(self, issue_id):
        from app.workflow.reports import delivery_facts

        return [[CHECKBOX, gettext("By hand") if method == HAND else gettext("By mail"), row.customer,
                 row.city or "", row.contact or "", row.phone or "", row.owner or ""]
                for method, row in delivery_list(delivery_facts(issue_id))]


REPORT_PAGES = [
    (IssueScheduleView, "Issue schedule", _l("Issue schedule"), "fa-list-ol"),
    (DeliveriesView, "Deliveries", _l("Deliveries"), "fa-truck"),
]
