"""name keys: pinyin sort keys for names, a bigram index for customer-name search

Sort keys (app.domain.textkeys.pinyin_sort_key, byte order; PostgreSQL: COLLATE "C"): customer.name_sort,
contact.name_sort, contract.party_name_sort, each indexed, filled here for existing rows.
Search: customer.name_grams holds the name's bigrams; it replaces the trigram index, which could not serve a
two-character fragment. PostgreSQL: a GIN index on string_to_array(name_grams, ' ') (instead of pg_trgm's
ix_customer_name_trgm). SQLite: the FTS5 table customer_name_fts now indexes name_grams (unicode61 tokens,
one per bigram; external content, rowid = customer.id, kept in step by triggers).

Revision ID: ui_name_keys
Revises: ui_contract_totals
"""
import sqlalchemy as sa
from alembic import op

revision = "ui_name_keys"
down_revision = "ui_contract_totals"
branch_labels = None
depends_on = None

FTS = "customer_name_fts"
SORT_KEYS = (("customer", "name", "name_sort"), ("contact", "name", "name_sort"),
             ("contract", "party_name", "party_name_sort"))


def key_type():
    return sa.String(length=600).with_variant(sa.String(length=600, collation="C"), "postgresql")


def fts_triggers(column: str) -> dict[str, str]:
    return {
        f"{FTS}_ai": f"AFTER INSERT ON customer BEGIN "
                     f"INSERT INTO {FTS}(rowid, {column}) VALUES (new.id, new.{column}); END",
        f"{FTS}_ad": f"AFTER DELETE ON customer BEGIN "
                     f"INSERT INTO {FTS}({FTS}, rowid, {column}) VALUES ('delete', old.id, old.{column}); END",
        f"{FTS}_au": f"AFTER UPDATE OF {column} ON customer BEGIN "
                     f"INSERT INTO {FTS}({FTS}, rowid, {column}) VALUES ('delete', old.id, old.{column}); "
                     f"INSERT INTO {FTS}(rowid, {column}) VALUES (new.id, new.{column}); END",
    }


def drop_fts() -> None:
    for name in fts_triggers("name"):
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.execute(f"DROP TABLE IF EXISTS {FTS}")


def create_fts(column: str, tokenizer: str) -> None:
    op.execute(f"CREATE VIRTUAL TABLE {FTS} USING fts5({column}, content='customer', content_rowid='id', "
               f"tokenize='{tokenizer}')")
    for name, body in fts_triggers(column).items():
        op.execute(f"CREATE TRIGGER {name} {body}")
    op.execute(f"INSERT INTO {FTS}({FTS}) VALUES ('rebuild')")


def update_by_id(connection, table_name: str, column: str, column_type, values: dict) -> None:
    """Set ``column`` of each row id in ``values`` (PostgreSQL: copied into a temporary table, then one UPDATE)."""
    if not values:
        return
    if connection.dialect.name != "postgresql":  # SQLite: row by row is fast enough (no round trips)
        target = sa.table(table_name, sa.column("id", sa.Integer), sa.column(column, column_type))
        statement = sa.update(target).where(target.c.id == sa.bindparam("key")).values(
            {column: sa.bindparam("value")})
        connection.execute(statement, [{"key": key, "value": value} for key, value in values.items()])
        return
    type_name = column_type.compile(dialect=connection.dialect)
    connection.execute(sa.text(f"CREATE TEMPORARY TABLE given_value (key integer PRIMARY KEY, value {type_name})"))
    with connection.connection.driver_connection.cursor() as cursor:
        with cursor.copy("COPY given_value (key, value) FROM STDIN") as copy:
            for item in values.items():
                copy.write_row(item)
    connection.execute(sa.text(f"UPDATE {table_name} SET {column} = given_value.value FROM given_value "
                               f"WHERE {table_name}.id = given_value.key"))
    connection.execute(sa.text("DROP TABLE given_value"))


def fill_keys(connection) -> None:
    """Every row's keys, by the functions the app applies on every write."""
    from app.domain.textkeys import bigram_text, pinyin_sort_key

    for table_name, column, key in SORT_KEYS:
        names = dict(connection.execute(sa.text(f"SELECT id, {column} FROM {table_name}")).all())
        update_by_id(connection, table_name, key, sa.String(600),
                     {row_id: pinyin_sort_key(name) for row_id, name in names.items()})
        if table_name == "customer":
            update_by_id(connection, table_name, "name_grams", sa.Text(),
                         {row_id: bigram_text(name) for row_id, name in names.items()})


def upgrade():
    dialect = op.get_bind().dialect.name
    for table_name, _column, key in SORT_KEYS:
        with op.batch_alter_table(table_name, schema=None) as batch_op:
            batch_op.add_column(sa.Column(key, key_type(), nullable=True))
            if table_name == "customer":
                batch_op.add_column(sa.Column("name_grams", sa.Text(), nullable=True))
    fill_keys(op.get_bind())
    for table_name, _column, key in SORT_KEYS:
        with op.batch_alter_table(table_name, schema=None) as batch_op:
            batch_op.create_index(f"ix_{table_name}_{key}", [key], unique=False)
    if dialect == "postgresql":
        op.drop_index("ix_customer_name_trgm", table_name="customer")
        op.create_index("ix_customer_name_grams", "customer", [sa.text("string_to_array(name_grams, ' ')")],
                        unique=False, postgresql_using="gin")
        op.execute("ANALYZE customer")
    elif dialect == "sqlite":
        drop_fts()
        create_fts("name_grams", "unicode61")


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.drop_index("ix_customer_name_grams", table_name="customer")
    elif dialect == "sqlite":
        for name in fts_triggers("name_grams"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute(f"DROP TABLE IF EXISTS {FTS}")
    for table_name, _column, key in reversed(SORT_KEYS):
        op.drop_index(f"ix_{table_name}_{key}", table_name=table_name)
        # ALTER TABLE ... DROP COLUMN (SQLite 3.35+): a batch rebuild would break the foreign keys to the table.
        op.drop_column(table_name, key)
        if table_name == "customer":
            op.drop_column(table_name, "name_grams")
    # The trigram index of 0004_search again.
    if dialect == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.create_index("ix_customer_name_trgm", "customer", ["name"], unique=False,
                        postgresql_using="gin", postgresql_ops={"name": "gin_trgm_ops"})
    elif dialect == "sqlite":
        import sqlite3

        if sqlite3.sqlite_version_info >= (3, 34, 0):
            create_fts("name", "trigram")
