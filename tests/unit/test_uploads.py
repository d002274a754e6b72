"""What an upload must be (app.uploads): checked by content with pypdf and Pillow, kept under a clean name,
offered on download under that name. Literal cases; no app needed."""
import io

import pytest
from PIL import Image
from pypdf import PdfWriter

from app.uploads import clean_filename, content_disposition, content_problem, content_type_of, upload_problem


def pdf_bytes(pages: int = 1, password: str | None = None) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    if password:
        writer.encrypt(user_password=password, owner_password=password + "-owner")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def image_bytes(fmt: str, size=(8, 6)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, format=fmt)
    return out.getvalue()


HTML_AS_PDF = b"%PDF-1.7\n<html><body><script>alert(document.cookie)</script></body></html>\n"


def test_a_real_pdf_and_real_images_are_accepted():
    assert content_problem("pdf", pdf_bytes()) is None
    assert content_problem("pdf", pdf_bytes(pages=3)) is None
    assert content_problem("png", image_bytes("PNG")) is None
    assert content_problem("jpg", image_bytes("JPEG")) is None
    assert content_problem("jpeg", image_bytes("JPEG")) is None


@pytest.mark.parametrize("ext, data, message", [
    ("pdf", HTML_AS_PDF, "not a readable PDF"),
    ("pdf", b"%PDF-1.4\n%test\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", "not a readable PDF"),  # no page
    ("pdf", pdf_bytes()[:200], "not a readable PDF"),                                       # cut short
    ("pdf", pdf_bytes(password="secret-1"), "password"),
    ("png", image_bytes("PNG")[:40], "not a readable image"),                                # header only
    ("png", b"\x89PNG\r\n\x1a\n" + b"<html></html>", "not a readable image"),
    ("jpg", b"\xff\xd8\xff\xe0" + b"<script>alert(1)</script>", "not a readable image"),
    ("jpg", image_bytes("PNG"), "does not match"),                                           # a PNG named .jpg
    ("png", image_bytes("JPEG"), "does not match"),
])
def test_files_that_only_look_like_documents_are_refused(ext, data, message):
    problem = content_problem(ext, data)
    assert problem is not None and message in problem


def test_the_first_bytes_size_and_extension_are_checked_before_the_content():
    assert upload_problem("a.exe", b"MZ", 2, 100) == "Only PDF, PNG and JPEG files can be uploaded."
    assert "does not match" in upload_problem("a.pdf", b"GIF89a", 6, 100)
    assert "larger" in upload_problem("a.pdf", b"%PDF-1.4", 101, 100)
    assert upload_problem("a.PDF", b"%PDF-1.4", 50, 100) is None


@pytest.mark.parametrize("given, ext, kept", [
    ("营业执照 2026.pdf", "pdf", "营业执照 2026.pdf"),
    ("../../etc/passwd.pdf", "pdf", "passwd.pdf"),
    ("C:\\Users\\张三\\许可证.PDF", "pdf", "许可证.pdf"),
    ("evil\r\nSet-Cookie: x=1.pdf", "pdf", "evilSet-Cookie: x=1.pdf"),
    ("invoice\u202efdp.exe.png", "png", "invoicefdp.exe.png"),            # right-to-left override dropped
    ("a\u3000\u200bb.jpg", "jpg", "a b.jpg"),                              # full-width space, zero-width space
    ("scan.jpeg", "jpg", "scan.jpeg.jpg"),                                 # the checked extension ends the name
    ("...", "pdf", "document.pdf"),
    ("", "png", "document.png"),
])
def test_uploaded_names_are_kept_without_folders_or_control_characters(given, ext, kept):
    assert clean_filename(given, ext) == kept


def test_long_names_are_cut_but_keep_their_extension():
    name = clean_filename("长" * 500 + ".pdf", "pdf")
    assert len(name) == 200 and name.endswith("长.pdf")


def test_downloads_carry_an_ascii_name_and_the_utf8_one():
    assert content_disposition("营业执照 2026.pdf") == (
        "attachment; filename=\"2026.pdf\"; "
        "filename*=UTF-8''%E8%90%A5%E4%B8%9A%E6%89%A7%E7%85%A7%202026.pdf")
    assert content_disposition('a"b;c.pdf') == "attachment; filename=\"a_b_c.pdf\"; filename*=UTF-8''a%22b%3Bc.pdf"
    assert content_disposition("营业执照.pdf").startswith("attachment; filename=\"document.pdf\"; ")
    assert content_disposition("Licence copy.png").startswith('attachment; filename="Licence copy.png"')


def test_content_types_come_from_the_checked_extension_never_html():
    assert content_type_of("ab12.pdf") == "application/pdf"
    assert content_type_of("ab12.png") == "image/png"
    assert content_type_of("ab12.jpeg") == "image/jpeg"
    assert content_type_of("ab12.html") == "application/octet-stream"
