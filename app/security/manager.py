"""Our FAB security manager.

- Permissions: the user, roles, permissions and session stamp in one statement per request (permcache).
- Sessions and tokens end on a password change, a deactivation or a sign-out (app.security.sessions):
  the user loaders of Flask-Login and flask-jwt-extended compare the stamp the session or token carries.
- Sign-ins: failed attempts counted in the database per address and per account (app.security.login_limit),
  for the form and the JWT login alike; FAB's per-process limiter is not used (AUTH_RATE_LIMITED is off).
- No API answer echoes a password; "reset my password" asks for the current one (app.security.self_service).
- The workflow's capabilities (app.security.matrix.CAPABILITIES) are permissions on the records' views: FAB
  keeps them when it updates a view's permissions.
- No Google-hosted chart view.
"""
from flask import g, has_request_context, request

from flask_appbuilder.security.sqla.manager import SecurityManager

from app.security.admin_api import (
    SafeGroupApi, SafePermissionApi, SafePermissionViewMenuApi, SafeRoleApi, SafeViewMenuApi, with_error_answers,
)

from . import login_limit, sessions
from .matrix import capability_permissions_of_view
from .permcache import RequestPermissionsMixin
from .self_service import AdsheetSecurityApi, AdsheetUserApi, ResetMyPasswordView
from app.views import security_pages


class AdsheetSecurityManager(RequestPermissionsMixin, SecurityManager):
    # FAB's user statistics chart loads Google's chart loader from the internet.
    userstatschartview = None
    security_api = AdsheetSecurityApi
    resetmypasswordview = ResetMyPasswordView
    # FAB's user-management API, answering malformed input with 4xx instead of 500 (app.security.admin_api);
    # the user API never echoes a password (app.security.self_service).
    user_api = with_error_answers(AdsheetUserApi)
    role_api, group_api = SafeRoleApi, SafeGroupApi
    permission_api, view_menu_api, permission_view_menu_api = (
        SafePermissionApi, SafeViewMenuApi, SafePermissionViewMenuApi)
    # FAB's security pages with names, roles and yes/no in the reader's language (app.views.security_pages).
    userdbmodelview = security_pages.UserDBModelView
    rolemodelview = security_pages.RoleModelView
    groupmodelview = security_pages.UserGroupModelView
    permissionmodelview = security_pages.PermissionModelView
    viewmenumodelview = security_pages.ViewMenuModelView
    permissionviewmodelview = security_pages.PermissionViewModelView

    # -- permissions ------------------------------------------------------------------------------
    def add_permissions_view(self, base_permissions, view_menu):
        # FAB deletes every permission of a view that the view does not expose; keep the capabilities.
        extra = [name for name in capability_permissions_of_view(view_menu) if name not in base_permissions]
        super().add_permissions_view(list(base_permissions) + extra, view_menu)

    # -- sessions and tokens ----------------------------------------------------------------------
    def load_user(self, pk):
        """Flask-Login's loader (browser sessions): the session must carry the user's current stamp."""
        user = self.get_user_by_id(int(pk))
        if user is None or not user.is_active or not sessions.session_is_current(user):
            return None
        return user

    def load_user_jwt(self, _jwt_header, jwt_data):
        """flask-jwt-extended's loader (access and refresh tokens): the token must carry the current stamp;
        None answers 401."""
        user = self.get_user_by_id(int(jwt_data["sub"]))
        if user is None or not user.is_active or not sessions.token_is_current(user, jwt_data):
            return None
        g.user = user
        return user

    def create_jwt_manager(self, app):
        jwt_manager = super().create_jwt_manager(app)

        @jwt_manager.additional_claims_loader
        def stamp_claim(identity):
            return {sessions.STAMP_CLAIM: sessions.current_stamp(int(identity))}

        return jwt_manager

    def on_user_logout(self, user) -> None:
        # Signing out ends every session and token of the user, a copy of this cookie included.
        sessions.end_all_sessions(user.id)

    # -- sign-in limit ----------------------------------------------------------------------------
    def account_key(self, typed: str) -> str:
        user = self.find_user(username=typed) or self.find_user(email=typed)
        return login_limit.account_key(user.id if user is not None else None, typed)

    def auth_user_db(self, username, password):
        if not username or not has_request_context():
            return super().auth_user_db(username, password)
        attempt = login_limit.begin(request.remote_addr, self.account_key(username))  # may raise 429
        user = super().auth_user_db(username, password)
        if user is not None:
            attempt.succeeded()
        return user
