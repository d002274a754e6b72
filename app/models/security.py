"""Our own security tables beside FAB's: per-user session stamps and the login-failure counters."""
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Model, utcnow


class SessionStamp(Model):
    """A random value per user, carried in every browser session and JWT of that user and compared on every
    request. A new value (password change, deactivation, logout) ends every session and token issued before.
    A user without a row has the empty stamp."""

    __tablename__ = "session_stamp"

    user_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id", ondelete="CASCADE"), primary_key=True)
    stamp: Mapped[str] = mapped_column(String(64), nullable=False)
    changed_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)


class LoginThrottle(Model):
    """Failed sign-ins counted per client address ("address:...") and per account ("user:<id>" or
    "name:<typed name>") in a fixed window that starts at the first failure; shared by every worker."""

    __tablename__ = "login_throttle"

    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    window_start: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
