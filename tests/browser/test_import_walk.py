"""Import in Chromium: list -> Import -> upload -> map -> preview -> confirm, in Chinese and in English, with
screenshots in tests/artifacts/ (import_<step>_<lang>.png)."""
import csv
import io
import random

import pytest
import requests

from app.domain.validation import credit_code_check_char
from tests.browser.conftest import Api, sign_in


def credit_code() -> str:
    body = f"9144{random.randrange(10**13):013d}"
    return body + credit_code_check_char(body)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_upload_map_preview_confirm(open_page, server, tmp_path, lang):
    page = open_page()
    user = {"zh": "sales1", "en": "sales2"}[lang]  # column choices are remembered per user: start fresh
    sign_in(page, user)
    page.page.goto(f"{server}/lang/{lang}")
    name, code = f"浏览器导入客户{random.randrange(10**8)}有限公司", credit_code()
    buffer = io.StringIO()
    csv.writer(buffer).writerows([["单位名称", "统一社会信用代码", "所在城市", "微信号"], [name, code, "深圳", "wx-1"],
                                  ["坏行公司", "BAD", "广州", ""]])
    path = tmp_path / f"customers-{lang}.csv"
    path.write_bytes(buffer.getvalue().encode("gbk"))

    page.goto("/customerview/list/")
    with page.page.expect_navigation():
        page.page.click("a.adsheet-import")
    page.screenshot(f"import_upload_{lang}")
    page.page.set_input_files("input[name=file]", str(path))
    with page.page.expect_navigation():
        page.page.click("#import_next")
    assert page.page.locator("select[name=col_0]").input_value() == "name"
    assert page.page.locator("select[name=col_1]").input_value() == "credit_code"
    assert page.page.locator("select[name=col_3]").input_value() == ""
    assert "微信号" in page.page.locator(".adsheet-import-unknown").inner_text()
    page.page.select_option("select[name=col_3]", "notes")  # the unknown column goes to the notes
    page.page.check("input[name=partial]")
    page.screenshot(f"import_map_{lang}")
    with page.page.expect_navigation():
        page.page.click("#import_preview")
    table = page.page.locator(".adsheet-import-preview").inner_text()
    assert name in table and "BAD" in table
    counts = page.page.locator(".adsheet-import-counts").inner_text()
    assert ("新建: 1" if lang == "zh" else "New: 1") in counts
    page.screenshot(f"import_preview_{lang}")
    assert Api(server, user).list("/api/v1/customer/", f"(filters:!((col:credit_code,opr:eq,value:'{code}')))") \
        == []  # the preview saved nothing
    with page.page.expect_navigation():
        page.page.click("#import_commit")
    assert page.page.locator(".adsheet-import-result").count() == 1
    page.screenshot(f"import_done_{lang}")
    failed = page.page.locator("a.adsheet-import-failed").get_attribute("href")
    cookies = {c["name"]: c["value"] for c in page.page.context.cookies()}
    assert requests.get(server + failed, cookies=cookies, timeout=10).status_code == 200
    rows = Api(server, user).list("/api/v1/customer/", f"(filters:!((col:credit_code,opr:eq,value:'{code}')),"
                                                           "columns:!(id,name))")
    assert len(rows) == 1 and rows[0]["name"] == name
    api = Api(server, user)
    shown = requests.get(f"{server}/api/v1/customer/{rows[0]['id']}", headers=api.headers, timeout=10).json()
    assert shown["result"]["notes"] == "wx-1"
