"""Writes the role matrix into FAB's permission tables (`flask roles sync`), and compares them with it
(`flask roles check`, and a warning when the app starts)."""
import logging

from flask import current_app

from .matrix import CAPABILITIES, READ_ONLY_RECORDS, RECORDS, ROLES, role_capability_permissions, role_permissions

log = logging.getLogger(__name__)

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
    pairs = set(SELF_SERVICE) | role_permissions(role) | role_capability_permissions(role)
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
    for permission, view, _roles in CAPABILITIES.values():
        sm.add_permission_view_menu(permission, view)
    counts = {}
    all_pvms = sm.session.query(sm.permissionview_model).all()
    for role_name in ROLES:
        role = sm.find_role(role_name)
        if role_name == "Admin":
            withheld = not_for_admin()
            wanted = [pvm for pvm in all_pvms if _pair(pvm) not in withheld]
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


def _pair(pvm) -> tuple[str, str]:
    return (pvm.permission.name if pvm.permission else "", pvm.view_menu.name if pvm.view_menu else "")


def not_for_admin() -> set[tuple[str, str]]:
    """Capabilities the declaration does not give Admin (Admin gets every other permission there is)."""
    return {(permission, view) for permission, view, roles in CAPABILITIES.values() if "Admin" not in roles}


def role_differences() -> list[str]:
    """Where the roles in the database differ from the declaration, one line each; empty when they match."""
    sm = current_app.appbuilder.sm
    in_database = {role.name: {_pair(pvm) for pvm in role.permissions} for role in sm.get_all_roles()}
    existing = {_pair(pvm) for pvm in sm.session.query(sm.permissionview_model)}
    public = sm.auth_role_public
    expected = {role: role_grants(role) for role in ROLES if role != "Admin"}
    expected["Admin"] = (existing - not_for_admin()) | role_capability_permissions("Admin")
    expected[public] = set()
    lines = []
    for role in sorted(expected):
        if role not in in_database:
            lines.append(f"role {role} is missing")
            continue
        lines += [f"{role}: missing {perm} on {view}" for perm, view in sorted(expected[role] - in_database[role])]
        lines += [f"{role}: not declared {perm} on {view}" for perm, view in sorted(in_database[role] - expected[role])]
    lines += [f"role {role} is not declared" for role in sorted(set(in_database) - set(expected))]
    return lines


def warn_if_roles_differ(app) -> None:
    """At start-up: one warning listing every difference, when the database is reachable and migrated.
    Nothing when it is not (yet): `flask db upgrade` and `flask roles sync` come first."""
    from sqlalchemy import inspect as sql_inspect
    from sqlalchemy.exc import SQLAlchemyError

    from app.models import db

    with app.app_context():
        try:
            if not sql_inspect(db.engine).has_table("ab_permission_view_role"):
                return
            differences = role_differences()
        except SQLAlchemyError as exc:
            log.info("roles not checked at start-up: database not reachable (%s)", type(exc).__name__)
            return
        finally:
            db.session.remove()
    if differences:
        log.warning("The roles in the database differ from app/security/matrix.py (%d differences; "
                    "`flask roles sync` writes the declaration, `flask roles check` lists them):\n  %s",
                    len(differences), "\n  ".join(differences))
