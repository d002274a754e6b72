"""sync: linked spreadsheets, base snapshots, run history, problems log

Revision ID: 0003_sync
Revises: 0002_workflow
"""
from alembic import op
import sqlalchemy as sa


revision = "0003_sync"
down_revision = "0002_workflow"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "sync_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("spreadsheet_id", sa.String(length=200), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("profile", sa.String(length=30), nullable=False),
        sa.Column("tabs", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_run_at", sa.DateTime(), nullable=True),
        sa.Column("last_status", sa.String(length=20), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["ab_user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("spreadsheet_id"),
    )
    with op.batch_alter_table("sync_link", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sync_link_user_id"), ["user_id"], unique=False)

    op.create_table(
        "sync_base",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("link_id", sa.Integer(), nullable=False),
        sa.Column("table_name", sa.String(length=30), nullable=False),
        sa.Column("snapshot", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["link_id"], ["sync_link.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("link_id", "table_name", name="uq_sync_base_link_table"),
    )
    with op.batch_alter_table("sync_base", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sync_base_link_id"), ["link_id"], unique=False)

    op.create_table(
        "sync_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("link_id", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("rows_read", sa.Integer(), nullable=False),
        sa.Column("to_db", sa.Integer(), nullable=False),
        sa.Column("to_sheet", sa.Integer(), nullable=False),
        sa.Column("problems", sa.Integer(), nullable=False),
        sa.Column("requests", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["link_id"], ["sync_link.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("sync_run", schema=None) as batch_op:
        batch_op.create_index("ix_sync_run_link_started", ["link_id", "started_at"], unique=False)

    op.create_table(
        "sync_problem",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("link_id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("table_name", sa.String(length=30), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=True),
        sa.Column("column_name", sa.String(length=60), nullable=True),
        sa.Column("cell", sa.String(length=120), nullable=True),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("sheet_value", sa.Text(), nullable=True),
        sa.Column("db_value", sa.Text(), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("resolved_at", sa.DateTime(), nullable=True),
        sa.Column("resolved_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["link_id"], ["sync_link.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["run_id"], ["sync_run.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["resolved_by_id"], ["ab_user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("sync_problem", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sync_problem_link_id"), ["link_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_sync_problem_run_id"), ["run_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_sync_problem_kind"), ["kind"], unique=False)
        batch_op.create_index("ix_sync_problem_link_open", ["link_id", "resolved_at"], unique=False)


def downgrade():
    op.drop_table("sync_problem")
    op.drop_table("sync_run")
    op.drop_table("sync_base")
    with op.batch_alter_table("sync_link", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sync_link_user_id"))
    op.drop_table("sync_link")
