"""guard rules: late activities, proof sent-to contact, payment advances and reversals, blank text as NULL

- activity.late: entered more than three days after it happened (set by the write guard; existing rows are
  judged by their creation day).
- booking.proof_sent_to_id / proof_sent_at: the customer's ad responsible contact when the proof was sent,
  the one who may confirm it.
- payment.advance (the surplus Finance holds as an advance), reversed_at / reversed_by_id / reversal_reason
  (a confirmed payment is corrected by an audited reversal).
- Blank optional text stored as '' becomes NULL (an empty credit code '' collided with the next one).

Revision ID: guard_rules
Revises: concurrency_versions
"""
from alembic import op
import sqlalchemy as sa

revision = "guard_rules"
down_revision = "concurrency_versions"
branch_labels = None
depends_on = None

BLANK_TO_NULL = {
    "customer": ("short_name", "credit_code", "industry", "city", "notes"),
    "contact": ("title", "mobile", "phone", "email"),
    "activity": ("outcome",),
    "contract": ("notes",),
    "booking": ("copy_text",),
    "payment": ("notes",),
    "complaint": ("details", "resolution"),
}


def upgrade():
    with op.batch_alter_table("activity", schema=None) as batch_op:
        batch_op.add_column(sa.Column("late", sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table("booking", schema=None) as batch_op:
        batch_op.add_column(sa.Column("proof_sent_to_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("proof_sent_at", sa.DateTime(), nullable=True))
        batch_op.create_foreign_key("fk_booking_proof_sent_to", "contact", ["proof_sent_to_id"], ["id"],
                                    ondelete="SET NULL")
    with op.batch_alter_table("payment", schema=None) as batch_op:
        batch_op.add_column(sa.Column("advance", sa.Numeric(precision=12, scale=2), nullable=False,
                                      server_default="0"))
        batch_op.add_column(sa.Column("reversed_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("reversed_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("reversal_reason", sa.Text(), nullable=True))
        batch_op.create_foreign_key("fk_payment_reversed_by", "ab_user", ["reversed_by_id"], ["id"])
        batch_op.create_check_constraint("ck_payment_advance", "advance >= 0 AND advance <= amount")

    for table, columns in BLANK_TO_NULL.items():
        for column in columns:
            op.execute(f"UPDATE {table} SET {column} = NULL WHERE TRIM({column}) = ''")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("UPDATE activity SET late = (CAST(created_at AS DATE) - happened_on) > 3")
    else:
        op.execute("UPDATE activity SET late = (julianday(date(created_at)) - julianday(happened_on)) > 3")


def downgrade():
    with op.batch_alter_table("payment", schema=None) as batch_op:
        batch_op.drop_constraint("ck_payment_advance", type_="check")
        batch_op.drop_constraint("fk_payment_reversed_by", type_="foreignkey")
        batch_op.drop_column("reversal_reason")
        batch_op.drop_column("reversed_by_id")
        batch_op.drop_column("reversed_at")
        batch_op.drop_column("advance")
    with op.batch_alter_table("booking", schema=None) as batch_op:
        batch_op.drop_constraint("fk_booking_proof_sent_to", type_="foreignkey")
        batch_op.drop_column("proof_sent_at")
        batch_op.drop_column("proof_sent_to_id")
    with op.batch_alter_table("activity", schema=None) as batch_op:
        batch_op.drop_column("late")
