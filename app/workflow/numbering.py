"""Contract numbers drawn from CONTRACT_NUMBER_PATTERN (app.domain.numbering) when a new contract has none.

Called from the write preparation (app.workflow.prepare.set_defaults), so every door gets it: a form left
empty, an API body without "number". The running number lives in `number_counter`, one row per scope
(e.g. "HT-2026-{seq}"); taking one is a single `UPDATE ... SET last = last + 1 ... RETURNING last` in the
contract's own transaction, so a second concurrent creation waits on the row lock (PostgreSQL) or the write
lock (SQLite) and gets the next number; a rolled-back creation gives its number back. A scope is started from
the highest number of that form already in the table (numbers typed by hand before), and a number someone
typed in since is skipped.
"""
from datetime import date

from flask import current_app, has_app_context
from sqlalchemy import select, text

from app.domain.numbering import DEFAULT_PATTERN, render, scope, seq_of
from app.models import Contract, db


def pattern() -> str:
    return (current_app.config.get("CONTRACT_NUMBER_PATTERN") if has_app_context() else None) or DEFAULT_PATTERN


def _highest_in_use(pat: str, day: date) -> int:
    before = scope(pat, day).partition("{seq}")[0]
    numbers = db.session.scalars(select(Contract.number).where(Contract.number.startswith(before, autoescape=True)))
    return max((seq_of(pat, day, number) or 0 for number in numbers), default=0)


def _take(key: str, pat: str, day: date) -> int:
    connection = db.session.connection()
    taken = connection.execute(text("UPDATE number_counter SET last = last + 1 WHERE scope = :scope RETURNING last"),
                               {"scope": key}).scalar()
    if taken is not None:
        return taken
    start = _highest_in_use(pat, day)
    # Two first uses at once: one inserts, the other's insert does nothing and both then take by UPDATE.
    connection.execute(text("INSERT INTO number_counter (scope, last) VALUES (:scope, :last) "
                            "ON CONFLICT (scope) DO NOTHING"), {"scope": key, "last": start})
    return connection.execute(text("UPDATE number_counter SET last = last + 1 WHERE scope = :scope RETURNING last"),
                              {"scope": key}).scalar()


def next_contract_number(day: date | None = None) -> str:
    day = day or date.today()
    pat = pattern()
    key = scope(pat, day)
    with db.session.no_autoflush:
        while True:
            number = render(pat, day, _take(key, pat, day))
            if db.session.scalar(select(Contract.id).where(Contract.number == number)) is None:
                return number


def preview_number(day: date | None = None) -> str:
    """What the next number will look like (the form's hint); takes nothing."""
    day = day or date.today()
    pat = pattern()
    key = scope(pat, day)
    last = db.session.scalar(text("SELECT last FROM number_counter WHERE scope = :scope"), {"scope": key})
    return render(pat, day, (last if last is not None else _highest_in_use(pat, day)) + 1)
