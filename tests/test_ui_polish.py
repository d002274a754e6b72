"""Polish of issue 11 that a test client can check: duplicate values name the record they collide with (as
far as the user may see), page titles, the widgets' texts, the security pages' labels, the audit log's local
times and labels, and quiet start-up output (commands, gunicorn, the demo users named)."""
import json
import os
import re
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from app.models import AuditLog, db
from tests import factories as f
from tests.conftest import DEMO_PASSWORD, csrf_token, form_values

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def taken(app):
    """A customer of sales2 holding a credit code, and a contract number."""
    with app.app_context():
        other = f.customer(f.user(app, "sales2"), name="占用代码的客户有限公司")
        mine = f.customer(f.user(app, "sales1"), name="销售一的客户有限公司")
        contract = f.contract(mine, f.publication(), number="DUP-CONTRACT-1")
        db.session.commit()
        return {"code": other.credit_code, "other": other.id, "mine": mine.id, "mine_code": mine.credit_code,
                "contract": contract.id}


def add_customer(client, **fields):
    token = csrf_token(client.get("/customerview/add").get_data(as_text=True))
    data = {"csrf_token": token, "name": "重复代码测试有限公司", "stage": "lead", "locality": "local", **fields}
    return client.post("/customerview/add", data=data, content_type="multipart/form-data")


def form_errors(html: str) -> list[str]:
    blocks = re.findall(r'<div class="alert alert-danger">(.*?)</div>', html, re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", block).split()) for block in blocks]


def test_a_taken_credit_code_names_the_customer_once(login, taken):
    response = add_customer(login("admin"), credit_code=taken["code"])
    assert response.status_code == 200
    errors = form_errors(response.get_data(as_text=True))
    assert errors == [f"统一社会信用代码 {taken['code']} 已被客户「占用代码的客户有限公司」使用。"]


def test_a_sales_rep_is_not_told_whose_customer_holds_the_code(login, taken):
    html = add_customer(login("sales1"), credit_code=taken["code"]).get_data(as_text=True)
    assert form_errors(html) == [f"统一社会信用代码 {taken['code']} 已被另一条您无权查看的客户使用。"]
    assert "占用代码的客户" not in html


def test_editing_a_record_does_not_collide_with_itself(app, login, taken):
    client = login("sales1")
    values = form_values(client.get(f"/customerview/edit/{taken['mine']}").get_data(as_text=True))
    values.update({"name": "销售一的客户有限公司", "credit_code": taken["mine_code"], "stage": "intent",
                   "locality": "local"})
    response = client.post(f"/customerview/edit/{taken['mine']}", data=values, content_type="multipart/form-data")
    assert response.status_code == 302


def test_the_api_names_the_holder_too(api, taken):
    response = api("admin").post("/api/v1/customer/", json={"name": "接口重复", "credit_code": taken["code"],
                                                             "stage": "lead", "locality": "local"})
    assert response.status_code == 400
    assert "占用代码的客户有限公司" in response.get_json()["message"]
    response = api("admin").edit(f"/api/v1/contract/{taken['contract']}", json={"number": "DUP-CONTRACT-1"})
    assert response.status_code == 200  # its own number
    response = api("sales2", lang="en").post("/api/v1/customer/", json={
        "name": "API duplicate", "credit_code": taken["mine_code"], "stage": "lead", "locality": "local"})
    assert response.status_code == 400
    assert response.get_json()["message"] == (f"Unified social credit code {taken['mine_code']} is already used "
                                              "by another customer, which you cannot see.")


@pytest.mark.parametrize("path,title", [
    ("/customerview/list/", "客户 · Adsheet"),
    ("/customerview/add", "新增客户 · Adsheet"),
    ("/", "工作台 · Adsheet"),
    ("/receivables/", "应收账款 · Adsheet"),
    ("/users/list/", "用户列表 · Adsheet"),
    ("/groups/list/", "用户组列表 · Adsheet"),
    ("/synclinkview/list/", "关联表格 · Adsheet"),
    ("/auditlogview/list/", "审计日志 · Adsheet"),
])
def test_page_titles_name_the_page(login, path, title):
    html = login("admin").get(path).get_data(as_text=True)
    assert re.search(r"<title>(.*?)</title>", html, re.S).group(1).strip() == title


def widget_texts(client) -> dict:
    html = client.get("/customerview/list/").get_data(as_text=True)
    found = re.search(r'<script type="application/json" id="adsheet-widget-texts"[^>]*>(.*?)</script>', html, re.S)
    assert found, "no widget texts on the page"
    return json.loads(found.group(1))


def test_widget_texts_follow_the_language_and_are_served_locally(login):
    client = login("manager")
    texts = widget_texts(client)
    assert texts["select2"]["noResults"] == "没有找到结果"
    assert texts["datepicker"]["months"][0] == "一月" and texts["datepicker"]["daysMin"][:2] == ["日", "一"]
    html = client.get("/customerview/list/").get_data(as_text=True)
    assert '/static/js/locale.js' in html and client.get("/static/js/locale.js").status_code == 200
    client.get("/lang/en")
    texts = widget_texts(client)
    assert texts["select2"]["noResults"] == "No results found"
    assert texts["datepicker"]["months"][0] == "January" and texts["datepicker"]["daysShort"][0] == "Sun"


def test_security_pages_show_labels_not_stored_names(login):
    client = login("admin")
    users = client.get("/users/list/").get_data(as_text=True)
    assert "[Admin]" not in users and "管理员" in users and ">True<" not in users.replace(" ", "")
    roles = client.get("/roles/list/").get_data(as_text=True)
    assert "客户：读取" in roles and "can_read" not in roles
    assert "基本权限" in client.get("/viewmenus/list/").get_data(as_text=True)


def test_the_user_menu_opens_the_user_information_under_its_name(login):
    html = login("sales1").get("/").get_data(as_text=True)
    link = re.search(r'href="/users/userinfo/"[^>]*>(.*?)</a>', html, re.S).group(1)
    assert re.sub(r"<[^>]+>", "", link).strip() == "用户信息"


def test_audit_times_are_local_to_the_minute_with_labels(app, login):
    from app.labels import record_name
    from app.views.records import changes_html

    with app.app_context():
        row = AuditLog(at=datetime(2026, 11, 29, 16, 5, 42, 123456), actor_name="admin", channel="cli",
                       action="update", record="payment", record_id=987654, summary="#987654",
                       changes=json.dumps({"amount": ["10.00", "12.00"], "contract_id": [1, 2],
                                           "status": ["approved", "sealed"], "notes": [None, "x"]}))
        db.session.add(row)
        db.session.commit()
        app.config["APP_TIMEZONE"] = "Asia/Shanghai"
        try:
            html = login("admin").get("/auditlogview/list/").get_data(as_text=True)  # newest first
        finally:
            app.config["APP_TIMEZONE"] = None
        with app.test_request_context():
            table = changes_html(row.changes)
            payment = record_name("payment")
    assert "2026-11-30 00:05" in html and "16:05:42" not in html  # UTC + 8 h, to the minute
    assert "命令行" in html and f"{payment} #987654" in html and ">cli<" not in html and ">#987654<" not in html
    assert "金额" in table and "合同" in table and "已盖合同章" in table and "None" not in table


def test_sync_pages_show_labels(app, login):
    from app.models import SyncLink, SyncRun

    with app.app_context():
        link = SyncLink(spreadsheet_id="label-test-sheet", user_id=f.user(app, "sales1").id, profile="finance",
                        tabs="{}", state="active")
        db.session.add(link)
        db.session.flush()
        db.session.add(SyncRun(link_id=link.id, status="partial"))
        db.session.commit()
    html = login("admin").get("/syncrunview/list/").get_data(as_text=True)
    assert "部分完成" in html and "财务表格" in html and ">partial<" not in html


# -- start-up output ---------------------------------------------------------------------------------------

def run_command(args, env, **kwargs):
    return subprocess.run([sys.executable, "-m", "flask", "--app", "run", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300, **kwargs)


@pytest.fixture(scope="module")
def fresh_env(tmp_path_factory):
    folder = tmp_path_factory.mktemp("startup")
    env = {**os.environ, "APP_ENV": "testing", "SECRET_KEY": "startup-test-secret-key-0123456789",
           "DATABASE_URL": f"sqlite:///{folder}/startup.db", "RATELIMIT_ENABLED": "false",
           "DEMO_PASSWORD": DEMO_PASSWORD, "HOME": str(folder / "home")}
    env.pop("XDG_RUNTIME_DIR", None)
    (folder / "home").mkdir()
    for command in (["db", "upgrade"], ["roles", "sync"]):
        done = run_command(command, env)
        assert done.returncode == 0, done.stderr
    return env, folder


def test_commands_print_no_filter_warnings(fresh_env):
    env, _folder = fresh_env
    done = run_command(["roles", "sync"], env)
    assert done.returncode == 0
    assert "Filter type not supported" not in done.stderr + done.stdout


def test_the_first_demo_users_run_names_the_users_without_echoing_the_password(fresh_env):
    env, _folder = fresh_env
    done = run_command(["demo", "users"], env)
    assert done.returncode == 0, done.stderr
    assert "Demo users created: admin (Admin), manager (Manager), sales1 (Sales)" in done.stdout
    assert "DEMO_PASSWORD" in done.stdout and DEMO_PASSWORD not in done.stdout
    again = run_command(["demo", "users"], env)
    assert "Demo users created" not in again.stdout  # nothing new the second time


def test_gunicorn_writes_no_control_socket_into_the_home_folder(fresh_env):
    import socket
    import time

    import requests

    env, folder = fresh_env
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    process = subprocess.Popen([sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "1",
                                "run:app"], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if requests.get(f"http://127.0.0.1:{port}/login/", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                time.sleep(0.3)
        assert not (folder / "home" / ".gunicorn").exists()
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=20)
    assert "Filter type not supported" not in output
    assert "control" not in output.lower()
