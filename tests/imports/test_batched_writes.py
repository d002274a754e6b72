"""Customers are checked row by row and written a batch at a time (app.imports.engine.BATCHED): the outcome of
every row must be what row-by-row writing gives, including when rows of one batch depend on each other and when
the database refuses a batch the guard let through."""
import pytest
from sqlalchemy import func, select

from app.imports.engine import Options, run_import
from app.imports.readers import bytes_source
from app.models import Customer, db
from tests import factories as f
from tests.imports.importkit import code, csv_bytes, uniq


def run(app, data, username="manager", **options):
    with app.app_context():
        return run_import("customer", bytes_source(data, "f.csv"), f.user(app, username), Options(**options))


def customers(app, codes):
    with app.app_context():
        rows = db.session.execute(select(Customer.credit_code, Customer.name, Customer.city)
                                  .where(Customer.credit_code.in_(codes))).all()
        return {c: (n, city) for c, n, city in rows}


@pytest.mark.parametrize("batch_size", [1, 3, 500])
def test_a_value_repeated_within_a_batch_is_refused_on_its_own_row(app, batch_size):
    a, b, c = code(), code(), code()
    first = uniq()
    data = csv_bytes([["公司名称", "统一社会信用代码", "城市"],
                      [first, a, "深圳"], [uniq(), b, "广州"], [uniq(), a, "东莞"], [uniq(), c, "佛山"]])
    report = run(app, data, mode="create", partial=True, batch_size=batch_size)
    assert (report.create, report.failed) == (3, 1)
    assert [e["row"] for e in report.errors] == [4], report.errors
    assert first in report.errors[0]["message"] or "#" in report.errors[0]["message"]
    stored = customers(app, [a, b, c])
    assert stored[a] == (first, "深圳") and set(stored) == {a, b, c}
    assert [o["row"] for o in report.outcomes] == [2, 3, 4, 5], "the preview lists the rows in file order"
    assert all(o["id"] for o in report.outcomes if o["action"] == "create"), "created rows carry their ID"


def test_an_upsert_of_a_row_created_earlier_in_the_same_batch_updates_it(app):
    a = code()
    name = uniq()
    data = csv_bytes([["公司名称", "统一社会信用代码", "城市"], [name, a, "深圳"], [name, a, "广州"]])
    report = run(app, data, mode="upsert", batch_size=500)
    assert (report.create, report.update, report.failed) == (1, 1, 0), report.errors
    assert customers(app, [a]) == {a: (name, "广州")}
    assert report.outcomes[1]["changes"]["city"] == ["深圳", "广州"]


@pytest.fixture
def unguarded_taken_code(app, monkeypatch):
    """A credit code another customer holds, with the guard's check of taken values switched off (as when another
    session takes the value between the check and the write): only the database's unique index sees it."""
    import app.workflow.guards as guards

    monkeypatch.setattr(guards, "taken_value", lambda record, item: None)
    taken = code()
    with app.app_context():
        f.customer(f.user(app, "sales1"), credit_code=taken)
        db.session.commit()
    return taken


def test_a_batch_the_database_refuses_is_applied_again_row_by_row(app, unguarded_taken_code):
    """The database's unique index refuses the batch, its rows are applied one at a time, and only the row
    holding the value fails, with its own row number; the batch's other rows are written once."""
    taken = unguarded_taken_code
    others = [code() for _ in range(5)]
    rows = [[uniq(), c, "深圳"] for c in others[:2]] + [[uniq(), taken, "广州"]] + [[uniq(), c, "深圳"] for c in others[2:]]
    # Keyed on the name, so that only the guard (switched off here) and the database look at the credit code.
    report = run(app, csv_bytes([["公司名称", "统一社会信用代码", "城市"], *rows]), mode="create", partial=True,
                 batch_size=500, key=("name",))
    assert (report.create, report.failed) == (5, 1), report.errors
    assert [e["row"] for e in report.errors] == [4]
    assert set(customers(app, others)) == set(others)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Customer).where(Customer.credit_code == taken)) == 1


def test_without_partial_a_refused_batch_row_leaves_nothing(app, unguarded_taken_code):
    taken = unguarded_taken_code
    others = [code() for _ in range(3)]
    rows = [[uniq(), others[0]], [uniq(), taken], [uniq(), others[1]], [uniq(), others[2]]]
    report = run(app, csv_bytes([["公司名称", "统一社会信用代码"], *rows]), mode="create", key=("name",))
    assert report.failed == 1 and not report.committed
    assert customers(app, others) == {}
