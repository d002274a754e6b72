"""The browser views: pages, languages, the customer page, exports, uploads and form errors."""
import csv
import io
import re

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from app.domain.enums import ContractStatus
from app.models import Customer, db
from tests import factories as f
from tests.conftest import csrf_token
from tests.unit.test_uploads import pdf_bytes

LIST_PAGES = ["customerview", "contactview", "activityview", "publicationview", "issueview", "adslotview",
              "slotpricechangeview", "contractview", "bookingview", "paymentview"]


@pytest.fixture(scope="module")
def sample(app):
    with app.app_context():
        rows = f.full_customer(app, "sales1")
        named = f.customer(f.user(app, "sales1"), name="导出测试甲有限公司", city="导出测试城")
        f.customer(f.user(app, "sales1"), name="导出测试乙有限公司", city="苏州")
        db.session.commit()
        return {"customer": rows["customer"].id, "named": named.id,
                "contract": rows["contract"].id, "customer_name": rows["customer"].name}


@pytest.mark.parametrize("page", LIST_PAGES)
def test_every_list_page_renders_for_admin(login, sample, page):
    response = login("admin").get(f"/{page}/list/")
    assert response.status_code == 200
    assert "Traceback" not in response.get_data(as_text=True)


def test_ui_is_chinese_by_default_and_english_on_request(login, sample):
    client = login("admin")
    html = client.get("/customerview/list/").get_data(as_text=True)
    assert "客户" in html and "统一社会信用代码" in html
    client.get("/lang/en")
    html = client.get("/customerview/list/").get_data(as_text=True)
    assert "Unified social credit code" in html and "统一社会信用代码" not in html
    client.get("/lang/zh")
    assert "统一社会信用代码" in client.get("/customerview/list/").get_data(as_text=True)


def test_enum_values_are_shown_translated(login, sample):
    html = login("admin").get("/customerview/list/").get_data(as_text=True)
    assert "潜在" in html  # stage "lead"


def test_customer_page_shows_its_related_records(login, sample):
    html = login("admin").get(f"/customerview/show/{sample['customer']}").get_data(as_text=True)
    for view in ("contactview", "activityview", "contractview", "bookingview", "paymentview"):
        assert f"/{view}/" in html, view


def test_pages_use_only_local_assets(login, sample):
    client = login("admin")
    for url in ["/", "/customerview/list/", "/customerview/add", f"/customerview/show/{sample['customer']}",
                "/swagger/v1"]:
        html = client.get(url).get_data(as_text=True)
        external = re.findall(r'(?:src|href)\s*=\s*["\'](?:https?:)?//[^"\']+', html)
        assert external == [], (url, external)


def test_csv_export_follows_the_list_filters(login, sample):
    client = login("admin")
    response = client.get("/customerview/export/csv?_flt_0_customer_name=导出测试")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][0] == "名称"
    assert sorted(r[0] for r in rows[1:]) == ["导出测试乙有限公司", "导出测试甲有限公司"]


def test_xlsx_export_follows_the_list_filters(login, sample):
    response = login("admin").get("/customerview/export/xlsx?_flt_0_city=导出测试城")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    values = [row for row in sheet.iter_rows(values_only=True)]
    assert [r[0] for r in values[1:]] == ["导出测试甲有限公司"]


def test_export_respects_row_ownership(app, login, sample):
    with app.app_context():
        f.customer(f.user(app, "sales2"), name="导出测试丙有限公司")
        db.session.commit()
    text = login("sales1").get("/customerview/export/csv?_flt_0_customer_name=导出测试").get_data(as_text=True)
    assert "导出测试丙" not in text and "导出测试甲" in text


def test_export_needs_read_permission(login):
    assert login("finance").get("/activityview/export/csv").status_code == 403


def add_customer(client, **fields):
    token = csrf_token(client.get("/customerview/add").get_data(as_text=True))
    data = {"csrf_token": token, "name": "表单客户有限公司", "stage": "lead", "locality": "local", **fields}
    return client.post("/customerview/add", data=data, content_type="multipart/form-data")


def test_bad_credit_code_is_shown_next_to_the_field_and_nothing_saved(app, login):
    response = add_customer(login("sales1"), name="坏代码有限公司", credit_code="91350100M000100Y42")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "校验" in html or "check character" in html
    assert 'value="91350100M000100Y42"' in html  # the typed value is kept in the form
    with app.app_context():
        assert db.session.scalar(select(Customer.id).where(Customer.name == "坏代码有限公司")) is None


def test_valid_customer_form_saves(app, login):
    response = add_customer(login("sales1"), name="好代码有限公司", credit_code="91350100M000100Y43")
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(Customer).where(Customer.name == "好代码有限公司")).owner.username == "sales1"


def test_contract_end_before_start_is_refused_in_the_form(app, login, sample):
    client = login("admin")
    token = csrf_token(client.get("/contractview/add").get_data(as_text=True))
    with app.app_context():
        pub = f.publication()
        db.session.commit()
        pub_id = pub.id
    response = client.post("/contractview/add", data={
        "csrf_token": token, "number": "BAD-DATES-1", "customer": sample["customer"], "party_name": "x",
        "publication": pub_id, "kind": "ad", "start_date": "2026-05-01", "end_date": "2026-04-01",
        "amount": "10", "discount_pct": "0", "payment_terms": "prepaid", "status": "draft"})
    assert response.status_code == 200
    assert "结束日期" in response.get_data(as_text=True)


PDF = pdf_bytes()  # a real one-page PDF: uploads are parsed (tests/test_documents.py)


def test_licence_upload_is_stored_under_a_safe_name(app, login):
    response = add_customer(login("sales1"), name="上传客户有限公司",
                            license_copy=(io.BytesIO(PDF), "../../营业执照.pdf"))
    assert response.status_code == 302
    with app.app_context():
        stored = db.session.scalar(select(Customer.license_copy).where(Customer.name == "上传客户有限公司"))
    assert re.fullmatch(r"[0-9a-f]{32}\.pdf", stored)
    import os
    assert os.path.exists(os.path.join(app.config["UPLOAD_FOLDER"], stored))


@pytest.mark.parametrize("filename,content,message", [
    ("licence.exe", b"MZ....", "PDF"),
    ("licence.pdf", b"GIF89a....", "content"),
    ("licence.pdf", PDF + b"0" * (1024 * 1024), "limit"),
])
def test_bad_uploads_are_refused(app, login, filename, content, message):
    name = f"坏上传{filename}{len(content)}"
    response = add_customer(login("sales1"), name=name, license_copy=(io.BytesIO(content), filename))
    assert response.status_code == 200
    with app.app_context():
        assert db.session.scalar(select(Customer.id).where(Customer.name == name)) is None


def test_api_rejects_bad_values_with_field_messages(api):
    response = api("admin").post("/api/v1/customer/", json={"name": "坏API客户", "credit_code": "123",
                                                             "stage": "maybe"})
    assert response.status_code == 422
    message = response.get_json()["message"]
    assert set(message) == {"credit_code", "stage"}


def test_api_rejects_contract_dates_out_of_order(api, sample):
    response = api("admin").edit(f"/api/v1/contract/{sample['contract']}",
                                json={"start_date": "2026-06-01", "end_date": "2026-05-01"})
    assert response.status_code == 400
    body = response.get_json()  # the field for programs, its label and the problem for people
    assert (body["code"], body["field"]) == ("field.invalid", "end_date")
    assert "结束日期" in body["message"]


def test_openapi_document_is_served(api):
    response = api("sales1").get("/api/v1/_openapi")
    assert response.status_code == 200
    paths = response.get_json()["paths"]
    for record in ("customer", "contact", "activity", "publication", "issue", "adslot", "contract", "booking",
                   "payment"):
        assert f"/api/v1/{record}/" in paths
    assert "/api/v1/security/login" in paths
    transition = paths["/api/v1/contract/{pk}/transition"]["post"]
    body = transition["requestBody"]["content"]["application/json"]["schema"]
    assert body["required"] == ["to"]
    assert set(body["properties"]["to"]["enum"]) == {s.value for s in ContractStatus}
    assert {"200", "400", "404"} <= set(transition["responses"])


def test_only_used_routes_are_exposed(app):
    rules = {rule.rule for rule in app.url_map.iter_rules()}
    assert not any(r.startswith("/customerview/api") for r in rules)
    assert "/api/v1/customer/_info" not in rules
    assert not any("/related/" in r for r in rules if r.startswith("/api/v1/customer"))
