"""Fixtures: a migrated app per database backend, clients logged in per role.

`pytest` runs on SQLite. `pytest --db=postgres` runs the database tests again
on TEST_DATABASE_URL (make test does both when that variable is set).
"""
import os
import re

import pytest
import sqlalchemy as sa

DEMO_PASSWORD = "Demo-pass-2026!"
ROLE_USERS = {"Admin": "admin", "Manager": "manager", "Sales": "sales1", "Finance": "finance", "Service": "service"}


def pytest_addoption(parser):
    parser.addoption("--db", choices=("sqlite", "postgres"), default="sqlite",
                     help="database backend for the tests that need one")


def pytest_configure(config):
    config.addinivalue_line("markers", "db: needs the app and its database")
    config.addinivalue_line("markers", "browser: drives Chromium through Playwright")
    config.addinivalue_line("markers", "slow: takes more than a few seconds")
    config.addinivalue_line("markers", "only_db(name): runs on that database backend only (deselected on the other)")


def pytest_collection_modifyitems(config, items):
    backend = config.getoption("--db")
    other_backend = []
    for item in items:
        if "app" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.db)
        only = item.get_closest_marker("only_db")
        if only is not None and only.args[0] != backend:
            other_backend.append(item)
    # deselected, not skipped: in CI a skip is a failure, and such a test runs in the other backend's pass
    if other_backend:
        config.hook.pytest_deselected(items=other_backend)
        items[:] = [item for item in items if item not in other_backend]


def _reset_postgres(url: str) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session")
def database_url(request, tmp_path_factory):
    if request.config.getoption("--db") == "postgres":
        url = os.environ.get("TEST_DATABASE_URL")
        if not url:
            pytest.skip("TEST_DATABASE_URL is not set: no PostgreSQL to test against")
        _reset_postgres(url)
        return url
    return "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.db")


def make_config(database_url: str, instance: str, **overrides) -> dict:
    config = {
        "APP_ENV": "testing",
        "SECRET_KEY": "test-secret-key-not-for-production",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "APP_LOCALE": "zh",
        "MAX_UPLOAD_MB": 1,
        "UPLOAD_FOLDER": os.path.join(instance, "uploads"),
        "LOGIN_MAX_FAILURES": 0,  # the sign-in limit is off unless a test turns it on (tests/test_rate_limit.py)
        "SESSION_COOKIE_SECURE": False,
        "SHEETS_API_URL": "http://127.0.0.1:9",
        "GOOGLE_APPLICATION_CREDENTIALS": None,
        "TASKS_IMMEDIATE": True,  # background tasks run inline (tests/test_tasks.py runs real consumers)
    }
    config.update(overrides)
    return config


def compile_catalogues() -> None:
    """Tests run the translated UI, so compile the .po files (make does this too)."""
    from pathlib import Path

    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po_path in (Path(__file__).resolve().parent.parent / "app" / "translations").glob("*/LC_MESSAGES/*.po"):
        with open(po_path, "rb") as po_file:
            catalogue = read_po(po_file)
        with open(po_path.with_suffix(".mo"), "wb") as mo_file:
            write_mo(mo_file, catalogue)


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    from flask_migrate import upgrade

    from app import create_app
    from app.cli import ensure_demo_users
    from app.security.roles import sync_roles

    compile_catalogues()
    instance = str(tmp_path_factory.mktemp("instance"))
    application = create_app(make_config(database_url, instance))
    with application.app_context():
        upgrade()
        sync_roles()
        ensure_demo_users(DEMO_PASSWORD)
    yield application
    with application.app_context():
        from app.models import db

        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def db_session(app):
    from app.models import db

    with app.app_context():
        yield db.session
        db.session.rollback()


@pytest.fixture
def client(app):
    return app.test_client()


CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


def csrf_token(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "no csrf_token in the page"
    return match.group(1) or match.group(2)


def hidden_value(html: str, name: str) -> str:
    """The value of a form's hidden input (e.g. the `version` an edit form was opened with)."""
    match = re.search(rf'<input[^>]*name="{re.escape(name)}"[^>]*value="([^"]*)"|'
                      rf'<input[^>]*value="([^"]*)"[^>]*name="{re.escape(name)}"', html)
    assert match, f"no hidden {name} in the page"
    return match.group(1) if match.group(1) is not None else match.group(2)


def form_values(html: str, form_id: str = "model_form") -> dict[str, str]:
    """What the browser would post from the page's form as it stands: inputs (ticked boxes only), the selected
    option of each select, textareas. For tests that change one field of an edit form and save it."""
    from html.parser import HTMLParser

    start = html.find(f'id="{form_id}"')
    assert start >= 0, f"no form {form_id} in the page"
    body = html[start:html.find("</form>", start)]

    class Collect(HTMLParser):
        def __init__(self):
            super().__init__(convert_charrefs=True)
            self.values, self.select, self.textarea = {}, None, None

        def handle_starttag(self, tag, attrs):
            a = dict(attrs)
            name = a.get("name")
            if tag == "input" and name and (a.get("type") != "checkbox" or "checked" in a):
                if a.get("type") != "file":
                    self.values[name] = a.get("value") or ""
            elif tag == "select" and name:
                self.select = name
                self.values.setdefault(name, "")
            elif tag == "option" and self.select and "selected" in a:
                self.values[self.select] = a.get("value") or ""
            elif tag == "textarea" and name:
                self.textarea = name
                self.values[name] = ""

        def handle_endtag(self, tag):
            if tag == "select":
                self.select = None
            elif tag == "textarea" and self.textarea:
                text = self.values[self.textarea]  # browsers drop the one line break after <textarea>
                self.values[self.textarea] = text[2:] if text.startswith("\r\n") else text.removeprefix("\n")
                self.textarea = None

        def handle_data(self, data):
            if self.textarea:
                self.values[self.textarea] += data

    parser = Collect()
    parser.feed(body)
    return parser.values


def browser_login(client, username: str, password: str = DEMO_PASSWORD):
    page = client.get("/login/")
    token = csrf_token(page.get_data(as_text=True))
    response = client.post("/login/", data={"username": username, "password": password, "csrf_token": token})
    assert response.status_code == 302, f"login of {username} failed"
    return client


@pytest.fixture
def login(app):
    """login(username) -> a test client with a browser session for that user."""
    def make(username: str):
        return browser_login(app.test_client(), username)

    return make


_token_cache: dict[tuple[int, str], str] = {}


def api_token(app, username: str) -> str:
    key = (id(app), username)
    if key not in _token_cache:
        response = app.test_client().post("/api/v1/security/login", json={
            "username": username, "password": DEMO_PASSWORD, "provider": "db", "refresh": False})
        assert response.status_code == 200, response.get_data(as_text=True)
        _token_cache[key] = response.get_json()["access_token"]
    return _token_cache[key]


class ApiClient:
    """A test client that sends a user's JWT with every call (and FAB's `_l_` locale argument if given)."""

    def __init__(self, app, username: str, lang: str | None = None):
        self.client = app.test_client()
        self.headers = {"Authorization": f"Bearer {api_token(app, username)}"}
        self.lang = lang

    def edit(self, url, json, **kw):
        """PUT a change based on the record as it is now (its version read by a GET just before), like a client
        that has just read it. A PUT must name the version it is based on (app.views.versions)."""
        current = self.get(url)
        version = current.get_json()["result"]["version"] if current.status_code == 200 else None
        return self.put(url, json={**json, "version": version} if version is not None else json, **kw)

    def __getattr__(self, method):
        call = getattr(self.client, method)

        def send(url, **kw):
            if self.lang:
                url += ("&" if "?" in url else "?") + f"_l_={self.lang}"
            return call(url, headers={**self.headers, **kw.pop("headers", {})}, **kw)

        return send


@pytest.fixture
def api(app):
    """api(username, lang=None) -> a client calling the REST API as that user (default locale zh)."""
    return lambda username, lang=None: ApiClient(app, username, lang)


def pytest_sessionfinish(session, exitstatus):
    """In CI (ADSHEET_REQUIRE_ALL=1) a skipped test is a failure: Chromium and PostgreSQL must be there."""
    if not os.environ.get("ADSHEET_REQUIRE_ALL"):
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if skipped:
        for report in skipped:
            reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
            print(f"\nNOT ALLOWED IN CI, skipped: {report.nodeid}: {reason}")
        session.exitstatus = 1
