"""The sign-in limit: failed attempts counted in the database per client address and per account, shared by
every worker and instance; successful sign-ins do not count. Form login and JWT login alike.

In-process here (two app instances on one database, LOGIN_MAX_FAILURES=3); through `make run`'s real gunicorn
(two workers, default settings) in tests/test_rate_limit_gunicorn.py.
"""
import itertools
import threading
from datetime import timedelta

import pytest
from sqlalchemy import update

from tests.conftest import csrf_token, make_config

LIMIT = 3
PASSWORD = "Limit-pass-2026"
WRONG = "Wrong-pass-2026"
_seq = itertools.count(1)


@pytest.fixture(scope="module")
def instances(app, database_url, tmp_path_factory):
    """Two app instances (as behind a load balancer, or two workers) sharing the database and SECRET_KEY."""
    from app import create_app

    def make():
        return create_app(make_config(database_url, str(tmp_path_factory.mktemp("instance")),
                                      LOGIN_MAX_FAILURES=LIMIT, LOGIN_FAILURE_WINDOW_MINUTES=5))

    return make(), make()


def new_user(app, role="Sales") -> str:
    with app.app_context():
        sm = app.appbuilder.sm
        username = f"limit{next(_seq)}{role.lower()}"
        assert sm.add_user(username, "限", "流", f"{username}@example.com", sm.find_role(role), PASSWORD)
        return username


_addresses = itertools.count(1)


def address() -> str:
    """A client address of its own for each use (the counters are shared by every test)."""
    n = next(_addresses)
    return f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}"


def form_login(app, username, password, addr):
    client = app.test_client()
    environ = {"REMOTE_ADDR": addr}
    token = csrf_token(client.get("/login/", environ_base=environ).get_data(as_text=True))
    return client.post("/login/", data={"username": username, "password": password, "csrf_token": token},
                       environ_base=environ)


def jwt_login(app, username, password, addr):
    return app.test_client().post("/api/v1/security/login", environ_base={"REMOTE_ADDR": addr}, json={
        "username": username, "password": password, "provider": "db"})


def outcome(response) -> str:
    """ok (signed in), wrong (refused password), limited (429)."""
    if response.status_code == 429:
        return "limited"
    if response.status_code == 302:
        return "wrong" if "/login" in response.headers["Location"] else "ok"
    return {200: "ok", 401: "wrong"}[response.status_code]


def test_the_attempt_after_the_last_allowed_failure_is_refused_form(instances, app):
    first, second = instances
    user, addr = new_user(app), address()
    answers = [outcome(form_login(first, user, WRONG, addr)), outcome(form_login(second, user, WRONG, addr)),
               outcome(form_login(first, user, WRONG, addr))]
    assert answers == ["wrong"] * LIMIT
    refused = form_login(second, user, PASSWORD, addr)  # even the right password
    assert refused.status_code == 429
    assert 0 < int(refused.headers["Retry-After"]) <= 300
    page = refused.get_data(as_text=True)
    assert "尝试次数过多" in page and "Traceback" not in page
    assert outcome(form_login(first, user, PASSWORD, addr)) == "limited"


def test_the_attempt_after_the_last_allowed_failure_is_refused_jwt(instances, app):
    first, second = instances
    user, addr = new_user(app), address()
    assert [outcome(jwt_login(i, user, WRONG, addr)) for i in (first, second, first)] == ["wrong"] * LIMIT
    refused = jwt_login(second, user, PASSWORD, addr)
    assert refused.status_code == 429
    assert refused.get_json()["message"] and "access_token" not in refused.get_json()
    assert int(refused.headers["Retry-After"]) > 0


def test_form_and_jwt_failures_count_together(instances, app):
    first, second = instances
    user, addr = new_user(app), address()
    assert outcome(form_login(first, user, WRONG, addr)) == "wrong"
    assert outcome(jwt_login(second, user, WRONG, addr)) == "wrong"
    assert outcome(form_login(second, user, WRONG, addr)) == "wrong"
    assert outcome(jwt_login(first, user, PASSWORD, addr)) == "limited"


def test_an_address_is_limited_whatever_accounts_it_tries(instances, app):
    first, _second = instances
    addr = address()
    for _ in range(LIMIT):
        assert outcome(form_login(first, new_user(app), WRONG, addr)) == "wrong"
    fresh = new_user(app)
    assert outcome(form_login(first, fresh, PASSWORD, addr)) == "limited"
    assert outcome(form_login(first, fresh, PASSWORD, address())) == "ok"  # the account itself is fine


def test_an_account_is_limited_whatever_addresses_try_it(instances, app):
    """One failure each from many addresses (a botnet): the account counts them all; its name and e-mail
    are one account."""
    first, second = instances
    user = new_user(app)
    assert outcome(form_login(first, user, WRONG, address())) == "wrong"
    assert outcome(jwt_login(second, f"{user}@example.com", WRONG, address())) == "wrong"
    assert outcome(form_login(second, user.upper(), WRONG, address())) == "wrong"
    assert outcome(form_login(first, user, PASSWORD, address())) == "limited"
    assert outcome(jwt_login(first, f"{user}@example.com", PASSWORD, address())) == "limited"
    other = new_user(app)
    assert outcome(form_login(first, other, PASSWORD, address())) == "ok"


def test_unknown_accounts_are_counted_too(instances, app):
    first, _second = instances
    for _ in range(LIMIT):
        assert outcome(jwt_login(first, "nobody-by-this-name", WRONG, address())) == "wrong"
    assert outcome(jwt_login(first, "Nobody-By-This-Name", WRONG, address())) == "limited"


def test_an_office_behind_one_address_is_not_locked_out_by_its_own_sign_ins(instances, app):
    first, second = instances
    addr = address()
    staff = [new_user(app) for _ in range(4)]
    for round_ in range(5):  # 20 sign-ins from one address, more than six times the limit
        for n, user in enumerate(staff):
            login = form_login if (round_ + n) % 2 else jwt_login
            assert outcome(login(first if n % 2 else second, user, PASSWORD, addr)) == "ok"
    # Typos still count, exactly: LIMIT of them, signing in between, then the address is limited.
    for n in range(LIMIT):
        assert outcome(form_login(first, staff[n], WRONG, addr)) == "wrong"
        if n < LIMIT - 1:
            assert outcome(jwt_login(second, staff[-1], PASSWORD, addr)) == "ok"
    assert outcome(jwt_login(second, staff[-1], PASSWORD, addr)) == "limited"


def test_the_window_ends(instances, app):
    from app.models import LoginThrottle, db
    from app.models.base import utcnow

    first, _second = instances
    user, addr = new_user(app), address()
    for _ in range(LIMIT):
        form_login(first, user, WRONG, addr)
    assert outcome(form_login(first, user, PASSWORD, addr)) == "limited"
    with app.app_context():  # as if five minutes had passed
        db.session.execute(update(LoginThrottle).values(window_start=utcnow() - timedelta(minutes=5, seconds=1))
                           .where(LoginThrottle.key.in_([f"address:{addr}", f"user:{user_id(app, user)}"])))
        db.session.commit()
    assert outcome(form_login(first, user, PASSWORD, addr)) == "ok"


def user_id(app, username) -> int:
    with app.app_context():
        return app.appbuilder.sm.find_user(username=username).id


def test_a_wrong_current_password_counts_as_a_failed_sign_in(instances, app):
    first, _second = instances
    user, addr = new_user(app), address()
    client = first.test_client()
    environ = {"REMOTE_ADDR": addr}
    token = csrf_token(client.get("/login/", environ_base=environ).get_data(as_text=True))
    client.post("/login/", data={"username": user, "password": PASSWORD, "csrf_token": token}, environ_base=environ)
    for _ in range(LIMIT):
        page = client.get("/resetmypassword/form", environ_base=environ)
        response = client.post("/resetmypassword/form", environ_base=environ, data={
            "csrf_token": csrf_token(page.get_data(as_text=True)), "current_password": WRONG,
            "password": "Guessing-pass-2026", "conf_password": "Guessing-pass-2026"})
        assert response.status_code == 200
    page = client.get("/resetmypassword/form", environ_base=environ)
    response = client.post("/resetmypassword/form", environ_base=environ, data={
        "csrf_token": csrf_token(page.get_data(as_text=True)), "current_password": PASSWORD,
        "password": "Guessing-pass-2026", "conf_password": "Guessing-pass-2026"})
    assert response.status_code == 429
    assert outcome(jwt_login(first, user, PASSWORD, address())) == "limited"  # the account is limited


def test_concurrent_wrong_attempts_are_counted_exactly(instances, app):
    """Twelve wrong attempts at once from one address through two instances: exactly LIMIT passwords are
    checked, every other attempt is refused."""
    first, second = instances
    addr = address()
    users = [new_user(app) for _ in range(12)]
    results, barrier = [], threading.Barrier(len(users))

    def attempt(n, user):
        barrier.wait()
        results.append(outcome(jwt_login(first if n % 2 else second, user, WRONG, addr)))

    threads = [threading.Thread(target=attempt, args=(n, user)) for n, user in enumerate(users)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(results) == ["limited"] * (len(users) - LIMIT) + ["wrong"] * LIMIT


def test_the_limit_is_off_when_set_to_zero(app):
    """The test suite's default (make_config): many failures, still no 429."""
    user, addr = new_user(app), address()
    for _ in range(LIMIT + 2):
        assert outcome(jwt_login(app, user, WRONG, addr)) == "wrong"
    assert outcome(jwt_login(app, user, PASSWORD, addr)) == "ok"


def test_the_api_document_describes_the_login_and_its_429(app, api):
    document = api("admin").get("/api/v1/_openapi").get_json()
    login = document["paths"]["/api/v1/security/login"]["post"]
    assert {"200", "401", "429"} <= set(login["responses"])
    assert {"username", "password"} <= set(login["requestBody"]["content"]["application/json"]["schema"]["properties"])
