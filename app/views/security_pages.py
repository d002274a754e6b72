"""FAB's security pages (users, roles, groups, permissions, views/menus) in the reader's language.

FAB shows its role, permission and view names as stored ("Admin", "can_read", "UserDBModelView") and a
user's roles as a Python list ("[Admin]"), and describes its user fields in terms of LDAP and OpenID,
which this app does not use. These subclasses keep FAB's pages and routes and change only what is shown:
names through the labels below (a name without a label, e.g. one added later, is shown as stored),
booleans as yes/no, times to the minute. The security manager (app.security.manager) puts them in place
of FAB's. They keep FAB's class names: the names are the views' permission names and endpoints.
"""
from flask import current_app
from flask_appbuilder.security import views as fab
from flask_appbuilder.widgets import ListWidget, ShowWidget
from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from app.labels import RECORD_LABELS, label_of, role_label
from app.security.matrix import READ_ONLY_RECORDS, RECORDS

PERMISSION_LABELS = {
    "can_read": _l("read"), "can_add": _l("add"), "can_edit": _l("edit"), "can_delete": _l("delete"),
    "can_list": _l("list"), "can_show": _l("show"), "can_get": _l("read through the API"),
    "can_post": _l("add through the API"), "can_put": _l("change through the API"),
    "can_info": _l("API description"), "can_download": _l("download"), "can_sync": _l("sync now"),
    "menu_access": _l("see in the menu"), "can_this_form_get": _l("open the form"),
    "can_this_form_post": _l("send the form"), "can_userinfo": _l("see own user information"),
    "userinfoedit": _l("edit own user information"), "resetmypassword": _l("change own password"),
    "resetpasswords": _l("reset passwords"), "copyrole": _l("copy roles"),
    "can_add_role_permissions": _l("set a role's permissions"),
    "can_list_role_permissions": _l("list a role's permissions"),
    "can_update_role_groups": _l("change a role's groups"), "can_update_role_users": _l("change a role's users"),
    # the workflow's capabilities (app.security.matrix.CAPABILITIES)
    "can_stamp": _l("record the customer's stamp"), "can_review": _l("review contracts"),
    "can_approve": _l("approve contracts"), "can_seal": _l("seal contracts"),
    "can_send_back": _l("send contracts back"), "can_cancel": _l("cancel contracts"),
    "can_withdraw_own": _l("withdraw own contracts"), "can_confirm": _l("confirm payments received"),
    "can_assign_owner": _l("assign customers to another owner"),
}

# FAB's own views and REST resources (the app's are named by the matrix and the menu).
FAB_VIEW_LABELS = {
    "AuthDBView": _l("Sign-in page"), "DashboardIndexView": _l("Start page"), "LocaleView": _l("Language switch"),
    "UtilView": _l("Back link"), "MenuApi": _l("Menu (API)"), "OpenApi": _l("API description document"),
    "SwaggerView": _l("API documentation page"), "SecurityApi": _l("Sign-in (API)"),
    "AdsheetSecurityApi": _l("Sign-in (API)"),
    "UserDBModelView": _l("Users"), "RoleModelView": _l("Roles"), "UserGroupModelView": _l("Groups"),
    "PermissionModelView": _l("Base permissions"), "ViewMenuModelView": _l("Views and menus"),
    "PermissionViewModelView": _l("Permissions on views and menus"),
    "ResetMyPasswordView": _l("Own password"), "ResetPasswordView": _l("Password reset"),
    "UserInfoEditView": _l("Own user information"),
    "User": _l("Users (API)"), "Role": _l("Roles (API)"), "Group": _l("Groups (API)"),
    "Permission": _l("Permissions (API)"), "ViewMenu": _l("Views and menus (API)"),
    "PermissionViewMenu": _l("Permissions on views and menus (API)"),
}


def permission_label(name: str) -> str:
    return label_of(PERMISSION_LABELS, name)


def _menu_labels() -> dict[str, str]:
    labels = {}
    items = list(current_app.appbuilder.menu.get_list())
    while items:
        item = items.pop()
        labels[item.name] = str(item.label or item.name)
        items.extend(child for child in item.childs or () if child)
    return labels


def view_label(name: str) -> str:
    """A view or menu name: a record's permission name, a menu item or category, or one of FAB's views."""
    from app.security.roles import MENU_ITEMS

    records = {**{view: record for record, view in RECORDS.items()},
               **{view: record for record, (view, _roles) in READ_ONLY_RECORDS.items()}}
    record = records.get(name)
    if record in RECORD_LABELS:
        return str(RECORD_LABELS[record])
    if name in FAB_VIEW_LABELS:
        return str(FAB_VIEW_LABELS[name])
    menu = _menu_labels()
    if record in MENU_ITEMS:  # the sync's records are named by their menu items
        return menu.get(MENU_ITEMS[record][0], name)
    return menu.get(name, name)


def permission_view_label(item) -> str:
    return gettext("%(view)s: %(permission)s", view=view_label(item.view_menu.name),
                   permission=permission_label(item.permission.name))


def names_text(items, label) -> str:
    return "、".join(sorted(label(item) for item in items or ()))


def yes_no(value) -> str:
    return "" if value is None else (gettext("Yes") if value else gettext("No"))


def to_minute(value) -> str:
    from .display import minute_text  # FAB stamps these in the server's local time

    return minute_text(value)


class UserDBModelView(fab.UserDBModelView):
    description_columns = {
        "first_name": _l("Given name, or the whole name for a Chinese name"),
        "last_name": _l("Family name, or a job title"),
        "username": _l("The name to sign in with"),
        "active": _l("Untick to stop this user signing in; users are kept, not deleted"),
        "email": _l("The user's e-mail address"),
        "roles": _l("What the user may see and do"),
        "groups": _l("Groups give their roles to their users"),
    }
    formatters_columns = {
        "roles": lambda roles: names_text(roles, role_label),
        "groups": lambda groups: names_text(groups, lambda group: group.label or group.name),
        "active": yes_no, "last_login": to_minute, "created_on": to_minute, "changed_on": to_minute,
        "created_by": lambda user: user or "", "changed_by": lambda user: user or "",
    }

    def _init_forms(self):
        super()._init_forms()
        _relabel_options(self, "roles", role_label)


class RoleModelView(fab.RoleModelView):
    # FAB's role widgets print the raw values; the plain ones apply the formatters.
    list_widget = ListWidget
    show_widget = ShowWidget
    label_columns = {"name": _l("Name"), "permissions": _l("Permissions"), "user": _l("Users"),
                     "groups": _l("Groups")}
    formatters_columns = {
        "name": role_label,
        "permissions": lambda items: names_text(items, permission_view_label),
    }

    def _init_forms(self):
        super()._init_forms()
        _relabel_options(self, "permissions", permission_view_label)


class UserGroupModelView(fab.UserGroupModelView):
    label_columns = {"name": _l("Name"), "label": _l("Label"), "description": _l("Description"),
                     "users": _l("Users"), "roles": _l("Roles")}
    formatters_columns = {"roles": lambda roles: names_text(roles, role_label),
                          "users": lambda users: names_text(users, str)}

    def _init_forms(self):
        super()._init_forms()
        _relabel_options(self, "roles", role_label)


class PermissionModelView(fab.PermissionModelView):
    label_columns = {"name": _l("Name"), "view_menu": _l("View/Menu")}
    formatters_columns = {"name": permission_label}


class ViewMenuModelView(fab.ViewMenuModelView):
    label_columns = {"name": _l("Name"), "permission": _l("Permission")}
    formatters_columns = {"name": view_label}


class PermissionViewModelView(fab.PermissionViewModelView):
    label_columns = {"permission": _l("Permission"), "view_menu": _l("View/Menu"), "role": _l("Roles")}
    formatters_columns = {"permission": lambda item: permission_label(item.name),
                          "view_menu": lambda item: view_label(item.name)}


def _relabel_options(view, field_name: str, label) -> None:
    """The options of a relation field in the add and edit forms, by ``label`` instead of the row's repr."""
    for form in (getattr(view, "add_form", None), getattr(view, "edit_form", None)):
        field = getattr(form, field_name, None) if form is not None else None
        if field is not None and hasattr(field, "kwargs"):
            field.kwargs["get_label"] = label
