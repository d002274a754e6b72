"""Issue 11 in Chromium, in Chinese and in English: the contract page read at a glance (a generated number, the
party name from the customer, "36,000" accepted, money with separators), relation fields that follow the form,
documents under their names, the quick search, saved views and column choice, the audit log in words, and the
lists at phone width (390 px). Screenshots: tests/artifacts/issue11_*_<lang>.png."""
import itertools
import re
from datetime import date

import pytest

from tests.browser.conftest import sign_in
from tests.browser.test_daily_paths import choose, fill_date, pick_enum, save
from tests.unit.test_uploads import pdf_bytes

_seq = itertools.count(1)
LANGS = ["zh", "en"]
TEXT = {
    "zh": {"net": "折后金额", "paid": "已收", "outstanding": "未收金额", "days": "距到期", "number": "合同编号",
           "record_id": "记录编号", "quick": "快速搜索", "saved": "已存视图", "columns": "显示列", "draft": "草稿",
           "bad_amount": "千位分隔符", "system": "系统", "mismatch": "文件内容与扩展名不符"},
    "en": {"net": "Net amount", "paid": "Paid", "outstanding": "Outstanding", "days": "Days to end",
           "number": "Contract number", "record_id": "Record ID", "quick": "Quick search", "saved": "Saved views",
           "columns": "Columns", "draft": "Draft", "bad_amount": "Thousands separators", "system": "System",
           "mismatch": "does not match its extension"},
}


def unique(prefix: str) -> str:
    return f"{prefix}{date.today():%m%d}{next(_seq)}{id(_seq) % 997}"


def in_language(page, lang: str) -> None:
    page.page.goto(f"{page.base}/lang/{lang}")


def customer_of(admin_api, owner: str, name: str) -> dict:
    return admin_api.post("/api/v1/customer/", {"name": name, "stage": "intent", "locality": "local",
                                                "owner": admin_api.user_id(owner)})


@pytest.mark.parametrize("lang", LANGS)
def test_a_new_contract_is_numbered_and_read_at_a_glance(open_page, admin_api, media, lang):
    t = TEXT[lang]
    name = unique("一览客户") + "有限公司"
    customer_of(admin_api, "sales1", name)
    page = open_page()
    sign_in(page, "sales1")
    in_language(page, lang)
    page.goto("/contractview/add")
    hint = page.page.locator("tr:has(input[name=number])").inner_text()
    assert re.search(r"HT-\d{4}-\d{4}", hint), hint  # the next number, shown as a hint
    choose(page, "customer", name[:4], name)
    assert page.page.input_value("input[name=party_name]") == name  # pre-filled from the customer
    choose(page, "publication", media["publication_name"][:4], media["publication_name"])
    pick_enum(page, "kind", "ad")
    fill_date(page, "start_date", f"{date.today().year}-01-01")
    fill_date(page, "end_date", f"{date.today().year + 1}-12-31")
    page.page.fill("input[name=amount]", "36,00")
    pick_enum(page, "payment_terms", "prepaid")
    save(page, expect_saved=False)
    row = page.page.locator("tr:has(input[name=amount])")
    assert t["bad_amount"] in row.inner_text() and page.page.input_value("input[name=amount]") == "36,00"
    assert "FileStorage" not in page.page.content()
    page.page.fill("input[name=amount]", "36,000")
    page.page.fill("input[name=discount_pct]", "10")
    page.screenshot(f"issue11_contract_add_{lang}")
    save(page)
    head = page.page.locator(".adsheet-contract-head")
    if not head.count():  # FAB goes back to the list after an add: open the new contract
        page.goto(f"/contractview/list/?_flt_0_quick={name}")
        page.page.locator("a[href*='/contractview/show/']").first.click()
        page.page.wait_for_load_state()
        head = page.page.locator(".adsheet-contract-head")
    text = head.inner_text()
    assert re.search(r"HT-\d{4}-\d{4}", text) and name in text and t["draft"] in text
    for label in (t["net"], t["paid"], t["outstanding"], t["days"]):
        assert label in text, (label, text)
    assert "¥32,400.00" in text and "¥0.00" in text
    content = page.page.content()
    assert t["number"] in content and t["record_id"] in content
    page.screenshot(f"issue11_contract_page_{lang}")
    # Money in the list: separators, currency, right-aligned.
    page.goto(f"/contractview/list/?_flt_0_quick={name}")
    cell = page.page.locator("td.adsheet-money").first
    assert cell.inner_text().strip() == "¥36,000.00"
    assert page.page.evaluate("(el) => getComputedStyle(el).textAlign", cell.element_handle()) == "right"


@pytest.mark.parametrize("lang", LANGS)
def test_contact_choices_follow_the_chosen_customer(open_page, admin_api, lang):
    first, second = unique("联系甲") + "有限公司", unique("联系乙") + "有限公司"
    ids = [customer_of(admin_api, "sales1", n)["id"] for n in (first, second)]
    for cid in ids:
        admin_api.post("/api/v1/contact/", {"customer": cid, "name": "周志强"})
    page = open_page()
    sign_in(page, "sales1")
    in_language(page, lang)
    page.goto("/activityview/add")
    choose(page, "customer", first[:4], first)
    p = page.page
    p.locator("select[name=contact] + .select2-container").click()
    p.locator(".select2-container--open .select2-search__field").fill("周志强")
    options = p.locator(".select2-container--open .select2-results__option:not(.loading-results)"
                        ":not(.select2-results__message)")
    options.first.wait_for()
    texts = options.all_inner_texts()
    assert texts == [f"周志强 ({first})"], texts  # the chosen customer's contact, naming its company
    page.screenshot(f"issue11_contact_choices_{lang}")
    options.first.click()
    # Choosing another customer empties the contact.
    choose(page, "customer", second[:4], second)
    assert p.locator("select[name=contact]").input_value() in ("", None)


@pytest.mark.parametrize("lang", LANGS)
def test_documents_are_links_under_their_names_and_errors_sit_by_the_field(open_page, admin_api, tmp_path, lang):
    t = TEXT[lang]
    name = unique("文件客户") + "有限公司"
    customer = customer_of(admin_api, "sales1", name)
    good = tmp_path / "营业执照 副本.pdf"
    good.write_bytes(pdf_bytes(pages=1))
    fake = tmp_path / "fake.pdf"
    fake.write_bytes(b"<html>not a pdf</html>")
    page = open_page()
    sign_in(page, "sales1")
    in_language(page, lang)
    page.goto(f"/customerview/edit/{customer['id']}")
    assert "Delete" not in page.page.locator("form").inner_text()
    page.page.set_input_files("input[name=license_copy]", str(fake))
    save(page, expect_saved=False)
    assert "FileStorage" not in page.page.content()
    error = page.page.locator("tr:has(input[name=license_copy])").inner_text()
    assert t["mismatch"] in error, error
    page.screenshot(f"issue11_document_error_{lang}")
    page.page.set_input_files("input[name=license_copy]", str(good))
    save(page)
    page.goto(f"/customerview/show/{customer['id']}")
    link = page.page.locator(".adsheet-documents a", has_text="营业执照 副本.pdf")
    assert link.count() == 1
    with page.page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == "营业执照 副本.pdf"
    page.page.goto(f"{page.base}/customerview/edit/{customer['id']}")
    assert "Delete" not in page.page.locator("form").inner_text()
    on_file = page.page.locator("tr:has(input[name=license_copy]) a.adsheet-document-link")
    assert on_file.inner_text().strip() == "营业执照 副本.pdf"  # the edit form names and links it too
    page.screenshot(f"issue11_document_links_{lang}")


@pytest.mark.parametrize("lang", LANGS)
def test_quick_search_saved_views_and_columns(open_page, admin_api, media, lang):
    t = TEXT[lang]
    name = unique("快搜客户") + "有限公司"
    cid = customer_of(admin_api, "sales1", name)["id"]
    admin_api.post("/api/v1/contract/", {"customer": cid, "publication": media["publication"], "kind": "ad",
                                         "start_date": "2026-01-01", "end_date": "2026-12-31", "amount": "9800"})
    page = open_page()
    sign_in(page, "sales1")
    in_language(page, lang)
    page.goto("/contractview/list/")
    box = page.page.locator("input[name=_flt_0_quick]")
    assert box.get_attribute("placeholder") == t["quick"]
    box.fill(name)
    with page.page.expect_navigation():
        box.press("Enter")
    rows = page.page.locator("table.table-bordered tbody tr")
    assert rows.count() == 1 and name in rows.first.inner_text()
    # Choose columns: number, customer and amount only.
    page.page.click(".adsheet-columns .dropdown-toggle")
    for box_ in page.page.locator(".adsheet-column-choice").all():
        if box_.get_attribute("value") not in ("number", "customer", "amount"):
            box_.uncheck()
    with page.page.expect_navigation():
        page.page.click(".adsheet-columns button[type=submit]")
    assert page.page.locator("table.table-bordered thead th:not(.action_checkboxes)").count() == 4  # the row buttons, then three
    # Save the view, open the plain list, open the view again.
    page.page.click(".adsheet-saved-views .dropdown-toggle")
    page.page.fill(".adsheet-save-view input[name=name]", f"我的视图{lang}")
    page.screenshot(f"issue11_saved_view_form_{lang}")
    with page.page.expect_navigation():
        page.page.click(".adsheet-save-view button[type=submit]")
    page.goto("/contractview/list/")
    page.page.click(".adsheet-saved-views .dropdown-toggle")
    with page.page.expect_navigation():
        page.page.click(f".adsheet-saved-view a:text('我的视图{lang}')")
    assert page.page.locator("table.table-bordered tbody tr").count() == 1
    assert page.page.locator("table.table-bordered thead th:not(.action_checkboxes)").count() == 4
    assert page.page.input_value("input[name=_flt_0_quick]") == name
    page.screenshot(f"issue11_saved_view_{lang}")


@pytest.mark.parametrize("lang", LANGS)
def test_audit_log_in_words_and_minutes(open_page, admin_api, lang):
    t = TEXT[lang]
    admin_api.post("/api/v1/customer/", {"name": unique("审计客户") + "有限公司", "stage": "lead", "locality": "local"})
    page = open_page()
    sign_in(page, "admin")
    in_language(page, lang)
    page.goto("/auditlogview/list/")
    cells = page.page.locator("table.table-bordered tbody td").all_inner_texts()
    cells = [c.strip() for c in cells]
    assert "None" not in cells and "cli" not in cells and "user" not in cells and "booking" not in cells
    assert any(re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", c) for c in cells)
    page.screenshot(f"issue11_audit_{lang}")
    page.goto("/auditlogview/list/?_oc_AuditLogView=at&_od_AuditLogView=asc")  # the first: set-up by the CLI
    cells = [c.strip() for c in page.page.locator("table.table-bordered tbody td").all_inner_texts()]
    assert t["system"] in cells and "None" not in cells and "role" not in cells


@pytest.mark.parametrize("lang", LANGS)
def test_lists_at_phone_width(browser, server, admin_api, media, lang):
    from tests.browser.conftest import Watched

    name = unique("手机客户") + "有限公司"
    cid = customer_of(admin_api, "sales1", name)["id"]
    admin_api.post("/api/v1/contract/", {"customer": cid, "publication": media["publication"], "kind": "ad",
                                         "start_date": "2026-01-01", "end_date": "2026-12-31", "amount": "9800"})
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True,
                                  has_touch=True, device_scale_factor=2)
    context.set_default_timeout(10_000)
    try:
        page = Watched(context.new_page(), server)
        sign_in(page, "sales1")
        in_language(page, lang)
        for path in ("/contractview/list/", "/customerview/list/", "/paymentview/list/"):
            page.goto(path)
            assert page.page.locator("input[name=_flt_0_quick]").is_visible()
            box = page.page.locator("input[name=_flt_0_quick]").bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= 390
        page.goto(f"/contractview/list/?_flt_0_quick={name}")
        show = page.page.locator("td.adsheet-row-buttons a").first
        spot = show.bounding_box()
        assert spot and 0 <= spot["x"] and spot["x"] + spot["width"] <= 390  # the row's buttons are in reach
        number = page.page.locator("table.table-bordered tbody tr").first.locator("td").nth(1).bounding_box()
        assert number and number["x"] < 390  # the key column (the contract number) comes first
        # Scrolled sideways, the buttons stay at the left edge.
        scrolled = page.page.evaluate("""() => {
            const box = document.querySelector('table.table-bordered').closest('.table-responsive');
            box.scrollLeft = 400; return box.scrollLeft; }""")
        assert scrolled > 0  # the table is wider than the phone: it scrolls within its box, not the page
        assert 0 <= show.bounding_box()["x"] < 60
        page.screenshot(f"issue11_phone_contracts_{lang}")
        show.click()
        page.page.wait_for_load_state()
        assert page.page.locator(".adsheet-contract-head").is_visible()
        page.screenshot(f"issue11_phone_contract_page_{lang}")
        page.check()
    finally:
        context.close()
