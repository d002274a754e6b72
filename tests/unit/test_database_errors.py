"""What a database error means (app.database_errors.problem_of), from the drivers' own words: SQLite's messages
and PostgreSQL's SQLSTATE and diagnostics, as literal cases. And the sentence a user sees instead."""
import sqlite3

import pytest
from sqlalchemy.exc import DataError, IntegrityError, OperationalError

from app.database_errors import DatabaseRefused, Problem, looks_like_database_error, problem_message, problem_of

TABLES = {"customer": {"id", "name", "credit_code", "source", "locality"}, "issue": {"id", "publication_id", "number"},
          "contract": {"id", "number", "customer_id"}, "ad_slot": {"id", "medium"}}


def sqlite_error(cls, message):
    return cls("INSERT INTO customer ...", ("secret-param",), sqlite3.IntegrityError(message))


class PgDiag:
    def __init__(self, **fields):
        self.__dict__.update(fields)


class PgError(Exception):
    """Shaped like psycopg's errors: a SQLSTATE and a diag with the server's fields."""

    def __init__(self, sqlstate, **diag):
        super().__init__("server text with the SQL")
        self.sqlstate = sqlstate
        self.diag = PgDiag(**diag)


def pg_error(cls, sqlstate, **diag):
    return cls("UPDATE ...", {"p": "secret"}, PgError(sqlstate, **diag))


@pytest.mark.parametrize("message, problem", [
    ("UNIQUE constraint failed: customer.credit_code", Problem("unique", "customer", "credit_code")),
    ("UNIQUE constraint failed: issue.publication_id, issue.number", Problem("unique", "issue", "number")),
    ("NOT NULL constraint failed: customer.name", Problem("required", "customer", "name")),
    ("CHECK constraint failed: ck_customer_source", Problem("not_allowed", "customer", "source")),
    ("CHECK constraint failed: ck_ad_slot_medium", Problem("not_allowed", "ad_slot", "medium")),
    ("CHECK constraint failed: ck_contract_dates", Problem("not_allowed", "contract", None)),
    ("FOREIGN KEY constraint failed", Problem("missing_reference")),
    ("something new", Problem("other")),
])
def test_sqlite_errors(message, problem):
    assert problem_of(sqlite_error(IntegrityError, message), TABLES) == problem


@pytest.mark.parametrize("exc, problem", [
    (pg_error(IntegrityError, "23505", table_name="customer", constraint_name="customer_credit_code_key",
              message_detail="Key (credit_code)=(91440300000000001X) already exists."),
     Problem("unique", "customer", "credit_code")),
    (pg_error(IntegrityError, "23505", table_name="issue", constraint_name="uq_issue_number",
              message_detail="Key (publication_id, number)=(3, 2026-01) already exists."),
     Problem("unique", "issue", "number")),
    (pg_error(IntegrityError, "23502", table_name="customer", column_name="name"),
     Problem("required", "customer", "name")),
    (pg_error(IntegrityError, "23514", table_name="customer", constraint_name="ck_customer_locality"),
     Problem("not_allowed", "customer", "locality")),
    (pg_error(IntegrityError, "23503", table_name="contract", constraint_name="contract_customer_id_fkey",
              message_detail='Key (customer_id)=(99) is not present in table "customer".'),
     Problem("missing_reference", "contract", "customer_id")),
    (pg_error(IntegrityError, "23503", table_name="contract", constraint_name="contract_customer_id_fkey",
              message_detail='Key (id)=(5) is still referenced from table "contract".'),
     Problem("still_referenced", "contract", None)),
    (pg_error(DataError, "22001", table_name=None), Problem("too_long", None, None)),
    (pg_error(DataError, "22P02", table_name=None), Problem("invalid", None, None)),
    (pg_error(OperationalError, "40P01"), Problem("unavailable")),
    (pg_error(OperationalError, "08006"), Problem("unavailable")),
])
def test_postgres_errors(exc, problem):
    assert problem_of(exc, TABLES) == problem


def test_sqlite_busy_and_data_errors():
    assert problem_of(OperationalError("x", {}, sqlite3.OperationalError("database is locked")), TABLES).kind \
        == "unavailable"
    assert problem_of(DataError("x", {}, sqlite3.DataError("bad")), TABLES).kind == "invalid"


@pytest.mark.parametrize("problem, text", [
    (Problem("unique", "customer", "credit_code"), "Unified social credit code: another record already has this value."),
    (Problem("unique", "contract", "number"), "Number: another record already has this value."),
    (Problem("required", "ab_user", "first_name"), "First name is required."),
    (Problem("missing_reference", "contract", "customer_id"), "Customer: the related record does not exist."),
    (Problem("not_allowed", "contract", None), "A value is not allowed."),
    (Problem("still_referenced", "customer"), "This record cannot be deleted while other records refer to it."),
    (Problem("unavailable"), "The database is busy or unavailable. Please try again in a moment."),
    (Problem("other"), "The record could not be saved. Check the values and try again."),
])
def test_the_sentence_names_the_field_when_it_is_known(problem, text):
    assert problem_message(problem) == text


def test_a_refusal_carries_no_sql_and_answers_per_field():
    refused = DatabaseRefused(problem_of(sqlite_error(IntegrityError, "UNIQUE constraint failed: contract.number"),
                                         TABLES))
    assert refused.status == 422 and refused.field == "number"
    assert refused.api_message() == {"number": ["Number: another record already has this value."]}
    assert not looks_like_database_error(str(refused))
    assert DatabaseRefused(Problem("unavailable")).status == 503


def test_the_leak_detector_knows_sqlalchemy_text():
    raw = str(sqlite_error(IntegrityError, "UNIQUE constraint failed: customer.credit_code"))
    assert "[SQL:" in raw and looks_like_database_error(raw)
    assert not looks_like_database_error("统一社会信用代码：已有其他记录使用了这个值。")


def test_a_sync_run_records_the_database_problem_not_its_sql():
    """A failed sync run's error is shown on the runs page, in `sheets status` and in the "Sync now" flash."""
    from sync.runner import describe

    text = describe(sqlite_error(IntegrityError, "NOT NULL constraint failed: customer.name"))
    assert text == "Database error: Name is required."
    assert not looks_like_database_error(text) and "secret-param" not in text
