"""Imports: background import jobs and the column choices each user saved per record (app.imports)."""
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Model, created_column


class ImportJob(Model):
    """An import run in the background (large files): its progress and report, seen by its owner and Admin."""

    __tablename__ = "import_job"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id"), index=True)
    record: Mapped[str] = mapped_column(String(30), nullable=False)
    filename: Mapped[str] = mapped_column(String(255), nullable=False)
    path: Mapped[str | None] = mapped_column(String(500))  # the stored upload, removed when the job ends
    options: Mapped[str] = mapped_column(Text, nullable=False, default="{}")  # JSON: mode, key, map, dry_run...
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="queued")  # queued running done failed
    rows_total: Mapped[int | None] = mapped_column(Integer)  # estimated from the file
    rows_done: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    report: Mapped[str | None] = mapped_column(Text)  # JSON, the same as the synchronous answer
    failed_path: Mapped[str | None] = mapped_column(String(500))  # the failed-rows .xlsx, if any
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = created_column()
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)


class ImportMapping(Model):
    """The column choices a user made for a record's import, offered again next time: {header: field}."""

    __tablename__ = "import_mapping"
    __table_args__ = (UniqueConstraint("user_id", "record", name="uq_import_mapping_user_record"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id", ondelete="CASCADE"), nullable=False)
    record: Mapped[str] = mapped_column(String(30), nullable=False)
    mapping: Mapped[str] = mapped_column(Text, nullable=False, default="{}")
