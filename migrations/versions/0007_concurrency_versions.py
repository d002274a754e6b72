"""versions: a version counter on every domain record (optimistic locking, SQLAlchemy's version_id_col)

Every table of app.models.ALL_MODELS gets `version INTEGER NOT NULL DEFAULT 1`; existing rows start at 1.
SQLite adds the column in place (batch mode needs no table copy for an added column, so the FTS triggers of
0004_search on customer stay); the downgrade drops it in place where SQLite can (3.35+).

Revision ID: concurrency_versions
Revises: syncwrites_problem_detail
"""
import sqlite3

import sqlalchemy as sa
from alembic import op

revision = "concurrency_versions"
down_revision = "syncwrites_problem_detail"
branch_labels = None
depends_on = None

TABLES = ("customer", "contact", "activity", "publication", "issue", "ad_slot", "slot_price_change", "contract",
          "booking", "payment", "write_off", "complaint", "sensitive_word")


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("version", sa.Integer(), server_default="1", nullable=False))


def downgrade():
    native_drop = op.get_bind().dialect.name != "sqlite" or sqlite3.sqlite_version_info >= (3, 35, 0)
    for table in TABLES:
        if native_drop:
            # In place: a batch copy of customer would lose the FTS triggers of 0004_search.
            op.drop_column(table, "version")
        else:
            with op.batch_alter_table(table, schema=None) as batch_op:
                batch_op.drop_column("version")
