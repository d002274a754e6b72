"""Per-user saved list views, and the counters contract numbers are drawn from."""
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Model, created_column


class SavedView(Model):
    """A list as one user likes to open it: the list's query string (filters, sort, page size) and the
    columns shown. Private to its user."""

    __tablename__ = "saved_view"
    __table_args__ = (UniqueConstraint("user_id", "view", "name", name="uq_saved_view_user_view_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id", ondelete="CASCADE"), index=True)
    view: Mapped[str] = mapped_column(String(100), nullable=False)  # the list's endpoint, e.g. ContractView
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    query: Mapped[str] = mapped_column(Text, nullable=False, default="")  # filters, sort and page size
    columns: Mapped[str | None] = mapped_column(Text)  # comma-separated columns shown; NULL: the list's own
    created_at: Mapped[datetime] = created_column()


class NumberCounter(Model):
    """The last running number given out in a scope (e.g. "HT-2026-{seq}"): app.workflow.numbering."""

    __tablename__ = "number_counter"

    scope: Mapped[str] = mapped_column(String(100), primary_key=True)
    last: Mapped[int] = mapped_column(Integer, nullable=False)
