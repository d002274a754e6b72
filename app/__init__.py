"""Adsheet: the back office of a publisher's advertising-sales team.

`create_app` builds the app in named steps; only the last one reads the database (the roles check).
"""
import logging
import os
import secrets

from flask import Flask
from flask_appbuilder import AppBuilder
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFProtect

import config as settings

migrate = Migrate()
csrf = CSRFProtect()


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    load_settings(app, test_config)
    quiet_library_warnings()
    register_extensions(app)
    register_commands(app)
    check_roles_at_start(app)
    return app


def load_settings(app: Flask, test_config: dict | None) -> None:
    app.config.update(settings.DEFAULTS)
    app.config.update(test_config if test_config is not None else settings.from_environment())
    os.makedirs(app.instance_path, exist_ok=True)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + os.path.join(app.instance_path, "adsheet.db")
    app.config.setdefault("UPLOAD_FOLDER", os.path.join(app.instance_path, "uploads"))
    app.config.setdefault("MAX_UPLOAD_MB", 10)
    app.config.setdefault("APP_LOCALE", "zh")
    # The request limit sits just above the upload limit so form fields still fit.
    app.config["MAX_CONTENT_LENGTH"] = (app.config["MAX_UPLOAD_MB"] + 1) * 1024 * 1024
    app.config["BABEL_DEFAULT_LOCALE"] = app.config["APP_LOCALE"]
    app.config["FILE_ALLOWED_EXTENSIONS"] = ("pdf", "png", "jpg", "jpeg")
    app.config["FAB_CREATE_DB"] = False  # the schema belongs to the migrations
    app.config["FAB_SECURITY_MANAGER_CLASS"] = "app.security.manager.AdsheetSecurityManager"
    # FAB puts its own catalogue first and ours after it.
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = os.path.join(os.path.dirname(__file__), "translations")
    if not app.config.get("SECRET_KEY") and app.config["APP_ENV"] in settings.RELAXED_ENVS:
        app.config["SECRET_KEY"] = instance_secret_key(app.instance_path)
    settings.check_secret_key(app.config)


def quiet_library_warnings() -> None:
    """FAB's own security REST API declares searches on relation columns (roles.name, users.id...) that its
    filter converter cannot serve, and logs "Filter type not supported for column" for each at every start,
    in every command and worker: nothing anyone here can act on."""
    logging.getLogger("flask_appbuilder.models.filters").setLevel(logging.ERROR)


def instance_secret_key(instance_path: str) -> str:
    """A random key kept in the instance folder, for development and demo use only."""
    path = os.path.join(instance_path, "secret_key")
    if not os.path.exists(path):
        with open(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600), "w") as handle:
            handle.write(secrets.token_hex(32))
    with open(path) as handle:
        return handle.read().strip()


def register_extensions(app: Flask) -> None:
    from app import models  # noqa: F401  (every model must be imported before AppBuilder)
    from app.models import db, events  # noqa: F401  (the models' own derived-column hook)
    from app.workflow import hooks
    from app.views.navbar import init_navbar_menu
    from app.views.list_args import init_list_arguments
    from app.views.page_texts import init_page_texts
    from app.views.register import register_views

    from app.database_errors import init_database_errors
    from app.security.hardening import init_hardening

    hooks.register()  # the workflow's session hooks: histories and the audit log
    init_hardening(app)  # cookies, CSP (Talisman), error pages, favicon, password policy: before any view
    from app.workflow.http import register_stale_handler

    register_stale_handler(app)  # a write based on an outdated read: 409, never a 500
    init_database_errors(app)  # database errors answered in words, never their SQL
    db.init_app(app)
    csrf.init_app(app)  # every form post needs a token; FAB exempts its JWT APIs itself
    migrate.init_app(app, db, directory=os.path.join(os.path.dirname(os.path.dirname(__file__)), "migrations"))
    appbuilder = AppBuilder(update_perms=False)
    with app.app_context():
        appbuilder.init_app(app, db.session)
        register_views(appbuilder)
    init_list_arguments(app, appbuilder)  # bad page, page-size and sort arguments answer 400
    init_navbar_menu(app)
    init_page_texts(app)
    from app.views.display import register_money_filter

    register_money_filter(app)  # {{ amount | money }}: ¥36,000.00
    init_security_hooks(app)
    from app.tasks import init_tasks

    init_tasks(app)  # the task queue's storage (app.tasks): SQLite file, Redis or inline


def init_security_hooks(app: Flask) -> None:
    """Sessions and tokens carry the user's stamp; permissions outside a request are read per transaction."""
    from app.security import authority
    from app.security.sessions import init_sessions

    init_sessions(app)
    authority.register()


def check_roles_at_start(app: Flask) -> None:
    """A warning listing where the database's roles differ from app/security/matrix.py (ROLES_CHECK_AT_START).
    Skipped for `flask` commands: `flask roles check` is the command for that, and `flask db upgrade` or
    `flask roles sync` run before the roles are (re)written."""
    import click

    if not app.config.get("ROLES_CHECK_AT_START", True) or click.get_current_context(silent=True) is not None:
        return
    from app.security.roles import warn_if_roles_differ

    warn_if_roles_differ(app)


def register_commands(app: Flask) -> None:
    from app.cli import demo_cli, roles_cli, tasks_cli

    app.cli.add_command(roles_cli)
    app.cli.add_command(tasks_cli)
    app.cli.add_command(demo_cli)

    from app.imports.cli import import_command

    app.cli.add_command(import_command)

    from sync.cli import sheets_cli

    app.cli.add_command(sheets_cli)
