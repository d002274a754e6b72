"""Finding things: the quick search over the columns people look up by, the column chooser, and saved views
that are each user's own."""
import re
from urllib.parse import quote

from app.models import SavedView, db
from tests import factories as f
from tests.conftest import csrf_token


def world(app):
    with app.app_context():
        cust = f.customer(f.user(app, "sales1"), name=f"快搜星河{f.next_id()}文化有限公司")
        other = f.customer(f.user(app, "sales2"), name=f"快搜星河{f.next_id()}传媒有限公司")
        pub = f.publication()
        mine = f.contract(cust, pub, number=f"QS-{f.next_id()}-A")
        theirs = f.contract(other, pub, number=f"QS-{f.next_id()}-B")
        db.session.commit()
        return {"name": cust.name, "mine": mine.number, "theirs": theirs.number}


def rows(html: str) -> str:
    """The list table's rows (the search form has a table of its own before it)."""
    start = html.index("table table-bordered")
    return html[start:html.index("</table>", start)]


def test_quick_search_by_number_or_customer_name_within_the_users_rows(app, login):
    w = world(app)
    sales = login("sales1")
    page = sales.get("/contractview/list/").get_data(as_text=True)
    assert 'name="_flt_0_quick"' in page and "快速搜索" in page
    by_number = rows(sales.get(f"/contractview/list/?_flt_0_quick={w['mine']}").get_data(as_text=True))
    assert w["mine"] in by_number and w["theirs"] not in by_number
    by_name = sales.get(f"/contractview/list/?_flt_0_quick={quote('快搜星河')}").get_data(as_text=True)
    assert w["mine"] in rows(by_name) and w["theirs"] not in rows(by_name)  # the other rep's stays hidden
    assert w["theirs"] in rows(login("admin").get(f"/contractview/list/?_flt_0_quick={quote('快搜星河')}")
                               .get_data(as_text=True))
    # The box shows the text; the search form's filter list does not repeat it.
    assert f'value="快搜星河"' in by_name
    csv_text = sales.get(f"/contractview/export/csv?_flt_0_quick={w['mine']}").get_data(as_text=True)
    assert w["mine"] in csv_text and w["theirs"] not in csv_text


def test_every_record_list_has_the_box_and_answers(app, login):
    admin = login("admin")
    for view in ("customerview", "contactview", "activityview", "contractview", "bookingview", "paymentview",
                 "writeoffview", "complaintview", "publicationview", "issueview", "adslotview"):
        response = admin.get(f"/{view}/list/?_flt_0_quick=%E5%BF%AB%E6%90%9C")
        assert response.status_code == 200, view
        assert 'name="_flt_0_quick"' in response.get_data(as_text=True), view


def test_chosen_columns(app, login):
    world(app)
    page = login("sales1").get("/contractview/list/?cols_ContractView=number,amount").get_data(as_text=True)
    head = page[page.index("<thead"):page.index("</thead>")]
    assert "合同编号" in head and "金额" in head and "结束日期" not in head and "状态" not in head


def test_saved_views_are_each_users_own(app, login):
    w = world(app)
    sales = login("sales1")
    page = sales.get("/contractview/list/").get_data(as_text=True)
    query = f"_flt_0_quick={w['mine']}&cols_ContractView=number,customer,amount&_oc_ContractView=number&_od_ContractView=asc"
    response = sales.post("/contractview/savedview/save", data={
        "csrf_token": csrf_token(page), "name": "我的快搜", "query": query + "&page_ContractView=3"})
    assert response.status_code == 302
    with app.app_context():
        row = db.session.query(SavedView).filter_by(name="我的快搜").one()
        assert "page_ContractView" not in row.query and row.columns == "number,customer,amount"
        view_id = row.id
    listed = sales.get("/contractview/list/").get_data(as_text=True)
    assert "我的快搜" in listed
    link = re.search(r'<a href="([^"]+)">我的快搜</a>', listed).group(1).replace("&amp;", "&")
    opened = sales.get(link).get_data(as_text=True)
    assert w["mine"] in rows(opened)
    # Another user neither sees nor deletes it.
    other = login("sales2")
    assert "我的快搜" not in other.get("/contractview/list/").get_data(as_text=True)
    token = csrf_token(other.get("/contractview/list/").get_data(as_text=True))
    assert other.post(f"/contractview/savedview/{view_id}/delete", data={"csrf_token": token}).status_code == 404
    token = csrf_token(sales.get("/contractview/list/").get_data(as_text=True))
    assert sales.post(f"/contractview/savedview/{view_id}/delete", data={"csrf_token": token}).status_code == 302
    with app.app_context():
        assert db.session.get(SavedView, view_id) is None


def test_the_filter_menu_has_no_duplicates_and_links_still_filter(app, login):
    from app.models import Contract

    w = world(app)
    admin = login("admin")
    for view in ("contractview", "bookingview", "paymentview", "complaintview"):
        page = admin.get(f"/{view}/list/").get_data(as_text=True)
        menu = page[page.index('id="filter_form"'):page.index('<table class="table table-responsive table-hover filters">')]
        names = re.findall(r'name="([^"]+)" class="filter"', menu)
        assert "customer_name" in names and "customer" not in names, (view, names)
    with app.app_context():
        customer_id = db.session.query(Contract).filter_by(number=w["mine"]).one().customer_id
    linked = admin.get(f"/contractview/list/?_flt_0_customer={customer_id}").get_data(as_text=True)
    assert w["mine"] in rows(linked) and w["theirs"] not in rows(linked)


def test_the_audit_log_reads_in_words_and_local_minutes(app, login, api):
    world(app)
    api("admin").post("/api/v1/customer/", json={"name": f"审计词语{f.next_id()}有限公司", "stage": "lead",
                                                  "locality": "local"})
    page = login("admin").get("/auditlogview/list/?psize_AuditLogView=100").get_data(as_text=True)
    body = rows(page)
    cells = [re.sub(r"\s+", " ", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", body, re.S)]
    assert "None" not in cells and "user" not in cells and "role" not in cells and "cli" not in cells
    assert "系统" in cells and "命令行" in cells and "用户" in cells and "角色" in cells
    times = [c for c in cells if re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", c)]
    assert times, "times to the minute"
    assert not any(re.fullmatch(r"#\d+", c) for c in cells)
