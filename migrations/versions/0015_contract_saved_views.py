"""saved list views per user; counters for generated contract numbers

saved_view: a user's named list views (query string with filters, sort and page size, and the columns shown).
number_counter: the last running number given out per scope (app.workflow.numbering,
CONTRACT_NUMBER_PATTERN), starting from the highest number already in use when a scope is first used.

Revision ID: contract_saved_views
Revises: import_jobs
"""
import sqlalchemy as sa
from alembic import op

revision = "contract_saved_views"
down_revision = "import_jobs"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "saved_view",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("ab_user.id", ondelete="CASCADE"), nullable=False),
        sa.Column("view", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("query", sa.Text(), nullable=False),
        sa.Column("columns", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("user_id", "view", "name", name="uq_saved_view_user_view_name"),
    )
    op.create_index("ix_saved_view_user_id", "saved_view", ["user_id"])
    op.create_table(
        "number_counter",
        sa.Column("scope", sa.String(length=100), primary_key=True),
        sa.Column("last", sa.Integer(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("number_counter")
    op.drop_index("ix_saved_view_user_id", table_name="saved_view")
    op.drop_table("saved_view")
