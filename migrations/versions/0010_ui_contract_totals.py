"""contract totals: net amount, confirmed payments and write-offs kept on the contract; dashboard indexes

contract.net_amount (the amount after discount, by the money rule), contract.paid_total and
contract.written_off_total (kept by app.models.derived on every write), filled here for existing rows.
Indexes: ix_contract_sealed_start and ix_contract_open (partial: the dashboard's revenue and open receivables
from the index alone), ix_contract_status_end_kind
(renewals counted per kind; replaces ix_contract_status_end), ix_payment_waiting (cash and cheques not yet
confirmed, a partial index).

Revision ID: ui_contract_totals
Revises: exports_documents
"""
from decimal import Decimal

import sqlalchemy as sa
from alembic import op

revision = "ui_contract_totals"
down_revision = "exports_documents"
branch_labels = None
depends_on = None

WAITING = "collected_by_id IS NOT NULL AND confirmed_at IS NULL"
SEALED = "status = 'sealed'"
OPEN = SEALED + " AND net_amount - paid_total - written_off_total > 0.005"


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


def fill_net_amounts(connection) -> None:
    """The amount after discount of every contract, by the same rule the app applies on every write."""
    from app.domain.rules.money import amount_after_discount

    nets = {}
    for contract_id, amount, discount in connection.execute(sa.text(
            "SELECT id, amount, discount_pct FROM contract")):
        try:
            nets[contract_id] = amount_after_discount(Decimal(str(amount)), Decimal(str(discount or 0)))
        except Exception:  # a row the table's checks would refuse today: left empty
            nets[contract_id] = None
    update_by_id(connection, "contract", "net_amount", sa.Numeric(12, 2), nets)


def fill_totals(connection) -> None:
    connection.execute(sa.text(
        "UPDATE contract SET "
        "paid_total = (SELECT coalesce(sum(p.amount - p.advance), 0) FROM payment p "
        "              WHERE p.contract_id = contract.id AND p.confirmed_at IS NOT NULL "
        "              AND p.reversed_at IS NULL), "
        "written_off_total = (SELECT coalesce(sum(w.amount), 0) FROM write_off w WHERE w.contract_id = contract.id)"))


def upgrade():
    with op.batch_alter_table("contract", schema=None) as batch_op:
        batch_op.add_column(sa.Column("net_amount", sa.Numeric(precision=12, scale=2), nullable=True))
        batch_op.add_column(sa.Column("paid_total", sa.Numeric(precision=12, scale=2), nullable=False,
                                      server_default="0"))
        batch_op.add_column(sa.Column("written_off_total", sa.Numeric(precision=12, scale=2), nullable=False,
                                      server_default="0"))
    connection = op.get_bind()
    fill_net_amounts(connection)
    fill_totals(connection)
    with op.batch_alter_table("contract", schema=None) as batch_op:
        batch_op.drop_index("ix_contract_status_end")
        batch_op.create_index("ix_contract_status_end_kind", ["status", "end_date", "kind", "id"], unique=False)
        batch_op.create_index("ix_contract_sealed_start", ["status", "start_date", "net_amount", "customer_id"],
                              unique=False, sqlite_where=sa.text(SEALED), postgresql_where=sa.text(SEALED))
        batch_op.create_index("ix_contract_open", ["status", "kind", "start_date", "payment_terms", "settle_date",
                                                   "net_amount", "paid_total", "written_off_total", "customer_id"],
                              unique=False, sqlite_where=sa.text(OPEN), postgresql_where=sa.text(OPEN))
    with op.batch_alter_table("payment", schema=None) as batch_op:
        batch_op.create_index("ix_payment_waiting", ["method", "collected_on", "customer_id", "collected_by_id",
                                                     "confirmed_at"], unique=False,
                              sqlite_where=sa.text(WAITING), postgresql_where=sa.text(WAITING))
    if connection.dialect.name == "postgresql":
        op.execute("ANALYZE contract")
        op.execute("ANALYZE payment")


def downgrade():
    with op.batch_alter_table("payment", schema=None) as batch_op:
        batch_op.drop_index("ix_payment_waiting")
    with op.batch_alter_table("contract", schema=None) as batch_op:
        batch_op.drop_index("ix_contract_open")
        batch_op.drop_index("ix_contract_sealed_start")
        batch_op.drop_index("ix_contract_status_end_kind")
        batch_op.create_index("ix_contract_status_end", ["status", "end_date"], unique=False)
    # ALTER TABLE ... DROP COLUMN (SQLite 3.35+): a batch rebuild of contract would break the foreign keys
    # that point at it.
    for column in ("written_off_total", "paid_total", "net_amount"):
        op.drop_column("contract", column)
