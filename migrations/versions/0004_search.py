"""search: substring search on customer names served by an index; contract pages by (end_date, id)

PostgreSQL: the pg_trgm extension and a GIN trigram index on customer.name (ILIKE '%text%').
SQLite: an FTS5 table with the trigram tokenizer over customer.name (external content, rowid = customer.id),
kept in step by triggers; SQLite older than 3.34 has no trigram tokenizer and searches with LIKE instead.
Both: an index on contract (end_date, id), the list's order, so a deep page skips rows on the index alone.

Revision ID: 0004_search
Revises: 0003_sync
"""
import sqlite3

from alembic import op

revision = "0004_search"
down_revision = "0003_sync"
branch_labels = None
depends_on = None

FTS = "customer_name_fts"
SQLITE_TRIGGERS = {
    f"{FTS}_ai": f"AFTER INSERT ON customer BEGIN "
                 f"INSERT INTO {FTS}(rowid, name) VALUES (new.id, new.name); END",
    f"{FTS}_ad": f"AFTER DELETE ON customer BEGIN "
                 f"INSERT INTO {FTS}({FTS}, rowid, name) VALUES ('delete', old.id, old.name); END",
    f"{FTS}_au": f"AFTER UPDATE OF name ON customer BEGIN "
                 f"INSERT INTO {FTS}({FTS}, rowid, name) VALUES ('delete', old.id, old.name); "
                 f"INSERT INTO {FTS}(rowid, name) VALUES (new.id, new.name); END",
}


def sqlite_has_trigram() -> bool:
    return sqlite3.sqlite_version_info >= (3, 34, 0)


def upgrade():
    dialect = op.get_bind().dialect.name
    with op.batch_alter_table("contract", schema=None) as batch_op:
        batch_op.create_index("ix_contract_end_date_id", ["end_date", "id"], unique=False)
    if dialect == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.create_index("ix_customer_name_trgm", "customer", ["name"], unique=False,
                        postgresql_using="gin", postgresql_ops={"name": "gin_trgm_ops"})
    elif dialect == "sqlite" and sqlite_has_trigram():
        op.execute(f"CREATE VIRTUAL TABLE {FTS} USING fts5(name, content='customer', content_rowid='id', "
                   f"tokenize='trigram')")
        for name, body in SQLITE_TRIGGERS.items():
            op.execute(f"CREATE TRIGGER {name} {body}")
        op.execute(f"INSERT INTO {FTS}({FTS}) VALUES ('rebuild')")


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.drop_index("ix_customer_name_trgm", table_name="customer")
    elif dialect == "sqlite":
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute(f"DROP TABLE IF EXISTS {FTS}")
    with op.batch_alter_table("contract", schema=None) as batch_op:
        batch_op.drop_index("ix_contract_end_date_id")
