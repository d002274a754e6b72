"""Fuzzing the REST API from its own OpenAPI document, per role, with schemathesis's engine (the same run as
`schemathesis run`): the examples, coverage, fuzzing and stateful phases, in-process over WSGI.

For each role every operation of /api/v1/_openapi is called with that role's JWT, FAB's user-management API
(/api/v1/security/...) included. The run must find no server error, responses must conform to the document
(status code, content type, body schema), no operation may succeed (2xx) for a role the matrix refuses, and
every operation the role may call must have been exercised past the permission check (some answer other than
401/403), so a run that lost its access cannot pass as clean.

Bounds: `make test` runs, per role, the examples phase, FUZZ_EXAMPLES=3 generated cases per operation in the
fuzzing phase and stateful scenarios of at most 5 steps on every operation; the coverage phase (every boundary and
malformed value the document allows, about 150 cases per operation, the costly part) runs once per operation, as
one of the roles that may call it, taken in turn. `make fuzz` (FUZZ_DEEP=1, FUZZ_EXAMPLES=100) runs the coverage
phase of every operation for every role and longer stateful scenarios.

The fuzzing runs on fresh SQLite databases: generated DELETE and PUT calls hit whatever ids they guess (the
roles other than Admin share one), and Admin's run, on a database of its own, rewrites users, roles and
permissions. Admin fuzzes as a user of its own (`fuzzadmin`, with a copy of
the Admin role), both under ids far from those the fuzzer guesses, and a test-only hook puts that user and role
back after each request that changes the security tables, so the run keeps its access to the end.
"""
import os
import re
from collections import defaultdict

import pytest

schemathesis = pytest.importorskip("schemathesis")
from schemathesis.engine import events, from_schema  # noqa: E402

from app.security.matrix import READ_ONLY_RECORDS, ROLE_MATRIX, allowed  # noqa: E402
from tests.conftest import DEMO_PASSWORD, ROLE_USERS, compile_catalogues, make_config  # noqa: E402

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "3"))
DEEP = os.environ.get("FUZZ_DEEP") == "1"
STATEFUL_STEPS = 20 if DEEP else 5
SEED = int(os.environ.get("FUZZ_SEED", "20261129"))
PHASES = ("examples", "coverage", "fuzzing", "stateful")
HTTP_OPERATION = {"GET": "read", "POST": "add", "PUT": "edit", "PATCH": "edit", "DELETE": "delete"}
# Routes whose permission is not the matrix operation of their HTTP method.
SPECIAL_OPERATIONS = {("POST", "/api/v1/contract/{pk}/transition"): "edit"}
# Checks left out, with the reason:
# - ignored_auth: FAB (flask-jwt-extended) answers a malformed token with 422, not the 401 this check expects;
#   authentication itself is covered by the permission tests (see /work/shared/FAB-NOTES.md).
# - positive_data_acceptance: FAB documents the `q` argument as a JSON object but parses it as rison, so
#   schema-valid values of `q` are refused with 400 (the real argument is exercised by the API tests).
DISABLED_CHECKS = ("ignored_auth", "positive_data_acceptance")
# FAB's own documents for these responses do not match what FAB returns (the menu has "-" separators among its
# children, the user and group lists declare roles/groups/users as single objects and return lists); only their
# bodies go unvalidated.
SCHEMA_UNCHECKED = r"^/api/v1/menu/$|^/api/v1/security/(users|groups)/"
OPEN_TO_EVERY_ROLE = {"/api/v1/_openapi", "/api/{version}/_openapi", "/api/v1/menu/", "/api/v1/security/login",
                      "/api/v1/security/refresh"}
# Far from the ids a fuzzer guesses (0, 1, small numbers, powers of two and their neighbours).
FUZZ_ADMIN_ID = 1_947_201
FUZZ_ROLE_ID = 1_947_203


# -- the application under test -------------------------------------------------------------------------------

def fresh_app(folder):
    from flask_migrate import upgrade

    from app import create_app
    from app.cli import ensure_demo_users
    from app.security.roles import sync_roles

    compile_catalogues()
    application = create_app(make_config(f"sqlite:///{folder}/fuzz.db", str(folder)))
    with application.app_context():
        upgrade()
        sync_roles()
        ensure_demo_users(DEMO_PASSWORD)
    seed_rows(application)
    return application


def seed_rows(app):
    """A few rows of each kind, so generated ids sometimes hit something."""
    from tests import factories as f

    with app.app_context():
        from app.models import db

        for owner in ("sales1", "sales2"):
            f.full_customer(app, owner)
        db.session.commit()


def add_fuzz_admin(app) -> str:
    """`fuzzadmin`, in a copy of the Admin role, both under far ids; kept as they are by a test-only hook."""
    import sqlalchemy as sa
    from werkzeug.security import generate_password_hash

    from app.models import db

    with app.app_context():
        admin_role = app.appbuilder.sm.find_role("Admin")
        db.session.execute(sa.text("INSERT INTO ab_role (id, name) VALUES (:id, 'FuzzAdmin')"), {"id": FUZZ_ROLE_ID})
        db.session.execute(sa.text(
            "INSERT INTO ab_permission_view_role (permission_view_id, role_id) "
            "SELECT permission_view_id, :fuzz FROM ab_permission_view_role WHERE role_id = :admin"),
            {"fuzz": FUZZ_ROLE_ID, "admin": admin_role.id})
        db.session.execute(sa.text(
            "INSERT INTO ab_user (id, first_name, last_name, username, password, active, email, login_count, "
            "fail_login_count, created_on, changed_on) VALUES (:id, 'Fuzz', 'Admin', 'fuzzadmin', :password, 1, "
            "'fuzzadmin@example.invalid', 0, 0, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"),
            {"id": FUZZ_ADMIN_ID, "password": generate_password_hash(DEMO_PASSWORD)})
        db.session.execute(sa.text("INSERT INTO ab_user_role (user_id, role_id) VALUES (:user, :role)"),
                           {"user": FUZZ_ADMIN_ID, "role": FUZZ_ROLE_ID})
        db.session.commit()
        snapshot = {
            "user": dict(db.session.execute(sa.text("SELECT * FROM ab_user WHERE id = :id"),
                                            {"id": FUZZ_ADMIN_ID}).mappings().one()),
            "permission_views": [row[0] for row in db.session.execute(sa.text(
                "SELECT permission_view_id FROM ab_permission_view_role WHERE role_id = :role"),
                {"role": FUZZ_ROLE_ID})],
        }
        # The permission-on-resource rows and resource names those grants stand on (the fuzzer may rename a
        # resource or point a permission-on-resource row elsewhere).
        snapshot["pv_rows"] = [dict(row) for row in db.session.execute(sa.text(
            "SELECT id, permission_id, view_menu_id FROM ab_permission_view WHERE id IN :ids").bindparams(
            sa.bindparam("ids", expanding=True)), {"ids": snapshot["permission_views"]}).mappings()]
        snapshot["view_menus"] = [dict(row) for row in db.session.execute(sa.text(
            "SELECT id, name FROM ab_view_menu WHERE id IN :ids").bindparams(sa.bindparam("ids", expanding=True)),
            {"ids": sorted({row["view_menu_id"] for row in snapshot["pv_rows"]})}).mappings()]
    keep_fuzz_admin(app, snapshot)
    return "fuzzadmin"


def keep_fuzz_admin(app, snapshot) -> None:
    """Test-only: after a request that changed the security tables, put fuzzadmin, its role, the role's
    permissions and the resources they name back (the fuzzer may deactivate the user, change its password,
    empty its role, rename a resource...)."""
    import sqlalchemy as sa
    from flask import request

    from app.models import db

    user = snapshot["user"]

    @app.teardown_request
    def restore(_error=None):
        if request.method == "GET" or not request.path.startswith("/api/v1/security/"):
            return
        db.session.remove()
        with db.engine.begin() as connection:
            # (SQLite's OR IGNORE: the fuzz database is SQLite; a row that took the name or pair since wins.)
            connection.execute(sa.text("UPDATE OR IGNORE ab_view_menu SET name = :name WHERE id = :id"),
                               snapshot["view_menus"])
            connection.execute(sa.text("INSERT OR IGNORE INTO ab_view_menu (id, name) VALUES (:id, :name)"),
                               snapshot["view_menus"])
            connection.execute(sa.text("UPDATE OR IGNORE ab_permission_view SET permission_id = :permission_id, "
                                       "view_menu_id = :view_menu_id WHERE id = :id"), snapshot["pv_rows"])
            connection.execute(sa.text("INSERT OR IGNORE INTO ab_permission_view (id, permission_id, view_menu_id) "
                                       "VALUES (:id, :permission_id, :view_menu_id)"), snapshot["pv_rows"])
            connection.execute(sa.text("DELETE FROM ab_user_role WHERE user_id = :id"), {"id": FUZZ_ADMIN_ID})
            connection.execute(sa.text("DELETE FROM ab_user_group WHERE user_id = :id"), {"id": FUZZ_ADMIN_ID})
            connection.execute(sa.text("DELETE FROM ab_user WHERE id = :id OR username = 'fuzzadmin' OR "
                                       "email = 'fuzzadmin@example.invalid'"), {"id": FUZZ_ADMIN_ID})
            connection.execute(sa.insert(sa.table("ab_user", *[sa.column(name) for name in user])), [user])
            connection.execute(sa.text("DELETE FROM ab_permission_view_role WHERE role_id = :role"),
                               {"role": FUZZ_ROLE_ID})
            connection.execute(sa.text("DELETE FROM ab_role WHERE id = :role OR name = 'FuzzAdmin'"),
                               {"role": FUZZ_ROLE_ID})
            connection.execute(sa.text("INSERT INTO ab_role (id, name) VALUES (:role, 'FuzzAdmin')"),
                               {"role": FUZZ_ROLE_ID})
            connection.execute(sa.text("INSERT INTO ab_user_role (user_id, role_id) VALUES (:id, :role)"),
                               {"id": FUZZ_ADMIN_ID, "role": FUZZ_ROLE_ID})
            connection.execute(sa.text(
                "INSERT INTO ab_permission_view_role (permission_view_id, role_id) "
                "SELECT id, :role FROM ab_permission_view WHERE id IN :ids").bindparams(
                sa.bindparam("ids", expanding=True)), {"role": FUZZ_ROLE_ID, "ids": snapshot["permission_views"]})


def token(app, username):
    response = app.test_client().post("/api/v1/security/login", json={
        "username": username, "password": DEMO_PASSWORD, "provider": "db", "refresh": False})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["access_token"]


# -- the document -------------------------------------------------------------------------------------------

def correct_fab_spec(document: dict) -> dict:
    """Narrow corrections where the document FAB 5.3 generates contradicts what FAB itself answers.

    - List responses: FAB declares `ids` (and some responses `id`) as strings; it returns the primary keys,
      integers here.
    - Related rows in show/list responses (components named `<Api>.<method>.<Model>`): FAB's nested schemas
      are not nullable, but an optional relation (an activity without a contact) is returned as null.
    - PUT bodies (components `<Api>.put`) list the model's NOT NULL columns as required, but FAB's PUT is a
      partial update: it merges the fields sent into the row, so a body without them is valid.
    """
    for path_item in document.get("paths", {}).values():
        for operation in path_item.values():
            if isinstance(operation, dict):
                document_error_statuses(operation.setdefault("responses", {}))
            for response in (operation.get("responses") or {}).values() if isinstance(operation, dict) else ():
                for media in (response.get("content") or {}).values() if isinstance(response, dict) else ():
                    properties = media.get("schema", {}).get("properties", {})
                    ids = properties.get("ids")
                    if ids and ids.get("items") == {"type": "string"}:
                        ids["items"] = {"anyOf": [{"type": "integer"}, {"type": "string"}]}
                    if (properties.get("id") or {}).get("type") == "string":  # a row's id (after a POST, ...)
                        properties["id"] = {"anyOf": [{"type": "integer"}, {"type": "string"}]}
    for response in document.get("components", {}).get("responses", {}).values():
        loosen_error_message(response)
    for name, component in document.get("components", {}).get("schemas", {}).items():
        if name.endswith(".put"):
            component.pop("required", None)
        if name.count(".") >= 2 and component.get("type") == "object":
            component["nullable"] = True
        if name.endswith((".get", ".get_list")) or name.count(".") >= 2:
            for prop in (component.get("properties") or {}).values():
                loosen_response_property(prop)
    return document


ERROR_RESPONSE = {"description": "Error", "content": {"application/json": {"schema": {
    "type": "object", "properties": {"message": {}}}}}}


def document_error_statuses(responses: dict) -> None:
    """- FAB leaves out 403 (the role lacks the permission) and 405 (a non-numeric id routes GET /<pk> to the
      PUT/DELETE rule) from every operation, and 400/404/415/422 from some; 503 is a refusal while the
      database is unavailable.
    - Its error bodies are declared as {"message": string}, but validation errors carry a dict per field."""
    for status in ("400", "403", "404", "405", "415", "422", "503"):
        responses.setdefault(status, ERROR_RESPONSE)
    for status, response in responses.items():
        if status.startswith("4"):
            loosen_error_message(response)


def loosen_error_message(response) -> None:
    if isinstance(response, dict):
        for media in (response.get("content") or {}).values():
            message = media.get("schema", {}).get("properties", {}).get("message")
            if isinstance(message, dict):
                message.clear()


def loosen_response_property(prop: dict) -> None:
    """- Money columns (Numeric) are declared as numbers; FAB serialises Decimal as a string ("1000.00").
    - Timestamps are declared RFC 3339 date-time; FAB returns naive ISO times without a zone offset."""
    for variant in [prop] + list(prop.get("anyOf") or []):
        if variant.get("type") == "number":
            variant.pop("type")
            variant["anyOf"] = [{"type": "number"}, {"type": "string", "pattern": r"^-?\d+(\.\d+)?$"}]
        if variant.get("format") == "date-time":
            variant.pop("format")


# -- who may call what --------------------------------------------------------------------------------------

def resource_of(path: str) -> str:
    match = re.match(r"^/api/v1/([^/{]+)/", path)
    return match.group(1) if match else ""


def role_may(role: str, method: str, path: str) -> bool:
    """Whether the matrix lets `role` call the operation (True for routes outside the matrix)."""
    if path in OPEN_TO_EVERY_ROLE:
        return True
    resource = resource_of(path)
    if resource == "security":
        return role == "Admin"
    operation = SPECIAL_OPERATIONS.get((method, path), HTTP_OPERATION[method])
    if resource in ROLE_MATRIX:
        return allowed(resource, [role], operation)
    if resource in READ_ONLY_RECORDS:
        # Read-only records: reading for the listed roles; their extra POST routes (resolve a sync problem) are Admin's.
        return role in READ_ONLY_RECORDS[resource][1] and (operation == "read" or role == "Admin")
    return True


CURRENT_ROLE: dict[str, str | None] = {"role": None}


@schemathesis.check
def refused_by_the_matrix(ctx, response, case):
    """No operation succeeds for a role the matrix refuses."""
    role, method = CURRENT_ROLE["role"], case.method.upper()
    # (the coverage phase also sends methods the document does not list, such as OPTIONS: Flask answers those)
    if role and method in HTTP_OPERATION and 200 <= response.status_code < 300 \
            and not role_may(role, method, case.path):
        raise AssertionError(f"{role} got {response.status_code} on {case.method} {case.path}, "
                             "which the matrix refuses")


# -- the run ------------------------------------------------------------------------------------------------

def run_config(bearer: str, phases: tuple[str, ...]):
    checks = {name: {"enabled": False} for name in DISABLED_CHECKS}
    return schemathesis.Config.from_dict({
        "seed": SEED,
        "cache": {"enabled": False},  # nothing written to the work tree
        "headers": {"Authorization": f"Bearer {bearer}"},
        "generation": {"max-examples": EXAMPLES, "database": "none"},
        "checks": checks,
        "phases": {
            **{name: {"enabled": name in phases} for name in PHASES},
            "stateful": {"enabled": "stateful" in phases, "max-steps": STATEFUL_STEPS},
        },
        "operations": [
            {"include-path-regex": SCHEMA_UNCHECKED, "checks": {"response_schema_conformance": {"enabled": False}}},
            # FAB declares GET .../permissions/ and POST .../permissions (no slash): a GET without the slash is
            # redirected (308) to the declared route, not refused with 405.
            {"include-path-regex": r"^/api/v1/security/roles/\{role_id\}/permissions$",
             "checks": {"unsupported_method": {"enabled": False}}},
        ],
    })


class Findings:
    """What one role's runs found: failed checks per operation, statuses seen per operation, phases run."""

    def __init__(self):
        self.failures: dict[str, set[str]] = defaultdict(set)
        self.statuses: dict[str, set[int]] = defaultdict(set)
        self.phases: dict[str, int] = defaultdict(int)
        self.seconds: dict[str, float] = defaultdict(float)
        self.coverage_operations: set[str] = set()
        self.errors: list[str] = []

    def read(self, stream) -> None:
        for event in stream:
            if isinstance(event, events.ScenarioFinished):
                self.read_scenario(event)
            elif isinstance(event, (events.NonFatalError, events.FatalError)):
                self.errors.append(f"{type(event).__name__} {getattr(event, 'label', '')}: "
                                   f"{str(getattr(event, 'value', ''))[:300]}")

    def read_scenario(self, event) -> None:
        recorder = event.recorder
        self.phases[str(event.phase)] += len(recorder.cases)
        self.seconds[str(event.phase)] += event.elapsed_time
        for case_id, node in recorder.cases.items():
            case = node.value
            interaction = recorder.interactions.get(case_id)
            if interaction is not None and interaction.response is not None:
                self.statuses[f"{case.method.upper()} {case.path}"].add(interaction.response.status_code)
            if str(event.phase) == "coverage" and case.method.upper() in HTTP_OPERATION:
                self.coverage_operations.add(recorder.label)
        for case_id, checks in recorder.checks.items():
            case = recorder.cases[case_id].value
            for check in checks:
                if check.status.name != "SUCCESS":
                    info = check.failure_info
                    failure = getattr(info, "failure", None)
                    text = getattr(failure, "title", None) or check.name
                    detail = (getattr(failure, "message", "") or "").strip().replace("\n", " ")[:200]
                    self.failures[f"{case.method.upper()} {case.path}"].add(f"[{event.phase}] {text}: {detail}")


def coverage_roles(operations) -> dict[tuple[str, str], list[str]]:
    """Which roles run the coverage phase of each operation: every role in the deep run; in `make test` one of
    the roles that may call it, in turn (an operation open to nobody but Admin: Admin)."""
    roles = list(ROLE_USERS)
    if DEEP:
        return {op: roles for op in operations}
    chosen = {}
    for index, op in enumerate(sorted(operations)):
        callers = [role for role in roles if role_may(role, *op)]
        chosen[op] = [callers[index % len(callers)]]
    return chosen


def fuzz_role(app, role: str, username: str) -> tuple[Findings, list[tuple[str, str]]]:
    client = app.test_client()
    bearer = token(app, username)
    document = client.get("/api/v1/_openapi", headers={"Authorization": f"Bearer {bearer}"}).get_json()
    operations = [(method.upper(), path) for path, item in document["paths"].items() for method in item
                  if method.upper() in HTTP_OPERATION]
    covered = {op for op, roles in coverage_roles(operations).items() if role in roles}
    findings = Findings()
    CURRENT_ROLE["role"] = role
    try:
        # Every operation: examples, fuzzing, stateful scenarios (which chain the ones the role may call);
        # then the coverage phase on this role's share of the operations.
        # (An exclusion, not an inclusion: the config's per-operation entries make schemathesis add an include
        # filter of its own that matches every operation, and inclusions are alternatives.)
        runs = [(lambda ctx: False, ("examples", "fuzzing", "stateful")),
                (lambda ctx: (ctx.operation.method.upper(), ctx.operation.path) not in covered, ("coverage",))]
        for excluded, phases in runs:
            schema = schemathesis.openapi.from_dict(correct_fab_spec(document), config=run_config(bearer, phases))
            schema = schema.exclude(excluded)
            schema.app = app  # in-process WSGI calls, no network
            findings.read(from_schema(schema).execute())
    finally:
        CURRENT_ROLE["role"] = None
    return findings, operations


def fuzz_and_check(app, role, username):
    findings, operations = fuzz_role(app, role, username)
    print(f"{role}: cases {dict(findings.phases)}, seconds {({k: round(v) for k, v in findings.seconds.items()})}")
    assert len(operations) > 60, "the document lost operations"
    assert not findings.errors, "\n".join(findings.errors)
    assert not findings.failures, "\n".join(f"{op}: {sorted(msgs)}" for op, msgs in sorted(findings.failures.items()))
    for phase in PHASES:
        assert findings.phases[phase] > 0, f"the {phase} phase ran no case for {role}"
    covered = {f"{m} {p}" for (m, p), roles in coverage_roles(operations).items() if role in roles}
    assert findings.coverage_operations == covered, "the coverage phase ran on other operations than planned"
    untested = sorted(f"{method} {path}" for method, path in operations
                      if f"{method} {path}" not in findings.statuses)
    assert not untested, f"operations never called for {role}: {untested}"
    locked_out = sorted(f"{method} {path}" for method, path in operations if role_may(role, method, path)
                        and path not in OPEN_TO_EVERY_ROLE
                        and findings.statuses[f"{method} {path}"] <= {401, 403})
    assert not locked_out, f"{role} never got past the permission check on {locked_out}"


@pytest.fixture(scope="module")
def fuzz_app(tmp_path_factory):
    return fresh_app(tmp_path_factory.mktemp("fuzz"))


@pytest.mark.slow
@pytest.mark.parametrize("role", [r for r in ROLE_USERS if r != "Admin"])
def test_api_fuzz(fuzz_app, role):
    fuzz_and_check(fuzz_app, role, ROLE_USERS[role])


@pytest.mark.slow
def test_api_fuzz_admin_with_user_management(tmp_path_factory):
    app = fresh_app(tmp_path_factory.mktemp("fuzz-admin"))
    fuzz_and_check(app, "Admin", add_fuzz_admin(app))
