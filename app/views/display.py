"""How times are shown: to the minute, and the moments the server stamps (stored in UTC: created, updated,
audit and history times) in the office's time zone, APP_TIMEZONE (an IANA name such as Asia/Shanghai;
default: the server's own zone)."""
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

# Columns the server fills with app.models.base.utcnow.
SERVER_STAMPED = frozenset({"created_at", "updated_at", "at", "changed_at"})


def office_zone():
    name = current_app.config.get("APP_TIMEZONE") if has_app_context() else None
    return ZoneInfo(name) if name else None  # None: the server's local zone


def local_time(value: datetime) -> datetime:
    """A UTC time (naive, as stored) in the office's zone."""
    return value.replace(tzinfo=timezone.utc).astimezone(office_zone())


def minute_text(value) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else ""


def local_minute_text(value) -> str:
    return minute_text(local_time(value)) if value else ""
