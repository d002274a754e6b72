"""The rate card: publications, their issues, ad slots and slot price history."""
from datetime import date, datetime
from decimal import Decimal

from flask_appbuilder.security.sqla.models import User
from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.domain.enums import Medium

from .base import Model, Versioned, Money, created_column, enum_column, updated_column, utcnow


class Publication(Versioned, Model):
    __tablename__ = "publication"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Media full name as printed on contracts, e.g. "某某商情广告·影音商务网".
    name: Mapped[str] = mapped_column(String(120), unique=True, nullable=False)
    medium: Mapped[str] = enum_column(Medium, default=Medium.PRINT.value)
    created_at: Mapped[datetime] = created_column()

    issues: Mapped[list["Issue"]] = relationship(back_populates="publication")

    def __repr__(self) -> str:
        return self.name


class Issue(Versioned, Model):
    __tablename__ = "issue"
    __table_args__ = (UniqueConstraint("publication_id", "number", name="uq_issue_number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    publication_id: Mapped[int] = mapped_column(ForeignKey("publication.id"), index=True)
    number: Mapped[str] = mapped_column(String(20), nullable=False)
    copy_deadline: Mapped[date | None] = mapped_column(Date)
    publish_date: Mapped[date] = mapped_column(Date, nullable=False, index=True)

    publication: Mapped[Publication] = relationship(back_populates="issues")

    def __repr__(self) -> str:
        return f"{self.publication.name if self.publication else ''} {self.number}".strip()


class AdSlot(Versioned, Model):
    __tablename__ = "ad_slot"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    publication_id: Mapped[int] = mapped_column(ForeignKey("publication.id"), index=True)
    name: Mapped[str] = mapped_column(String(80), nullable=False)
    medium: Mapped[str] = enum_column(Medium, default=Medium.PRINT.value)
    size: Mapped[str | None] = mapped_column(String(60))
    list_price: Mapped[Decimal] = mapped_column(Money, nullable=False, default=Decimal("0"))
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    updated_at: Mapped[datetime] = updated_column()

    publication: Mapped[Publication] = relationship()
    # A slot still referenced by bookings cannot be deleted; its price history goes with it.
    price_changes: Mapped[list["SlotPriceChange"]] = relationship(
        back_populates="slot", order_by="SlotPriceChange.changed_at",
        cascade="all, delete-orphan", passive_deletes=True,
    )

    def __repr__(self) -> str:
        return self.name


class SlotPriceChange(Versioned, Model):
    """变价单: every change of a slot's list price, written automatically."""

    __tablename__ = "slot_price_change"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slot_id: Mapped[int] = mapped_column(ForeignKey("ad_slot.id", ondelete="CASCADE"), index=True)
    old_price: Mapped[Decimal | None] = mapped_column(Money)
    new_price: Mapped[Decimal] = mapped_column(Money, nullable=False)
    changed_at: Mapped[datetime] = mapped_column(default=utcnow, nullable=False)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    reason: Mapped[str | None] = mapped_column(Text)

    slot: Mapped[AdSlot] = relationship(back_populates="price_changes")
    changed_by: Mapped[User | None] = relationship(User)
