"""Login rate limits (form and JWT), shared through Redis by several app instances; signed-cookie sessions."""
import os
import uuid

import pytest

from tests.conftest import DEMO_PASSWORD, csrf_token, make_config

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/11")
LIMIT = 3


@pytest.fixture(scope="module")
def redis_prefix():
    """A key prefix of our own; only keys under it are deleted afterwards."""
    redis = pytest.importorskip("redis")
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.exceptions.ConnectionError as exc:
        pytest.skip(f"no Redis at {REDIS_URL}: {exc}")
    prefix = f"adsheet-test-{uuid.uuid4().hex[:12]}"
    yield prefix
    keys = list(client.scan_iter(match=f"*{prefix}*"))
    if keys:
        client.delete(*keys)
    client.close()


@pytest.fixture(scope="module")
def instances(app, database_url, tmp_path_factory, redis_prefix):
    """Two app instances (as behind a load balancer) sharing the database, SECRET_KEY and Redis."""
    from app import create_app

    def make():
        return create_app(make_config(
            database_url, str(tmp_path_factory.mktemp("instance")), RATELIMIT_ENABLED=True,
            RATELIMIT_STORAGE_URI=REDIS_URL, RATELIMIT_KEY_PREFIX=redis_prefix, AUTH_RATE_LIMIT=f"{LIMIT} per 1 hour"))

    return make(), make()


def form_login(app, password, address):
    client = app.test_client()
    environ = {"REMOTE_ADDR": address}
    token = csrf_token(client.get("/login/", environ_base=environ).get_data(as_text=True))
    return client.post("/login/", data={"username": "sales2", "password": password, "csrf_token": token},
                       environ_base=environ)


def jwt_login(app, password, address):
    return app.test_client().post("/api/v1/security/login", environ_base={"REMOTE_ADDR": address}, json={
        "username": "sales2", "password": password, "provider": "db"})


def test_form_login_is_limited_and_the_count_is_shared(instances):
    first, second = instances
    address = "10.0.0.1"
    answers = [form_login(first, "Wrong-pass-2026", address).status_code for _ in range(LIMIT - 1)]
    answers.append(form_login(second, "Wrong-pass-2026", address).status_code)
    assert answers == [302] * LIMIT  # wrong password: back to the login page
    refused = form_login(second, DEMO_PASSWORD, address)
    assert refused.status_code == 429
    assert "Traceback" not in refused.get_data(as_text=True)
    assert form_login(first, DEMO_PASSWORD, address).status_code == 429
    # Another client address still gets in.
    assert form_login(first, DEMO_PASSWORD, "10.0.0.2").status_code == 302


def test_jwt_login_is_limited_and_the_count_is_shared(instances):
    first, second = instances
    address = "10.0.1.1"
    assert [jwt_login(first, "Wrong-pass-2026", address).status_code for _ in range(LIMIT - 1)] == [401] * (LIMIT - 1)
    assert jwt_login(second, "Wrong-pass-2026", address).status_code == 401
    refused = jwt_login(second, DEMO_PASSWORD, address)
    assert refused.status_code == 429
    assert "message" in refused.get_json()
    assert jwt_login(first, DEMO_PASSWORD, address).status_code == 429
    assert jwt_login(first, DEMO_PASSWORD, "10.0.1.2").status_code == 200


def test_token_refresh_is_not_limited(instances):
    first, _second = instances
    address = "10.0.2.1"
    tokens = jwt_login(first, DEMO_PASSWORD, address).get_json()
    refresh = tokens.get("refresh_token")
    if refresh is None:
        refresh = first.test_client().post("/api/v1/security/login", environ_base={"REMOTE_ADDR": "10.0.2.9"}, json={
            "username": "sales2", "password": DEMO_PASSWORD, "provider": "db", "refresh": True}).get_json()[
            "refresh_token"]
    for _ in range(LIMIT + 1):
        response = first.test_client().post("/api/v1/security/refresh", environ_base={"REMOTE_ADDR": address},
                                            headers={"Authorization": f"Bearer {refresh}"})
        assert response.status_code == 200


def test_the_counts_live_in_redis(instances, redis_prefix):
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    assert list(client.scan_iter(match=f"*{redis_prefix}*")), "no rate-limit keys in Redis"


def test_a_session_from_one_instance_works_on_another(instances):
    first, second = instances
    client = first.test_client()
    token = csrf_token(client.get("/login/", environ_base={"REMOTE_ADDR": "10.0.3.1"}).get_data(as_text=True))
    response = client.post("/login/", environ_base={"REMOTE_ADDR": "10.0.3.1"},
                           data={"username": "sales2", "password": DEMO_PASSWORD, "csrf_token": token})
    assert response.status_code == 302
    cookie = client.get_cookie("session")
    other = second.test_client()
    assert other.get("/customerview/list/").status_code == 302  # not signed in: off to the login page
    other.set_cookie("session", cookie.value)
    page = other.get("/customerview/list/")
    assert page.status_code == 200
    assert "sales2" in page.get_data(as_text=True) or "强" in page.get_data(as_text=True)
