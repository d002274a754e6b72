"""Records of the workflow: contract transition history, the audit log, the sensitive-word
list, staff-error write-offs, complaints and customer stage changes (for filing KPIs)."""
from datetime import date, datetime
from decimal import Decimal

from flask_appbuilder.security.sqla.models import User
from sqlalchemy import CheckConstraint, Date, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.domain.enums import ComplaintStatus, ContractStatus, CustomerStage

from .base import Model, Versioned, Money, created_column, enum_column, updated_column, utcnow
from .customers import Contact, Customer
from .sales import Contract


class ContractTransition(Model):
    """One step of a contract's approval chain (who moved it, from what, to what, why)."""

    __tablename__ = "contract_transition"
    __table_args__ = (
        Index("ix_contract_transition_to_at", "to_status", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[str] = enum_column(ContractStatus)
    to_status: Mapped[str] = enum_column(ContractStatus)
    reason: Mapped[str | None] = mapped_column(Text)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    channel: Mapped[str] = mapped_column(String(10), nullable=False, default="cli")
    at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)

    contract: Mapped[Contract] = relationship()
    actor: Mapped[User | None] = relationship(User)

    def __repr__(self) -> str:
        return f"{self.from_status} -> {self.to_status}"


class AuditLog(Model):
    """Who changed what, when and through which door; `changes` is JSON {field: [old, new]}."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_record", "record", "record_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow, index=True)
    # No foreign key: the trail must outlive users and rows.
    actor_id: Mapped[int | None] = mapped_column(Integer, index=True)
    actor_name: Mapped[str | None] = mapped_column(String(128))
    channel: Mapped[str] = mapped_column(String(10), nullable=False)
    action: Mapped[str] = mapped_column(String(10), nullable=False)
    record: Mapped[str] = mapped_column(String(30), nullable=False)
    record_id: Mapped[int | None] = mapped_column(Integer)
    summary: Mapped[str | None] = mapped_column(String(200))
    changes: Mapped[str | None] = mapped_column(Text)

    def __repr__(self) -> str:
        return f"{self.action} {self.record} #{self.record_id}"


class SensitiveWord(Versioned, Model):
    """敏感词汇: maintained by admins; ad copy containing one needs supporting documents."""

    __tablename__ = "sensitive_word"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    word: Mapped[str] = mapped_column(String(60), unique=True, nullable=False)
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = created_column()

    def __repr__(self) -> str:
        return self.word


class WriteOff(Versioned, Model):
    """A receivable closed because of a staff error; the responsible staff member bears it."""

    __tablename__ = "write_off"
    __table_args__ = (CheckConstraint("amount > 0", name="ck_write_off_amount"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # active_history: the old contract and amount are known when one changes (contract totals).
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id"), index=True, active_history=True)
    # Copied from the contract on save, so ownership filters need no join.
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(Money, nullable=False, active_history=True)
    responsible_user_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id"), index=True)
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    created_at: Mapped[datetime] = created_column()

    contract: Mapped[Contract] = relationship()
    customer: Mapped[Customer] = relationship()
    responsible_user: Mapped[User] = relationship(User, foreign_keys=[responsible_user_id])
    recorded_by: Mapped[User | None] = relationship(User, foreign_keys=[recorded_by_id])

    def __repr__(self) -> str:
        return f"#{self.id}"


class Complaint(Versioned, Model):
    """A customer complaint and its follow-up (satisfaction 1..5)."""

    __tablename__ = "complaint"
    __table_args__ = (
        CheckConstraint("satisfaction IS NULL OR (satisfaction >= 1 AND satisfaction <= 5)",
                        name="ck_complaint_satisfaction"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contact.id", ondelete="SET NULL"))
    received_on: Mapped[date] = mapped_column(Date, nullable=False, default=date.today, index=True)
    subject: Mapped[str] = mapped_column(String(200), nullable=False)
    details: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = enum_column(ComplaintStatus, default=ComplaintStatus.OPEN.value, index=True)
    handled_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    resolution: Mapped[str | None] = mapped_column(Text)
    resolved_on: Mapped[date | None] = mapped_column(Date)
    satisfaction: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = created_column()
    updated_at: Mapped[datetime] = updated_column()

    customer: Mapped[Customer] = relationship()
    contact: Mapped[Contact | None] = relationship()
    handled_by: Mapped[User | None] = relationship(User)

    def __repr__(self) -> str:
        return self.subject


class CustomerStageChange(Model):
    """Every change of a customer's stage, written automatically (filing KPIs count these)."""

    __tablename__ = "customer_stage_change"
    __table_args__ = (Index("ix_customer_stage_change_to_on", "to_stage", "changed_on"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id", ondelete="CASCADE"), index=True)
    from_stage: Mapped[str | None] = enum_column(CustomerStage, nullable=True)
    to_stage: Mapped[str] = enum_column(CustomerStage)
    # The customer's owner at the time: KPI credit goes to them.
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    changed_on: Mapped[date] = mapped_column(Date, nullable=False, default=date.today)

    customer: Mapped[Customer] = relationship()
