"""Issue 11's daily paths in Chromium, in Chinese and in English: Finance confirms one bank transfer from its
page and a selection from the list (and types a receipt time); the Manager opens the approval inbox and approves,
and is told why they may not approve what they reviewed; a Sales rep sees their follow-ups due and why a step is
not theirs. Screenshots go to tests/artifacts/ (<name>_<lang>.png)."""
from datetime import date, timedelta

import pytest

from tests.browser.conftest import Api, sign_in
from tests.browser.test_daily_paths import unique

TEXTS = {
    "zh": {"confirm": "确认到账", "approve": "经理审批签字", "review": "主管审核通过", "to_review": "待我审核或审批",
           "follow_ups": "今日到期及逾期的跟进", "to_confirm": "待确认到账的收款",
           "same_reviewer": "不能是其审核人", "not_allowed_review": "您无权对合同执行“审核”操作"},
    "en": {"confirm": "Confirm received", "approve": "Approve and sign", "review": "Mark reviewed",
           "to_review": "Awaiting my review or approval", "follow_ups": "Follow-ups due today and overdue",
           "to_confirm": "Payments to confirm",
           "same_reviewer": "someone other than its reviewer", "not_allowed_review": "not allowed to review"},
}


def set_language(page, lang: str) -> None:
    page.goto(f"/lang/{lang}")


def sealed_world(admin_api, server, media, owner="sales1", status="stamped"):
    """A customer of `owner` with a contract moved to `status` through the API (the owner stamps)."""
    name = unique("收件客户") + "有限公司"
    customer = admin_api.post("/api/v1/customer/", {"name": name, "stage": "signed",
                                                    "locality": "local", "owner": admin_api.user_id(owner)})
    customer["name"] = name
    number = unique("INB-")
    contract = admin_api.post("/api/v1/contract/", {
        "number": number, "customer": customer["id"], "party_name": name,
        "publication": media["publication"], "kind": "ad", "start_date": "2026-01-01", "end_date": "2026-12-31",
        "amount": "8000", "discount_pct": "0", "payment_terms": "prepaid"})
    Api(server, owner).act(f"/api/v1/contract/{contract['id']}/transition", {"to": "stamped"})
    return customer, contract, number


def transfer(server, contract_id: int, amount: str = "2000") -> int:
    return Api(server, "sales1").post("/api/v1/payment/", {
        "contract": contract_id, "amount": amount, "kind": "ad_fee", "method": "transfer",
        "collected_on": (date.today() - timedelta(days=1)).isoformat()})["id"]


def confirmed(server, pk: int) -> bool:
    rows = Api(server, "finance").list("/api/v1/payment/", q="(page_size:1000)")
    return bool([p for p in rows if p["id"] == pk][0]["confirmed_at"])


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_finance_confirms_one_transfer_and_a_selection(open_page, admin_api, media, server, lang):
    texts = TEXTS[lang]
    _customer, contract, number = sealed_world(admin_api, server, media)
    one, two, three = (transfer(server, contract["id"], "1000") for _ in range(3))
    page = open_page()
    sign_in(page, "finance")
    set_language(page, lang)
    page.goto("/")
    assert page.page.locator("#inbox-to_confirm").count() == 1
    assert texts["to_confirm"] in page.page.locator("#inbox-to_confirm .panel-heading").inner_text()
    page.screenshot(f"finance_inbox_{lang}")

    # one transfer, from its page
    page.goto(f"/paymentview/show/{one}")
    page.screenshot(f"finance_payment_{lang}")
    with page.page.expect_navigation():
        page.page.locator(".adsheet-step-confirm button[type=submit]").click()
    assert page.page.locator(".alert-success").count() == 1
    assert confirmed(server, one)
    assert page.page.locator(".adsheet-step-reverse").count() == 1  # what is left to do: reverse, with a reason

    # a selection, from the list
    page.goto("/paymentview/list/?psize_PaymentView=100")
    for pk in (two, three):
        page.page.locator(f"input.action_check[value='{pk}']").check()
    page.page.locator(".btn-group button.dropdown-toggle", has_text="操作" if lang == "zh" else "Actions").click()
    with page.page.expect_navigation():
        page.page.locator(".confirm_selected_menu_item").click()
    page.screenshot(f"finance_bulk_confirmed_{lang}")
    assert page.page.locator(".alert-success").count() == 1
    assert confirmed(server, two) and confirmed(server, three)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_finance_types_and_picks_a_receipt_time(open_page, admin_api, media, server, lang):
    _customer, contract, _number = sealed_world(admin_api, server, media)
    pk = transfer(server, contract["id"], "500")
    page = open_page()
    sign_in(page, "finance")
    set_language(page, lang)
    page.goto(f"/paymentview/edit/{pk}")
    field = page.page.locator("input[name=received_at]")
    # picking a day keeps a time with it
    page.page.locator("tr:has([name=received_at]) .adsheet-datetime-day").click()
    calendar = page.page.locator(".datepicker-dropdown")
    assert calendar.count() == 1 and calendar.is_visible()  # a drop-down, not a calendar standing in the form
    calendar.locator(".datepicker-days td.day:not(.old):not(.new):text-is('1')").click()
    assert not calendar.is_visible()
    picked = field.input_value()
    assert len(picked) == 16 and picked[10] == " " and picked[13] == ":", picked
    page.screenshot(f"finance_datetime_picker_{lang}")
    # a typed date and time is kept as typed and saved to the minute
    typed = (date.today() - timedelta(days=1)).isoformat() + " 17:05"
    field.fill(typed)
    page.page.locator("tr:has([name=received_at]) .adsheet-datetime-time").evaluate("e => e.blur()")
    assert field.input_value() == typed
    with page.page.expect_navigation():
        page.page.click("form button[type=submit], form input[type=submit]")
    assert "/edit/" not in page.page.url, page.page.locator(".alert-danger").all_inner_texts()  # saved
    page.goto(f"/paymentview/show/{pk}")
    assert typed in page.page.content()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_manager_approves_from_the_inbox_and_is_told_why_not_what_they_reviewed(open_page, admin_api, media,
                                                                                server, lang):
    texts = TEXTS[lang]
    _c, contract, number = sealed_world(admin_api, server, media)
    admin_api.act(f"/api/v1/contract/{contract['id']}/transition", {"to": "reviewed"})  # admin reviewed it
    _c2, own_review, own_number = sealed_world(admin_api, server, media)
    Api(server, "manager").act(f"/api/v1/contract/{own_review['id']}/transition", {"to": "reviewed"})
    page = open_page()
    sign_in(page, "manager")
    set_language(page, lang)
    page.goto("/")
    box = page.page.locator("#inbox-to_review")
    assert texts["to_review"] in box.locator(".panel-heading").inner_text()
    assert int(box.locator(".adsheet-inbox-count").inner_text()) >= 1
    page.screenshot(f"manager_inbox_{lang}")
    link = box.locator(f"a:text-is('{number}')")
    if link.count() == 0:  # more than ten waiting: the row is in the list behind "open the list"
        page.goto(f"/contractview/show/{contract['id']}")
    else:
        with page.page.expect_navigation():
            link.click()
    assert f"/contractview/show/{contract['id']}" in page.page.url
    with page.page.expect_navigation():
        page.page.locator(".adsheet-approval button[type=submit]", has_text=texts["approve"]).click()
    assert page.page.locator(".alert-success").count() == 1
    page.screenshot(f"manager_approved_{lang}")
    rows = admin_api.list("/api/v1/contract/", q="(page_size:1000)")
    assert [r for r in rows if r["id"] == contract["id"]][0]["status"] == "approved"

    # the one they reviewed: the step shows, disabled, with the four-eyes rule's words
    page.goto(f"/contractview/show/{own_review['id']}")
    why = page.page.locator(".adsheet-approval .adsheet-why-not").inner_text()
    assert texts["approve"] in why and texts["same_reviewer"] in why, why
    page.screenshot(f"manager_why_not_{lang}")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_sales_sees_follow_ups_due_and_why_a_step_is_not_theirs(open_page, admin_api, media, server, lang):
    texts = TEXTS[lang]
    customer, contract, _number = sealed_world(admin_api, server, media)
    sales = Api(server, "sales1")
    sales.post("/api/v1/activity/", {"customer": customer["id"], "kind": "call",
                                     "happened_on": (date.today() - timedelta(days=2)).isoformat(),
                                     "outcome": "约好今天回电", "next_follow_up": date.today().isoformat()})
    page = open_page()
    sign_in(page, "sales1")
    set_language(page, lang)
    page.goto("/")
    box = page.page.locator("#inbox-follow_ups")
    assert texts["follow_ups"] in box.locator(".panel-heading").inner_text()
    page.screenshot(f"sales_follow_ups_{lang}")
    link = box.locator("a", has_text=customer["name"])
    if link.count():
        with page.page.expect_navigation():
            link.first.click()
        assert f"/customerview/show/{customer['id']}" in page.page.url
    # a stamped contract waits for review, which is not the rep's step: said next to the greyed button
    page.goto(f"/contractview/show/{contract['id']}")
    why = page.page.locator(".adsheet-approval .adsheet-why-not").inner_text()
    assert texts["review"] in why and texts["not_allowed_review"] in why, why
    page.screenshot(f"sales_why_not_{lang}")
