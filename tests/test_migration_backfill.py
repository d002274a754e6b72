"""Migrations ui_contract_totals and ui_name_keys on a database that already holds rows: they fill the
contract totals and the name keys by the app's own functions, the search index serves the old rows, and
they go down and up again (SQLite, a database of its own)."""
from datetime import datetime

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from app.domain.textkeys import bigram_text, pinyin_sort_key
from tests.conftest import make_config


def insert_rows(connection) -> None:
    now = datetime(2026, 11, 1, 9)
    connection.execute(sa.text(
        "INSERT INTO customer (id, name, locality, stage, created_at, updated_at) VALUES "
        "(1, '重庆丰音传媒有限公司', 'local', 'lead', :now, :now), (2, '长沙银行', 'local', 'lead', :now, :now)"),
        {"now": now})
    connection.execute(sa.text("INSERT INTO contact (id, customer_id, name, is_ad_responsible, created_at, "
                               "updated_at) VALUES (1, 1, '曾经理', 0, :now, :now)"), {"now": now})
    connection.execute(sa.text("INSERT INTO publication (id, name, medium, created_at) VALUES (1, '周刊', 'print', :now)"), {"now": now})
    connection.execute(sa.text(
        "INSERT INTO contract (id, number, customer_id, party_name, publication_id, kind, start_date, end_date, "
        "amount, discount_pct, payment_terms, status, copy_finance, copy_department, copy_customer, created_at, "
        "updated_at) VALUES (1, 'M-1', 1, '重庆丰音传媒有限公司', 1, 'ad', '2026-01-01', '2026-12-31', 100.03, 33.33, "
        "'prepaid', 'sealed', 1, 1, 1, :now, :now)"), {"now": now})
    for pid, amount, confirmed in ((1, 20, now), (2, 5.5, now), (3, 7, None)):
        connection.execute(sa.text(
            "INSERT INTO payment (id, contract_id, customer_id, amount, kind, method, collected_on, confirmed_at, "
            "created_at) VALUES (:id, 1, 1, :amount, 'ad_fee', 'transfer', '2026-11-01', :confirmed, :now)"),
            {"id": pid, "amount": amount, "confirmed": confirmed, "now": now})


def test_the_migrations_fill_existing_rows_and_go_down_and_up(tmp_path):
    from app import create_app
    from app.models import db

    app = create_app(make_config(f"sqlite:///{tmp_path}/backfill.db", str(tmp_path)))
    with app.app_context():
        upgrade(revision="0004_search")
        with db.engine.begin() as connection:
            insert_rows(connection)
        upgrade()
        with db.engine.connect() as connection:
            net, paid, written, party_key = connection.execute(sa.text(
                "SELECT net_amount, paid_total, written_off_total, party_name_sort FROM contract")).one()
            assert (round(net, 2), round(paid, 2), written) == (66.69, 25.5, 0)
            assert party_key == pinyin_sort_key("重庆丰音传媒有限公司")
            customers = connection.execute(sa.text("SELECT name, name_sort, name_grams FROM customer")).all()
            assert all((key, grams) == (pinyin_sort_key(name), bigram_text(name)) for name, key, grams in customers)
            assert connection.execute(sa.text("SELECT name_sort FROM contact")).scalar() == pinyin_sort_key("曾经理")
            found = connection.execute(sa.text("SELECT rowid FROM customer_name_fts WHERE customer_name_fts MATCH "
                                               "'\"丰音\"'")).scalars().all()
            assert found == [1]
        downgrade(revision="0004_search")
        with db.engine.connect() as connection:
            columns = {row[1] for row in connection.execute(sa.text("PRAGMA table_info(customer)"))}
            assert "name_sort" not in columns and "name_grams" not in columns
            found = connection.execute(sa.text("SELECT rowid FROM customer_name_fts WHERE customer_name_fts MATCH "
                                               "'\"丰音传\"'")).scalars().all()
            assert found == [1]  # the trigram index of 0004_search again
        upgrade()
        with db.engine.connect() as connection:
            assert connection.execute(sa.text("SELECT paid_total FROM contract")).scalar() == 25.5
        db.session.remove()
        db.engine.dispose()
