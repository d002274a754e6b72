"""workflow: contract transitions, audit log, sensitive words, proofs, write-offs, complaints

Revision ID: 0002_workflow
Revises: 0001_initial
Create Date: 2026-11-26 18:13:10.361678

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0002_workflow'
down_revision = '0001_initial'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('audit_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_name', sa.String(length=128), nullable=True),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('action', sa.String(length=10), nullable=False),
    sa.Column('record', sa.String(length=30), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=True),
    sa.Column('summary', sa.String(length=200), nullable=True),
    sa.Column('changes', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_log_actor_id'), ['actor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_log_at'), ['at'], unique=False)
        batch_op.create_index('ix_audit_log_record', ['record', 'record_id'], unique=False)

    op.create_table('sensitive_word',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('word', sa.String(length=60), nullable=False),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('word')
    )
    op.create_table('customer_stage_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('from_stage', sa.String(length=6), nullable=True),
    sa.Column('to_stage', sa.String(length=6), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('changed_by_id', sa.Integer(), nullable=True),
    sa.Column('changed_on', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['changed_by_id'], ['ab_user.id'], ),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['owner_id'], ['ab_user.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('customer_stage_change', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_customer_stage_change_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index('ix_customer_stage_change_to_on', ['to_stage', 'changed_on'], unique=False)

    op.create_table('complaint',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=True),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('details', sa.Text(), nullable=True),
    sa.Column('status', sa.String(length=11), nullable=False),
    sa.Column('handled_by_id', sa.Integer(), nullable=True),
    sa.Column('resolution', sa.Text(), nullable=True),
    sa.Column('resolved_on', sa.Date(), nullable=True),
    sa.Column('satisfaction', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("status IN ('open', 'in_progress', 'resolved')", name='ck_complaint_status'),
    sa.CheckConstraint('satisfaction IS NULL OR (satisfaction >= 1 AND satisfaction <= 5)', name='ck_complaint_satisfaction'),
    sa.ForeignKeyConstraint(['contact_id'], ['contact.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], ),
    sa.ForeignKeyConstraint(['handled_by_id'], ['ab_user.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_complaint_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaint_received_on'), ['received_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaint_status'), ['status'], unique=False)

    op.create_table('contract_transition',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contract_id', sa.Integer(), nullable=False),
    sa.Column('from_status', sa.String(length=9), nullable=False),
    sa.Column('to_status', sa.String(length=9), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("from_status IN ('draft', 'stamped', 'reviewed', 'approved', 'sealed', 'cancelled')", name='ck_contract_transition_from_status'),
    sa.CheckConstraint("to_status IN ('draft', 'stamped', 'reviewed', 'approved', 'sealed', 'cancelled')", name='ck_contract_transition_to_status'),
    sa.ForeignKeyConstraint(['actor_id'], ['ab_user.id'], ),
    sa.ForeignKeyConstraint(['contract_id'], ['contract.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('contract_transition', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contract_transition_contract_id'), ['contract_id'], unique=False)
        batch_op.create_index('ix_contract_transition_to_at', ['to_status', 'at'], unique=False)

    op.create_table('write_off',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contract_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('responsible_user_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('amount > 0', name='ck_write_off_amount'),
    sa.ForeignKeyConstraint(['contract_id'], ['contract.id'], ),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], ),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['ab_user.id'], ),
    sa.ForeignKeyConstraint(['responsible_user_id'], ['ab_user.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('write_off', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_write_off_contract_id'), ['contract_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_write_off_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_write_off_responsible_user_id'), ['responsible_user_id'], unique=False)

    with op.batch_alter_table('booking', schema=None) as batch_op:
        batch_op.add_column(sa.Column('proof_contact_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('proof_method', sa.String(length=9), nullable=True))
        batch_op.add_column(sa.Column('proof_confirmed_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('proof_evidence', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('proof_recorded_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('has_supporting_documents', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('supporting_document', sa.Text(), nullable=True))
        batch_op.create_foreign_key('fk_booking_proof_recorded_by', 'ab_user', ['proof_recorded_by_id'], ['id'])
        batch_op.create_foreign_key('fk_booking_proof_contact', 'contact', ['proof_contact_id'], ['id'],
                                    ondelete='SET NULL')
        batch_op.create_check_constraint(
            'ck_booking_proof_method', "proof_method IS NULL OR proof_method IN ('in_person', 'email', 'fax')")

    with op.batch_alter_table('contract', schema=None) as batch_op:
        batch_op.add_column(sa.Column('renews_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_contract_renews_id'), ['renews_id'], unique=False)
        batch_op.create_foreign_key('fk_contract_renews', 'contract', ['renews_id'], ['id'], ondelete='SET NULL')



def downgrade():
    with op.batch_alter_table('contract', schema=None) as batch_op:
        batch_op.drop_constraint('fk_contract_renews', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_contract_renews_id'))
        batch_op.drop_column('renews_id')

    with op.batch_alter_table('booking', schema=None) as batch_op:
        batch_op.drop_constraint('ck_booking_proof_method', type_='check')
        batch_op.drop_constraint('fk_booking_proof_contact', type_='foreignkey')
        batch_op.drop_constraint('fk_booking_proof_recorded_by', type_='foreignkey')
        batch_op.drop_column('supporting_document')
        batch_op.drop_column('has_supporting_documents')
        batch_op.drop_column('proof_recorded_by_id')
        batch_op.drop_column('proof_evidence')
        batch_op.drop_column('proof_confirmed_at')
        batch_op.drop_column('proof_method')
        batch_op.drop_column('proof_contact_id')

    with op.batch_alter_table('write_off', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_write_off_responsible_user_id'))
        batch_op.drop_index(batch_op.f('ix_write_off_customer_id'))
        batch_op.drop_index(batch_op.f('ix_write_off_contract_id'))

    op.drop_table('write_off')
    with op.batch_alter_table('contract_transition', schema=None) as batch_op:
        batch_op.drop_index('ix_contract_transition_to_at')
        batch_op.drop_index(batch_op.f('ix_contract_transition_contract_id'))

    op.drop_table('contract_transition')
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_complaint_status'))
        batch_op.drop_index(batch_op.f('ix_complaint_received_on'))
        batch_op.drop_index(batch_op.f('ix_complaint_customer_id'))

    op.drop_table('complaint')
    with op.batch_alter_table('customer_stage_change', schema=None) as batch_op:
        batch_op.drop_index('ix_customer_stage_change_to_on')
        batch_op.drop_index(batch_op.f('ix_customer_stage_change_customer_id'))

    op.drop_table('customer_stage_change')
    op.drop_table('sensitive_word')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_log_record')
        batch_op.drop_index(batch_op.f('ix_audit_log_at'))
        batch_op.drop_index(batch_op.f('ix_audit_log_actor_id'))

    op.drop_table('audit_log')
