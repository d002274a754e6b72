"""Two people at the same moment, one door at a time: versions, stale saves refused, row locks.

The same scenarios fired in parallel at a real gunicorn are in tests/test_concurrency_server.py; the sheet
door is in tests/sync/test_sync_versions.py.
"""
import re
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlalchemy import inspect, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from app.models import Contract, ContractTransition, Payment, WriteOff, db
from tests import factories as f
from tests.conftest import form_values, hidden_value

# Every domain table, written out: a new record added to ALL_MODELS without a version fails the first test.
VERSIONED_TABLES = {"customer", "contact", "activity", "publication", "issue", "ad_slot", "slot_price_change",
                    "contract", "booking", "payment", "write_off", "complaint", "sensitive_word"}
STALE_ZH = "此记录在您打开后已被他人修改"
# The Sales rep of these tests: their own user, so the rows made here do not crowd sales1's lists in other tests.
REP = "concurrency_rep"


def ensure_rep(app, username: str = REP) -> None:
    from tests.conftest import DEMO_PASSWORD

    with app.app_context():
        sm = app.appbuilder.sm
        if sm.find_user(username=username) is None:
            assert sm.add_user(username, "并发", "销售", f"{username}@example.com", sm.find_role("Sales"),
                               DEMO_PASSWORD)


@pytest.fixture(autouse=True)
def _rep(request):
    if "app" in request.fixturenames:
        ensure_rep(request.getfixturevalue("app"))
STALE_EN = "changed by someone else since you opened it"


def make_contract(app, owner=REP, **kw) -> int:
    with app.app_context():
        cust = f.customer(f.user(app, owner), license_copy="licence.pdf", operating_permit="permit.pdf")
        con = f.contract(cust, f.publication(), **kw)
        db.session.commit()
        return con.id


def contract_row(app, cid):
    with app.app_context():
        con = db.session.get(Contract, cid)
        return con.status, con.amount, con.notes or None, con.version  # a form stores a blank note as ""


def set_status(app, cid, status):
    with app.app_context():
        db.session.get(Contract, cid).status = status  # set up directly (the ORM counts the version up)
        db.session.commit()


def touch(app, cid, notes):
    """Someone else saves the contract (its version counts one up)."""
    with app.app_context():
        db.session.get(Contract, cid).notes = notes
        db.session.commit()


# --------------------------------------------------------------------------- the version column


def test_every_domain_record_carries_a_version_counted_by_sqlalchemy():
    from app.models import ALL_MODELS

    tables = {model.__tablename__: model for model in ALL_MODELS}
    assert VERSIONED_TABLES <= set(tables)
    for name in VERSIONED_TABLES:
        mapper = inspect(tables[name])
        assert mapper.version_id_col is not None and mapper.version_id_col.name == "version", name
        assert mapper.version_id_col.nullable is False, name


def test_a_new_row_starts_at_version_1_and_each_save_counts_one_up(app):
    with app.app_context():
        cust = f.customer(f.user(app, REP))
        db.session.commit()
        assert cust.version == 1
        cust.city = "珠海"
        db.session.commit()
        assert cust.version == 2
        # A raw insert (imports, seeds) gets 1 from the column's default.
        db.session.execute(sa.text("INSERT INTO sensitive_word (word, created_at) VALUES ('并发测试词', '2026-01-01')"))
        assert db.session.scalar(sa.text("SELECT version FROM sensitive_word WHERE word = '并发测试词'")) == 1
        db.session.rollback()


def test_an_update_based_on_an_outdated_read_changes_nothing_and_raises(app):
    cid = make_contract(app)
    with app.app_context():
        mine = db.session.get(Contract, cid)  # read at version 1
        with Session(db.engine) as other:
            theirs = other.get(Contract, cid)
            theirs.notes = "B 的备注"
            other.commit()
        mine.notes = "A 的备注"
        with pytest.raises(StaleDataError):
            db.session.flush()
        db.session.rollback()
        assert db.session.get(Contract, cid).notes == "B 的备注"


def test_the_audit_log_does_not_list_the_version_as_a_change(app, api):
    cid = make_contract(app)
    assert api(REP).edit(f"/api/v1/contract/{cid}", json={"notes": "审计"}).status_code == 200
    with app.app_context():
        from app.models import AuditLog

        changes = db.session.scalars(select(AuditLog.changes).where(
            AuditLog.record == "contract", AuditLog.record_id == cid).order_by(AuditLog.id.desc())).first()
    assert "notes" in changes and "version" not in changes


# --------------------------------------------------------------------------- REST API


def test_api_returns_the_version_and_a_put_based_on_it_counts_it_up(app, api):
    cid = make_contract(app)
    client = api(REP)
    shown = client.get(f"/api/v1/contract/{cid}").get_json()["result"]
    assert shown["version"] == 1
    listed = client.get("/api/v1/contract/?q=(page_size:100)").get_json()["result"]
    assert {row["id"]: row["version"] for row in listed}[cid] == 1
    response = client.put(f"/api/v1/contract/{cid}", json={"amount": "12000.00", "version": 1})
    assert response.status_code == 200, response.get_json()
    assert contract_row(app, cid)[1:] == (Decimal("12000.00"), None, 2)
    assert client.get(f"/api/v1/contract/{cid}").get_json()["result"]["version"] == 2


def test_api_put_from_an_outdated_read_is_refused_409_and_the_other_change_is_kept(app, api):
    cid = make_contract(app)
    manager, sales = api("manager", lang="en"), api(REP, lang="en")
    assert manager.get(f"/api/v1/contract/{cid}").get_json()["result"]["version"] == 1
    assert sales.get(f"/api/v1/contract/{cid}").get_json()["result"]["version"] == 1
    assert manager.put(f"/api/v1/contract/{cid}", json={"amount": "20000.00", "version": 1}).status_code == 200
    response = sales.put(f"/api/v1/contract/{cid}", json={"notes": "based on version 1", "version": 1})
    assert response.status_code == 409
    body = response.get_json()
    assert STALE_EN in body["message"] and body["version"] == 2
    assert contract_row(app, cid)[1:] == (Decimal("20000.00"), None, 2)  # nothing of the stale PUT, nothing lost


def test_api_put_without_a_version_is_refused_428_and_changes_nothing(app, api):
    cid = make_contract(app)
    response = api(REP, lang="en").put(f"/api/v1/contract/{cid}", json={"amount": "1.00"})
    assert response.status_code == 428
    assert '"version"' in response.get_json()["message"]
    assert contract_row(app, cid)[1:] == (Decimal("10000.00"), None, 1)


@pytest.mark.parametrize("version", ["one", True, -1, 1.5, [1], {"v": 1}])
def test_api_put_with_a_version_that_is_not_a_whole_number_is_422(app, api, version):
    cid = make_contract(app)
    response = api(REP).put(f"/api/v1/contract/{cid}", json={"amount": "1.00", "version": version})
    assert response.status_code == 422
    assert "version" in response.get_json()["message"]
    assert contract_row(app, cid)[3] == 1


def test_api_put_refusals_keep_their_order_other_users_row_404_before_version(app, api, login):
    ensure_rep(app, "concurrency_rep2")
    other = make_contract(app, owner="concurrency_rep2")
    assert api(REP).put(f"/api/v1/contract/{other}", json={"notes": "x"}).status_code == 404
    assert api(REP).put("/api/v1/contract/999999999", json={"notes": "x", "version": 1}).status_code == 404


def test_api_document_requires_the_version_and_lists_409_and_428(api):
    document = api("admin").get("/api/v1/_openapi").get_json()
    put = document["paths"]["/api/v1/contract/{pk}"]["put"]
    assert {"409", "428"} <= set(put["responses"])
    schema_ref = put["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    schema = document["components"]["schemas"][schema_ref.rsplit("/", 1)[1]]
    assert "version" in schema["required"] and schema["properties"]["version"]["type"] == "integer"
    shown = document["components"]["schemas"]["ContractApi.get"]["properties"]
    assert "version" in shown
    transition = document["paths"]["/api/v1/contract/{pk}/transition"]["post"]
    assert "409" in transition["responses"]


# --------------------------------------------------------------------------- forms


def test_edit_form_carries_the_version_it_was_opened_with(app, login):
    cid = make_contract(app)
    touch(app, cid, "别人保存过")  # version 2
    page = login(REP).get(f"/contractview/edit/{cid}").get_data(as_text=True)
    assert hidden_value(page, "version") == "2"


def test_stale_form_save_is_refused_and_the_typed_values_are_shown_again(app, login):
    cid = make_contract(app)
    url = f"/contractview/edit/{cid}"
    alice, bob = login(REP), login("manager")
    form_a = form_values(alice.get(url).get_data(as_text=True))
    form_b = form_values(bob.get(url).get_data(as_text=True))
    assert form_a["version"] == form_b["version"] == "1"

    form_b["amount"] = "20000.00"
    assert bob.post(url, data=form_b).status_code == 302  # the first save goes through
    form_a.update(amount="30000.00", notes="甲填写的备注")
    response = alice.post(url, data=form_a)
    assert response.status_code == 200  # the form again, not a redirect and not a 500
    page = response.get_data(as_text=True)
    assert STALE_ZH in page
    assert "manager" in page and "金额" in page  # who changed which field meanwhile
    shown = form_values(page)
    assert shown["amount"] == "30000.00" and shown["notes"] == "甲填写的备注"  # nothing typed is lost
    assert shown["version"] == "2"  # based on the record as it is now
    assert contract_row(app, cid)[1:] == (Decimal("20000.00"), None, 2)  # the first save is kept

    # Saving the shown form again applies the entries knowingly.
    assert alice.post(url, data=shown).status_code == 302
    assert contract_row(app, cid)[1:] == (Decimal("30000.00"), "甲填写的备注", 3)


def test_a_form_posted_without_its_version_saves_nothing(app, login):
    cid = make_contract(app)
    url = f"/contractview/edit/{cid}"
    client = login(REP)
    form = form_values(client.get(url).get_data(as_text=True))
    del form["version"]
    form["amount"] = "5.00"
    response = client.post(url, data=form)
    assert response.status_code == 200 and STALE_ZH in response.get_data(as_text=True)
    assert form_values(response.get_data(as_text=True))["amount"] == "5.00"
    assert contract_row(app, cid)[1] == Decimal("10000.00")


def test_stale_form_message_in_english(app, login):
    cid = make_contract(app)
    url = f"/contractview/edit/{cid}"
    client = login(REP)
    client.get("/lang/en")
    form = form_values(client.get(url).get_data(as_text=True))
    touch(app, cid, "someone else")
    response = client.post(url, data=form)
    assert "This record was changed by someone else since you opened it; nothing was saved." in \
        response.get_data(as_text=True)


# --------------------------------------------------------------------------- transitions


def test_api_transition_based_on_an_outdated_version_is_refused_409(app, api):
    cid = make_contract(app)
    first = api(REP).post(f"/api/v1/contract/{cid}/transition", json={"to": "stamped", "version": 1})
    assert first.status_code == 200 and first.get_json()["version"] == 2
    stale = api("manager").post(f"/api/v1/contract/{cid}/transition", json={"to": "cancelled", "reason": "重复",
                                                                             "version": 1})
    assert stale.status_code == 409 and stale.get_json()["code"] == "record.changed_meanwhile"
    assert contract_row(app, cid)[0] == "stamped"
    fresh = api("manager").post(f"/api/v1/contract/{cid}/transition", json={"to": "reviewed", "version": 2})
    assert fresh.status_code == 200
    bad = api("admin").post(f"/api/v1/contract/{cid}/transition", json={"to": "approved", "version": "x"})
    assert bad.status_code == 400


def test_api_transition_of_an_id_beyond_64_bits_is_404_not_500(api):
    response = api("admin").post("/api/v1/contract/99999999999999999999/transition", json={"to": "stamped"})
    assert response.status_code == 404


def test_browser_transition_from_an_outdated_page_is_refused(app, login, api):
    cid = make_contract(app)
    manager = login("manager")
    set_status(app, cid, "stamped")
    page = manager.get(f"/contractview/show/{cid}").get_data(as_text=True)
    assert hidden_value(page, "version") == "2"
    # Meanwhile the owner sends it back to draft.
    assert api(REP).post(f"/api/v1/contract/{cid}/transition",
                              json={"to": "draft", "reason": "改金额"}).status_code == 200
    token = hidden_value(page, "csrf_token")
    response = manager.post(f"/contractview/transition/{cid}", data={
        "csrf_token": token, "version": "2", "to": "cancelled", "reason": "客户放弃"}, follow_redirects=True)
    assert STALE_ZH in response.get_data(as_text=True)
    assert contract_row(app, cid)[0] == "draft"


def test_a_transition_reads_the_contract_as_committed_not_as_first_loaded(app):
    """The second of two reviews, loaded before the first committed, is judged on the reviewed contract."""
    from app.domain.rules.contracts import Actor
    from app.domain.rules.errors import RuleViolation
    from app.workflow.contracts import transition_contract

    cid = make_contract(app)
    set_status(app, cid, "stamped")
    with app.app_context():
        admin = Actor(f.user(app, "admin").id, frozenset({"Admin"}))
        manager = Actor(f.user(app, "manager").id, frozenset({"Manager"}))
        mine = db.session.get(Contract, cid)  # loaded while still stamped
        with Session(db.engine) as other:
            theirs = other.get(Contract, cid)
            theirs.status = "reviewed"
            other.add(ContractTransition(contract=theirs, from_status="stamped", to_status="reviewed",
                                         actor_id=manager.user_id, channel="api"))
            other.commit()
        with pytest.raises(RuleViolation) as refused:
            transition_contract(mine, "reviewed", actor=admin)
        assert refused.value.code == "contract.invalid_transition"
        db.session.rollback()
        assert db.session.scalar(select(sa.func.count()).select_from(ContractTransition).where(
            ContractTransition.contract_id == cid)) == 1


# --------------------------------------------------------------------------- payments and write-offs


def cash_payment(app, cid) -> int:
    with app.app_context():
        con = db.session.get(Contract, cid)
        pay = f.payment(con, amount=Decimal("300.00"))
        pay.method, pay.collected_by = "cash", f.user(app, REP)
        db.session.commit()
        return pay.id


def test_handover_confirmation_of_a_payment_changed_since_the_page_was_opened_is_refused(app, login):
    cid = make_contract(app)
    pid = cash_payment(app, cid)
    finance = login("finance")
    page = finance.get("/handover/").get_data(as_text=True)
    shown = re.search(rf'action="/handover/confirm/{pid}">.*?name="version" value="(\d+)"', page, re.S)
    assert shown, "the confirm button sends the version the row was shown with"
    version = int(shown.group(1))
    token = hidden_value(page, "csrf_token")
    with app.app_context():
        db.session.get(Payment, pid).amount = Decimal("3000.00")  # a correction while the page is open
        db.session.commit()
    response = finance.post(f"/handover/confirm/{pid}", data={"csrf_token": token, "version": str(version)},
                            follow_redirects=True)
    assert STALE_ZH in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Payment, pid).confirmed_at is None
    response = finance.post(f"/handover/confirm/{pid}", data={"csrf_token": token, "version": str(version + 1)})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Payment, pid).confirmed_at is not None


def test_confirming_a_payment_someone_confirmed_meanwhile_is_refused(app):
    from app.domain.rules.errors import RuleViolation
    from app.context import acting_as
    from app.workflow.money import confirm_payment

    cid = make_contract(app)
    pid = cash_payment(app, cid)
    with app.app_context(), acting_as(f.user(app, "finance").id, "cli"):
        mine = db.session.get(Payment, pid)  # read while unconfirmed
        with Session(db.engine) as other:
            other.get(Payment, pid).confirmed_at = date(2026, 11, 2)
            other.commit()
        with pytest.raises(RuleViolation) as refused:
            confirm_payment(mine)
        assert refused.value.code == "money.already_confirmed"
        db.session.rollback()


def test_a_write_off_is_checked_against_write_offs_committed_after_it_was_read(app):
    """Two write-offs of the whole receivable: the second, prepared before the first committed, is refused."""
    from app.context import acting_as
    from app.workflow.guards import check_record_write
    from app.workflow.messages import RuleRefused

    cid = make_contract(app, amount=Decimal("800.00"))
    set_status(app, cid, "sealed")
    with app.app_context():
        responsible = f.user(app, REP).id
        mine = WriteOff(contract=db.session.get(Contract, cid), amount=Decimal("800.00"),
                        responsible_user_id=responsible, reason="员工失误")
        db.session.add(mine)
        with Session(db.engine) as other:
            con = other.get(Contract, cid)
            other.add(WriteOff(contract=con, customer_id=con.customer_id, amount=Decimal("800.00"),
                               responsible_user_id=responsible, reason="员工失误"))
            other.commit()
        with acting_as(f.user(app, "finance").id, "cli"), db.session.no_autoflush, \
                pytest.raises(RuleRefused) as refused:
            check_record_write("writeoff", mine)  # as Finance, who records write-offs
        assert refused.value.violation.code == "money.writeoff_exceeds_receivable"
        db.session.rollback()


# --------------------------------------------------------------------------- the row lock itself


def other_writer_is_blocked(app, cid) -> bool:
    """True if another connection cannot take the contract's row for writing right now."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if url.startswith("sqlite"):
        engine = sa.create_engine(url, connect_args={"timeout": 0.2})
        statement = sa.text("UPDATE contract SET notes = notes WHERE id = :id")
    else:
        engine = sa.create_engine(url)
        statement = sa.text("SELECT id FROM contract WHERE id = :id FOR UPDATE NOWAIT")
    try:
        with engine.begin() as connection:
            connection.execute(statement, {"id": cid})
        return False
    except sa.exc.OperationalError:
        return True
    finally:
        engine.dispose()


def test_lock_for_update_holds_the_row_until_the_transaction_ends_and_reloads_it(app):
    from app.workflow.concurrency import lock_for_update

    cid = make_contract(app)
    with app.app_context():
        con = db.session.get(Contract, cid)
        with db.engine.begin() as connection:  # committed by someone else after our read
            connection.execute(sa.text("UPDATE contract SET status = 'stamped', version = version + 1 WHERE id = :id"),
                               {"id": cid})
        assert other_writer_is_blocked(app, cid) is False
        lock_for_update(con)
        assert (con.status, con.version) == ("stamped", 2)  # reloaded under the lock
        assert other_writer_is_blocked(app, cid) is True
        db.session.rollback()
        assert other_writer_is_blocked(app, cid) is False


@pytest.mark.parametrize("record", ["booking", "payment", "writeoff"])
def test_the_write_guard_locks_the_contract_before_checking_the_rules(app, record):
    from app.models import Booking
    from app.workflow.guards import check_record_write
    from app.workflow.messages import RuleRefused

    cid = make_contract(app)
    with app.app_context():
        con = db.session.get(Contract, cid)
        pub = f.publication()
        db.session.commit()
        item = {"booking": lambda: Booking(contract=con, slot=f.slot(pub), issue=f.issue(pub)),
                "payment": lambda: Payment(contract=con, amount=Decimal("1.00")),
                "writeoff": lambda: WriteOff(contract=con, amount=Decimal("1.00"), reason="x")}[record]()
        db.session.commit()
        try:
            with db.session.no_autoflush:
                check_record_write(record, item)
        except RuleRefused:
            pass  # a draft contract may refuse it; the lock is taken before the rules run either way
        assert other_writer_is_blocked(app, cid) is True
        db.session.rollback()


@pytest.mark.db
def test_a_stale_write_escaping_a_view_answers_409_never_500(database_url, tmp_path):
    from app import create_app
    from tests.conftest import make_config

    application = create_app(make_config(database_url, str(tmp_path)))

    @application.route("/api/v1/stale-probe")
    @application.route("/stale-probe")
    def probe():
        raise StaleDataError("UPDATE statement on table 'contract' expected to update 1 row(s); 0 were matched.")

    client = application.test_client()
    api_answer = client.get("/api/v1/stale-probe")
    assert api_answer.status_code == 409 and STALE_ZH in api_answer.get_json()["message"]
    page = client.get("/stale-probe")
    assert page.status_code == 409 and STALE_ZH in page.get_data(as_text=True)
    assert "expected to update" not in page.get_data(as_text=True)

