"""Every page in both languages, in Chromium: no English left on a Chinese page, no Chinese on an English one.

A server of its own (demo data from `flask demo seed`, plus a complaint, a write-off, a sensitive word, a
sheet link with a run and a problem) is walked as Admin page by page from the menu: every list, the show and
edit page of its first row, every add form, the reports, the dashboard, the sync pages, the user's own pages
and the security pages; the other roles walk the pages of their menus. On each page the visible text, the
page title and the tooltips and placeholders are checked once the data shown on it (texts typed by people,
read from the database) is taken out (tests/browser/leftovers.py). The widgets drawn by JavaScript are
opened and read too: the delete dialog, select2's messages, the date picker's month and day names, the
search form's operators. Page titles must name the page; a list offers each filter once.
"""
import os
import re
import subprocess
import sys
from datetime import datetime

import pytest
import requests
import sqlalchemy as sa

from tests.browser.conftest import CHROMIUM, ROOT, Watched, free_port, sign_in, wait_for
from tests.browser.leftovers import data_strings, leftovers
from tests.conftest import DEMO_PASSWORD, compile_catalogues

ROLES = ("manager", "sales1", "finance", "service")
SKIPPED_LINKS = ("/logout", "/lang/", "/static/", "/swagger", "/api/", "/export", "/download", "/delete",
                 "/print", "/action", "/resetpasswords", "/transition", "/confirm",
                 "/document/",  # a document is a download, not a page
                 ".xlsx", ".csv", "/failed")  # so are an import's template and failed-rows file


@pytest.fixture(scope="module")
def walk_server(tmp_path_factory):
    """Base URL and database URL of a server with the demo data (its own: the walk needs every record)."""
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium to run the browser tests")
    compile_catalogues()
    folder = tmp_path_factory.mktemp("walk-server")
    database_url = f"sqlite:///{folder}/walk.db"
    env = {**os.environ, "APP_ENV": "testing", "SECRET_KEY": "walk-test-secret-key-0123456789abcdef",
           "DATABASE_URL": database_url, "RATELIMIT_ENABLED": "false", "APP_LOCALE": "zh",
           "DEMO_PASSWORD": DEMO_PASSWORD, "SHEETS_API_URL": "http://127.0.0.1:9", "PYTHONUNBUFFERED": "1"}
    env.pop("GOOGLE_APPLICATION_CREDENTIALS", None)
    flask = [sys.executable, "-m", "flask", "--app", "run"]
    for command in (["db", "upgrade"], ["roles", "sync"], ["demo", "seed"]):
        subprocess.run(flask + command, cwd=ROOT, env=env, check=True, capture_output=True, timeout=300)
    add_sync_rows(database_url)
    port = free_port()
    log = open(folder / "gunicorn.log", "w")
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "1", "--timeout", "60",
         "run:app"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(f"{base}/login/", process)
        add_records(base)
        yield base, database_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def add_sync_rows(database_url: str) -> None:
    """A sheet link with a finished run and one problem of each common kind (no Sheets API needed)."""
    engine = sa.create_engine(database_url)
    now = datetime(2026, 11, 29, 3, 4)
    with engine.begin() as connection:
        user_id = connection.execute(sa.text("SELECT id FROM ab_user WHERE username = 'sales1'")).scalar()
        customer_id = connection.execute(sa.text("SELECT min(id) FROM customer")).scalar()
        connection.execute(sa.text(
            "INSERT INTO sync_link (id, spreadsheet_id, user_id, profile, tabs, state, created_at, last_run_at, "
            "last_status) VALUES (1, '1AbCdEfGhIjKlMnOpQrStUvWxYz', :user, 'sales', '{}', 'active', :now, :now, "
            "'partial')"), {"user": user_id, "now": now})
        connection.execute(sa.text(
            "INSERT INTO sync_run (id, link_id, started_at, finished_at, status, rows_read, to_db, to_sheet, "
            "problems, requests) VALUES (1, 1, :now, :now, 'partial', 40, 2, 3, 2, 4)"), {"now": now})
        for kind, value in (("rejected", "12345"), ("conflict", "深圳")):
            connection.execute(sa.text(
                "INSERT INTO sync_problem (link_id, run_id, kind, table_name, record_id, column_name, cell, "
                "sheet_value, db_value, message, created_at) VALUES (1, 1, :kind, 'customer', :rid, 'city', "
                "'E2', :value, '广州', :message, :now)"),
                {"kind": kind, "rid": customer_id, "value": value, "now": now, "message": "城市：不是有效的值"})
    engine.dispose()


def add_records(base: str) -> None:
    """What the demo seed leaves out: a complaint, a write-off and a sensitive word, through the API."""
    token = requests.post(f"{base}/api/v1/security/login", timeout=10, json={
        "username": "admin", "password": DEMO_PASSWORD, "provider": "db"}).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}

    def first(resource: str) -> dict:
        rows = requests.get(f"{base}/api/v1/{resource}/", headers=headers, timeout=10,
                            params={"q": "(page_size:1)"}).json()["result"]
        return rows[0]

    def post(resource: str, body: dict) -> None:
        response = requests.post(f"{base}/api/v1/{resource}/", json=body, headers=headers, timeout=10)
        assert response.status_code == 201, response.text

    customer = first("customer")
    post("complaint", {"customer": customer["id"], "received_on": "2026-11-20", "subject": "样稿颜色偏暗",
                       "details": "客户认为样稿颜色偏暗", "status": "resolved", "resolution": "已重新打样",
                       "resolved_on": "2026-11-22", "satisfaction": 4})
    post("sensitiveword", {"word": "最佳", "notes": "广告法禁用词"})
    # demo's sealed contracts are paid in full (confirmed or not: the write-off room counts both); an
    # approved one still owes its whole amount
    contracts = [row for status in ("sealed", "approved", "stamped") for row in requests.get(
        f"{base}/api/v1/contract/", headers=headers, timeout=10,
        params={"q": f"(filters:!((col:status,opr:eq,value:{status})),page_size:100)"}).json()["result"]]
    users = requests.get(f"{base}/api/v1/security/users/", headers=headers, timeout=10,
                         params={"q": "(filters:!((col:username,opr:eq,value:sales1)))"}).json()
    for contract in contracts:  # the first that still has something owed
        response = requests.post(f"{base}/api/v1/writeoff/", headers=headers, timeout=10, json={
            "contract": contract["id"], "amount": "1.00", "responsible_user": users["ids"][0],
            "reason": "刊登尺寸印错"})
        if response.status_code == 201:
            return
    raise AssertionError("no contract with something owed for the write-off")


def customer_with_document(database_url: str) -> int:
    engine = sa.create_engine(database_url)
    with engine.connect() as connection:
        found = connection.execute(sa.text("SELECT min(id) FROM customer WHERE license_copy IS NOT NULL")).scalar()
    engine.dispose()
    assert found, "the demo data has no customer with a licence copy"
    return found


def page_text(page) -> str:
    """What a reader meets on the page: its title, the visible text, tooltips, placeholders, image texts."""
    return page.evaluate("""() => {
        const parts = [document.title, document.body.innerText];
        // the menus' items are hidden until opened: read them as well
        for (const menu of document.querySelectorAll('.navbar .dropdown-menu')) parts.push(menu.textContent);
        for (const el of document.querySelectorAll('[title], [placeholder], [aria-label], img[alt]')) {
            if (el.closest('.adsheet-language-menu')) continue;
            for (const name of ['title', 'placeholder', 'aria-label', 'alt'])
                if (el.getAttribute(name)) parts.push(el.getAttribute(name));
        }
        return parts.join('\\n');
    }""")


def links_of(page) -> list[str]:
    return page.evaluate("""() => Array.from(document.querySelectorAll('a[href]'))
        .map(a => a.getAttribute('href')).filter(h => h && h.startsWith('/'))""")


def page_key(path: str) -> str:
    return re.sub(r"\d+", "N", path.split("?")[0])


class Walk:
    """Pages visited once per kind of address, with what was found on each."""

    def __init__(self, page: Watched, lang: str, data: list[str]):
        self.page, self.lang, self.data = page, lang, data
        self.seen: set[str] = set()
        self.problems: list[str] = []

    def visit(self, path: str) -> bool:
        key = page_key(path)
        if key in self.seen:
            return False
        self.seen.add(key)
        response = self.page.page.goto(self.page.base + path)
        if response is None or response.status != 200:
            return False
        self.check(path)
        return True

    def check(self, where: str, extra: str = "") -> None:
        found = leftovers(page_text(self.page.page) + "\n" + extra, self.lang, self.data)
        if found:
            self.problems.append(f"{where}: {' '.join(found)}")
        title = self.page.page.title()
        if "/login" not in where and (title.strip() == "Adsheet" or "Adsheet" not in title):
            self.problems.append(f"{where}: the page title does not name the page ({title!r})")
        filters = self.page.page.locator("a.filter").all_inner_texts()
        names = [name.strip() for name in filters]
        if len(names) != len(set(names)):
            self.problems.append(f"{where}: a filter is offered twice: {sorted(names)}")

    def crawl(self, start: list[str], deep: bool) -> None:
        queue = list(start)
        while queue:
            path = queue.pop(0)
            if path.startswith(SKIPPED_LINKS) or any(part in path for part in SKIPPED_LINKS):
                continue
            if not self.visit(path):
                continue
            if deep:
                queue.extend(link for link in links_of(self.page.page) if page_key(link) not in self.seen)


def switch_language(page: Watched, lang: str) -> None:
    page.page.goto(f"{page.base}/lang/{lang}")


def menu_links(page: Watched) -> list[str]:
    return page.page.evaluate("""() => Array.from(document.querySelectorAll('.navbar a[href]'))
        .map(a => a.getAttribute('href')).filter(h => h && h.startsWith('/'))""")


def check_widgets(walk: Walk, lang: str) -> None:
    """The texts JavaScript draws: the delete dialog, select2's messages, the date picker, the operators."""
    page = walk.page.page
    base = walk.page.base
    # the delete dialog of a list row
    page.goto(f"{base}/sensitivewordview/list/")
    page.locator("a.confirm").first.click()
    page.locator("#modal-confirm").wait_for(state="visible")
    walk.check("delete dialog", page.locator("#modal-confirm").inner_text())
    walk.page.screenshot(f"walk_delete_dialog_{lang}")
    page.locator("#modal-confirm button[data-dismiss=modal]").click()
    # select2: a search-as-you-type relation field finding nothing, and a plain select's placeholder
    page.goto(f"{base}/contactview/add")
    page.locator("select[name=customer] + .select2-container").click()
    page.locator(".select2-container--open .select2-search__field").fill("zzzzqq")
    message = page.locator(".select2-results__message")
    message.wait_for(state="visible")
    page.wait_for_function("() => !/…|\\.\\.\\./.test(document.querySelector('.select2-results__message')"
                           ".innerText)")
    walk.check("select2 without results", message.inner_text())
    walk.page.screenshot(f"walk_select2_{lang}")
    page.keyboard.press("Escape")
    # the date picker's month and day names
    page.goto(f"{base}/activityview/add")
    page.locator("input[name=happened_on]").click()
    picker = page.locator(".datepicker-dropdown")
    picker.wait_for(state="visible")
    walk.check("date picker", picker.inner_text())
    walk.page.screenshot(f"walk_datepicker_{lang}")
    days = picker.locator(".datepicker-days th.dow").all_inner_texts()
    if lang == "zh":
        assert days == ["一", "二", "三", "四", "五", "六", "日"], days  # weeks start on Monday
    page.keyboard.press("Escape")
    # a customer's stored document: its "remove" tick box
    page.goto(f"{base}/customerview/edit/{walk.document_customer}")
    walk.check("document field", page.locator("form").first.inner_text())
    # the user menu opens the user's information, and says so
    profile = page.locator(".navbar a[href$='/users/userinfo/']").text_content().strip()
    assert profile == ("用户信息" if lang == "zh" else "Profile"), profile
    # a contact person has a name (姓名), a company a name (名称)
    page.goto(f"{base}/contactview/add")
    assert ("姓名" if lang == "zh" else "Full name") in page.locator("label[for=name]").inner_text()
    # the audit log: local times to the minute, records and doors by their labels, "#67" with its record
    page.goto(f"{base}/auditlogview/list/")
    cells = page.locator("table.table tbody tr").first.locator("td").all_inner_texts()
    assert any(re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", cell.strip()) for cell in cells), cells
    summaries = page.locator("table.table tbody td").all_inner_texts()
    assert not any(re.fullmatch(r"#\d+", cell.strip()) for cell in summaries)
    walk.page.screenshot(f"walk_audit_log_{lang}")
    # the search form's operators of a text column
    page.goto(f"{base}/customerview/list/")
    page.evaluate("() => document.querySelector('a.filter[name=city]').click()")
    operators = page.locator("table.filters select.filter-op").last.locator("option").all_inner_texts()
    walk.check("search operators", "\n".join(operators))
    if lang == "zh":
        assert "以开始" not in operators and "开头是" in operators, operators


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_admin_walks_every_page_in_one_language(browser, walk_server, lang):
    base, database_url = walk_server
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    try:
        page = Watched(context.new_page(), base)
        sign_in(page, "admin")
        switch_language(page, lang)
        walk = Walk(page, lang, data_strings(database_url))
        walk.document_customer = customer_with_document(database_url)
        page.page.goto(base + "/")
        walk.page.screenshot(f"walk_dashboard_{lang}")
        start = ["/"] + menu_links(page) + ["/users/userinfo/", "/resetmypassword/form",
                                            "/users/list/", "/roles/list/", "/groups/list/"]
        walk.crawl(start, deep=True)
        check_widgets(walk, lang)
        assert len(walk.seen) > 60, sorted(walk.seen)  # the walk reached the show/edit/add pages too
        assert walk.problems == [], "\n".join(walk.problems)
        page.check()
    finally:
        context.close()


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("username", ROLES)
def test_each_role_walks_its_menu_in_one_language(browser, walk_server, username, lang):
    base, database_url = walk_server
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    try:
        page = Watched(context.new_page(), base)
        sign_in(page, username)
        switch_language(page, lang)
        walk = Walk(page, lang, data_strings(database_url))
        page.page.goto(base + "/")
        walk.crawl(["/"] + menu_links(page) + ["/users/userinfo/"], deep=False)
        assert len(walk.seen) >= 4, sorted(walk.seen)
        assert walk.problems == [], "\n".join(walk.problems)
        page.check()
    finally:
        context.close()


def test_the_walk_reports_a_leftover():
    """The check itself: an English word on a Chinese page is found, typed data is not."""
    data = ["ACME传媒有限公司", "sales1@example.com"]
    assert leftovers("客户 ACME传媒有限公司 sales1@example.com 保存", "zh", data) == []
    assert leftovers("客户 Delete 保存", "zh", data) == ["Delete"]
    assert leftovers("Customers 张三 Save", "en", ["张三"]) == []
    assert leftovers("Customers 以开始 Save", "en", []) == ["以开始"]
