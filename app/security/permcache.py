"""A signed-in user's roles and permissions in ONE statement per request.

FAB loads the user, then its roles, then runs one EXISTS query per permission check (one per menu item and
button): about 20 statements per page. Here the user loader fetches the user, its roles, its groups' roles
and every (permission, view) name those roles grant in a single statement, and every permission check of
that request reads the set kept on the user object.

Staleness: the set is tied to the request it was loaded in and never outlives it, so a role change takes
effect on the user's next request, in every worker. A user object met outside that request (another request
sharing the session, a detached or re-fetched object) gets its set again with one query.
"""
from flask import g, has_request_context, request
from sqlalchemy import select, true, union
from sqlalchemy.orm import joinedload

from flask_appbuilder.security.sqla.models import (
    assoc_group_role, assoc_permissionview_role, assoc_user_group, assoc_user_role,
)

_ATTR = "_adsheet_permissions"


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

    def get_user_by_id(self, pk):
        if not has_request_context():
            return super().get_user_by_id(pk)
        user_model = self.user_model
        names = self._permission_names(self._role_ids_of_user(pk)).distinct().subquery()
        statement = (
            select(user_model, names.c.permission, names.c.view)
            .outerjoin(names, true())
            .where(user_model.id == pk)
            .options(joinedload(user_model.roles),
                     joinedload(user_model.groups).joinedload(self.group_model.roles))
        )
        rows = self.session.execute(statement).unique().all()
        if not rows:
            return None
        user = rows[0][0]
        setattr(user, _ATTR, (_request_key(), frozenset((p, v) for _u, p, v in rows if p is not None)))
        return user

    def user_permissions(self, user) -> frozenset:
        """The (permission, view) names granted to the user's database roles, once per request."""
        cached = getattr(user, _ATTR, None)
        if cached is not None and cached[0] == _request_key():
            return cached[1]
        role_ids = [role.id for role in self.get_user_roles(user) if role.name not in self.builtin_roles]
        found = frozenset(self.session.execute(self._permission_names(role_ids)).all()) if role_ids else frozenset()
        setattr(user, _ATTR, (_request_key(), found))
        return found

    def _has_view_access(self, user, permission_name: str, view_name: str) -> bool:
        roles = self.get_user_roles(user)
        if any(role.name in self.builtin_roles and self._has_access_builtin_roles(role, permission_name, view_name)
               for role in roles):
            return True
        return (permission_name, view_name) in self.user_permissions(user)

    def _get_user_permission_view_menus(self, user, permission_name: str, view_menus_name):
        if user is None:
            return super()._get_user_permission_view_menus(user, permission_name, view_menus_name)
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
