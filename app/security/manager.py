"""Our FAB security manager: no Google-hosted chart view."""
from flask_appbuilder.security.sqla.manager import SecurityManager


class AdsheetSecurityManager(SecurityManager):
    # FAB's user statistics chart loads Google's chart loader from the internet.
    userstatschartview = None
