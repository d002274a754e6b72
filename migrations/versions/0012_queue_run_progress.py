"""queue run progress: rows done / total of a sync run's push, shown while it runs

sync_run.rows_done and sync_run.rows_total (the rows of the sheet push written so far and in all). A run
enqueued from the browser starts as "queued"; a run whose process died is marked "interrupted" (no schema
change: the status column is free text).

Revision ID: queue_run_progress
Revises: ui_name_keys
"""
import sqlalchemy as sa
from alembic import op

revision = "queue_run_progress"
down_revision = "ui_name_keys"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("sync_run") as batch:
        batch.add_column(sa.Column("rows_done", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("rows_total", sa.Integer(), nullable=False, server_default="0"))


def downgrade():
    with op.batch_alter_table("sync_run") as batch:
        batch.drop_column("rows_total")
        batch.drop_column("rows_done")
