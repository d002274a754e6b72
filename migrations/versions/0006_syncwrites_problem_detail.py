"""sync problems keep what they detected (JSON), e.g. the sheet edits a mass-change hold kept back

An admin can accept those later from the problems page.

Revision ID: syncwrites_problem_detail
Revises: sessions_security
"""
import sqlalchemy as sa
from alembic import op

revision = "syncwrites_problem_detail"
down_revision = "sessions_security"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("sync_problem", schema=None) as batch_op:
        batch_op.add_column(sa.Column("detail", sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table("sync_problem", schema=None) as batch_op:
        batch_op.drop_column("detail")
