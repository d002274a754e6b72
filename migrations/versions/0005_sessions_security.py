"""sessions: per-user session stamps (ending sessions and tokens) and login-failure counters

Revision ID: sessions_security
Revises: 0004_search
"""
import sqlalchemy as sa
from alembic import op

revision = "sessions_security"
down_revision = "0004_search"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "session_stamp",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("stamp", sa.String(length=64), nullable=False),
        sa.Column("changed_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["ab_user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id"),
    )
    op.create_table(
        "login_throttle",
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("window_start", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )


def downgrade():
    op.drop_table("login_throttle")
    op.drop_table("session_stamp")
