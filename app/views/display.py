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


# -- money ---------------------------------------------------------------------------------------------------
# The one way money is shown in lists, pages and reports: thousands separators, two decimals, the yuan sign,
# right-aligned in tables (the cell's class). Exports keep the number (Excel shows it with the same format,
# MONEY_NUMBER_FORMAT; CSV stays plain for other programs).
CURRENCY_SIGN = "¥"
MONEY_NUMBER_FORMAT = '"¥"#,##0.00;-"¥"#,##0.00'
MONEY_CELL_CLASS = "text-right adsheet-money"


def money_text(value, sign: bool = True) -> str:
    """36000 -> "¥36,000.00"; None or "" -> ""; a negative amount "-¥1,000.00"."""
    if value is None or value == "":
        return ""
    from decimal import Decimal, InvalidOperation

    try:
        amount = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return str(value)
    text = f"{abs(amount):,.2f}"
    return ("-" if amount < 0 else "") + (CURRENCY_SIGN if sign else "") + text


class MoneyFormatter:
    """A list/show formatter for a money column; the list puts its cells in MONEY_CELL_CLASS."""

    css_class = MONEY_CELL_CLASS
    is_money = True

    def __call__(self, value) -> str:
        return money_text(value)


money_formatter = MoneyFormatter()


def is_money_column(model, column: str) -> bool:
    """A Numeric(12, 2) column that holds money (not a percentage such as discount_pct)."""
    from sqlalchemy import Numeric
    from sqlalchemy import inspect as sa_inspect

    col = sa_inspect(model).columns.get(column)
    return col is not None and isinstance(col.type, Numeric) and col.type.scale == 2 and not column.endswith("_pct")


def register_money_filter(app) -> None:
    app.jinja_env.filters["money"] = money_text
