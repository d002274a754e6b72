"""A signed-in user's roles, permissions and session stamp in ONE statement per request.

FAB loads the user, then its roles, then runs one EXISTS query per permission check (one per menu item and
button): about 20 statements per page. Here the user loader fetches the user, its roles, its groups' roles
and every (permission, view) name those roles grant in a single statement, and every permission check of
that request reads the set kept on the user object. The names come packed into one text column (one row
per user and role, not one per permission: turning 170 rows into objects cost more than the query).

Staleness: the set is tied to the request it was loaded in and never outlives it, so a role change takes
effect on the user's next request, in every worker. A user object met outside that request (another request
sharing the session, a detached or re-fetched object) gets its set again with one query. The same statement
brings the user's session stamp (app.security.sessions), so ending sessions costs no extra statement.
"""
from functools import cached_property

from flask import g, has_request_context, request
from sqlalchemy import bindparam, func, select, union
from sqlalchemy.orm import joinedload

from flask_appbuilder.security.sqla.models import (
    assoc_group_role, assoc_permissionview_role, assoc_user_group, assoc_user_role,
)

_ATTR = "_adsheet_permissions"
# Separators of the packed names: control characters, which no permission or view name contains.
_PAIR_SEP, _NAME_SEP = "\x1e", "\x1f"


def _request_key():
    return id(request._get_current_object()) if has_request_context() else None


class RequestPermissionsMixin:
    """Mixed into our SecurityManager (before FAB's class)."""

    def _role_ids_of_user(self, user_id):
        return union(
            select(assoc_user_role.c.role_id).where(assoc_user_role.c.user_id == user_id),
            select(assoc_group_role.c.role_id)
            .join(assoc_user_group, assoc_user_group.c.group_id == assoc_group_role.c.group_id)
            .where(assoc_user_group.c.user_id == user_id),
        )

    def _permission_names(self, role_ids):
        pv, perm, view = self.permissionview_model, self.permission_model, self.viewmenu_model
        return (
            select(perm.name.label("permission"), view.name.label("view"))
            .select_from(assoc_permissionview_role)
            .join(pv, pv.id == assoc_permissionview_role.c.permission_view_id)
            .join(perm, perm.id == pv.permission_id)
            .join(view, view.id == pv.view_menu_id)
            .where(assoc_permissionview_role.c.role_id.in_(role_ids))
        )

    def _packed_permission_names(self, user_id):
        """All (permission, view) names the user's roles grant, as one text (pairs joined by _PAIR_SEP)."""
        names = self._permission_names(self._role_ids_of_user(user_id)).subquery()
        pair = names.c.permission + _NAME_SEP + names.c.view
        return select(func.aggregate_strings(pair, _PAIR_SEP)).scalar_subquery()

    @cached_property
    def _user_with_permissions(self):
        """The user (by :user_id), its roles and its packed permission names. Built once: building this
        statement took longer than running it."""
        from .sessions import stamp_column

        user_model, user_id = self.user_model, bindparam("user_id")
        return (
            select(user_model, self._packed_permission_names(user_id), stamp_column(user_id))
            .where(user_model.id == user_id)
            .options(joinedload(user_model.roles),
                     joinedload(user_model.groups).joinedload(self.group_model.roles))
        )

    def get_user_by_id(self, pk):
        if not has_request_context():
            return super().get_user_by_id(pk)
        # every row: they carry the role collections
        rows = self.session.execute(self._user_with_permissions, {"user_id": pk}).unique().all()
        if not rows:
            return None
        user, packed, stamp = rows[0]
        pairs = (pair.split(_NAME_SEP, 1) for pair in (packed or "").split(_PAIR_SEP) if pair)
        setattr(user, _ATTR, (_request_key(), frozenset((perm, view) for perm, view in pairs)))
        user._adsheet_stamp = stamp or ""  # compared with the session's or token's (app.security.sessions)
        return user

    def user_permissions(self, user) -> frozenset:
        """The (permission, view) names granted to the user's database roles, once per request (outside a
        request, app.security.authority keeps them per database transaction)."""
        key = _request_key()
        cached = getattr(user, _ATTR, None)
        if key is not None and cached is not None and cached[0] == key:
            return cached[1]
        found = self.database_permissions(user)
        if key is not None:
            setattr(user, _ATTR, (key, found))
        return found

    def database_permissions(self, user) -> frozenset:
        """The (permission, view) names granted to the user's database roles, read now (one statement)."""
        role_ids = self._role_ids_of_user(user.id)
        builtin = list(self.builtin_roles)
        if builtin:
            role_ids = select(self.role_model.id).where(self.role_model.id.in_(role_ids),
                                                        self.role_model.name.not_in(builtin))
        return frozenset((perm, view) for perm, view in self.session.execute(self._permission_names(role_ids)))

    def _has_view_access(self, user, permission_name: str, view_name: str) -> bool:
        roles = self.get_user_roles(user)
        if any(role.name in self.builtin_roles and self._has_access_builtin_roles(role, permission_name, view_name)
               for role in roles):
            return True
        return (permission_name, view_name) in self.user_permissions(user)

    def _get_user_permission_view_menus(self, user, permission_name: str, view_menus_name):
        if user is None:
            if not has_request_context():
                return super()._get_user_permission_view_menus(user, permission_name, view_menus_name)
            # Anonymous: the public role's permissions, from the same per-request set as has_access.
            return {name for name in view_menus_name or () if self.is_item_public(permission_name, name)}
        result = {name for role in self.get_user_roles(user) if role.name in self.builtin_roles
                  for name in view_menus_name or () if self._has_access_builtin_roles(role, permission_name, name)}
        result.update(view for perm, view in self.user_permissions(user) if perm == permission_name)
        return result

    def is_item_public(self, permission_name, view_name):
        if not has_request_context():
            return super().is_item_public(permission_name, view_name)
        public = getattr(g, "_adsheet_public_permissions", None)
        if public is None:
            public = g._adsheet_public_permissions = frozenset(
                (pv.permission.name, pv.view_menu.name) for pv in self.get_public_permissions())
        return (permission_name, view_name) in public
