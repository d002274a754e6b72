"""One permission authority (app.security.authority): what FAB's tables say, in or out of a request; the
workflow's capabilities; the check of the database's roles against the declaration (start-up, `flask roles check`).

Expected answers are written out by hand (what each role may do, per the README and DOMAIN.md), not read from
app.security.matrix: a wrong declaration must fail here.
"""
import logging

import pytest
from flask import g
from flask_login import login_user

from app.models import db
from app.context import acting_as
from app.security import authority
from tests import factories as f
from tests.conftest import make_config

CAPABILITIES = {
    "admin": {"review_contract", "approve_contract", "seal_contract", "send_back_contract", "cancel_contract",
              "confirm_payment", "assign_owner"},
    "manager": {"review_contract", "approve_contract", "seal_contract", "send_back_contract", "cancel_contract",
                "assign_owner"},
    "sales1": {"stamp_contract", "withdraw_own_contract"},
    "finance": {"confirm_payment"},
    "service": set(),
}

# (user, operation, record, allowed): the README's role table.
OPERATIONS = [
    ("sales1", "read", "customer", True), ("sales1", "edit", "customer", True),
    ("sales1", "delete", "customer", False), ("sales1", "add", "payment", True), ("sales1", "edit", "payment", False),
    ("sales1", "read", "complaint", False), ("sales1", "read", "auditlog", False),
    ("manager", "edit", "customer", True), ("manager", "delete", "customer", False),
    ("manager", "read", "payment", True), ("manager", "add", "payment", False), ("manager", "read", "auditlog", True),
    ("finance", "edit", "payment", True), ("finance", "edit", "customer", False), ("finance", "read", "activity", False),
    ("service", "edit", "contact", True), ("service", "read", "payment", False), ("service", "edit", "contract", False),
    ("admin", "delete", "payment", True), ("admin", "delete", "customer", True),
]


def user(app, username):
    return app.appbuilder.sm.find_user(username=username)


@pytest.mark.parametrize("username, expected", CAPABILITIES.items())
def test_capabilities_out_of_a_request(app, username, expected):
    with app.app_context():
        assert authority.capabilities(user(app, username)) == expected
        with acting_as(user(app, username).id, "sheet"):
            assert authority.capabilities(None) == expected


@pytest.mark.parametrize("username, expected", CAPABILITIES.items())
def test_capabilities_in_a_request(app, username, expected):
    with app.test_request_context("/"):
        someone = user(app, username)
        login_user(someone)
        g.user = someone
        assert authority.capabilities(None) == expected
        assert authority.has_capability(None, "confirm_payment") is ("confirm_payment" in expected)


@pytest.mark.parametrize("username, operation, record, expected", OPERATIONS)
def test_operations(app, username, operation, record, expected):
    with app.app_context():
        assert authority.may(user(app, username), operation, record) is expected


def test_rows_of_other_reps_are_not_theirs(app):
    with app.app_context():
        mine = f.customer(user(app, "sales1"))
        theirs = f.customer(user(app, "sales2"))
        contact = f.contact(theirs)
        db.session.flush()
        sales1 = user(app, "sales1")
        assert authority.may(sales1, "edit", "customer", mine) is True
        assert authority.may(sales1, "edit", "customer", theirs) is False
        assert authority.may(sales1, "read", "contact", contact) is False
        assert authority.may(user(app, "manager"), "edit", "contact", contact) is True
        assert authority.may(user(app, "finance"), "edit", "customer", mine) is False  # no edit at all
        db.session.rollback()


def test_an_inactive_user_may_nothing(app):
    with app.app_context():
        sm = app.appbuilder.sm
        someone = sm.add_user(f"inactive{f.next_id()}", "停", "用", f"inactive{f.next_id()}@example.com",
                              sm.find_role("Manager"), "Inactive-pass-2026")
        someone.active = False
        db.session.commit()
        assert authority.permissions(someone) == frozenset()
        assert authority.may(someone, "read", "customer") is False


def test_out_of_a_request_the_tables_are_read_once_per_transaction(app):
    """The sync reads permissions once per cycle's transaction and sees an admin's change in the next one."""
    from sqlalchemy import event

    with app.app_context():
        sales1 = user(app, "sales1")
        db.session.commit()
        statements = []
        def listener(conn, cursor, statement, *args):
            if "ab_permission_view_role" in statement:
                statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            for _ in range(5):
                authority.may(sales1, "edit", "customer")
                authority.capabilities(sales1)
            in_one_transaction = len(statements)
            db.session.commit()
            authority.may(sales1, "edit", "customer")
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        assert in_one_transaction == 1
        assert len(statements) == 2


# --- the roles check ------------------------------------------------------------------------------------------

def find_pvm(sm, permission, view):
    return sm.find_permission_view_menu(permission, view)


@pytest.fixture
def drifted_roles(app):
    """The database as an admin may leave it: Sales lost can_edit on Customer, Service gained can_delete on
    Customer, Finance lost a capability, a new role nobody declared. Restored afterwards."""
    from app.security.roles import sync_roles

    with app.app_context():
        sm = app.appbuilder.sm
        sm.del_permission_role(sm.find_role("Sales"), find_pvm(sm, "can_edit", "Customer"))
        sm.add_permission_role(sm.find_role("Service"), find_pvm(sm, "can_delete", "Customer"))
        sm.del_permission_role(sm.find_role("Finance"), find_pvm(sm, "can_confirm", "Payment"))
        sm.add_role("Auditor")
    yield
    with app.app_context():
        sm = app.appbuilder.sm
        sm.delete_role(sm.find_role("Auditor"))
        sync_roles()


EXPECTED_DRIFT = {
    "Sales: missing can_edit on Customer",
    "Service: not declared can_delete on Customer",
    "Finance: missing can_confirm on Payment",
    "role Auditor is not declared",
}


def test_roles_check_passes_on_synced_roles(app):
    result = app.test_cli_runner().invoke(args=["roles", "check"])
    assert result.exit_code == 0, result.output
    assert "match" in result.output


def test_roles_check_lists_every_difference_and_fails(app, drifted_roles):
    result = app.test_cli_runner().invoke(args=["roles", "check"])
    assert result.exit_code == 1
    assert set(result.output.strip().splitlines()) == EXPECTED_DRIFT


def test_the_app_warns_at_start_up(app, drifted_roles, database_url, tmp_path, caplog):
    from app import create_app

    with caplog.at_level(logging.WARNING, logger="app.security.roles"):
        create_app(make_config(database_url, str(tmp_path)))
    warnings = [r.getMessage() for r in caplog.records
                if r.levelno == logging.WARNING and r.name == "app.security.roles"]
    assert len(warnings) == 1
    assert all(line in warnings[0] for line in EXPECTED_DRIFT)
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="app.security.roles"):
        create_app(make_config(database_url, str(tmp_path), ROLES_CHECK_AT_START=False))
    assert not [r for r in caplog.records if r.name == "app.security.roles"]


def test_no_warning_on_matching_roles_or_an_empty_database(app, database_url, tmp_path, caplog):
    from app import create_app

    with caplog.at_level(logging.INFO, logger="app.security.roles"):
        create_app(make_config(database_url, str(tmp_path)))
        create_app(make_config(f"sqlite:///{tmp_path}/empty.db", str(tmp_path)))
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING and r.name == "app.security.roles"]


def test_flask_roles_sync_keeps_capabilities_and_admin_does_not_stamp(app):
    """FAB prunes a view's permissions to those its views expose: the capabilities must survive a sync, and
    Admin gets every permission there is except the owner's own (stamping, withdrawing)."""
    from app.security.roles import role_differences, sync_roles

    with app.app_context():
        sync_roles()
        sync_roles()
        sm = app.appbuilder.sm
        admin = {(pvm.permission.name, pvm.view_menu.name) for pvm in sm.find_role("Admin").permissions}
        assert {("can_review", "Contract"), ("can_confirm", "Payment"), ("can_cancel", "Contract")} <= admin
        assert ("can_stamp", "Contract") not in admin and ("can_withdraw_own", "Contract") not in admin
        assert role_differences() == []
