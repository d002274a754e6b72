"""Security hardening: cookies, CSP, error pages, settings, secrets in the repo, logs, CSRF, admin-only views."""
import logging
import os
import re
import subprocess
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

import config as settings
from app.models import (
    Activity, AdSlot, Booking, Complaint, Contact, Contract, Customer, Issue, Payment, Publication, SensitiveWord,
    WriteOff, db,
)
from tests import factories as f
from tests.conftest import DEMO_PASSWORD, ROLE_USERS, csrf_token, make_config

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def make_app(app, database_url, tmp_path_factory):
    """make_app(**config) -> another app instance on the same (migrated) database."""
    from app import create_app

    def make(**overrides):
        instance = str(tmp_path_factory.mktemp("instance"))
        return create_app(make_config(database_url, instance, **overrides))

    return make


def session_cookie(response):
    cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    assert cookies, response.headers
    return cookies[-1]


def login_response(client, username="sales1", password=DEMO_PASSWORD):
    token = csrf_token(client.get("/login/").get_data(as_text=True))
    return client.post("/login/", data={"username": username, "password": password, "csrf_token": token})


# --- cookies ---------------------------------------------------------------------------------------------------

def test_session_cookie_is_httponly_and_lax(app):
    cookie = session_cookie(login_response(app.test_client()))
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # SESSION_COOKIE_SECURE is off in the tests (plain HTTP)


def test_session_cookie_is_secure_when_configured(make_app):
    secure = make_app(SESSION_COOKIE_SECURE=True)
    cookie = session_cookie(login_response(secure.test_client()))
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert secure.config["REMEMBER_COOKIE_SECURE"] is True
    assert secure.config["REMEMBER_COOKIE_HTTPONLY"] is True
    assert secure.config["REMEMBER_COOKIE_SAMESITE"] == "Lax"


# --- content security policy -------------------------------------------------------------------------------

def csp_of(response) -> dict[str, str]:
    header = response.headers["Content-Security-Policy"]
    return {part.split(" ", 1)[0]: part.split(" ", 1)[1] if " " in part else ""
            for part in (p.strip() for p in header.split(";")) if part}


def test_pages_carry_a_strict_content_security_policy(login):
    response = login("admin").get("/customerview/list/")
    policy = csp_of(response)
    assert policy["default-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
    assert policy["object-src"] == "'none'"
    nonce = re.search(r"'nonce-([^']+)'", policy["script-src"]).group(1)
    assert "unsafe-inline" not in policy["script-src"] and "unsafe-eval" not in policy["script-src"]
    for directive, sources in policy.items():
        assert not re.search(r"https?:|\*", sources), (directive, sources)
    html = response.get_data(as_text=True)
    scripts = re.findall(r"<script\b[^>]*>", html)
    assert scripts and all(f'nonce="{nonce}"' in tag for tag in scripts), scripts
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_nonce_changes_per_request(client):
    first = csp_of(client.get("/login/"))["script-src"]
    second = csp_of(client.get("/login/"))["script-src"]
    assert first != second


def test_no_https_redirect_by_default_but_configurable(client, make_app):
    assert client.get("/login/").status_code == 200
    forced = make_app(FORCE_HTTPS=True).test_client().get("/login/")
    assert forced.status_code in (301, 302) and forced.headers["Location"].startswith("https://")


def test_favicon_is_served(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200 and response.data[:4] == b"\x00\x00\x01\x00"


# --- error pages -------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def failing_app(make_app):
    """An app with test-only routes that raise (registered here, never in the app itself)."""
    application = make_app()

    @application.route("/test-only/boom")
    def boom():
        raise RuntimeError("secret-detail-4711 in a view")

    @application.route("/api/v1/test-only/boom")
    def api_boom():
        raise RuntimeError("secret-detail-4712 in an api")

    return application


def test_an_exception_in_a_view_gives_a_generic_page(failing_app, caplog):
    with caplog.at_level(logging.ERROR):
        response = failing_app.test_client().get("/test-only/boom")
    html = response.get_data(as_text=True)
    assert response.status_code == 500
    assert response.mimetype == "text/html"
    assert "secret-detail-4711" not in html and "Traceback" not in html and "RuntimeError" not in html
    assert "Something went wrong" in html or "出错" in html
    assert "secret-detail-4711" in caplog.text  # logged for the operators


def test_an_exception_under_api_gives_generic_json(failing_app):
    response = failing_app.test_client().get("/api/v1/test-only/boom")
    assert response.status_code == 500
    body = response.get_json()
    assert set(body) == {"message"} and "secret-detail" not in body["message"]


def test_unknown_pages_give_the_404_page_and_json_under_api(client):
    page = client.get("/no-such-page")
    assert page.status_code == 404 and "<html" in page.get_data(as_text=True)
    assert "Traceback" not in page.get_data(as_text=True)
    api = client.get("/api/v1/no-such-resource/")
    assert api.status_code == 404 and "message" in api.get_json()


def test_a_refused_page_gives_the_translated_403_page(app, login):
    from flask_babel import force_locale, gettext

    response = login("service").get("/paymentview/list/")
    assert response.status_code == 403
    with app.test_request_context(), force_locale("zh"):
        title = gettext("Access is Denied")
    assert re.search(r"[\u4e00-\u9fff]", title)  # FAB's catalogue or ours translates it
    assert title in response.get_data(as_text=True)


def test_error_page_uses_only_local_assets(client):
    html = client.get("/no-such-page").get_data(as_text=True)
    assert not re.findall(r'(?:src|href)\s*=\s*["\'](?:https?:)?//', html)


# --- settings ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("key", ["", "secret", "changeme", "short-key-123"])
def test_production_refuses_a_missing_or_weak_secret_key(tmp_path, key):
    from app import create_app

    config = make_config(f"sqlite:///{tmp_path}/x.db", str(tmp_path), APP_ENV="production", SECRET_KEY=key)
    with pytest.raises(settings.ConfigError, match="SECRET_KEY"):
        create_app(config)


def test_production_starts_with_a_strong_secret_key(tmp_path):
    from app import create_app

    config = make_config(f"sqlite:///{tmp_path}/x.db", str(tmp_path), APP_ENV="production",
                         SECRET_KEY="f3b1c0e2a9d84b7c9e6f5a4b3c2d1e0f")
    assert create_app(config).config["SECRET_KEY"].startswith("f3b1")


def clean_environment(monkeypatch, tmp_path, **values):
    for name in ("APP_ENV", "SECRET_KEY", "APP_LOCALE", "MAX_UPLOAD_MB", "LOGIN_MAX_FAILURES", "TRUSTED_PROXIES",
                 "FORCE_HTTPS", "SESSION_COOKIE_SECURE", "LOGIN_FAILURE_WINDOW_MINUTES", "ROLES_CHECK_AT_START"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/env.db")
    for name, value in values.items():
        monkeypatch.setenv(name, value)


def test_production_from_the_environment_needs_secret_key(monkeypatch, tmp_path):
    from app import create_app

    clean_environment(monkeypatch, tmp_path, APP_ENV="production")
    with pytest.raises(settings.ConfigError, match="SECRET_KEY"):
        create_app()
    monkeypatch.setenv("SECRET_KEY", "9c2d7e1f4a6b8c0d2e4f6a8b0c2d4e6f")
    assert create_app().config["APP_ENV"] == "production"


@pytest.mark.parametrize("name, value", [
    ("APP_LOCALE", "fr"), ("MAX_UPLOAD_MB", "abc"), ("MAX_UPLOAD_MB", "0"), ("LOGIN_MAX_FAILURES", "many"),
    ("LOGIN_MAX_FAILURES", "-1"), ("LOGIN_FAILURE_WINDOW_MINUTES", "0"), ("ROLES_CHECK_AT_START", "perhaps"),
    ("TRUSTED_PROXIES", "one"), ("FORCE_HTTPS", "sometimes"),
])
def test_bad_settings_name_the_variable(monkeypatch, tmp_path, name, value):
    from app import create_app

    clean_environment(monkeypatch, tmp_path, APP_ENV="testing", SECRET_KEY="x" * 32, **{name: value})
    with pytest.raises(settings.ConfigError, match=name):
        create_app()


# --- no credentials in the repository ------------------------------------------------------------------------

# Built from parts so this file does not match itself.
PRIVATE_KEY_RE = re.compile(rb"-----BEGIN [A-Z0-9 ]*" + b"PRIVATE KEY-----")
SERVICE_ACCOUNT_RE = re.compile(rb'"type"\s*:\s*"service_' + b'account"')
# A service-account key file carries the key material itself (code that builds one from a variable is no key).
PRIVATE_KEY_FIELD_RE = re.compile(rb'"private_' + rb'key"\s*:\s*"-----BEGIN')


def repository_files() -> list[Path]:
    """Every tracked file, plus new files not ignored (what the next commit may add)."""
    try:
        listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                                cwd=ROOT, capture_output=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError) as exc:
        pytest.skip(f"not a git checkout: {exc}")
    return [ROOT / name.decode() for name in listed.split(b"\0") if name]


def test_no_private_keys_or_service_account_files_in_the_repository():
    files = repository_files()
    assert len(files) > 50
    found = []
    for path in files:
        if not path.is_file():
            continue  # deleted in the work tree
        data = path.read_bytes()
        if PRIVATE_KEY_RE.search(data):
            found.append(f"{path.relative_to(ROOT)}: private key block")
        if SERVICE_ACCOUNT_RE.search(data) and PRIVATE_KEY_FIELD_RE.search(data):
            found.append(f"{path.relative_to(ROOT)}: service-account key")
    assert found == []


def test_the_scan_would_find_a_key():
    sample = b'{"type": "service_' + b'account", "private_' + b'key": "-----BEGIN ' + b'PRIVATE KEY-----\\n"}'
    assert PRIVATE_KEY_RE.search(sample) and SERVICE_ACCOUNT_RE.search(sample) and PRIVATE_KEY_FIELD_RE.search(sample)


# --- logs never show passwords or tokens ---------------------------------------------------------------------

def test_logins_do_not_log_passwords_or_tokens(app, caplog):
    caplog.set_level(logging.DEBUG)
    client = app.test_client()
    assert login_response(client, "finance").status_code == 302
    assert login_response(app.test_client(), "finance", "Wrong-pass-2026").status_code == 302
    response = app.test_client().post("/api/v1/security/login", json={
        "username": "finance", "password": DEMO_PASSWORD, "provider": "db", "refresh": True})
    assert response.status_code == 200
    tokens = response.get_json()
    refused = app.test_client().post("/api/v1/security/login", json={
        "username": "finance", "password": "Wrong-pass-2026", "provider": "db"})
    assert refused.status_code == 401
    client.get("/customerview/list/", headers={"Authorization": f"Bearer {tokens['access_token']}"})
    logged = caplog.text + "".join(str(r.args) for r in caplog.records)
    assert caplog.records, "nothing was logged at DEBUG: the test would prove nothing"
    for secret in (DEMO_PASSWORD, "Wrong-pass-2026", tokens["access_token"], tokens["refresh_token"]):
        assert secret not in logged


# --- CSRF ----------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def rows(app):
    with app.app_context():
        admin = f.user(app, "admin")
        cust = f.customer(admin)
        pub = f.publication()
        slot = f.slot(pub)
        issue = f.issue(pub)
        con = f.contract(cust, pub, status="sealed")  # bookings and payments need a stamped contract (issue 8)
        db.session.commit()
        return {"customer": cust.id, "publication": pub.id, "adslot": slot.id, "issue": issue.id,
                "contract": con.id, "admin": admin.id}


def add_form_cases(rows, n):
    """record -> (view, model, form data); n makes text values unique per call."""
    yesterday = date.today().replace(day=1).isoformat()
    return {
        "customer": ("customerview", Customer, {"name": f"CSRF客户{n}有限公司", "stage": "lead", "locality": "local"}),
        "contact": ("contactview", Contact, {"customer": rows["customer"], "name": f"CSRF联系人{n}"}),
        "activity": ("activityview", Activity, {"customer": rows["customer"], "kind": "call",
                                                "happened_on": yesterday, "outcome": f"CSRF{n}"}),
        "publication": ("publicationview", Publication, {"name": f"CSRF刊物{n}", "medium": "print"}),
        "issue": ("issueview", Issue, {"publication": rows["publication"], "number": f"CSRF{n}",
                                       "publish_date": "2026-12-20"}),
        "adslot": ("adslotview", AdSlot, {"publication": rows["publication"], "name": f"CSRF版位{n}",
                                          "medium": "print", "list_price": "100", "active": "y"}),
        "contract": ("contractview", Contract, {
            "number": f"CSRF-{n}", "customer": rows["customer"], "party_name": "CSRF", "kind": "ad",
            "publication": rows["publication"], "start_date": "2026-01-01", "end_date": "2026-12-31",
            "amount": "1000", "discount_pct": "0", "payment_terms": "prepaid"}),
        "booking": ("bookingview", Booking, {"contract": rows["contract"], "slot": rows["adslot"],
                                             "issue": rows["issue"], "price": "10", "proof_status": "pending",
                                             "copy_text": f"CSRF{n}"}),
        "payment": ("paymentview", Payment, {"contract": rows["contract"], "amount": "1", "kind": "ad_fee",
                                             "method": "transfer", "collected_on": yesterday,
                                             "notes": f"CSRF{n}"}),
        "writeoff": ("writeoffview", WriteOff, {"contract": rows["contract"], "amount": "1",
                                                "responsible_user": rows["admin"], "reason": f"CSRF{n}"}),
        "complaint": ("complaintview", Complaint, {"customer": rows["customer"], "received_on": "2026-02-01",
                                                   "subject": f"CSRF{n}", "status": "open"}),
        "sensitiveword": ("sensitivewordview", SensitiveWord, {"word": f"CSRF词{n}"}),
    }


def count(app, model):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize("record", ["customer", "contact", "activity", "publication", "issue", "adslot", "contract",
                                    "booking", "payment", "writeoff", "complaint", "sensitiveword"])
def test_every_add_form_needs_the_csrf_token(app, login, rows, record):
    client = login("admin")
    view, model, data = add_form_cases(rows, f.next_id())[record]
    before = count(app, model)
    refused = client.post(f"/{view}/add", data=data, content_type="multipart/form-data")
    assert refused.status_code == 400
    assert count(app, model) == before
    token = csrf_token(client.get(f"/{view}/add").get_data(as_text=True))
    accepted = client.post(f"/{view}/add", data={**data, "csrf_token": token}, content_type="multipart/form-data")
    assert accepted.status_code == 302, re.findall(r'class="[^"]*(?:alert|help-block)[^"]*"[^>]*>([^<]+)',
                                                   accepted.get_data(as_text=True))
    assert count(app, model) == before + 1


def test_delete_by_get_is_refused(app, login):
    with app.app_context():
        word = SensitiveWord(word=f"GET删除{f.next_id()}")
        db.session.add(word)
        db.session.commit()
        word_id = word.id
    login("admin").get(f"/sensitivewordview/delete/{word_id}")
    with app.app_context():
        assert db.session.get(SensitiveWord, word_id) is not None


def test_rest_api_refuses_posts_that_carry_only_a_browser_session(app, login):
    """The REST API is exempt from CSRF (FAB exempts its APIs), so it must not act on a browser session alone.
    In FAB 5.3 a ModelRestApi has allow_browser_login = False (ours never set it) and JWTs are read from the
    Authorization header only (JWT_TOKEN_LOCATION is left at "headers"), so a request with just the session
    cookie is 401 whatever its body. Were allow_browser_login ever switched on, a cross-site page still could
    not use it: a cross-site <form> can only send form-encoded, multipart or text/plain bodies, which FAB
    refuses (it requires request.is_json); a cross-site application/json request needs a CORS preflight that
    this app never grants (no Access-Control-Allow-* headers); and the session cookie is SameSite=Lax, so
    browsers leave it off cross-site POSTs."""
    client = login("admin")
    name = f"跨站客户{f.next_id()}有限公司"
    fields = {"name": name, "stage": "lead", "locality": "local"}
    before = count(app, Customer)
    for kwargs in ({"data": fields},
                   {"data": '{"name": "%s", "stage": "lead", "locality": "local"}' % name,
                    "content_type": "text/plain"},
                   {"json": fields}):
        response = client.post("/api/v1/customer/", **kwargs)
        assert response.status_code in (400, 401), (kwargs, response.get_data(as_text=True))
    assert count(app, Customer) == before
    preflight = client.options("/api/v1/customer/", headers={
        "Origin": "https://evil.example", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type"})
    assert "Access-Control-Allow-Origin" not in preflight.headers
    from app.api import ALL_APIS

    assert not any(api.allow_browser_login for api in ALL_APIS)


def test_security_api_takes_the_admin_session_but_only_json(app, login):
    """FAB's own security APIs (users, roles, groups, permissions) do set allow_browser_login: an Admin's
    browser session is enough there, without CSRF. Only JSON bodies are accepted, which a cross-site page cannot
    send without a CORS preflight (never granted here), and SameSite=Lax keeps the cookie off cross-site POSTs."""
    client = login("admin")
    role = f"CrossSite{f.next_id()}"
    for kwargs in ({"data": {"name": role}}, {"data": '{"name": "%s"}' % role, "content_type": "text/plain"}):
        response = client.post("/api/v1/security/roles/", **kwargs)
        assert response.status_code == 400, (kwargs, response.get_data(as_text=True))
    with app.app_context():
        assert app.appbuilder.sm.find_role(role) is None


# --- admin-only security views; only local URLs --------------------------------------------------------------

SECURITY_PAGES = ["/users/list/", "/roles/list/", "/groups/list/", "/permissions/list/", "/viewmenus/list/",
                  "/permissionviews/list/", "/users/add", "/roles/add"]


@pytest.mark.parametrize("role", [r for r in ROLE_USERS if r != "Admin"])
def test_security_views_are_admin_only(login, role):
    client = login(ROLE_USERS[role])
    for url in SECURITY_PAGES:
        assert client.get(url).status_code == 403, (role, url)


def test_admin_opens_the_security_views(login):
    client = login("admin")
    for url in SECURITY_PAGES:
        assert client.get(url).status_code == 200, url


def get_pages(app):
    """Every GET page without URL arguments, except logging out."""
    skip = {"AuthDBView.logout", "static", "appbuilder.static", "favicon", "UtilView.back"}
    return sorted({rule.rule for rule in app.url_map.iter_rules()
                   if "GET" in rule.methods and not rule.arguments and rule.endpoint not in skip
                   and not rule.rule.startswith("/api/") and "/export/" not in rule.rule})


EXTERNAL_RE = re.compile(r"""(?:src|href|action)\s*=\s*["'](?:[a-z]+:)?//|url\(\s*["']?(?:https?:)?//|gstatic""",
                         re.IGNORECASE)


def test_no_page_references_anything_outside_the_site(app, login):
    pages = get_pages(app) + ["/swagger/v1"]
    assert len(pages) > 30
    client = login("admin")
    for url in pages:
        response = client.get(url)
        assert response.status_code < 500, url
        html = response.get_data(as_text=True)
        assert not EXTERNAL_RE.search(html), (url, EXTERNAL_RE.search(html).group(0))
    assert "www.gstatic.com" not in client.get("/api/v1/_openapi").get_data(as_text=True)


@pytest.mark.parametrize("text", ["\x00ab", "abc\x00def"])
def test_a_nul_character_in_a_search_is_refused_by_name(app, login, text):
    client = login("sales1")
    choices = client.get("/contractview/choices/customer", query_string={"q": text})
    assert choices.status_code == 400
    listing = client.get("/contractview/list/", query_string={"_flt_0_customer_name": text})
    assert listing.status_code == 400
    assert "_flt_0_customer_name" in listing.get_data(as_text=True)


def test_a_nul_character_in_an_api_body_is_refused_and_nothing_saved(app, api):
    with app.app_context():
        before = db.session.scalar(select(func.count()).select_from(Customer))
    response = api("admin").post("/api/v1/customer/", json={"name": "甲\x00乙", "city": "北京"})
    assert response.status_code == 400
    assert "name" in response.get_json()["message"]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Customer)) == before


def test_control_characters_are_dropped_from_search_text():
    from app.search import clean_search_text

    assert clean_search_text("\t 北京\x00广告\n ") == "北京广告"
    assert clean_search_text("x" * 300) == "x" * 200
