"""Uploaded documents: checked by content, kept under their uploaded name, downloaded through the record's view
with its permission and the row's ownership (issue 9)."""
import io
import os
import re
from urllib.parse import quote

import pytest
from sqlalchemy import select

from app.models import Customer, db
from tests import factories as f
from tests.conftest import DEMO_PASSWORD, csrf_token
from tests.unit.test_uploads import HTML_AS_PDF, image_bytes, pdf_bytes

LICENCE = pdf_bytes(pages=2)


def add_customer(client, **fields):
    token = csrf_token(client.get("/customerview/add").get_data(as_text=True))
    data = {"csrf_token": token, "name": f"文件客户{f.next_id()}有限公司", "stage": "lead", "locality": "local",
            **fields}
    return client.post("/customerview/add", data=data, content_type="multipart/form-data"), data["name"]


def customer_named(app, name) -> Customer | None:
    with app.app_context():
        row = db.session.scalar(select(Customer).where(Customer.name == name))
        if row is not None:
            db.session.expunge(row)
        return row


@pytest.fixture(scope="module")
def licensed(app):
    """A customer of sales1 with a licence copy uploaded through the form, under a Chinese file name."""
    from tests.conftest import browser_login

    response, name = add_customer(browser_login(app.test_client(), "sales1"), license_copy=(io.BytesIO(LICENCE), "营业执照 副本.pdf"),
                                  operating_permit=(io.BytesIO(image_bytes("PNG")), "C:/扫描/许可证.png"))
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return customer_named(app, name)


def test_the_upload_keeps_its_name_beside_a_random_stored_name(app, licensed):
    assert re.fullmatch(r"[0-9a-f]{32}\.pdf", licensed.license_copy)
    assert licensed.license_copy_filename == "营业执照 副本.pdf"
    assert licensed.operating_permit_filename == "许可证.png"
    assert os.path.exists(os.path.join(app.config["UPLOAD_FOLDER"], licensed.license_copy))


def test_the_owner_downloads_the_licence_as_an_attachment_under_its_name(login, licensed):
    response = login("sales1").get(f"/customerview/document/{licensed.id}/license_copy")
    assert response.status_code == 200
    assert response.data == LICENCE
    assert response.mimetype == "application/pdf"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f"filename*=UTF-8''{quote('营业执照 副本.pdf', safe='')}" in disposition


def test_an_image_downloads_as_an_image(login, licensed):
    response = login("sales1").get(f"/customerview/document/{licensed.id}/operating_permit")
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert quote("许可证.png", safe="") in response.headers["Content-Disposition"]


@pytest.mark.parametrize("user, status", [("sales2", 404), ("manager", 200), ("finance", 200), ("service", 200),
                                          ("admin", 200)])
def test_another_rep_gets_404_and_readers_of_customers_get_the_file(login, licensed, user, status):
    assert login(user).get(f"/customerview/document/{licensed.id}/license_copy").status_code == status


def test_a_user_whose_role_cannot_read_customers_is_refused(app, licensed):
    from tests.conftest import browser_login

    with app.app_context():
        sm = app.appbuilder.sm
        role = sm.find_role("NoCustomers") or sm.add_role("NoCustomers")
        if sm.find_user(username="nodocs") is None:
            sm.add_user("nodocs", "No", "Docs", "nodocs@example.invalid", role, password=DEMO_PASSWORD)
    client = browser_login(app.test_client(), "nodocs")
    response = client.get(f"/customerview/document/{licensed.id}/license_copy")
    assert response.status_code in (302, 403)
    assert response.data != LICENCE


@pytest.mark.parametrize("url", [
    "/customerview/document/{id}/notes",                 # not a document column
    "/customerview/document/{id}/name",
    "/customerview/document/99999999/license_copy",      # no such customer
    "/customerview/document/99999999999999999999/license_copy",
    "/customerview/download/{stored}",                   # FAB's own route is not exposed
])
def test_other_columns_missing_rows_and_fab_download_answer_404(login, licensed, url):
    response = login("admin").get(url.format(id=licensed.id, stored=licensed.license_copy))
    assert response.status_code == 404
    assert response.data != LICENCE


def test_a_document_without_its_file_on_disk_is_404_not_500(app, login):
    with app.app_context():
        row = f.customer(f.user(app, "sales1"), license_copy="0" * 32 + ".pdf")
        db.session.commit()
        row_id = row.id
    assert login("sales1").get(f"/customerview/document/{row_id}/license_copy").status_code == 404


def test_a_document_uploaded_before_names_were_kept_gets_a_name_from_its_field(app, login):
    stored = "a" * 32 + ".pdf"
    with open(os.path.join(app.config["UPLOAD_FOLDER"], stored), "wb") as out:
        out.write(LICENCE)
    with app.app_context():
        row = f.customer(f.user(app, "sales1"), license_copy=stored)
        db.session.commit()
        row_id = row.id
    response = login("sales1").get(f"/customerview/document/{row_id}/license_copy")
    assert response.status_code == 200
    assert quote(f"营业执照副本复印件-{row_id}.pdf", safe="") in response.headers["Content-Disposition"]


def test_the_customer_page_links_the_documents_under_their_names(login, licensed):
    html = login("sales1").get(f"/customerview/show/{licensed.id}").get_data(as_text=True)
    assert f'href="/customerview/document/{licensed.id}/license_copy"' in html
    assert "营业执照 副本.pdf" in html and "许可证.png" in html
    assert licensed.license_copy not in html  # the stored name is nobody's business


def test_the_booking_page_links_its_proof_evidence(app, login):
    with app.app_context():
        rows = f.full_customer(app, "sales1")
        stored = "b" * 32 + ".png"
        with open(os.path.join(app.config["UPLOAD_FOLDER"], stored), "wb") as out:
            out.write(image_bytes("PNG"))
        booking = rows["booking"]
        booking.proof_evidence, booking.proof_evidence_filename = stored, "客户确认传真.png"
        db.session.commit()
        booking_id = booking.id
    client = login("sales1")
    html = client.get(f"/bookingview/show/{booking_id}").get_data(as_text=True)
    assert f'href="/bookingview/document/{booking_id}/proof_evidence"' in html and "客户确认传真.png" in html
    response = client.get(f"/bookingview/document/{booking_id}/proof_evidence")
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert login("sales2").get(f"/bookingview/document/{booking_id}/proof_evidence").status_code == 404


def field_errors(html: str, field: str) -> list[str]:
    """The error texts shown in the field's own table cell."""
    cell = html[html.index(f'id="{field}"'):]
    cell = cell[:cell.index("</td>")]
    return [text.strip() for text in re.findall(r'class="alert alert-danger"[^>]*>\s*([^<]+)', cell)]


@pytest.mark.parametrize("filename, content, message", [
    ("营业执照.pdf", HTML_AS_PDF, "PDF"),                          # starts with %PDF- but is a web page
    ("营业执照.pdf", LICENCE[:300], "PDF"),                        # cut short
    ("营业执照.png", image_bytes("PNG")[:40], "图"),               # not a whole image
    ("营业执照.jpg", image_bytes("PNG"), "不符"),                  # a PNG under a .jpg name
])
def test_a_file_that_only_looks_like_a_document_is_refused_next_to_the_field(app, login, filename, content,
                                                                              message):
    response, name = add_customer(login("sales1"), license_copy=(io.BytesIO(content), filename))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    errors = field_errors(html, "license_copy")
    assert any(message in error for error in errors), errors
    assert "FileStorage" not in html
    assert customer_named(app, name) is None


def test_a_refused_save_keeps_the_document_on_file(app, login, licensed):
    client = login("sales1")
    page = client.get(f"/customerview/edit/{licensed.id}").get_data(as_text=True)
    assert "FileStorage" not in page
    token = csrf_token(page)
    response = client.post(f"/customerview/edit/{licensed.id}", content_type="multipart/form-data", data={
        "csrf_token": token, "name": licensed.name, "stage": "lead", "locality": "local",
        "credit_code": "91350100M000100Y42",  # wrong check character: the form is refused
        "license_copy": (io.BytesIO(pdf_bytes()), "新执照.pdf")})
    assert response.status_code == 200 and "FileStorage" not in response.get_data(as_text=True)
    after = customer_named(app, licensed.name)
    assert (after.license_copy, after.license_copy_filename) == (licensed.license_copy, "营业执照 副本.pdf")


def test_the_edit_form_names_and_links_the_document_on_file(login, licensed):
    page = login("sales1").get(f"/customerview/edit/{licensed.id}").get_data(as_text=True)
    assert re.search(r'<a href="/customerview/document/\d+/license_copy"[^>]*>.*营业执照 副本\.pdf</a>', page)
    assert "FileStorage" not in page and "Delete" not in page
