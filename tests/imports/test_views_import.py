"""The browser door through the test client: upload -> map -> preview -> confirm, template, failed rows."""
import io
import re

from openpyxl import load_workbook
from sqlalchemy import select

from app.models import Customer, ImportJob, db

from tests.conftest import csrf_token, hidden_value
from tests.imports.importkit import code, csv_bytes, uniq


def selects(html):
    """{select name: selected value} of the mapping form."""
    out = {}
    for name, body in re.findall(r'<select name="(col_\d+)"[^>]*>(.*?)</select>', html, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected', body)
        out[name] = chosen.group(1) if chosen else ""
    return out


def test_upload_map_preview_confirm(app, login):
    client = login("sales1")
    listing = client.get("/customerview/list/").get_data(as_text=True)
    assert 'href="/import/customer/"' in listing
    page = client.get("/import/customer/").get_data(as_text=True)
    credit, name = code(), uniq()
    data = csv_bytes([["单位名称", "信用代码", "所在城市", "微信号"], [name, credit, "深圳", "wx"]], encoding="gbk")
    mapped = client.post("/import/customer/map", data={
        "csrf_token": csrf_token(page), "mode": "upsert", "file": (io.BytesIO(data), "客户.csv")},
        content_type="multipart/form-data")
    html = mapped.get_data(as_text=True)
    assert mapped.status_code == 200, html
    assert selects(html) == {"col_0": "name", "col_1": "credit_code", "col_2": "city", "col_3": ""}
    assert "微信号" in html  # unknown column listed
    form = {"csrf_token": csrf_token(html), "token": hidden_value(html, "token"),
            "filename": "客户.csv", "headers": '["单位名称", "信用代码", "所在城市", "微信号"]',
            "col_0": "name", "col_1": "credit_code", "col_2": "city", "col_3": "notes", "mode": "upsert",
            "key": "credit_code"}
    preview = client.post("/import/customer/preview", data=form).get_data(as_text=True)
    assert "adsheet-import-preview" in preview and "import_commit" in preview
    with app.app_context():
        assert db.session.scalar(select(Customer).where(Customer.credit_code == credit)) is None
    confirm = {k: v for k, v in form.items()}
    confirm["csrf_token"] = csrf_token(preview)
    done = client.post("/import/customer/confirm", data=confirm).get_data(as_text=True)
    assert "adsheet-import-result" in done
    with app.app_context():
        row = db.session.scalar(select(Customer).where(Customer.credit_code == credit))
        assert row.name == name and row.notes == "wx" and row.owner.username == "sales1"
    # The mapping is remembered for the next upload (notes for 微信号).
    page = client.get("/import/customer/").get_data(as_text=True)
    again = client.post("/import/customer/map", data={
        "csrf_token": csrf_token(page), "file": (io.BytesIO(data), "客户.csv")}, content_type="multipart/form-data")
    assert selects(again.get_data(as_text=True))["col_3"] == "notes"


def test_csrf_required_and_permissions(app, login):
    client = login("sales1")
    data = csv_bytes([["名称"], ["x"]])
    refused = client.post("/import/customer/map", data={"file": (io.BytesIO(data), "a.csv")},
                          content_type="multipart/form-data")
    assert refused.status_code == 400
    assert client.get("/import/adslot/").status_code == 403
    finance = login("finance")
    assert finance.get("/import/customer/").status_code == 403
    assert 'href="/import/customer/"' not in finance.get("/customerview/list/").get_data(as_text=True)


def test_template_and_failed_rows_download(app, login):
    client = login("manager")
    template = client.get("/import/contract/template.xlsx")
    assert template.status_code == 200
    rows = list(load_workbook(io.BytesIO(template.data)).worksheets[0].iter_rows(values_only=True))
    assert len(rows) == 2 and "合同编号" in rows[0] or "编号" in rows[0]
    page = client.get("/import/customer/").get_data(as_text=True)
    data = csv_bytes([["名称", "信用代码"], [uniq(), "=cmd|' /C calc'!A0"]])
    html = client.post("/import/customer/map", data={"csrf_token": csrf_token(page),
                                                      "file": (io.BytesIO(data), "a.csv")},
                       content_type="multipart/form-data").get_data(as_text=True)
    form = {"csrf_token": csrf_token(html), "token": hidden_value(html, "token"), "headers": '["名称", "信用代码"]',
            "col_0": "name", "col_1": "credit_code", "mode": "upsert", "key": "credit_code"}
    preview = client.post("/import/customer/preview", data=form).get_data(as_text=True)
    link = re.search(r'href="(/import/failed/[^"]+)"', preview).group(1)
    other = login("sales2")
    assert other.get(link).status_code == 404  # another user's file
    failed = client.get(link)
    sheet = load_workbook(io.BytesIO(failed.data)).worksheets[0]
    cell = sheet.cell(row=2, column=3)
    assert cell.value == "=cmd|' /C calc'!A0" and cell.data_type == "s"  # text, never a formula


def preview_customers(client, codes):
    """Upload a customer file (name, credit code) and ask for its preview: (the answer, the form sent)."""
    data = csv_bytes([["名称", "信用代码"]] + [[uniq(), c] for c in codes])
    page = client.get("/import/customer/").get_data(as_text=True)
    html = client.post("/import/customer/map", data={"csrf_token": csrf_token(page), "file": (io.BytesIO(data), "big.csv")},
                       content_type="multipart/form-data").get_data(as_text=True)
    form = {"csrf_token": csrf_token(html), "token": hidden_value(html, "token"), "headers": '["名称", "信用代码"]',
            "col_0": "name", "col_1": "credit_code", "mode": "upsert", "key": "credit_code"}
    return client.post("/import/customer/preview", data=form), form


def test_a_5000_row_dry_run_in_the_browser_is_a_job_with_its_progress(app, login):
    """With the default settings (the issue: a 5,000-row file's dry run answers with progress shown)."""
    client = login("manager")
    answer, _form = preview_customers(client, [code() for _ in range(5000)])
    assert answer.status_code == 302 and "/import/job/" in answer.location
    job_id = int(re.search(r"/import/job/(\d+)", answer.location).group(1))
    with app.app_context():
        job = db.session.get(ImportJob, job_id)
        assert (job.status, job.rows_total, job.rows_done) == ("done", 5000, 5000)
        # While the task runs (the tests run it inline), its page shows how far it is and refreshes itself.
        job.status, job.rows_done = "running", 2500
        db.session.commit()
    page = client.get(answer.location).get_data(as_text=True)
    assert "adsheet-import-progress" in page and "2500 / 5000" in page and 'http-equiv="refresh"' in page


def test_large_file_previewed_and_imported_in_the_background(app, login, monkeypatch):
    monkeypatch.setitem(app.config, "IMPORT_BACKGROUND_ROWS", 2)  # TASKS_IMMEDIATE: the task runs when queued
    client = login("manager")
    codes = [code() for _ in range(4)]
    answer, form = preview_customers(client, codes)
    assert answer.status_code == 302 and "/import/job/" in answer.location
    job_page = client.get(answer.location).get_data(as_text=True)
    assert "adsheet-import-counts" in job_page and "import_commit" in job_page  # preview done, confirm offered
    with app.app_context():
        assert db.session.scalar(select(Customer).where(Customer.credit_code.in_(codes))) is None
    action = re.search(r'action="(/import/job/\d+/commit)"', job_page).group(1)
    done = client.post(action, data={"csrf_token": csrf_token(job_page), "token": form["token"]})
    assert done.status_code == 302
    assert "adsheet-import-result" in client.get(done.location).get_data(as_text=True)
    with app.app_context():
        assert len(db.session.scalars(select(Customer).where(Customer.credit_code.in_(codes))).all()) == 4
    assert login("sales1").get(answer.location).status_code == 404  # another user's job
