"""Contract numbers from CONTRACT_NUMBER_PATTERN, the party name from the customer, and money typed with
thousands separators, through the form, the API and the sheet's parser (the one parser)."""
import threading
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.domain.numbering import pattern_problem, render, scope, seq_of
from app.models import Contract, db
from tests import factories as f
from tests.conftest import form_values

YEAR = date.today().year


def seq(number: str) -> int:
    return seq_of("HT-{year}-{seq:04d}", date.today(), number)


def make_customer(app, owner="sales1"):
    with app.app_context():
        cust = f.customer(f.user(app, owner))
        pub = f.publication()
        db.session.commit()
        return cust.id, pub.id, cust.name


def body(cust_id, pub_id, **kw):
    return {"customer": cust_id, "publication": pub_id, "kind": "ad", "start_date": f"{YEAR}-01-01",
            "end_date": f"{YEAR}-12-31", "amount": "1000", **kw}


def test_patterns_are_checked_and_scoped():
    assert pattern_problem("HT-{year}-{seq:04d}") is None
    assert pattern_problem("GG{year}{month:02d}-{seq:03d}") is None
    assert "{seq}" in pattern_problem("HT-{year}")
    assert "{customer}" in pattern_problem("HT-{customer}-{seq}")
    assert pattern_problem("HT-{year") is not None
    assert pattern_problem("X" * 40 + "{seq}") is not None
    day = date(2026, 3, 9)
    assert render("HT-{year}-{seq:04d}", day, 7) == "HT-2026-0007"
    assert scope("HT-{year}-{seq:04d}", day) == "HT-2026-{seq}"
    assert scope("GG{year}{month:02d}-{seq:03d}", day) == "GG202603-{seq}"
    assert seq_of("HT-{year}-{seq:04d}", day, "HT-2026-0042") == 42
    assert seq_of("HT-{year}-{seq:04d}", day, "HT-2025-0042") is None


def test_a_bad_pattern_stops_the_app_with_a_clear_error(monkeypatch):
    from config import ConfigError, from_environment

    monkeypatch.setenv("CONTRACT_NUMBER_PATTERN", "HT-{year}")
    with pytest.raises(ConfigError, match="CONTRACT_NUMBER_PATTERN"):
        from_environment()
    monkeypatch.setenv("CONTRACT_NUMBER_PATTERN", "WEB{year}-{seq:05d}")
    assert from_environment()["CONTRACT_NUMBER_PATTERN"] == "WEB{year}-{seq:05d}"


def test_the_api_numbers_a_contract_left_without_one_and_fills_the_party(app, api):
    cust_id, pub_id, name = make_customer(app)
    first = api("sales1").post("/api/v1/contract/", json=body(cust_id, pub_id, amount="36,000"))
    second = api("sales1").post("/api/v1/contract/", json=body(cust_id, pub_id, amount="¥36，000.50"))
    assert first.status_code == 201, first.get_json()
    assert second.status_code == 201, second.get_json()
    with app.app_context():
        a, b = (db.session.get(Contract, r.get_json()["id"]) for r in (first, second))
        assert a.number.startswith(f"HT-{YEAR}-") and seq(b.number) == seq(a.number) + 1
        assert a.party_name == name and a.amount == Decimal("36000") and b.amount == Decimal("36000.50")
    # A number typed by hand is kept; a number typed ahead of the counter is skipped, not collided with.
    typed = f"HT-{YEAR}-{seq(b.number) + 1:04d}"
    assert api("sales1").post("/api/v1/contract/", json=body(cust_id, pub_id, number=typed)).status_code == 201
    third = api("sales1").post("/api/v1/contract/", json=body(cust_id, pub_id)).get_json()["id"]
    with app.app_context():
        assert seq(db.session.get(Contract, third).number) == seq(b.number) + 2


def test_unclear_amounts_are_refused_naming_the_field(app, api):
    cust_id, pub_id, _ = make_customer(app)
    refused = api("sales1", "en").post("/api/v1/contract/", json=body(cust_id, pub_id, amount="3,6000"))
    assert refused.status_code in (400, 422)
    assert "Thousands separators" in refused.get_data(as_text=True) and "amount" in refused.get_data(as_text=True)


def test_the_form_takes_separators_leaves_number_and_party_to_the_app(app, login):
    cust_id, pub_id, name = make_customer(app)
    client = login("sales1")
    page = client.get("/contractview/add").get_data(as_text=True)
    assert f"HT-{YEAR}-" in page and 'data-fill-from="customer"' in page
    values = form_values(page)
    values.update({"customer": str(cust_id), "publication": str(pub_id), "kind": "ad", "number": "",
                   "party_name": "", "start_date": f"{YEAR}-02-01", "end_date": f"{YEAR}-11-30",
                   "amount": "¥36，000", "discount_pct": "10", "payment_terms": "prepaid"})
    response = client.post("/contractview/add", data=values)
    assert response.status_code == 302, response.get_data(as_text=True)[-3000:]
    with app.app_context():
        made = db.session.scalars(select(Contract).where(Contract.customer_id == cust_id)).one()
        assert made.amount == Decimal("36000") and made.party_name == name and made.number.startswith("HT-")
        assert made.net_amount == Decimal("32400.00")
    values["amount"] = "36,00"
    again = client.post("/contractview/add", data=values).get_data(as_text=True)
    assert "千位分隔符" in again  # next to the field, in Chinese, and the typed text is kept
    assert 'value="36,00"' in again


def test_two_simultaneous_creations_get_two_numbers(app, api):
    """Two people create contracts at the same moment: two different consecutive numbers, no refusal."""
    cust_id, pub_id, _ = make_customer(app)
    clients = [api("sales1"), api("admin")]
    barrier = threading.Barrier(2)
    results = [None, None]

    def create(i):
        barrier.wait()
        results[i] = clients[i].post("/api/v1/contract/", json=body(cust_id, pub_id))

    threads = [threading.Thread(target=create, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [r.status_code for r in results] == [201, 201], [r.get_json() for r in results]
    with app.app_context():
        numbers = sorted(db.session.get(Contract, r.get_json()["id"]).number for r in results)
    assert numbers[0] != numbers[1] and seq(numbers[1]) == seq(numbers[0]) + 1


@pytest.mark.only_db("postgres")
def test_a_second_taker_waits_for_the_first_transaction(app):
    """The counter row stays locked by the first transaction until it ends: the second taker waits, then gets
    the next number (PostgreSQL's row lock; SQLite serialises writers altogether)."""
    from app.workflow.numbering import _take, pattern

    with app.app_context():
        assert db.engine.dialect.name == "postgresql"
        pat, day = pattern(), date.today()
        key = scope(pat, day)
        taken = {"first": _take(key, pat, day)}  # this app context's session, transaction left open

        def second():
            with app.app_context():  # its own session and connection
                taken["second"] = _take(key, pat, day)
                db.session.commit()

        thread = threading.Thread(target=second)
        thread.start()
        thread.join(timeout=1.5)
        waited = thread.is_alive()
        db.session.commit()
        thread.join(timeout=10)
    assert waited, "the second taker did not wait for the first transaction"
    assert taken["second"] == taken["first"] + 1
