"""The sign-in limit: failed attempts counted in the database, exact whatever the number of workers.

Settings: LOGIN_MAX_FAILURES (default 10; 0 turns the limit off) failed sign-ins are allowed per client
address and per account within LOGIN_FAILURE_WINDOW_MINUTES (default 5) of the first failure; every
further attempt, through the form (`POST /login/`) or the JWT login (`POST /api/v1/security/login`), wrong
or right password alike, answers 429 with Retry-After until that window ends. Successful sign-ins do not
count, so an office of many users behind one address is not locked out by its own work. The account is
the user the typed name or e-mail belongs to (both count together), or the typed name if there is none.

Exact under concurrency: an attempt first takes a place on both counters (one atomic
INSERT ... ON CONFLICT DO UPDATE ... RETURNING), is refused when that goes over the limit, and gives the
place back when it is refused or the password was right. So in any window at most LOGIN_MAX_FAILURES
passwords are checked per address and per account, across every worker and instance that shares the
database, and the attempt after the last allowed failure is refused.
"""
import math
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import case, update
from werkzeug.exceptions import TooManyRequests

from app.models.base import utcnow

DEFAULT_MAX_FAILURES = 10
DEFAULT_WINDOW_MINUTES = 5


class TooManyLogins(TooManyRequests):
    """Refused before the password is checked; carries Retry-After."""


def max_failures() -> int:
    return int(current_app.config.get("LOGIN_MAX_FAILURES", DEFAULT_MAX_FAILURES))


def window() -> timedelta:
    return timedelta(minutes=int(current_app.config.get("LOGIN_FAILURE_WINDOW_MINUTES", DEFAULT_WINDOW_MINUTES)))


def address_key(address: str | None) -> str:
    return f"address:{address or '?'}"[:300]


def account_key(user_id: int | None, typed: str) -> str:
    return f"user:{user_id}" if user_id is not None else f"name:{typed.strip().casefold()}"[:300]


def _insert_for(dialect: str):
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:
        raise RuntimeError(f"the login limit supports SQLite and PostgreSQL, not {dialect}")
    return insert


def _take_places(keys: tuple[str, ...]) -> dict:
    """Count one more attempt on each counter (a new window if the old one ended): key -> (count, start)."""
    from app.models import LoginThrottle, db

    table = LoginThrottle.__table__
    now = utcnow()
    expired = table.c.window_start <= now - window()
    insert = _insert_for(db.session.get_bind().dialect.name)
    statement = (
        insert(table).values([{"key": key, "failures": 1, "window_start": now} for key in keys])
        .on_conflict_do_update(index_elements=[table.c.key], set_={
            "failures": case((expired, 1), else_=table.c.failures + 1),
            "window_start": case((expired, now), else_=table.c.window_start),
        })
        .returning(table.c.key, table.c.failures, table.c.window_start))
    counts = {key: (failures, start) for key, failures, start in db.session.execute(statement)}
    db.session.commit()  # at once: every other worker must see it
    return counts


def _give_back(keys: tuple[str, ...]) -> None:
    from app.models import LoginThrottle, db

    table = LoginThrottle.__table__
    db.session.execute(update(table).where(table.c.key.in_(keys), table.c.failures > 0)
                       .values(failures=table.c.failures - 1))
    db.session.commit()


@dataclass(frozen=True)
class Attempt:
    keys: tuple[str, ...]

    def succeeded(self) -> None:
        """The password was right: this attempt does not count."""
        if self.keys:
            _give_back(self.keys)


def begin(address: str | None, account: str) -> Attempt:
    """Take a place for one sign-in attempt, or raise TooManyLogins (nothing counted) when over the limit."""
    limit = max_failures()
    if limit <= 0:
        return Attempt(())
    keys = (address_key(address), account)
    counts = _take_places(keys)
    over = [start for failures, start in counts.values() if failures > limit]
    if over:
        _give_back(keys)
        wait = max(start for start in over) + window() - utcnow()
        raise TooManyLogins(retry_after=max(1, math.ceil(wait.total_seconds())))
    return Attempt(keys)
