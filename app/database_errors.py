"""Database errors become clear, translated refusals: no SQL, parameters or driver text reaches a page, a flash
or an API answer.

- `problem_of(exc)` reads what went wrong from the driver's error (PostgreSQL's SQLSTATE and diagnostics,
  SQLite's message): a duplicate, a missing value, a value a CHECK refuses, a missing or still-used related row,
  a text too long, an invalid value, or a database that is busy. Pure: tests feed it literal driver errors.
- `refusal(exc, session)` rolls the session back, logs the details for the operators and returns a
  `DatabaseRefused` (a 400-family `RefusedWrite`) whose text names the field when the constraint tells which.
- `SafeSQLAInterface` raises it from add/edit/delete instead of FAB's raw errors (FAB flashes `str(e)` and its
  REST API answers `Database exception occurred: <SQL>`); every record view and API uses it.
- REST APIs answer a refusal through app.api_errors.SafeApiMixin.
- `init_database_errors(app)`: a database error that escapes anyway answers with the same message (400/422, or
  503 when the database is unavailable), and a flashed message that still carries SQL is replaced (FAB's own
  security views flash `str(e)`).
"""
import logging
import re
import sys
from dataclasses import dataclass

from contextlib import contextmanager

from flask import Flask, session as http_session
from flask_appbuilder.exceptions import DatabaseException
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import gettext, lazy_gettext as _l
from sqlalchemy.exc import DataError, IntegrityError, OperationalError, SQLAlchemyError

from app.security.ownership import RefusedWrite

log = logging.getLogger(__name__)

# What went wrong (the kinds `problem_of` tells apart).
UNIQUE, REQUIRED, NOT_ALLOWED, MISSING_REFERENCE, STILL_REFERENCED = (
    "unique", "required", "not_allowed", "missing_reference", "still_referenced")
TOO_LONG, INVALID, UNAVAILABLE, OTHER = "too_long", "invalid", "unavailable", "other"

# Texts that only a database error carries (SQLAlchemy's statement dump and its help link).
LEAK_MARKERS = ("[SQL:", "sqlalche.me/e/", "[parameters:", "IntegrityError", "OperationalError", "DataError",
                "psycopg", "sqlite3.")


@dataclass(frozen=True)
class Problem:
    kind: str
    table: str | None = None
    column: str | None = None


# -- reading the driver's error (pure) ------------------------------------------------------------------------

POSTGRES_KINDS = {"23505": UNIQUE, "23502": REQUIRED, "23514": NOT_ALLOWED, "22001": TOO_LONG}
KEY_COLUMNS = re.compile(r"Key \(([^)]*)\)")
SQLITE_PATTERNS = [
    (re.compile(r"UNIQUE constraint failed: (\w+)\.(\w+)(?:, \w+\.(\w+))*"), UNIQUE),
    (re.compile(r"NOT NULL constraint failed: (\w+)\.(\w+)"), REQUIRED),
    (re.compile(r"CHECK constraint failed: (\w+)"), NOT_ALLOWED),
    (re.compile(r"FOREIGN KEY constraint failed"), MISSING_REFERENCE),
]


def problem_of(exc: BaseException, tables: dict[str, set[str]] | None = None) -> Problem:
    """What a database error means. `tables` (name -> column names) resolves CHECK constraint names
    (`ck_<table>_<column>`); it defaults to the app's models."""
    orig = getattr(exc, "orig", None) or exc
    sqlstate = getattr(orig, "sqlstate", None)
    if sqlstate:
        return _postgres_problem(sqlstate, getattr(orig, "diag", None), tables)
    if isinstance(exc, OperationalError):
        return Problem(UNAVAILABLE)
    if isinstance(exc, DataError):
        return Problem(INVALID)
    return _sqlite_problem(str(orig), tables) if isinstance(exc, IntegrityError) else Problem(OTHER)


def _postgres_problem(sqlstate: str, diag, tables) -> Problem:
    table = getattr(diag, "table_name", None)
    detail = getattr(diag, "message_detail", None) or ""
    if sqlstate == "23503":
        kind = STILL_REFERENCED if "still referenced" in detail else MISSING_REFERENCE
        return Problem(kind, table, _last_key_column(detail) if kind == MISSING_REFERENCE else None)
    if sqlstate in POSTGRES_KINDS:
        kind = POSTGRES_KINDS[sqlstate]
        if kind == UNIQUE:
            return Problem(kind, table, _last_key_column(detail))
        if kind == REQUIRED:
            return Problem(kind, table, getattr(diag, "column_name", None))
        if kind == NOT_ALLOWED:
            return _check_problem(getattr(diag, "constraint_name", None) or "", tables, table)
        return Problem(kind, table)
    if sqlstate.startswith("22"):
        return Problem(INVALID, table)
    if sqlstate.startswith(("08", "40", "53", "55", "57")):
        return Problem(UNAVAILABLE)  # connection, serialization/deadlock, resources, lock, cancelled
    return Problem(OTHER, table)


def _last_key_column(detail: str) -> str | None:
    """`Key (publication_id, number)=(3, 12) already exists.` -> "number" (the last column names the field)."""
    match = KEY_COLUMNS.search(detail)
    return match.group(1).split(",")[-1].strip().strip('"') if match else None


def _sqlite_problem(message: str, tables) -> Problem:
    for pattern, kind in SQLITE_PATTERNS:
        match = pattern.search(message)
        if not match:
            continue
        if kind == NOT_ALLOWED:
            return _check_problem(match.group(1), tables)
        if kind == MISSING_REFERENCE:
            return Problem(kind)  # SQLite does not say which key, nor whether it was an insert or a delete
        groups = [g for g in match.groups() if g]
        return Problem(kind, groups[0], groups[-1])
    return Problem(OTHER)


def _check_problem(constraint: str, tables, table: str | None = None) -> Problem:
    """`ck_customer_source` -> (customer, source) when that table has that column."""
    tables = tables if tables is not None else model_tables()
    candidates = [table] if table else sorted(tables, key=len, reverse=True)
    for name in candidates:
        column = constraint.removeprefix(f"ck_{name}_") if constraint.startswith(f"ck_{name}_") else None
        if column and column in tables.get(name, ()):
            return Problem(NOT_ALLOWED, name, column)
    return Problem(NOT_ALLOWED, table or next((n for n in candidates if constraint.startswith(f"ck_{n}_")), None))


def model_tables() -> dict[str, set[str]]:
    from app.models.base import Model

    return {name: {column.name for column in table.columns} for name, table in Model.metadata.tables.items()}


# -- the refusal ------------------------------------------------------------------------------------------------

# Fields of FAB's own tables that app.labels does not name.
SECURITY_FIELD_LABELS = {"username": _l("User name"), "first_name": _l("First name"), "last_name": _l("Last name")}


def field_name(column: str | None) -> str | None:
    """The form/API field of a column: `customer_id` -> `customer`."""
    return column.removesuffix("_id") if column and column.endswith("_id") and column != "id" else column


def field_label(field: str) -> str:
    from app.labels import FIELD_LABELS

    label = FIELD_LABELS.get(field) or SECURITY_FIELD_LABELS.get(field)
    return str(label) if label is not None else field


def problem_message(problem: Problem) -> str:
    """The translated sentence for a problem, naming the field when it is known."""
    field = field_name(problem.column)
    if field:
        named = {
            UNIQUE: _l("%(field)s: another record already has this value."),
            REQUIRED: _l("%(field)s is required."),
            NOT_ALLOWED: _l("%(field)s: this value is not allowed."),
            MISSING_REFERENCE: _l("%(field)s: the related record does not exist."),
        }.get(problem.kind)
        if named is not None:
            return str(named) % {"field": field_label(field)}
    return str({
        UNIQUE: _l("Another record already has one of these values."),
        REQUIRED: _l("A required value is missing."),
        NOT_ALLOWED: _l("A value is not allowed."),
        MISSING_REFERENCE: _l("A related record does not exist."),
        STILL_REFERENCED: _l("This record cannot be deleted while other records refer to it."),
        TOO_LONG: _l("A text is longer than its field allows."),
        INVALID: _l("A value is not valid for its field."),
        UNAVAILABLE: _l("The database is busy or unavailable. Please try again in a moment."),
    }.get(problem.kind, _l("The record could not be saved. Check the values and try again.")))


class DatabaseRefused(RefusedWrite):
    """A write the database refused, told in words (never its SQL)."""

    def __init__(self, problem: Problem):
        self.problem = problem
        self.field = field_name(problem.column)
        self.status = 503 if problem.kind == UNAVAILABLE else 422
        super().__init__(description=problem_message(problem))

    def api_message(self):
        """FAB's validation errors are {field: [messages]}; the same shape when the field is known."""
        return {self.field: [str(self)]} if self.field else str(self)


def refusal(exc: BaseException, session=None) -> DatabaseRefused:
    """Roll back, log the database's own words for the operators, and return the refusal to raise."""
    if isinstance(exc, DatabaseException) and exc.__cause__ is not None:
        exc = exc.__cause__
    if session is not None:
        session.rollback()
    problem = problem_of(exc)
    # A value the database refuses is the user's to fix (logged for the record); an unknown error or an
    # unavailable database is the operators'.
    level = logging.WARNING if problem.kind in (UNAVAILABLE, OTHER) else logging.INFO
    log.log(level, "database refused a write (%s on %s.%s): %s", problem.kind, problem.table, problem.column,
            getattr(exc, "orig", None) or type(exc).__name__)
    return DatabaseRefused(problem)


class SafeSQLAInterface(SQLAInterface):
    """FAB's add/edit/delete, with database errors raised as `DatabaseRefused` (FAB logged each as an error with
    its traceback and re-raised it raw), and a deleted row's uploaded files removed only once the deletion is
    committed (FAB removed them first, so a refused deletion lost them). An id no row can have finds nothing
    (a number beyond 64 bits made the driver fail: a 500)."""

    def get(self, id, filters=None, select_columns=None, outer_default_load=False):
        if not storable_id(id):
            return None
        return super().get(id, filters, select_columns, outer_default_load)

    def add(self, item, commit: bool = True) -> None:
        try:
            self.session.add(item)
            if commit:
                self.session.commit()
        except SQLAlchemyError as exc:
            raise refusal(exc, self.session) from exc

    def edit(self, item, commit: bool = True) -> None:
        try:
            self.session.merge(item)
            if commit:
                self.session.commit()
        except SQLAlchemyError as exc:
            raise refusal(exc, self.session) from exc

    def delete(self, item, commit: bool = True) -> None:
        try:
            self.session.delete(item)
            if commit:
                self.session.commit()
        except SQLAlchemyError as exc:
            raise refusal(exc, self.session) from exc
        if commit:
            self._delete_files(item)


def database_error_text() -> str:
    """The refusal being handled (FAB's edit flashes `database_error_message` in its except block), or the
    general sentence."""
    refused = sys.exc_info()[1]
    if isinstance(refused, DatabaseRefused):
        return str(refused)
    return gettext("The record could not be saved. Check the values and try again.")


@contextmanager
def refusing_database_errors(session):
    """Database errors inside the block (an autoflush in a write hook) come out as `DatabaseRefused`."""
    try:
        yield
    except SQLAlchemyError as exc:
        raise refusal(exc, session) from exc


def storable_id(id) -> bool:
    """Whether an id given as text or number fits the database's integer keys."""
    try:
        return -(2 ** 63) <= int(id) < 2 ** 63
    except (TypeError, ValueError):
        return False


def use_safe_datamodel(cls) -> None:
    """Give a view or API class declared with FAB's SQLAInterface the safe one (same model)."""
    if type(cls.__dict__.get("datamodel")) is SQLAInterface:
        cls.datamodel = SafeSQLAInterface(cls.datamodel.obj)


# -- the safety nets --------------------------------------------------------------------------------------------

def looks_like_database_error(text) -> bool:
    text = str(text)
    return any(marker in text for marker in LEAK_MARKERS)


def init_database_errors(app: Flask) -> None:
    from flask import message_flashed

    from app.security.hardening import error_response

    @app.errorhandler(SQLAlchemyError)
    def database_error(error):
        from app.models import db

        refused = refusal(error, db.session)
        return error_response(refused.status if refused.status >= 500 else 400, str(refused))

    @app.errorhandler(OverflowError)
    def number_too_large(error):
        # A number from a URL or a filter that no database column holds (the driver refuses it).
        from app.models import db

        db.session.rollback()
        return error_response(400, gettext("A number is too large."))

    message_flashed.connect(replace_leaked_flash, app)


def replace_leaked_flash(sender, message, category, **extra) -> None:
    """A flash that carries database text (FAB's views flash str(exception)) is replaced by a plain sentence."""
    if not looks_like_database_error(message):
        return
    flashes = http_session.get("_flashes") or []
    if flashes and flashes[-1] == (category, message):
        log.warning("replaced a flashed database error: %s", message)
        flashes[-1] = ("danger", database_error_text())
        http_session["_flashes"] = flashes


