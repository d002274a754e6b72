"""Ending sessions and tokens: a per-user stamp (table session_stamp) in every browser session and JWT.

At sign-in the user's current stamp goes into the session cookie (Flask-Login's `user_logged_in`) or into
the access and refresh tokens (a `stamp` claim); on every request the user loader compares it with the
stamp in the database (read in the same statement as the user, app.security.permcache). The stamp changes
when the password changes or the user is deactivated (whatever the door: user form, password forms,
security API, CLI; a session hook watches the `ab_user` row) and when the user signs out: every session,
access token and refresh token issued before then stops working, a replayed cookie included.
"""
import secrets

from flask import Flask, session as cookie_session
from flask_appbuilder.security.sqla.models import User
from flask_login import user_logged_in
from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session

from app.models.base import utcnow

STAMP_SESSION_KEY = "_stamp"
STAMP_CLAIM = "stamp"


def stamp_column(user_id):
    """The user's stamp ('' without a row) as a scalar subquery, to load with the user."""
    from app.models import SessionStamp

    return select(SessionStamp.stamp).where(SessionStamp.user_id == user_id).scalar_subquery()


def current_stamp(user_id: int) -> str:
    from app.models import SessionStamp, db

    return db.session.scalar(select(SessionStamp.stamp).where(SessionStamp.user_id == user_id)) or ""


def _set_new_stamp(session: Session, user_id: int) -> None:
    from app.models import SessionStamp

    row = session.get(SessionStamp, user_id)
    if row is None:
        row = SessionStamp(user_id=user_id)
        session.add(row)
    row.stamp = secrets.token_hex(16)
    row.changed_at = utcnow()


def end_all_sessions(user_id: int) -> None:
    """Every session and token of the user issued until now stops working. Commits."""
    from app.models import db

    _set_new_stamp(db.session, user_id)
    db.session.commit()


def _ends_sessions(user) -> bool:
    """A password change or a deactivation, pending in this flush."""
    state = inspect(user)
    if state.attrs.password.history.has_changes():
        return True
    active = state.attrs.active.history
    return active.has_changes() and not user.active


def stamp_on_user_changes(session: Session, flush_context, instances) -> None:
    changed = [obj for obj in session.dirty if isinstance(obj, User) and _ends_sessions(obj)]
    with session.no_autoflush:
        for user in changed:
            _set_new_stamp(session, user.id)


def remember_stamp_at_login(app, user, **_extra) -> None:
    cookie_session[STAMP_SESSION_KEY] = current_stamp(user.id)


def session_is_current(user) -> bool:
    """The signed cookie's stamp is the user's current one (the user object comes from the user loader)."""
    return cookie_session.get(STAMP_SESSION_KEY) == stamped(user)


def token_is_current(user, jwt_data: dict) -> bool:
    return jwt_data.get(STAMP_CLAIM) == stamped(user)


def stamped(user) -> str:
    """The stamp loaded with the user (app.security.permcache), else read now."""
    value = getattr(user, "_adsheet_stamp", None)
    return value if value is not None else current_stamp(user.id)


def init_sessions(app: Flask) -> None:
    user_logged_in.connect(remember_stamp_at_login, app)
    if not event.contains(Session, "before_flush", stamp_on_user_changes):
        event.listen(Session, "before_flush", stamp_on_user_changes)
