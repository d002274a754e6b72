"""The real app under gunicorn on 127.0.0.1 and Chromium driven by Playwright.

A session fixture prepares a fresh SQLite database with the app's own commands (`flask db upgrade`,
`flask roles sync`, `flask demo users`), starts gunicorn with one worker on a free port, and creates the
publication, issue and ad slot the walks need through the REST API as admin. Every page a test opens is
watched: requests may only go to 127.0.0.1, and console errors (CSP violations included) or page errors fail
the test.
"""
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from tests.conftest import DEMO_PASSWORD, compile_catalogues

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]


def pytest_collection_modifyitems(config, items):
    for item in items:
        if Path(str(item.fspath)).parent == Path(__file__).parent:
            item.add_marker(pytest.mark.browser)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, process, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}")
        try:
            if requests.get(url, timeout=5).status_code < 500:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer within {seconds} s")


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    """Base URL of the running app (gunicorn, one worker)."""
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium to run the browser tests")
    compile_catalogues()
    folder = tmp_path_factory.mktemp("browser-server")
    env = {**os.environ, "APP_ENV": "testing", "SECRET_KEY": "browser-test-secret-key-0123456789",
           "DATABASE_URL": f"sqlite:///{folder}/browser.db", "RATELIMIT_ENABLED": "false", "APP_LOCALE": "zh",
           "DEMO_PASSWORD": DEMO_PASSWORD, "SHEETS_API_URL": "http://127.0.0.1:9", "PYTHONUNBUFFERED": "1"}
    env.pop("GOOGLE_APPLICATION_CREDENTIALS", None)
    flask = [sys.executable, "-m", "flask", "--app", "run"]
    for command in (["db", "upgrade"], ["roles", "sync"], ["demo", "users"]):
        subprocess.run(flask + command, cwd=ROOT, env=env, check=True, capture_output=True, timeout=120)
    port = free_port()
    log = open(folder / "gunicorn.log", "w")
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "1", "--timeout", "60",
         "run:app"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(f"{base}/login/", process)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


class Api:
    """The REST API as one user, over HTTP (no browser)."""

    def __init__(self, base: str, username: str):
        self.base = base
        response = requests.post(f"{base}/api/v1/security/login", timeout=10, json={
            "username": username, "password": DEMO_PASSWORD, "provider": "db"})
        response.raise_for_status()
        self.headers = {"Authorization": f"Bearer {response.json()['access_token']}"}

    def post(self, path: str, body: dict) -> dict:
        response = requests.post(f"{self.base}{path}", json=body, headers=self.headers, timeout=10)
        assert response.status_code == 201, response.text
        return response.json()

    def act(self, path: str, body: dict) -> dict:
        """A workflow action (a transition...): answers 200."""
        response = requests.post(f"{self.base}{path}", json=body, headers=self.headers, timeout=10)
        assert response.status_code == 200, response.text
        return response.json()

    def list(self, path: str, q: str = "(page_size:100)") -> list[dict]:
        response = requests.get(f"{self.base}{path}", params={"q": q}, headers=self.headers, timeout=10)
        assert response.status_code == 200, response.text
        return response.json()["result"]

    def user_id(self, username: str) -> int:
        users = requests.get(f"{self.base}/api/v1/security/users/", headers=self.headers, timeout=10,
                             params={"q": f"(filters:!((col:username,opr:eq,value:{username})))"}).json()
        return users["ids"][0]


@pytest.fixture(scope="session")
def admin_api(server):
    return Api(server, "admin")


@pytest.fixture(scope="session")
def media(admin_api):
    """A publication with an issue and an ad slot, made through the API as admin."""
    pub = admin_api.post("/api/v1/publication/", {"name": "浏览器测试周刊", "medium": "print"})["id"]
    issue = admin_api.post("/api/v1/issue/", {"publication": pub, "number": "2026-B01",
                                              "copy_deadline": "2026-11-20", "publish_date": "2026-12-01"})["id"]
    slot = admin_api.post("/api/v1/adslot/", {"publication": pub, "name": "封底整版", "medium": "print",
                                              "size": "210x285", "list_price": "8000.00", "active": True})["id"]
    return {"publication": pub, "publication_name": "浏览器测试周刊", "issue": issue, "issue_name": "浏览器测试周刊 2026-B01",
            "slot": slot, "slot_name": "封底整版"}


@pytest.fixture(scope="session")
def browser(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class Watched:
    """A page whose console errors, page errors and off-site requests are collected."""

    def __init__(self, page, base: str):
        self.page = page
        self.base = base
        self.console_errors: list[str] = []
        self.page_errors: list[str] = []
        self.offsite: list[str] = []
        self.expected_status_errors = 0
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.page_errors.append(f"{error} @ {self.page.url}"))
        page.route("**/*", self._route)

    def _console(self, message):
        if message.type == "error":
            self.console_errors.append(f"{message.text} @ {self.page.url}")

    def _route(self, route):
        host = urlsplit(route.request.url).hostname
        if host == "127.0.0.1" or route.request.url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            self.offsite.append(route.request.url)
            route.abort()

    def goto(self, path: str, status: int = 200):
        response = self.page.goto(self.base + path)
        assert response is not None and response.status == status, (path, response and response.status)
        if status >= 400:
            self.expected_status_errors += 1  # Chromium logs "Failed to load resource" for the document
        return response

    def check(self):
        errors = list(self.console_errors)
        if self.expected_status_errors:
            status_lines = [e for e in errors if "Failed to load resource: the server responded with a status of 4" in e]
            assert len(status_lines) <= self.expected_status_errors, status_lines
            errors = [e for e in errors if e not in status_lines]
        assert errors == [], errors
        assert self.page_errors == [], self.page_errors
        assert self.offsite == [], self.offsite

    def screenshot(self, name: str):
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


@pytest.fixture
def open_page(browser, server):
    """open_page() -> a Watched page in a fresh browser context (no cookies); checked when the test ends."""
    contexts, watched = [], []

    def make():
        context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = Watched(context.new_page(), server)
        watched.append(page)
        return page

    yield make
    try:
        for page in watched:
            page.check()
    finally:
        for context in contexts:
            context.close()


def sign_in(page: Watched, username: str, password: str = DEMO_PASSWORD) -> None:
    page.goto("/login/")
    page.page.fill("input[name=username]", username)
    page.page.fill("input[name=password]", password)
    with page.page.expect_navigation():
        page.page.click("input[type=submit], button[type=submit]")
    assert "/login" not in page.page.url, f"{username} could not sign in"
