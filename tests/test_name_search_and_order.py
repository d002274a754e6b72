"""Customer-name search by any fragment of two characters or more (the bigram index), and names listed in
pinyin order (stored sort keys), on SQLite and PostgreSQL, through every door that writes a name."""
import re
from urllib.parse import quote

import pytest
from sqlalchemy import select, text

from app.domain.textkeys import bigram_text, pinyin_sort_key
from app.models import Contact, Contract, Customer, db
from tests import factories as f
from tests.conftest import csrf_token, form_values

# Rare characters, so the shared test database holds no other name with them.
NAMES = {
    "plain": "鬯鬲科技有限公司",
    "inside": "北京鬯鬲传媒有限公司",
    "reversed": "鬲鬯实业有限公司",        # both characters, wrong order
    "apart": "鬯X鬲贸易有限公司",          # both characters, not adjacent
    "percent": "百分%鬯鬲_咨询有限公司",   # LIKE's special characters in the name
    "latin": "ＡＢＣ鬯鬲文化有限公司",     # full-width letters
}


@pytest.fixture(scope="module")
def named(app):
    with app.app_context():
        owner = f.user(app, "sales1")
        pub = f.publication()
        ids = {}
        for key, name in NAMES.items():
            customer = f.customer(owner, name=name)
            ids[key] = customer.id
            ids[f"{key}_contract"] = f.contract(customer, pub).id
        db.session.commit()
        return ids


def listed(html: str, endpoint: str) -> list[int]:
    return [int(found) for found in re.findall(rf'/{endpoint}/show/(\d+)', html)]


def search(client, endpoint: str, term: str) -> set[int]:
    view = {"customerview": "CustomerView", "contractview": "ContractView"}[endpoint]
    response = client.get(f"/{endpoint}/list/?_flt_0_customer_name={quote(term)}&psize_{view}=100")
    assert response.status_code == 200
    return set(listed(response.get_data(as_text=True), endpoint))


@pytest.mark.parametrize("term,keys", [
    ("鬯鬲", {"plain", "inside", "percent", "latin"}),  # two characters
    ("鬲鬯", {"reversed"}),
    ("鬯鬲科技", {"plain"}),
    ("鬯鬲传", {"inside"}),
    ("%鬯鬲_", {"percent"}),  # % and _ are plain characters here
    ("分%", {"percent"}),
    ("鬯X鬲", {"apart"}),
    ("x鬲", {"apart"}),  # case-insensitive
    ("鬯", {"plain", "inside", "reversed", "apart", "percent", "latin"}),  # one character: no index, still found
    ("C鬯鬲", set()),  # the name has full-width ＣC: the same letter to the index, not to LIKE
    ("鬯鬲贸易", set()),
])
def test_a_fragment_finds_exactly_the_names_containing_it(login, named, term, keys):
    client = login("admin")
    assert search(client, "customerview", term) == {named[key] for key in keys}
    assert search(client, "contractview", term) == {named[f"{key}_contract"] for key in keys}


def test_search_follows_renames_and_deletes_through_the_api(app, api, named):
    admin = api("admin")
    made = admin.post("/api/v1/customer/", json={"name": "鬯鬲改名前有限公司", "stage": "lead", "locality": "local"})
    assert made.status_code == 201, made.get_json()
    cid = made.get_json()["id"]
    from tests.conftest import browser_login

    client = browser_login(app.test_client(), "admin")
    assert cid in search(client, "customerview", "改名前")
    assert admin.edit(f"/api/v1/customer/{cid}", json={"name": "鬯鬲改名后有限公司"}).status_code == 200
    assert cid not in search(client, "customerview", "改名前")
    assert cid in search(client, "customerview", "名后")
    assert admin.delete(f"/api/v1/customer/{cid}").status_code == 200
    assert cid not in search(client, "customerview", "名后")
    with app.app_context():
        # the index holds no row of a deleted customer (SQLite: the FTS table's own integrity check)
        if db.engine.dialect.name == "sqlite":
            db.session.execute(text("INSERT INTO customer_name_fts(customer_name_fts, rank) "
                                    "VALUES ('integrity-check', 1)"))


def test_a_two_character_fragment_is_looked_up_in_the_index(app, named):
    """The search for two characters goes through the bigram index (a trigram index could not)."""
    from app.search import customer_name_contains

    with app.app_context():
        statement = select(Customer.id).where(customer_name_contains("鬯鬲"))
        sql = str(statement.compile(db.engine, compile_kwargs={"literal_binds": True}))
        if db.engine.dialect.name == "sqlite":
            plan = " ".join(str(row) for row in db.session.execute(text("EXPLAIN QUERY PLAN " + sql)))
            assert "customer_name_fts VIRTUAL TABLE" in plan, plan
        else:
            db.session.execute(text("SET LOCAL enable_seqscan = off"))  # a tiny table: make the choice visible
            plan = " ".join(row[0] for row in db.session.execute(text("EXPLAIN " + sql)))
            db.session.rollback()
            assert "ix_customer_name_grams" in plan, plan


# -- pinyin order --------------------------------------------------------------------------------------------

# In code point order 张 (U+5F20) < 白 (U+767D) < 重 (U+91CD) < 长 (U+957F) < 阿 (U+963F); in pinyin order
# 阿 a1 < 白 bai2 < 长沙 chang2 < 重庆 chong2 < 张 zhang1.
PINYIN_ORDER = ["鬻阿里", "鬻白云", "鬻长沙", "鬻重庆", "鬻张记"]


@pytest.fixture(scope="module")
def ordered(app):
    with app.app_context():
        owner = f.user(app, "sales1")
        ids = {}
        for name in reversed(PINYIN_ORDER):
            customer = f.customer(owner, name=name + "有限公司")
            ids[name] = customer.id
            f.contact(customer, name=name[1:] + "经理")
        db.session.commit()
        return ids


def test_the_customer_list_is_in_pinyin_order_by_default_and_by_the_name_column(login, ordered):
    client = login("admin")
    expected = [ordered[name] for name in PINYIN_ORDER]
    html = client.get(f"/customerview/list/?_flt_0_customer_name={quote('鬻')}").get_data(as_text=True)
    assert listed(html, "customerview") == expected
    html = client.get(f"/customerview/list/?_flt_0_customer_name={quote('鬻')}"
                      "&_oc_CustomerView=name&_od_CustomerView=desc").get_data(as_text=True)
    assert listed(html, "customerview") == expected[::-1]


def test_contact_names_sort_by_pinyin(app, login, ordered):
    with app.app_context():
        contacts = dict(db.session.execute(select(Contact.name, Contact.id).where(
            Contact.customer_id.in_(ordered.values()))).all())
    html = login("admin").get(f"/contactview/list/?_flt_0_customer_name={quote('鬻')}"
                              "&_oc_ContactView=name&_od_ContactView=asc").get_data(as_text=True)
    assert listed(html, "contactview") == [contacts[name[1:] + "经理"] for name in PINYIN_ORDER]


def test_the_api_sorts_names_by_pinyin_too(api, ordered):
    query = "(order_column:name,order_direction:asc,filters:!((col:name,opr:sw,value:鬻)),page_size:10)"
    response = api("admin").get(f"/api/v1/customer/?q={quote(query)}")
    assert response.status_code == 200, response.get_json()
    assert [row["id"] for row in response.get_json()["result"]] == [ordered[name] for name in PINYIN_ORDER]


# -- every door keeps the keys -------------------------------------------------------------------------------

def keys_of(customer_id: int):
    db.session.expire_all()
    return db.session.execute(select(Customer.name, Customer.name_sort, Customer.name_grams)
                              .where(Customer.id == customer_id)).one()


def assert_keys_right(customer_id: int, name: str) -> None:
    stored_name, sort_key, grams = keys_of(customer_id)
    assert (stored_name, sort_key, grams) == (name, pinyin_sort_key(name), bigram_text(name))


def test_the_form_keeps_the_keys(app, login):
    client = login("sales1")
    token = csrf_token(client.get("/customerview/add").get_data(as_text=True))
    response = client.post("/customerview/add", data={"csrf_token": token, "name": "鬻表单重庆有限公司",
                                                      "stage": "lead", "locality": "local"},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    with app.app_context():
        cid = db.session.scalar(select(Customer.id).where(Customer.name == "鬻表单重庆有限公司"))
        assert_keys_right(cid, "鬻表单重庆有限公司")
    values = form_values(client.get(f"/customerview/edit/{cid}").get_data(as_text=True))
    values.update({"name": "鬻表单长沙有限公司", "stage": "lead", "locality": "local"})
    response = client.post(f"/customerview/edit/{cid}", data=values, content_type="multipart/form-data")
    assert response.status_code == 302
    with app.app_context():
        assert_keys_right(cid, "鬻表单长沙有限公司")


def test_the_api_keeps_the_keys_of_customers_contacts_and_contracts(app, api, ordered):
    admin = api("admin")
    made = admin.post("/api/v1/customer/", json={"name": "鬻接口银行有限公司", "stage": "lead", "locality": "local"})
    cid = made.get_json()["id"]
    with app.app_context():
        assert_keys_right(cid, "鬻接口银行有限公司")
    contact = admin.post("/api/v1/contact/", json={"customer": cid, "name": "曾经理"}).get_json()["id"]
    assert admin.edit(f"/api/v1/contact/{contact}", json={"name": "单经理"}).status_code == 200
    with app.app_context():
        assert db.session.scalar(select(Contact.name_sort).where(Contact.id == contact)) == pinyin_sort_key("单经理")
        pub = f.publication()
        db.session.commit()
        pub_id = pub.id
    number = admin.post("/api/v1/contract/", json={
        "number": "鬻-API-1", "customer": cid, "party_name": "鬻接口银行有限公司", "publication": pub_id, "kind": "ad",
        "start_date": "2026-01-01", "end_date": "2026-06-30", "amount": "1000.00", "discount_pct": "0",
        "payment_terms": "prepaid", "status": "draft"})
    assert number.status_code == 201, number.get_json()
    with app.app_context():
        contract = db.session.get(Contract, number.get_json()["id"])
        assert contract.party_name_sort == pinyin_sort_key("鬻接口银行有限公司")
        assert contract.net_amount == contract.amount


def test_keys_are_not_shown_exported_or_audited(app, api, login, ordered):
    from app.models import AuditLog

    cid = ordered["鬻阿里"]
    shown = api("admin").get(f"/api/v1/customer/{cid}").get_json()["result"]
    assert "name_sort" not in shown and "name_grams" not in shown
    csv_text = login("admin").get(f"/customerview/export/csv?_flt_0_customer_name={quote('鬻阿里')}").get_data(
        as_text=True)
    assert "a1 li3" not in csv_text and "\x1f" not in csv_text
    with app.app_context():
        changes = db.session.scalars(select(AuditLog.changes).where(AuditLog.record == "customer",
                                                                    AuditLog.record_id == cid)).all()
    assert changes and not any("name_sort" in c or "name_grams" in c for c in changes)


def test_a_change_that_leaves_the_name_alone_neither_reads_nor_writes_the_keys(app, ordered):
    from sqlalchemy import event

    with app.app_context():
        customer = db.session.get(Customer, ordered["鬻白云"])
        statements = []
        listener = lambda conn, cursor, statement, *args: statements.append(statement)  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            customer.city = "珠海"
            db.session.commit()
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        assert statements and not any("name_sort" in s or "name_grams" in s for s in statements), statements
        assert_keys_right(customer.id, "鬻白云有限公司")
