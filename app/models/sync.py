"""The Google Sheets sync: linked spreadsheets, base snapshots, run history and the problems log."""
import json
from datetime import datetime

from flask_appbuilder.security.sqla.models import User
from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Model, created_column, utcnow


class SyncLink(Model):
    """One spreadsheet mirrored for one user with one profile (sales, finance)."""

    __tablename__ = "sync_link"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    spreadsheet_id: Mapped[str] = mapped_column(String(200), unique=True, nullable=False)
    user_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id"), index=True)
    profile: Mapped[str] = mapped_column(String(30), nullable=False)
    # JSON {table: {"sheet_id": int, "title": str, "rows": int, "cols": int, "deleted": bool}}:
    # the tab metadata cached between cycles, keyed by table, tracked by sheet id.
    tabs: Mapped[str] = mapped_column(Text, nullable=False, default="{}")
    # "new" until the link step finished, then "active"; "paused" links are skipped.
    state: Mapped[str] = mapped_column(String(20), nullable=False, default="new")
    created_at: Mapped[datetime] = created_column()
    last_run_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_status: Mapped[str | None] = mapped_column(String(20))

    user: Mapped[User] = relationship(User)

    @property
    def tab_map(self) -> dict:
        return json.loads(self.tabs or "{}")

    @tab_map.setter
    def tab_map(self, value: dict) -> None:
        self.tabs = json.dumps(value, ensure_ascii=False, sort_keys=True)

    def __repr__(self) -> str:
        return f"{self.profile}:{self.spreadsheet_id}"


class SyncBase(Model):
    """The base snapshot of one tab of a link (sync.core.TabBase as JSON)."""

    __tablename__ = "sync_base"
    __table_args__ = (UniqueConstraint("link_id", "table_name", name="uq_sync_base_link_table"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    link_id: Mapped[int] = mapped_column(ForeignKey("sync_link.id", ondelete="CASCADE"), index=True)
    table_name: Mapped[str] = mapped_column(String(30), nullable=False)
    snapshot: Mapped[str] = mapped_column(Text, nullable=False, default="{}")
    updated_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow, onupdate=utcnow)


class SyncRun(Model):
    """One cycle of one link: what it read and wrote, how many API requests, how it ended."""

    __tablename__ = "sync_run"
    __table_args__ = (Index("ix_sync_run_link_started", "link_id", "started_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    link_id: Mapped[int] = mapped_column(ForeignKey("sync_link.id", ondelete="CASCADE"))
    started_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
    # queued (waiting for a task worker), running, success, partial (some tab blocked), failed,
    # skipped (link locked by another process), interrupted (its process died: lock found free while running)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="running")
    rows_read: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    to_db: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    to_sheet: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    problems: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    requests: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    # The sheet push so far: rows written / rows to write (0/0 when nothing is pushed).
    rows_done: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")
    rows_total: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")
    error: Mapped[str | None] = mapped_column(Text)

    link: Mapped[SyncLink] = relationship()

    def __repr__(self) -> str:
        return f"run #{self.id} {self.status}"


class SyncProblem(Model):
    """A rejected edit, a conflict, a restored row or a blocked tab, kept until someone resolves it."""

    __tablename__ = "sync_problem"
    __table_args__ = (Index("ix_sync_problem_link_open", "link_id", "resolved_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    link_id: Mapped[int] = mapped_column(ForeignKey("sync_link.id", ondelete="CASCADE"), index=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("sync_run.id", ondelete="SET NULL"), index=True)
    table_name: Mapped[str] = mapped_column(String(30), nullable=False)
    record_id: Mapped[int | None] = mapped_column(Integer)
    column_name: Mapped[str | None] = mapped_column(String(60))
    cell: Mapped[str | None] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(30), nullable=False, index=True)
    sheet_value: Mapped[str | None] = mapped_column(Text)
    db_value: Mapped[str | None] = mapped_column(Text)
    message: Mapped[str] = mapped_column(Text, nullable=False)
    # JSON of what was detected, when the problem can be accepted (mass_change: the sheet edits held back,
    # {"fields": [...], "changes": {record id: {field: [value before, value typed]}}}).
    detail: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = created_column()
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))

    link: Mapped[SyncLink] = relationship()
    run: Mapped[SyncRun | None] = relationship()
    resolved_by: Mapped[User | None] = relationship(User)

    def __repr__(self) -> str:
        return f"{self.kind} {self.table_name} #{self.record_id or ''}"
