"""Customers, their contacts and the activity log (calls, visits...)."""
from datetime import date, datetime

from flask_appbuilder.models.mixins import FileColumn
from flask_appbuilder.security.sqla.models import User
from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.domain.enums import ActivityKind, CustomerSource, CustomerStage, Locality

from .base import DERIVED, Model, Versioned, created_column, enum_column, sort_key_column, updated_column


class DocumentColumn(FileColumn):
    """FAB's file column (it gets the upload widget), marked safe for SQLAlchemy's statement cache."""

    cache_ok = True


class Customer(Versioned, Model):
    __tablename__ = "customer"
    __table_args__ = (
        # Substring search on names: the bigrams of name_grams (PostgreSQL; SQLite: the FTS5 table of migration
        # ui_name_keys), see app.search.
        Index("ix_customer_name_grams", text("string_to_array(name_grams, ' ')"), postgresql_using="gin"),
    )
    # column -> the stored key the lists sort it by (app.views.datamodel; kept by app.models.events)
    __sort_keys__ = {"name": "name_sort"}

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Legal name exactly as on the business licence (营业执照名称).
    name: Mapped[str] = mapped_column(String(200), nullable=False, index=True)
    name_sort: Mapped[str | None] = sort_key_column()
    # The name's bigrams (app.domain.textkeys.bigram_text), what the substring-search index holds.
    name_grams: Mapped[str | None] = mapped_column(Text, deferred=True, info=DERIVED)
    short_name: Mapped[str | None] = mapped_column(String(80))
    credit_code: Mapped[str | None] = mapped_column(String(18), unique=True)
    industry: Mapped[str | None] = mapped_column(String(80))
    city: Mapped[str | None] = mapped_column(String(60), index=True)
    locality: Mapped[str] = enum_column(Locality, default=Locality.LOCAL.value)
    source: Mapped[str | None] = enum_column(CustomerSource, nullable=True)
    stage: Mapped[str] = enum_column(CustomerStage, default=CustomerStage.LEAD.value, index=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"), index=True)
    # Stored file names under the upload folder (FAB's FileColumn gives the upload widget), each with the
    # file name the user uploaded it under (offered on download, app.uploads).
    license_copy: Mapped[str | None] = mapped_column(DocumentColumn)
    license_copy_filename: Mapped[str | None] = mapped_column(String(255))
    operating_permit: Mapped[str | None] = mapped_column(DocumentColumn)
    operating_permit_filename: Mapped[str | None] = mapped_column(String(255))
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = created_column()
    updated_at: Mapped[datetime] = updated_column()

    owner: Mapped[User | None] = relationship(User, foreign_keys=[owner_id])
    # Contacts and the activity log belong to the customer and go with it.
    contacts: Mapped[list["Contact"]] = relationship(
        back_populates="customer", cascade="all, delete-orphan", passive_deletes=True)
    activities: Mapped[list["Activity"]] = relationship(
        back_populates="customer", cascade="all, delete-orphan", passive_deletes=True)

    def __repr__(self) -> str:
        return self.name


class Contact(Versioned, Model):
    __tablename__ = "contact"
    __table_args__ = (
        # Only one ad responsible person (广告负责人) per customer.
        Index(
            "uq_contact_ad_responsible", "customer_id", unique=True,
            sqlite_where="is_ad_responsible", postgresql_where="is_ad_responsible",
        ),
    )
    __sort_keys__ = {"name": "name_sort"}

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(60), nullable=False, index=True)
    name_sort: Mapped[str | None] = sort_key_column()
    title: Mapped[str | None] = mapped_column(String(60))
    mobile: Mapped[str | None] = mapped_column(String(11))
    phone: Mapped[str | None] = mapped_column(String(30))
    email: Mapped[str | None] = mapped_column(String(120))
    is_ad_responsible: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    created_at: Mapped[datetime] = created_column()
    updated_at: Mapped[datetime] = updated_column()

    customer: Mapped[Customer] = relationship(back_populates="contacts")

    def __repr__(self) -> str:
        return self.name


class Activity(Versioned, Model):
    __tablename__ = "activity"
    __table_args__ = (
        Index("ix_activity_user_date", "user_id", "happened_on"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id", ondelete="CASCADE"), index=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contact.id", ondelete="SET NULL"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    kind: Mapped[str] = enum_column(ActivityKind, default=ActivityKind.CALL.value)
    happened_on: Mapped[date] = mapped_column(Date, nullable=False, default=date.today, index=True)
    outcome: Mapped[str | None] = mapped_column(Text)
    next_follow_up: Mapped[date | None] = mapped_column(Date, index=True)
    # Entered more than a few days after it happened (app.domain.rules.dates.is_late_entry): KPIs count it apart.
    late: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    created_at: Mapped[datetime] = created_column()
    updated_at: Mapped[datetime] = updated_column()

    customer: Mapped[Customer] = relationship(back_populates="activities")
    contact: Mapped[Contact | None] = relationship()
    user: Mapped[User | None] = relationship(User, foreign_keys=[user_id])

    def __repr__(self) -> str:
        return f"{self.kind} {self.happened_on}"


__all__ = ["Customer", "Contact", "Activity", "CheckConstraint"]
