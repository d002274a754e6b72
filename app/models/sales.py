"""Contracts, the bookings they carry and the payments against them."""
from datetime import date, datetime
from decimal import Decimal

from flask_appbuilder.security.sqla.models import User
from sqlalchemy import (
    Boolean, CheckConstraint, Date, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.domain.enums import (
    ContractKind, ContractStatus, PaymentKind, PaymentMethod, PaymentTerms, ProofMethod, ProofStatus,
)

from .base import DERIVED, Model, Money, Versioned, created_column, enum_column, sort_key_column, updated_column
from .customers import Contact, Customer, DocumentColumn
from .media import AdSlot, Issue, Publication


SEALED = "status = 'sealed'"
OPEN = SEALED + " AND net_amount - paid_total - written_off_total > 0.005"
UNCONFIRMED = "confirmed_at IS NULL AND reversed_at IS NULL"


class Contract(Versioned, Model):
    __tablename__ = "contract"
    __table_args__ = (
        CheckConstraint("start_date <= end_date", name="ck_contract_dates"),
        CheckConstraint("amount >= 0", name="ck_contract_amount"),
        CheckConstraint("discount_pct >= 0 AND discount_pct <= 100", name="ck_contract_discount"),
        # Renewals: sealed contracts by end date, counted per kind on the index alone (the dashboard).
        Index("ix_contract_status_end_kind", "status", "end_date", "kind", "id"),
        # The list's order: a deep page skips rows on the index alone.
        Index("ix_contract_end_date_id", "end_date", "id"),
        # The dashboard reads sealed contracts from these two partial indexes alone: revenue by start date, and
        # the open receivables (owing a cent or more; amounts are whole cents, SQLite sums in binary floats)
        # by what decides their due date. Status leads although the condition fixes it: SQLite, which has no
        # statistics, then prefers these covering indexes to ix_contract_status. See app.workflow.dashboard.
        Index("ix_contract_sealed_start", "status", "start_date", "net_amount", "customer_id",
              sqlite_where=text(SEALED), postgresql_where=text(SEALED)),
        Index("ix_contract_open", "status", "kind", "start_date", "payment_terms", "settle_date", "net_amount",
              "paid_total", "written_off_total", "customer_id", sqlite_where=text(OPEN), postgresql_where=text(OPEN)),
        # The approval inbox (app.workflow.inboxes) counts contracts by status and customer on this index alone.
        Index("ix_contract_status_customer", "status", "customer_id"),
    )
    __sort_keys__ = {"party_name": "party_name_sort"}

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True, nullable=False)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    # The contracting party's name as signed; must equal the licence name to seal.
    party_name: Mapped[str] = mapped_column(String(200), nullable=False)
    party_name_sort: Mapped[str | None] = sort_key_column()
    publication_id: Mapped[int] = mapped_column(ForeignKey("publication.id"), index=True)
    kind: Mapped[str] = enum_column(ContractKind, default=ContractKind.AD.value)
    start_date: Mapped[date] = mapped_column(Date, nullable=False)
    end_date: Mapped[date] = mapped_column(Date, nullable=False, index=True)
    amount: Mapped[Decimal] = mapped_column(Money, nullable=False, default=Decimal("0"))
    discount_pct: Mapped[Decimal] = mapped_column(Money, nullable=False, default=Decimal("0"))
    # Kept by app.models.events on every write: the amount after discount (rules.money.amount_after_discount),
    # the confirmed payments and the write-offs summed (changed by deltas, so concurrent payments add up).
    net_amount: Mapped[Decimal | None] = mapped_column(Money, info=DERIVED)
    paid_total: Mapped[Decimal] = mapped_column(Money, nullable=False, default=Decimal("0"),
                                                server_default="0", info=DERIVED)
    written_off_total: Mapped[Decimal] = mapped_column(Money, nullable=False, default=Decimal("0"),
                                                       server_default="0", info=DERIVED)
    payment_terms: Mapped[str] = enum_column(PaymentTerms, default=PaymentTerms.PREPAID.value)
    settle_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = enum_column(ContractStatus, default=ContractStatus.DRAFT.value, index=True)
    # The three archived copies (finance, department, customer).
    copy_finance: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    copy_department: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    copy_customer: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    notes: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    # The contract this one renews (续签), if any.
    renews_id: Mapped[int | None] = mapped_column(ForeignKey("contract.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = created_column()
    updated_at: Mapped[datetime] = updated_column()

    customer: Mapped[Customer] = relationship()
    publication: Mapped[Publication] = relationship()
    created_by: Mapped[User | None] = relationship(User)
    renews: Mapped["Contract | None"] = relationship(remote_side=[id])

    def __repr__(self) -> str:
        return self.number


class Booking(Versioned, Model):
    __tablename__ = "booking"
    __table_args__ = (
        # A slot holds one ad per issue (web bookings have no issue and use a period).
        UniqueConstraint("slot_id", "issue_id", name="uq_booking_slot_issue"),
        CheckConstraint("price >= 0", name="ck_booking_price"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id"), index=True)
    # Copied from the contract on save, so ownership filters need no join.
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    slot_id: Mapped[int] = mapped_column(ForeignKey("ad_slot.id"), index=True)
    issue_id: Mapped[int | None] = mapped_column(ForeignKey("issue.id"), index=True)
    web_start: Mapped[date | None] = mapped_column(Date)
    web_end: Mapped[date | None] = mapped_column(Date)
    price: Mapped[Decimal] = mapped_column(Money, nullable=False, default=Decimal("0"))
    copy_text: Mapped[str | None] = mapped_column(Text)
    copy_received: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    proof_status: Mapped[str] = enum_column(ProofStatus, default=ProofStatus.PENDING.value)
    published: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    # Proof confirmation (认定单): which contact confirmed, how, when, and the evidence (e-mail, fax scan).
    proof_contact_id: Mapped[int | None] = mapped_column(ForeignKey("contact.id", ondelete="SET NULL"))
    proof_method: Mapped[str | None] = enum_column(ProofMethod, nullable=True)
    proof_confirmed_at: Mapped[datetime | None] = mapped_column(DateTime)
    proof_evidence: Mapped[str | None] = mapped_column(DocumentColumn)
    proof_evidence_filename: Mapped[str | None] = mapped_column(String(255))  # as uploaded (app.uploads)
    proof_recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    # The customer's ad responsible contact when the proof was sent: the one who may confirm it.
    proof_sent_to_id: Mapped[int | None] = mapped_column(ForeignKey("contact.id", ondelete="SET NULL"))
    proof_sent_at: Mapped[datetime | None] = mapped_column(DateTime)
    # Supporting documents that clear sensitive words in the copy.
    has_supporting_documents: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    supporting_document: Mapped[str | None] = mapped_column(DocumentColumn)
    supporting_document_filename: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = created_column()
    updated_at: Mapped[datetime] = updated_column()

    contract: Mapped[Contract] = relationship()
    customer: Mapped[Customer] = relationship()
    slot: Mapped[AdSlot] = relationship()
    issue: Mapped[Issue | None] = relationship()
    proof_contact: Mapped[Contact | None] = relationship(foreign_keys=[proof_contact_id])
    proof_sent_to: Mapped[Contact | None] = relationship(foreign_keys=[proof_sent_to_id])
    proof_recorded_by: Mapped[User | None] = relationship(User)

    def __repr__(self) -> str:
        return f"#{self.id}"


class Payment(Versioned, Model):
    __tablename__ = "payment"
    __table_args__ = (
        CheckConstraint("amount >= 0", name="ck_payment_amount"),
        CheckConstraint("advance >= 0 AND advance <= amount", name="ck_payment_advance"),
        Index("ix_payment_method_date", "method", "collected_on"),
        # Cash and cheques waiting for Finance (the dashboard): counted and listed from this small index alone
        # (it holds the columns of its own condition, or SQLite would read each row to test them).
        Index("ix_payment_waiting", "method", "collected_on", "customer_id", "collected_by_id", "confirmed_at",
              sqlite_where=text("collected_by_id IS NOT NULL AND confirmed_at IS NULL"),
              postgresql_where=text("collected_by_id IS NOT NULL AND confirmed_at IS NULL")),
        # Payments Finance has yet to confirm (the Finance inbox, app.workflow.inboxes): counted and listed in
        # collection order from this index alone.
        Index("ix_payment_unconfirmed", "collected_on", "id", "customer_id",
              sqlite_where=text(UNCONFIRMED), postgresql_where=text(UNCONFIRMED)),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # active_history: the old contract, amount and confirmation are known when one changes (contract totals).
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id"), index=True, active_history=True)
    # Copied from the contract on save, so ownership filters need no join.
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(Money, nullable=False, active_history=True)
    kind: Mapped[str] = enum_column(PaymentKind, default=PaymentKind.AD_FEE.value)
    method: Mapped[str] = enum_column(PaymentMethod, default=PaymentMethod.TRANSFER.value)
    collected_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    collected_on: Mapped[date] = mapped_column(Date, nullable=False, default=date.today, index=True)
    received_at: Mapped[datetime | None] = mapped_column(DateTime)
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime, active_history=True)
    # The part of the amount Finance holds as an advance (the surplus over the open receivable): it does not
    # pay this contract.
    advance: Mapped[Decimal] = mapped_column(Money, nullable=False, default=Decimal("0"), active_history=True)
    # A confirmed payment is final; a correction is a reversal (who, when, why): the payment then counts for
    # nothing and the right one is recorded anew.
    reversed_at: Mapped[datetime | None] = mapped_column(DateTime, active_history=True)
    reversed_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    reversal_reason: Mapped[str | None] = mapped_column(Text)
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = created_column()

    contract: Mapped[Contract] = relationship()
    customer: Mapped[Customer] = relationship()
    collected_by: Mapped[User | None] = relationship(User, foreign_keys=[collected_by_id])
    confirmed_by: Mapped[User | None] = relationship(User, foreign_keys=[confirmed_by_id])
    reversed_by: Mapped[User | None] = relationship(User, foreign_keys=[reversed_by_id])

    def __repr__(self) -> str:
        return f"#{self.id}"
