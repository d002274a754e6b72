"""The home page: a dashboard fitted to the user's role (config FAB_INDEX_VIEW points here).

Figures come from app.workflow.dashboard (few aggregate statements, pure rules); they reach the page
as JSON in a <script type="application/json"> block, drawn by static/js/dashboard.js with Chart.js
served from static/vendor/chartjs (no CDN, no inline script).
"""
from flask import redirect
from flask_appbuilder import IndexView, expose
from flask_babel import gettext
from jinja2.utils import htmlsafe_json_dumps

from app.domain.enums import ContractKind, CustomerStage, PaymentMethod
from app.labels import enum_label


def chart_labels() -> dict:
    return {
        "calls": gettext("Calls"), "visits": gettext("Visits"), "filings": gettext("Filings"),
        "signed_contracts": gettext("Signed contracts"), "revenue": gettext("Contract value after discount"),
        "outstanding": gettext("Outstanding"), "occupancy": gettext("Booked slots (%)"),
        "satisfaction": gettext("Average satisfaction (1-5)"), "customers": gettext("Customers"),
        "stages": {stage.value: str(enum_label(CustomerStage, stage.value)) for stage in CustomerStage},
    }


def kpi_matrix(rows: list[dict], periods: list[str], people: dict[str, str]) -> list[tuple[str, list]]:
    """Rows of the KPI table: (person, [row of each period or None])."""
    cells = {(row["user_id"], row["period"]): row for row in rows}
    return [(name, [cells.get((int(uid), period)) for period in periods]) for uid, name in people.items()
            if any((int(uid), period) in cells for period in periods)]


def inbox_specs() -> dict:
    """Each inbox's title, its columns' headings, how its fourth column reads, and where its whole list is."""
    from flask import url_for

    from app.domain.enums import ActivityKind, ComplaintStatus, ContractStatus

    def label_of(enum_cls):
        return lambda value: enum_label(enum_cls, value)

    return {
        "to_review": {"title": gettext("Awaiting my review or approval"), "all": url_for("ContractView.list"),
                      "headings": [gettext("Contract"), gettext("Customer"), gettext("Owner"), gettext("Status"),
                                   gettext("Start date")], "kind": label_of(ContractStatus)},
        "follow_ups": {"title": gettext("Follow-ups due today and overdue"), "all": url_for("ActivityView.list"),
                       "headings": [gettext("Customer"), gettext("Outcome"), gettext("Owner"), gettext("Kind"),
                                    gettext("Follow up on")], "kind": label_of(ActivityKind)},
        "proofs": {"title": gettext("Proofs awaiting the customer"), "all": url_for("BookingView.list"),
                   "headings": [gettext("Contract"), gettext("Customer"), gettext("Owner"), "",
                                gettext("Proof sent on")], "kind": str},
        "to_confirm": {"title": gettext("Payments to confirm"), "all": url_for("PaymentView.list"),
                       "headings": [gettext("Contract"), gettext("Customer"), gettext("Collected by"),
                                    gettext("Method") + " / " + gettext("Amount"), gettext("Collected on")],
                       "kind": label_of(PaymentMethod)},
        "complaints": {"title": gettext("Open complaints"), "all": url_for("ComplaintView.list"),
                       "headings": [gettext("Subject"), gettext("Customer"), gettext("Owner"), gettext("Status"),
                                    gettext("Received on")], "kind": label_of(ComplaintStatus)},
    }


class DashboardIndexView(IndexView):
    index_template = "adsheet/dashboard.html"

    @expose("/")
    def index(self):
        from app.security.ownership import acting_user
        from app.workflow.dashboard import dashboard_data

        if acting_user() is None:
            return redirect(self.appbuilder.get_url_for_login)
        data = dashboard_data()
        data["labels"] = chart_labels()
        kpi = data.get("kpi")
        tables = {}
        if kpi:
            tables = {"weeks": kpi_matrix(kpi["by_week"], kpi["weeks"], kpi["people"]),
                      "months": kpi_matrix(kpi["by_month"], kpi["months"], kpi["people"])}
        return self.render_template(
            self.index_template, appbuilder=self.appbuilder, data=data, sections=set(data["sections"]),
            # Keys keep their order (stages in pipeline order); Flask's tojson would sort them.
            data_json=htmlsafe_json_dumps(data),
            kpi_tables=tables, inbox_specs=inbox_specs() if data.get("inboxes") else {}, kind_label=lambda k: enum_label(ContractKind, k),
            method_label=lambda m: enum_label(PaymentMethod, m))
