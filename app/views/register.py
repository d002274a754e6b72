"""Puts every view and API on the AppBuilder, with menus grouped by area."""
from flask_babel import lazy_gettext as _l

from app.api import ALL_APIS

from .customers import ActivityView, ContactView, CustomerView
from .media import AdSlotView, IssueView, PublicationView, SlotPriceChangeView
from .pages import PAGES
from .records import AuditLogView, ComplaintView, SensitiveWordView, WriteOffView
from .reports import REPORT_PAGES
from .sales import BookingView, ContractView, PaymentView

# Menu item names must match app.security.roles.MENU_ITEMS (they are permission names).
MENUS = [
    (CustomerView, "Customers", _l("Customers"), "fa-building", "Customer relations", _l("Customer relations")),
    (ContactView, "Contacts", _l("Contacts"), "fa-address-book", "Customer relations", _l("Customer relations")),
    (ActivityView, "Activities", _l("Activities"), "fa-phone", "Customer relations", _l("Customer relations")),
    (PublicationView, "Publications", _l("Publications"), "fa-newspaper-o", "Media", _l("Media")),
    (IssueView, "Issues", _l("Issues"), "fa-calendar", "Media", _l("Media")),
    (AdSlotView, "Ad slots", _l("Ad slots"), "fa-th-large", "Media", _l("Media")),
    (SlotPriceChangeView, "Price changes", _l("Price changes"), "fa-history", "Media", _l("Media")),
    (ContractView, "Contracts", _l("Contracts"), "fa-file-text-o", "Contracts and money", _l("Contracts and money")),
    (BookingView, "Bookings", _l("Bookings"), "fa-calendar-check-o", "Contracts and money",
     _l("Contracts and money")),
    (PaymentView, "Payments", _l("Payments"), "fa-money", "Contracts and money", _l("Contracts and money")),
    (WriteOffView, "Write-offs", _l("Write-offs"), "fa-eraser", "Contracts and money", _l("Contracts and money")),
    (ComplaintView, "Complaints", _l("Complaints"), "fa-comments", "Customer relations", _l("Customer relations")),
    (SensitiveWordView, "Sensitive words", _l("Sensitive words"), "fa-ban", "Media", _l("Media")),
    (AuditLogView, "Audit log", _l("Audit log"), "fa-list-alt", "Audit", _l("Audit")),
]


def register_views(appbuilder) -> None:
    # Bookings and payments are linked from the customer page (adsheet/customer_show.html), not listed on it:
    # each related list costs a statement, and a page stays within 6 (issue 5, tests/test_query_counts.py).
    CustomerView.related_views = [ContactView, ActivityView, ContractView]
    for view, name, label, icon, category, category_label in MENUS:
        appbuilder.add_view(view, name, label=label, icon=icon, category=category,
                            category_label=category_label)
    for view, name, label, icon in PAGES:
        appbuilder.add_view(view, name, label=label, icon=icon, category="Contracts and money",
                            category_label=_l("Contracts and money"))
    for view, name, label, icon in REPORT_PAGES:
        appbuilder.add_view(view, name, label=label, icon=icon, category="Reports", category_label=_l("Reports"))
    for api in ALL_APIS:
        appbuilder.add_api(api)
    from .sync import SYNC_MENUS, SyncProblemApi

    for view, name, label, icon in SYNC_MENUS:
        appbuilder.add_view(view, name, label=label, icon=icon, category="Sheets sync",
                            category_label=_l("Sheets sync"))
    appbuilder.add_api(SyncProblemApi)
    from app.imports.api import ImportApi

    appbuilder.add_api(ImportApi)
    from app.imports.views import register as register_import_pages

    register_import_pages(appbuilder)
