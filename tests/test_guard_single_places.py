"""One place for each of these (issue 8, item 5): tests that fail when a second copy appears.

- the "set by whoever acts" defaults of a new row: app.workflow.prepare, used by every door;
- the ownership filter of workflow lists and reports: app.workflow.scope.own_rows;
- a column's enum: declared on the model column, derived by checks, views and sheet columns;
- the contract transition of the browser and of the API: app.workflow.http.transition;
- the models import neither the workflow nor the security layer;
- the sheet sync reaches the write guard itself, not through a view class.
"""
import ast
import re
from datetime import date, timedelta
from pathlib import Path

import pytest

from tests.guard_world import SALES

ROOT = Path(__file__).resolve().parent.parent


def sources(*folders) -> dict[str, str]:
    found = {}
    for folder in folders:
        path = ROOT / folder
        files = [path] if path.is_file() else sorted(path.rglob("*.py"))
        for file in files:
            found[str(file.relative_to(ROOT))] = file.read_text(encoding="utf-8")
    return found


def imported_modules(text: str) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Import):
            modules |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            modules.add(node.module)
    return modules


def test_models_import_neither_the_workflow_nor_the_security_layer():
    for name, text in sources("app/models").items():
        bad = {m for m in imported_modules(text) if m.startswith(("app.workflow", "app.security"))}
        assert not bad, f"{name} imports {sorted(bad)}"


def test_defaults_of_new_rows_are_set_in_one_step():
    """`acting_user_id()` is read by the write-preparation step, the actor helper and its definition only (the
    sheet-sync pages stamp who resolved a sync problem, which is not a record of the matrix)."""
    allowed = {"app/workflow/prepare.py", "app/workflow/actors.py", "app/security/ownership.py", "app/views/sync.py"}
    for name, text in sources("app", "sync").items():
        if "acting_user_id()" in text:
            assert name in allowed, f"{name} sets who acted itself; leave it to app.workflow.prepare"
    # No door assigns a "set by whoever acts" column either.
    pattern = re.compile(r"\.(user|created_by|collected_by|handled_by|recorded_by|confirmed_by|reversed_by|"
                         r"proof_recorded_by)(_id)?\s*=[^=]")
    for name, text in sources("app/views", "app/api.py", "sync", "app/cli.py").items():
        assert not pattern.search(text), f"{name}: {pattern.search(text).group(0)}"
    assert "create_defaults" not in (ROOT / "sync/profiles.py").read_text(encoding="utf-8")


def test_ownership_filters_are_written_once():
    for name, text in sources("app/workflow", "app/views").items():
        if name == "app/workflow/scope.py":
            continue
        assert "Customer.owner_id ==" not in text and "owner_id == user" not in text, \
            f"{name} filters by owner itself; use app.workflow.scope.own_rows"


def test_enums_are_declared_once_on_the_model():
    for name, text in sources("app/checks.py", "sync").items():
        assert "enums." not in text and "from app.domain.enums" not in text, f"{name} lists an enum again"
    for name, text in sources("app/views").items():
        if name == "app/views/base.py":
            continue
        for call in re.findall(r"enum_(?:select|formatter)\(([^)]*)\)", text):
            assert "column_enum(" in call or "AuditAction" in call, f"{name} declares an enum column again: {call}"


def test_every_enum_column_is_checked_labelled_and_a_sheet_dropdown():
    from app.checks import field_errors
    from app.labels import ENUM_LABELS
    from app.models import RECORD_MODELS
    from app.models.base import enum_columns
    from sync.profiles import PROFILES

    for record, model in RECORD_MODELS.items():
        for field, enum_cls in enum_columns(model).items():
            assert set(ENUM_LABELS[enum_cls]) == {m.value for m in enum_cls}, enum_cls
            assert field_errors(record, field, "no-such-value"), (record, field)
            assert field_errors(record, field, next(iter(enum_cls)).value) == [], (record, field)
    for tables in PROFILES.values():
        for table in tables:
            for column in table.columns:
                if column.kind == "enum":
                    assert column.enum is enum_columns(RECORD_MODELS[table.record])[column.field]


def test_the_sheet_sync_reaches_the_write_guard_itself():
    text = (ROOT / "sync/db_side.py").read_text(encoding="utf-8")
    assert not {m for m in imported_modules(text) if m.startswith("app.views")}
    assert "check_record_write" in text


def test_browser_and_api_transitions_run_the_same_function(app, api, login, monkeypatch):
    from app.workflow import http
    from tests.conftest import csrf_token
    from tests.guard_world import world

    calls = []
    real = http.transition

    def recording(contract, to, reason, expected_version=None):
        calls.append((contract.id, to))
        return real(contract, to, reason, expected_version=expected_version)

    monkeypatch.setattr(http, "transition", recording)
    w = world(app, status="draft")
    client = login(SALES)
    page = client.get(f"/contractview/show/{w['contract']}").get_data(as_text=True)
    client.post(f"/contractview/transition/{w['contract']}", data={"csrf_token": csrf_token(page), "to": "stamped"})
    api("manager").post(f"/api/v1/contract/{w['contract']}/transition", json={"to": "reviewed"})
    assert calls == [(w["contract"], "stamped"), (w["contract"], "reviewed")]


def test_every_door_runs_the_one_write_preparation_step(app, api, login, monkeypatch):
    from app.context import acting_as
    from app.models import Activity, Customer, db
    from app.workflow import prepare
    from app.workflow.guards import check_record_write
    from tests import factories as f
    from tests.guard_world import post_form, world

    seen = []
    real = prepare.set_defaults
    monkeypatch.setattr(prepare, "set_defaults", lambda record, item: (seen.append(record), real(record, item)))
    w = world(app)
    today = date.today().isoformat()
    assert api(SALES).post("/api/v1/activity/", json={"customer": w["customer"], "kind": "call",
                                                         "happened_on": today}).status_code == 201
    post_form(login(SALES), "/activityview/add", {"customer": w["customer"], "kind": "visit", "happened_on": today})
    with app.app_context(), acting_as(f.user(app, SALES).id, "cli"):
        row = Activity(customer=db.session.get(Customer, w["customer"]), kind="email",
                       happened_on=date.today() - timedelta(days=1))
        check_record_write("activity", row)
        db.session.add(row)
        db.session.commit()
        assert row.user_id == f.user(app, SALES).id
    assert seen == ["activity", "activity", "activity"]
    with app.app_context():
        users = {a.user_id for a in db.session.query(Activity).filter_by(customer_id=w["customer"])}
        assert users == {f.user(app, SALES).id}


@pytest.mark.parametrize("door", ["app/api.py", "app/views/sales.py", "app/views/customers.py",
                                  "app/views/records.py", "sync/db_side.py"])
def test_no_door_stamps_proofs_or_payments_itself(door):
    text = (ROOT / door).read_text(encoding="utf-8")
    assert "stamp_proof" not in text and "def pre_add" not in text and "def pre_update" not in text, door
