"""inbox indexes: the approval inbox counts contracts by status and customer, the Finance inbox lists the
payments not yet confirmed (app.workflow.inboxes), each from an index alone

Revision ID: inbox_indexes
Revises: queue_run_progress
"""
import sqlalchemy as sa
from alembic import op

revision = "inbox_indexes"
down_revision = "queue_run_progress"
branch_labels = None
depends_on = None

UNCONFIRMED = "confirmed_at IS NULL AND reversed_at IS NULL"


def upgrade():
    op.create_index("ix_contract_status_customer", "contract", ["status", "customer_id"])
    op.create_index("ix_payment_unconfirmed", "payment", ["collected_on", "id", "customer_id"],
                    sqlite_where=sa.text(UNCONFIRMED), postgresql_where=sa.text(UNCONFIRMED))


def downgrade():
    op.drop_index("ix_payment_unconfirmed", table_name="payment")
    op.drop_index("ix_contract_status_customer", table_name="contract")
