"""documents: the original file name of every uploaded document

Uploads are stored under random names (the user's file name never reaches the disk); the name the user gave is
kept beside each document column, so the download can offer it. Rows uploaded before this migration keep NULL
there and download under a name made from the field and the record.

Revision ID: exports_documents
Revises: guard_rules
"""
import sqlalchemy as sa
from alembic import op

revision = "exports_documents"
down_revision = "guard_rules"
branch_labels = None
depends_on = None

DOCUMENT_COLUMNS = {
    "customer": ("license_copy", "operating_permit"),
    "booking": ("proof_evidence", "supporting_document"),
}


def upgrade():
    for table, columns in DOCUMENT_COLUMNS.items():
        with op.batch_alter_table(table) as batch_op:
            for column in columns:
                batch_op.add_column(sa.Column(f"{column}_filename", sa.String(length=255), nullable=True))


def downgrade():
    for table, columns in DOCUMENT_COLUMNS.items():
        with op.batch_alter_table(table) as batch_op:
            for column in columns:
                batch_op.drop_column(f"{column}_filename")
