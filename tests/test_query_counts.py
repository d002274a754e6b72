"""SQL statements per page stay bounded, whatever the page size: at most 6 per list, show and edit page,
signing in (user, roles, permissions) included.

Counted with a `before_cursor_execute` listener on the engine around one request of a signed-in client.
Every record view of the menu, for Admin and for a Sales user (row filter on), with 100 rows per page.
"""
import re
from contextlib import contextmanager
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import event

from app.models import Complaint, SensitiveWord, WriteOff, db
from app.security.matrix import READ_ONLY_RECORDS, allowed
from app.views.register import MENUS
from tests import factories as f

MAX_STATEMENTS = 6
USERS = {"admin": "Admin", "sales1": "Sales"}
RECORD_VIEWS = [menu[0] for menu in MENUS]


def readable(view, role: str) -> bool:
    if view.record in READ_ONLY_RECORDS:
        return role in READ_ONLY_RECORDS[view.record][1]
    return allowed(view.record, [role], "read")


def editable(view, role: str) -> bool:
    return "edit" in view.include_route_methods and view.record not in READ_ONLY_RECORDS \
        and allowed(view.record, [role], "edit")


CASES = [(view, username) for view in RECORD_VIEWS for username, role in USERS.items() if readable(view, role)]


@contextmanager
def counted(app):
    """Collects the SQL statements run on the app's engine inside the block."""
    statements: list[str] = []
    with app.app_context():
        engine = db.engine

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def get_counted(app, client, url: str):
    with counted(app) as statements:
        response = client.get(url)
        body = response.get_data(as_text=True)  # streamed bodies run their queries while read
    assert response.status_code == 200, (url, response.status_code)
    return body, [" ".join(statement.split()) for statement in statements]


def explain(kind: str, statements: list[str]) -> str:
    return f"{kind}: {len(statements)} statements:\n" + "\n".join(s[:160] for s in statements)


@pytest.fixture(scope="module")
def many_rows(app):
    """Rows of every record for sales1, sales2 and nobody, several of them per relation."""
    with app.app_context():
        admin = f.user(app, "admin")
        for owner in ("sales1", "sales1", "sales1", "sales2", None):
            rows = f.full_customer(app, owner)
            f.activity(rows["customer"], by=admin)
            f.payment(rows["contract"])
            rows["adslot"].list_price = Decimal("1200.00")  # a price change row
            db.session.add(WriteOff(contract=rows["contract"], amount=Decimal("10.00"),
                                    responsible_user=f.user(app, owner or "sales2"), reason="测试"))
            db.session.add(Complaint(customer=rows["customer"], contact=rows["contact"], subject="测试投诉",
                                     received_on=date(2026, 11, 2), handled_by=admin))
        db.session.add(SensitiveWord(word=f"计数测试{f.next_id()}"))
        db.session.commit()


def first_pk(html: str, endpoint: str) -> int:
    found = re.findall(rf'/{endpoint}/show/(\d+)', html)
    assert found, f"no rows in the {endpoint} list"
    return int(found[0])


@pytest.mark.parametrize("view,username", CASES, ids=lambda v: getattr(v, "__name__", v))
def test_list_show_and_edit_pages_run_few_statements(app, login, many_rows, view, username):
    client = login(username)
    endpoint = view.__name__.lower()
    html, listed = get_counted(app, client, f"/{endpoint}/list/?psize_{view.__name__}=100")
    assert len(listed) <= MAX_STATEMENTS, explain("list", listed)
    pk = first_pk(html, endpoint)
    _html, shown = get_counted(app, client, f"/{endpoint}/show/{pk}")
    assert len(shown) <= MAX_STATEMENTS, explain("show", shown)
    if editable(view, USERS[username]):
        _html, edited = get_counted(app, client, f"/{endpoint}/edit/{pk}")
        assert len(edited) <= MAX_STATEMENTS, explain("edit", edited)


# -- No page embeds a whole related table ------------------------------------------------------------------

MAX_OPTIONS = 50


@pytest.fixture(scope="module")
def crowded(app):
    """More related rows than any page may embed: 120 customers of sales2 (and 25 of sales1, who must still
    find their own rows on a first page of 100 in other tests sharing this database)."""
    with app.app_context():
        pub = f.publication()
        made = {}
        for owner, count in (("sales1", 25), ("sales2", 120)):
            rep = f.user(app, owner)
            customers = [f.customer(rep, name=f"甲拥挤测试{owner}客户{i:03d}有限公司") for i in range(count)]
            contracts = [f.contract(c, pub) for c in customers[:3]]
            made[owner] = {"customers": [c.id for c in customers], "contract": contracts[0].id}
        db.session.commit()
        return made


def option_count(html: str) -> int:
    return len(re.findall(r"<option\b", html))


@pytest.mark.parametrize("view", RECORD_VIEWS, ids=lambda v: v.__name__)
def test_no_page_embeds_a_related_table(app, login, crowded, many_rows, view):
    client = login("admin")
    endpoint = view.__name__.lower()
    pages = [f"/{endpoint}/list/"]
    if "add" in view.include_route_methods and view.record not in READ_ONLY_RECORDS:
        pages.append(f"/{endpoint}/add")
    html = client.get(pages[0]).get_data(as_text=True)
    if editable(view, "Admin"):
        pages.append(f"/{endpoint}/edit/{first_pk(html, endpoint)}")
    for url in pages:
        page = client.get(url).get_data(as_text=True)
        assert option_count(page) <= MAX_OPTIONS, (url, option_count(page))


def test_relation_choices_come_in_pages_filtered_by_text_and_owner(app, login, crowded):
    client = login("sales1")
    first = client.get("/contractview/choices/customer?q=甲拥挤测试sales1").get_json()
    assert len(first["results"]) == 20 and first["more"] is True
    second = client.get("/contractview/choices/customer?q=甲拥挤测试sales1&page=2").get_json()
    assert not {r["id"] for r in first["results"]} & {r["id"] for r in second["results"]}
    assert {r["id"] for r in first["results"]} <= set(crowded["sales1"]["customers"])
    # Another rep's customers are not offered, whatever is typed, and not even by id.
    assert client.get("/contractview/choices/customer?q=甲拥挤测试sales2").get_json()["results"] == []
    other = crowded["sales2"]["customers"][0]
    assert client.get(f"/contractview/choices/customer?id={other}").get_json()["results"] == []
    mine = crowded["sales1"]["customers"][0]
    assert [r["id"] for r in client.get(f"/contractview/choices/customer?id={mine}").get_json()["results"]] == [mine]
    # A field that is not a relation of the view's forms is not served.
    assert client.get("/contractview/choices/number").status_code == 404


def test_choices_need_the_read_permission_of_the_target(app, login, crowded):
    # Finance may read customers; Sales may not read complaints at all (the endpoint itself is refused).
    assert login("finance").get("/paymentview/choices/contract").status_code == 200
    assert login("sales1").get("/complaintview/choices/customer").status_code in (302, 403)


# -- Searching by customer name ----------------------------------------------------------------------------

def listed_ids(html: str, endpoint: str) -> set[int]:
    return set(map(int, re.findall(rf'/{endpoint}/show/(\d+)', html)))


@pytest.mark.parametrize("term", ["sales1客户00", "客户001", "00"])
def test_contracts_are_searched_by_customer_name(app, login, crowded, term):
    from app.models import Contract, Customer

    html = login("admin").get(f"/contractview/list/?_flt_0_customer_name={term}&psize_ContractView=100")
    with app.app_context():
        expected = set(db.session.scalars(
            db.select(Contract.id).join(Customer, Contract.customer_id == Customer.id)
            .where(Customer.name.contains(term))))
    assert expected and listed_ids(html.get_data(as_text=True), "contractview") == expected


def test_customer_name_search_follows_renames(app, login, crowded):
    from app.models import Customer

    with app.app_context():
        customer = db.session.get(Customer, crowded["sales2"]["customers"][5])
        customer.name = "改名搜索测试有限公司"
        db.session.commit()
    html = login("admin").get("/customerview/list/?_flt_0_customer_name=改名搜索测试").get_data(as_text=True)
    assert listed_ids(html, "customerview") == {crowded["sales2"]["customers"][5]}
    html = login("admin").get("/customerview/list/?_flt_0_customer_name=甲拥挤测试sales2客户005").get_data(as_text=True)
    assert listed_ids(html, "customerview") == set()


def test_a_deep_page_selects_its_ids_before_joining(app, login, many_rows):
    """The page's rows come from an id subquery with LIMIT/OFFSET on the table alone."""
    client = login("admin")
    _html, statements = get_counted(app, client, "/contractview/list/?page_ContractView=2&psize_ContractView=2")
    page_query = next(s for s in statements if s.startswith("SELECT contract.id AS contract_id"))
    inner = page_query[page_query.index("JOIN (SELECT"):]
    assert "LIMIT" in inner and "customer" not in inner.split(")")[0]


@pytest.mark.parametrize("username", list(USERS))
def test_dashboard_page_runs_few_statements(app, login, many_rows, username):
    """The dashboard (the index page), sign-in and menu included."""
    _html, statements = get_counted(app, login(username), "/")
    assert len(statements) <= MAX_STATEMENTS, explain("dashboard", statements)


def test_a_count_that_reached_its_bound_reads_more_than(app, login, many_rows, monkeypatch):
    from app.views import datamodel

    client = login("admin")
    with app.app_context():
        total = db.session.query(Complaint).count()
    assert total >= 5
    exact = client.get("/complaintview/list/?psize_ComplaintView=2").get_data(as_text=True)
    assert re.search(rf"</strong>\s*{total}\s*</div>", exact)
    # bound = COUNT_BOUND + (page + 1) * page size + 1 = 0 + 2 + 1: the count stops at 3 rows
    monkeypatch.setattr(datamodel, "COUNT_BOUND", 0)
    capped = client.get("/complaintview/list/?psize_ComplaintView=2&_l_=en").get_data(as_text=True)
    assert re.search(r"</strong>\s*more than 2\s*</div>", capped), capped[capped.find("Record Count"):][:200]
    # the pager still offers the next page
    assert "page_ComplaintView=1" in capped


def test_a_filtered_count_reads_more_than_at_its_bound_too(app, login, many_rows, monkeypatch):
    """With a filter the count stops at its bound (LIMIT); without one SQLite counts all and caps the total:
    both read the same."""
    from app.views import datamodel

    client = login("admin")
    with app.app_context():
        total = db.session.query(Complaint).filter(Complaint.subject.contains("测试投诉")).count()
    assert total >= 5
    url = "/complaintview/list/?psize_ComplaintView=2&_flt_2_subject=测试投诉&_l_=en"
    assert re.search(rf"</strong>\s*{total}\s*</div>", client.get(url).get_data(as_text=True))
    monkeypatch.setattr(datamodel, "COUNT_BOUND", 0)
    capped, statements = get_counted(app, client, url)
    assert re.search(r"</strong>\s*more than 2\s*</div>", capped), capped[capped.find("Record Count"):][:200]
    count = next(s for s in statements if s.startswith("SELECT count(*)"))
    assert "LIMIT" in count
