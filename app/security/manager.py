"""Our FAB security manager: no Google-hosted chart view; the JWT login rate-limited like the form login."""
from flask import request
from flask_appbuilder.security.api import SecurityApi
from flask_appbuilder.security.sqla.manager import SecurityManager

from app.security.permcache import RequestPermissionsMixin
from app.views import security_pages


class AdsheetSecurityManager(RequestPermissionsMixin, SecurityManager):
    # RequestPermissionsMixin: user, roles and permissions in one statement per request (issue 5).
    # FAB's user statistics chart loads Google's chart loader from the internet.
    userstatschartview = None
    # FAB's security pages with names, roles and yes/no in the reader's language (app.views.security_pages).
    userdbmodelview = security_pages.UserDBModelView
    rolemodelview = security_pages.RoleModelView
    groupmodelview = security_pages.UserGroupModelView
    permissionmodelview = security_pages.PermissionModelView
    viewmenumodelview = security_pages.ViewMenuModelView
    permissionviewmodelview = security_pages.PermissionViewModelView

    def register_views(self):
        super().register_views()
        # FAB limits only POST /login/ (AUTH_RATE_LIMITED, counted per client address in the storage
        # RATELIMIT_STORAGE_URI names, so instances sharing Redis share the count). Apply the same limit to
        # the JWT login, POST /api/v1/security/login; the token refresh in the same blueprint is not limited.
        if self.is_auth_limited:
            api = self.security_api_instance()
            if api is not None:
                login_endpoint = f"{api.blueprint.name}.login"
                self.limiter.limit(
                    self.auth_rate_limit, methods=["POST"],
                    exempt_when=lambda: request.endpoint != login_endpoint,
                )(api.blueprint)

    def security_api_instance(self):
        for view in self.appbuilder.baseviews:
            if isinstance(view, SecurityApi) and getattr(view, "blueprint", None) is not None:
                return view
        return None
