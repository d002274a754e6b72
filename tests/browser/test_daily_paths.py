"""Each demo role signs in through the login form and walks its daily path in Chromium.

Every page is checked by the `open_page` fixture: no request leaves 127.0.0.1, no console error (a CSP
violation is one), no page error. Screenshots of the main pages go to tests/artifacts/ (git-ignored).
"""
import itertools
import re
from datetime import date, timedelta

from tests.browser.conftest import Api, sign_in

_seq = itertools.count(1)


def assert_refused_in_chinese(page) -> None:
    """The 403 page, translated: its title is Chinese text, not FAB's English "Access is Denied"."""
    title = page.page.locator("h1.error-title").inner_text()
    assert re.search(r"[\u4e00-\u9fff]", title) and "Access" not in title, title


def unique(prefix: str) -> str:
    return f"{prefix}{date.today():%m%d}{next(_seq)}{id(_seq) % 997}"


def choose(page, name: str, search: str, text: str | None = None) -> None:
    """Pick an option of the select2 field `name` (search-as-you-type or plain) by typing `search`."""
    p = page.page
    p.locator(f"select[name={name}] + .select2-container").click()
    field = p.locator(".select2-container--open .select2-search__field")
    if field.count():
        field.fill(search)
    option = p.locator(".select2-container--open .select2-results__option:not(.loading-results)"
                       ":not(.select2-results__message)", has_text=text or search).first
    option.click()


def dig(row: dict, dotted: str):
    """A value of a REST row: FAB nests related columns ("owner.username" -> row["owner"]["username"])."""
    for key in dotted.split("."):
        row = (row or {}).get(key)
    return row


def fill_date(page, name: str, value: str) -> None:
    """Type a date key by key: bootstrap-datepicker reads typed text on keyup, and rewrites the field from its
    own state when it closes (a value set without key events would be cleared)."""
    field = page.page.locator(f"input[name={name}]")
    field.fill("")
    field.press_sequentially(value)
    page.page.keyboard.press("Escape")


def pick_enum(page, name: str, value: str) -> None:
    page.page.select_option(f"select[name={name}]", value)


def save(page, expect_saved: bool = True) -> None:
    with page.page.expect_navigation():
        page.page.click("form button[type=submit], form input[type=submit]")
    if expect_saved:
        assert "/add" not in page.page.url, page.page.evaluate(
            "() => Array.from(document.querySelectorAll('.alert-danger'))"
            ".map(e => (e.closest('tr') || e).innerText.replace(/\\s+/g, ' '))")


def field_row(page, name: str):
    return page.page.locator(f"tr:has([name={name}])")


def test_sales_adds_a_customer_contact_activity_contract_and_booking(open_page, media, admin_api):
    page = open_page()
    sign_in(page, "sales1")
    page.screenshot("sales_home")
    name = unique("浏览器客户") + "有限公司"

    page.goto("/customerview/add")
    page.page.fill("input[name=name]", name)
    page.page.fill("input[name=city]", "深圳")
    pick_enum(page, "stage", "lead")
    pick_enum(page, "locality", "local")
    page.screenshot("sales_customer_add")
    save(page)
    assert "/customerview/add" not in page.page.url
    customers = admin_api.list("/api/v1/customer/", f"(filters:!((col:name,opr:eq,value:'{name}')))")
    assert len(customers) == 1 and dig(customers[0], "owner.username") == "sales1"

    page.goto("/contactview/add")
    choose(page, "customer", name[:2], name)
    page.page.fill("input[name=name]", "王经理")
    page.page.fill("input[name=mobile]", "13800138000")
    save(page)
    assert [c["name"] for c in admin_api.list("/api/v1/contact/") if dig(c, "customer.name") == name] == ["王经理"]

    page.goto("/activityview/add")
    choose(page, "customer", name[:2], name)
    pick_enum(page, "kind", "call")
    fill_date(page, "happened_on", (date.today() - timedelta(days=1)).isoformat())
    page.page.fill("textarea[name=outcome], input[name=outcome]", "电话沟通，客户有意向")
    save(page)
    assert any(dig(a, "customer.name") == name for a in admin_api.list("/api/v1/activity/"))

    number = unique("BR-")
    page.goto("/contractview/add")
    page.page.fill("input[name=number]", number)
    choose(page, "customer", name[:2], name)
    page.page.fill("input[name=party_name]", name)
    choose(page, "publication", media["publication_name"][:4], media["publication_name"])
    pick_enum(page, "kind", "ad")
    fill_date(page, "start_date", "2026-01-01")
    fill_date(page, "end_date", "2026-12-31")
    page.page.fill("input[name=amount]", "16000")
    pick_enum(page, "payment_terms", "prepaid")
    save(page)
    contracts = admin_api.list("/api/v1/contract/", f"(filters:!((col:number,opr:eq,value:'{number}')))")
    assert len(contracts) == 1 and contracts[0]["status"] == "draft"

    # No ad business before a contract: the customer's stamp comes first, then the booking (issue 8).
    page.goto(f"/contractview/show/{contracts[0]['id']}")
    with page.page.expect_navigation():
        page.page.click("button[name=to][value=stamped]")
    assert admin_api.list("/api/v1/contract/", f"(filters:!((col:number,opr:eq,value:'{number}')))")[0][
        "status"] == "stamped"

    page.goto("/bookingview/add")
    choose(page, "contract", number, number)
    choose(page, "slot", media["slot_name"][:2], media["slot_name"])
    choose(page, "issue", "2026-B01", "2026-B01")
    page.page.fill("input[name=price]", "8000")
    pick_enum(page, "proof_status", "pending")
    page.screenshot("sales_booking_add")
    save(page)
    bookings = [b for b in admin_api.list("/api/v1/booking/") if dig(b, "contract.id") == contracts[0]["id"]]
    assert len(bookings) == 1 and dig(bookings[0], "slot.id") == media["slot"]

    page.goto("/customerview/list/")
    page.screenshot("sales_customers")
    page.goto("/users/list/", status=403)
    assert_refused_in_chinese(page)


def test_bad_input_is_shown_next_to_the_field_and_nothing_saved(open_page, admin_api):
    page = open_page()
    sign_in(page, "sales1")
    name = unique("坏代码客户") + "有限公司"
    page.goto("/customerview/add")
    page.page.fill("input[name=name]", name)
    page.page.fill("input[name=credit_code]", "91350100M000100Y42")
    pick_enum(page, "stage", "lead")
    pick_enum(page, "locality", "local")
    save(page, expect_saved=False)
    assert "校验位" in field_row(page, "credit_code").inner_text()
    assert "校验位" not in field_row(page, "name").inner_text()
    page.screenshot("sales_customer_error")
    assert admin_api.list("/api/v1/customer/", f"(filters:!((col:name,opr:eq,value:'{name}')))") == []

    customer = admin_api.post("/api/v1/customer/", {"name": unique("手机测试") + "有限公司", "stage": "lead",
                                                    "locality": "local", "owner": admin_api.user_id("sales1")})
    page.goto("/contactview/add")
    choose(page, "customer", "手机测试", "手机测试")
    page.page.fill("input[name=name]", "坏手机")
    page.page.fill("input[name=mobile]", "1234")
    save(page, expect_saved=False)
    assert "11 位" in field_row(page, "mobile").inner_text()
    assert not [c for c in admin_api.list("/api/v1/contact/") if dig(c, "customer.id") == customer["id"]]


def test_manager_sees_the_whole_team(open_page, admin_api):
    names = {}
    for owner in ("sales1", "sales2"):
        names[owner] = unique(f"团队{owner}客户") + "有限公司"
        admin_api.post("/api/v1/customer/", {"name": names[owner], "stage": "intent", "locality": "local",
                                             "owner": admin_api.user_id(owner)})
    page = open_page()
    sign_in(page, "manager")
    page.goto("/customerview/list/?psize_CustomerView=100")
    html = page.page.content()
    assert names["sales1"] in html and names["sales2"] in html
    page.screenshot("manager_customers")
    page.goto("/users/list/", status=403)
    assert_refused_in_chinese(page)


def test_finance_records_and_confirms_a_payment(open_page, admin_api, media, server):
    customer = admin_api.post("/api/v1/customer/", {"name": unique("收款客户") + "有限公司", "stage": "signed",
                                                    "locality": "local", "owner": admin_api.user_id("sales1")})
    number = unique("PAY-")
    contract = admin_api.post("/api/v1/contract/", {
        "number": number, "customer": customer["id"], "party_name": "收款客户", "publication": media["publication"],
        "kind": "ad", "start_date": "2026-01-01", "end_date": "2026-12-31", "amount": "5000",
        "discount_pct": "0", "payment_terms": "prepaid"})
    # Payments need a contract the customer stamped (issue 8): the owner records the stamp.
    Api(server, "sales1").act(f"/api/v1/contract/{contract['id']}/transition", {"to": "stamped"})
    page = open_page()
    sign_in(page, "finance")
    page.goto("/paymentview/add")
    choose(page, "contract", number, number)
    page.page.fill("input[name=amount]", "1234.50")
    pick_enum(page, "kind", "ad_fee")
    pick_enum(page, "method", "cash")
    fill_date(page, "collected_on", date.today().isoformat())
    save(page)
    payments = [p for p in admin_api.list("/api/v1/payment/") if dig(p, "contract.id") == contract["id"]]
    assert len(payments) == 1 and payments[0]["confirmed_at"] is None

    page.goto("/handover/")
    page.screenshot("finance_handover")
    row = page.page.locator("tr", has_text=number)
    with page.page.expect_navigation():
        row.locator("button[type=submit]").click()
    confirmed = Api(server, "finance").list("/api/v1/payment/")
    mine = [p for p in confirmed if p["id"] == payments[0]["id"]][0]
    assert mine["confirmed_at"] and mine["received_at"]
    page.goto("/activityview/list/", status=403)
    assert_refused_in_chinese(page)


def test_service_opens_a_customer(open_page, admin_api):
    name = unique("客服查看客户") + "有限公司"
    customer = admin_api.post("/api/v1/customer/", {"name": name, "stage": "signed", "locality": "local",
                                                    "owner": admin_api.user_id("sales2")})
    page = open_page()
    sign_in(page, "service")
    page.goto("/customerview/list/")
    page.goto(f"/customerview/show/{customer['id']}")
    assert name in page.page.content()
    page.screenshot("service_customer")
    page.goto("/paymentview/list/", status=403)
    assert_refused_in_chinese(page)
    page.screenshot("service_refused")


def test_language_switch(open_page):
    page = open_page()
    sign_in(page, "admin")
    page.goto("/customerview/list/")
    navbar = page.page.locator(".navbar")
    assert "Customer relations" not in navbar.inner_text() and "客户" in navbar.inner_text()
    page.screenshot("admin_customers_zh")
    to_english = page.page.locator("a[href$='/lang/en']")
    page.page.locator(".navbar a.dropdown-toggle:has(.flag)").click()
    with page.page.expect_navigation():
        to_english.click()
    assert "Customer relations" in page.page.locator(".navbar").inner_text()
    page.goto("/customerview/list/")
    assert "Unified social credit code" in page.page.content()
    page.screenshot("admin_customers_en")
    page.page.locator(".navbar a.dropdown-toggle:has(.flag)").click()
    with page.page.expect_navigation():
        page.page.locator("a[href$='/lang/zh']").click()
    assert "Customer relations" not in page.page.locator(".navbar").inner_text()
    page.goto("/customerview/list/")
    assert "统一社会信用代码" in page.page.content()
