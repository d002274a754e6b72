"""imports: background import jobs and the column choices saved per user and record

Revision ID: import_jobs
Revises: inbox_indexes (re-chained at merge)
"""
import sqlalchemy as sa
from alembic import op

revision = "import_jobs"
down_revision = "inbox_indexes"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "import_job",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("ab_user.id"), nullable=False),
        sa.Column("record", sa.String(length=30), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("path", sa.String(length=500), nullable=True),
        sa.Column("options", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("rows_total", sa.Integer(), nullable=True),
        sa.Column("rows_done", sa.Integer(), nullable=False),
        sa.Column("report", sa.Text(), nullable=True),
        sa.Column("failed_path", sa.String(length=500), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
    )
    op.create_index("ix_import_job_user_id", "import_job", ["user_id"])
    op.create_table(
        "import_mapping",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("ab_user.id", ondelete="CASCADE"), nullable=False),
        sa.Column("record", sa.String(length=30), nullable=False),
        sa.Column("mapping", sa.Text(), nullable=False),
        sa.UniqueConstraint("user_id", "record", name="uq_import_mapping_user_record"),
    )


def downgrade():
    op.drop_table("import_mapping")
    op.drop_index("ix_import_job_user_id", table_name="import_job")
    op.drop_table("import_job")
