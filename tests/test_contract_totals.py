"""Contract totals (net amount, confirmed payments, write-offs) kept on the contract by every write
(app.models.derived): always equal to the sums afresh, through the REST API, the browser's confirmation,
the ORM, deletes, moves between contracts, failed flushes and two writers at the same moment; and the
dashboard built on them still equal to the money rules applied contract by contract."""
import re
import threading
from datetime import date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.models import Contract, Payment, WriteOff, db
from tests import factories as f
from tests.conftest import csrf_token


def fresh_sums(contract_id: int) -> tuple[Decimal, Decimal]:
    # what a payment pays: confirmed, not reversed, less the advance Finance holds apart
    paid = db.session.scalar(select(func.coalesce(func.sum(Payment.amount - Payment.advance), 0)).where(
        Payment.contract_id == contract_id, Payment.confirmed_at.is_not(None), Payment.reversed_at.is_(None)))
    written = db.session.scalar(select(func.coalesce(func.sum(WriteOff.amount), 0)).where(
        WriteOff.contract_id == contract_id))
    return Decimal(paid).quantize(Decimal("0.01")), Decimal(written).quantize(Decimal("0.01"))


def stored(contract_id: int) -> tuple[Decimal, Decimal, Decimal]:
    db.session.expire_all()
    row = db.session.execute(select(Contract.net_amount, Contract.paid_total, Contract.written_off_total)
                             .where(Contract.id == contract_id)).one()
    return tuple(Decimal(v).quantize(Decimal("0.01")) if v is not None else None for v in row)


def assert_totals_right(contract_id: int, paid: str, written: str = "0.00") -> None:
    _net, stored_paid, stored_written = stored(contract_id)
    assert (stored_paid, stored_written) == fresh_sums(contract_id) == (Decimal(paid), Decimal(written))


@pytest.fixture
def two_contracts(app):
    with app.app_context():
        cust = f.customer(f.user(app, "sales1"))
        pub = f.publication()
        first = f.contract(cust, pub, amount=Decimal("10000.00"), discount_pct=Decimal("12.5"), status="sealed")
        second = f.contract(cust, pub, amount=Decimal("3000.00"), status="sealed")
        db.session.commit()
        return first.id, second.id


def test_net_amount_follows_amount_and_discount(app, two_contracts):
    first, _ = two_contracts
    with app.app_context():
        assert stored(first)[0] == Decimal("8750.00")
        contract = db.session.get(Contract, first)
        contract.discount_pct = Decimal("33.33")
        contract.amount = Decimal("100.03")
        db.session.commit()
        assert stored(first)[0] == Decimal("66.69")  # 100.03 x 0.6667 = 66.690001, rounded once


def test_payments_through_the_api_move_the_totals(app, api, two_contracts):
    first, second = two_contracts
    finance = api("finance")
    made = finance.post("/api/v1/payment/", json={"contract": first, "amount": "1000.00", "kind": "ad_fee",
                                                   "method": "transfer", "collected_on": "2026-11-01"})
    assert made.status_code == 201, made.get_json()
    pid = made.get_json()["id"]
    with app.app_context():
        assert_totals_right(first, "0.00")  # not confirmed: nothing paid yet
    # corrected and moved while unconfirmed: still nothing paid on either contract
    assert finance.edit(f"/api/v1/payment/{pid}", json={"amount": "1234.56"}).status_code == 200
    assert finance.edit(f"/api/v1/payment/{pid}", json={"contract": second}).status_code == 200
    with app.app_context():
        assert_totals_right(first, "0.00")
        assert_totals_right(second, "0.00")
    assert finance.edit(f"/api/v1/payment/{pid}", json={"confirmed_at": "2026-11-02 10:00:00"}).status_code == 200
    with app.app_context():
        assert_totals_right(first, "0.00")
        assert_totals_right(second, "1234.56")
    reversed_ = finance.post(f"/api/v1/payment/{pid}/reverse", json={"reason": "银行退回重复入账"})
    assert reversed_.status_code == 200, reversed_.get_json()
    with app.app_context():
        assert_totals_right(second, "0.00")


def test_confirming_in_the_browser_and_deleting_move_the_totals(app, login, two_contracts):
    first, _ = two_contracts
    with app.app_context():
        cash = f.payment(db.session.get(Contract, first), amount=Decimal("300.00"),
                         collected_by_id=f.user(app, "sales1").id)
        cash.method = "cash"
        db.session.commit()
        cash_id = cash.id
    client = login("finance")
    token = csrf_token(client.get("/handover/").get_data(as_text=True))
    assert client.post(f"/handover/confirm/{cash_id}", data={"csrf_token": token}).status_code == 302
    with app.app_context():
        assert_totals_right(first, "300.00")
        db.session.delete(db.session.get(Payment, cash_id))  # an expired, unloaded row: the hook loads it
        db.session.commit()
        assert_totals_right(first, "0.00")


def test_write_offs_move_the_written_off_total(app, api, two_contracts):
    first, _ = two_contracts
    finance = api("finance")
    with app.app_context():
        sales1 = f.user(app, "sales1").id
    ids = []
    for amount in ("50.00", "20.00"):
        made = finance.post("/api/v1/writeoff/", json={"contract": first, "amount": amount,
                                                        "reason": "版面印错，减免部分费用",
                                                        "responsible_user": sales1})
        assert made.status_code == 201, made.get_json()
        ids.append(made.get_json()["id"])
    with app.app_context():
        assert_totals_right(first, "0.00", "70.00")
        db.session.delete(db.session.get(WriteOff, ids[0]))
        db.session.commit()
        assert_totals_right(first, "0.00", "20.00")


def test_a_failed_flush_moves_nothing(app, two_contracts):
    first, _ = two_contracts
    with app.app_context():
        contract = db.session.get(Contract, first)
        db.session.add(Payment(contract=contract, amount=Decimal("-5.00"), kind="ad_fee", method="transfer",
                               collected_on=date(2026, 11, 1), confirmed_at=datetime(2026, 11, 1, 9)))
        with pytest.raises(Exception):
            db.session.flush()  # the amount check refuses the row
        db.session.rollback()
        f.payment(db.session.get(Contract, first), amount=Decimal("10.00"), confirmed_at=datetime(2026, 11, 2, 9))
        db.session.commit()
        assert_totals_right(first, "10.00")


def test_two_people_confirming_payments_of_one_contract_at_once_both_count(app, two_contracts):
    """Each writer sees only its own payment; the totals are moved by differences, so both count."""
    first, _ = two_contracts
    with app.app_context():
        ids = [f.payment(db.session.get(Contract, first), amount=Decimal(amount)).id for amount in ("100.00",
                                                                                                      "250.00")]
        db.session.commit()
    barrier, errors = threading.Barrier(2), []

    def confirm(payment_id):
        try:
            with app.app_context():
                payment = db.session.get(Payment, payment_id)
                barrier.wait(timeout=10)
                payment.confirmed_at = datetime(2026, 11, 3, 12)
                db.session.commit()
        except Exception as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=confirm, args=(pid,)) for pid in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    with app.app_context():
        assert_totals_right(first, "350.00")


def test_the_dashboard_equals_the_rules_after_writes_through_the_api(app, api, login, two_contracts):
    """The money figures from the stored totals equal those from payments summed afresh (the receivables
    page's statement) after payments were added, confirmed, moved and deleted."""
    from app.workflow.dashboard import money_text
    from app.workflow.money import open_receivable_rows
    from app.domain.rules import dashboard as dash_rules
    from app.domain.rules.money import ageing_totals
    from tests.test_dashboard import page_data

    first, second = two_contracts
    finance = api("finance")
    for contract, amount in ((first, "2000.00"), (second, "2999.99"), (first, "0.01")):
        made = finance.post("/api/v1/payment/", json={"contract": contract, "amount": amount, "kind": "ad_fee",
                                                       "method": "transfer", "collected_on": "2026-11-01"})
        assert finance.edit(f"/api/v1/payment/{made.get_json()['id']}",
                            json={"confirmed_at": "2026-11-02 10:00:00"}).status_code == 200
    data = page_data(login("admin"))
    today = date.fromisoformat(data["today"])
    with app.app_context():
        items = [row.item for row in open_receivable_rows(today=today, user_id=None)]
    assert data["ageing"] == {bucket: money_text(total) for bucket, total in ageing_totals(items).items()}
    late = dash_rules.short_list(dash_rules.overdue_first(sorted(items, key=lambda i: i.ref)))
    assert data["overdue"]["total"] == late["total"]
    assert [r["contract_id"] for r in data["overdue"]["rows"]] == [i.ref for i in late["rows"]]


@pytest.mark.only_db("sqlite")
def test_the_dashboard_statements_read_their_indexes_alone(app):
    """What keeps the dashboard fast at 100,000 customers, checked without a clock (SQLite; PostgreSQL picks
    by statistics): the sealed contracts' sums, the renewal counts and the cash waiting for Finance come from
    covering indexes, never from the tables."""
    from sqlalchemy import text

    from app.workflow import dashboard

    with app.app_context():
        assert db.engine.dialect.name == "sqlite"  # PostgreSQL chooses its plans by statistics

        def plan(statement) -> str:
            sql = str(statement.compile(db.engine, compile_kwargs={"literal_binds": True}))
            return " | ".join(str(row[-1]) for row in db.session.execute(text("EXPLAIN QUERY PLAN " + sql)))

        today = date(2026, 11, 29)
        money = plan(dashboard.money_facts_statement(["revenue", "ageing", "overdue"], today, None))
        assert "COVERING INDEX ix_contract_sealed_start" in money and "COVERING INDEX ix_contract_open" in money
        assert not re.search(r"SCAN contract( \||$)", money)  # never the table itself
        renewals = plan(dashboard.select(dashboard.renewal_counts_select(today, None).subquery()))
        assert "COVERING INDEX ix_contract_status_end_kind" in renewals
        handovers = plan(dashboard.handovers_statement(None))
        assert "COVERING INDEX ix_payment_waiting" in handovers and not re.search(r"SCAN payment( \||$)", handovers)
