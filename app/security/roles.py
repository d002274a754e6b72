"""Writes the role matrix into FAB's permission tables (`flask roles sync`)."""
from flask import current_app

from .matrix import READ_ONLY_RECORDS, RECORDS, ROLES, role_permissions

# Every signed-in user can see and edit their own profile and password.
SELF_SERVICE = {
    ("can_userinfo", "UserDBModelView"),
    ("resetmypassword", "UserDBModelView"),
    ("can_this_form_get", "ResetMyPasswordView"),
    ("can_this_form_post", "ResetMyPasswordView"),
    ("can_this_form_get", "UserInfoEditView"),
    ("can_this_form_post", "UserInfoEditView"),
    # The OpenAPI document and its Swagger page describe only what each role may call anyway.
    ("can_get", "OpenApi"),
    ("can_show", "SwaggerView"),
}

# Menu entries (and their categories) shown to whoever may read the record behind them.
MENU_ITEMS = {
    "customer": ("Customers", "Customer relations"),
    "contact": ("Contacts", "Customer relations"),
    "activity": ("Activities", "Customer relations"),
    "publication": ("Publications", "Media"),
    "issue": ("Issues", "Media"),
    "adslot": ("Ad slots", "Media"),
    "contract": ("Contracts", "Contracts and money"),
    "booking": ("Bookings", "Contracts and money"),
    "payment": ("Payments", "Contracts and money"),
    "writeoff": ("Write-offs", "Contracts and money"),
    "complaint": ("Complaints", "Customer relations"),
    "sensitiveword": ("Sensitive words", "Media"),
    "auditlog": ("Audit log", "Audit"),
    "synclink": ("Sheet links", "Sheets sync"),
    "syncrun": ("Sync runs", "Sheets sync"),
    "syncproblem": ("Sync problems", "Sheets sync"),
}
# Pages shown to whoever may read the record their rows come from.
EXTRA_MENU_ITEMS = {
    "adslot": ("Price changes",),
    "contract": ("Renewals",),
    "booking": ("Issue schedule", "Deliveries", "Reports"),  # the report pages and their menu category
    "payment": ("Receivables", "Cash handover"),
}


def role_grants(role: str) -> set[tuple[str, str]]:
    """All (permission, view menu) pairs of a non-admin role."""
    pairs = set(SELF_SERVICE) | role_permissions(role)
    views = {**RECORDS, **{record: view for record, (view, _roles) in READ_ONLY_RECORDS.items()}}
    readable = {record for perm, view in pairs for record, name in views.items()
                if view == name and perm == "can_read"}
    for record in readable:
        item, category = MENU_ITEMS[record]
        pairs |= {("menu_access", item), ("menu_access", category)}
        pairs |= {("menu_access", extra) for extra in EXTRA_MENU_ITEMS.get(record, ())}
    return pairs


def sync_roles() -> dict[str, int]:
    """Create every permission, then give each role exactly what the matrix says."""
    appbuilder = current_app.appbuilder
    sm = appbuilder.sm
    # Roles first: FAB grants every new permission to the Admin role as it creates it.
    for role_name in ROLES + ("Public",):
        if sm.find_role(role_name) is None:
            sm.add_role(role_name)
    appbuilder.add_permissions(update_perms=True)
    counts = {}
    all_pvms = sm.session.query(sm.permissionview_model).all()
    for role_name in ROLES:
        role = sm.find_role(role_name)
        if role_name == "Admin":
            wanted = all_pvms
        else:
            wanted = []
            for perm, view in sorted(role_grants(role_name)):
                pvm = sm.add_permission_view_menu(perm, view)
                if pvm is not None:
                    wanted.append(pvm)
        role.permissions = wanted
        counts[role_name] = len(wanted)
    sm.session.commit()
    return counts
