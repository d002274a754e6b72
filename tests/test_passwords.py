"""The password policy: min 10 characters, letters and digits, not the username, not a common password."""
import pytest
from sqlalchemy import select

from app.security.passwords import COMMON_PASSWORDS, generate_password, policy_problems
from tests.conftest import DEMO_PASSWORD, csrf_token


@pytest.mark.parametrize("password, usernames, expected", [
    ("Demo-pass-2026!", (), []),
    ("abcdefgh12", (), []),
    ("abc12", (), ["A password needs at least 10 characters."]),
    ("abcdefghijkl", (), ["A password needs both letters and digits."]),
    ("123456789012", (), ["A password needs both letters and digits."]),
    ("ZhangWei2026", ("zhangwei2026",), ["A password must not be the username."]),
    ("Password123", (), ["This password is too common."]),
])
def test_policy(password, usernames, expected):
    assert policy_problems(password, usernames) == expected


def test_every_common_password_is_refused():
    assert all(policy_problems(p) for p in COMMON_PASSWORDS)


def test_generated_demo_passwords_pass_the_policy():
    assert all(not policy_problems(generate_password()) for _ in range(300))


def test_conftest_demo_password_passes():
    assert policy_problems(DEMO_PASSWORD) == []


def test_a_weak_demo_password_is_refused(app):
    import click

    from app.cli import ensure_demo_users

    with app.app_context(), pytest.raises(click.ClickException, match="DEMO_PASSWORD"):
        ensure_demo_users("password")


def add_user_form(client, username, password, role_id):
    token = csrf_token(client.get("/users/add").get_data(as_text=True))
    return client.post("/users/add", data={
        "csrf_token": token, "first_name": "测", "last_name": "试", "username": username,
        "email": f"{username}@example.com", "active": "y", "roles": [role_id],
        "password": password, "conf_password": password})


def role_id(app, name):
    with app.app_context():
        return app.appbuilder.sm.find_role(name).id


def user_exists(app, username):
    with app.app_context():
        sm = app.appbuilder.sm
        return sm.session.scalar(select(sm.user_model.id).where(sm.user_model.username == username)) is not None


@pytest.mark.parametrize("password, message", [
    ("short1", "A password needs at least 10 characters."),
    ("onlyletterspassword", "A password needs both letters and digits."),
    ("pwpolicyform1", "A password must not be the username."),
    ("qwerty123456", "This password is too common."),
])
def test_user_add_form_refuses_weak_passwords(app, login, password, message):
    from flask_babel import force_locale, gettext

    response = add_user_form(login("admin"), "pwpolicyform1", password, role_id(app, "Sales"))
    assert response.status_code == 200
    with app.test_request_context(), force_locale("zh"):
        shown = gettext(message)
    assert shown in response.get_data(as_text=True)
    assert not user_exists(app, "pwpolicyform1")


def test_user_add_form_accepts_a_good_password(app, login):
    response = add_user_form(login("admin"), "pwpolicyform2", "Good-enough-2026", role_id(app, "Sales"))
    assert response.status_code == 302
    assert user_exists(app, "pwpolicyform2")


def test_security_api_applies_the_policy(app, api):
    admin = api("admin")
    body = {"first_name": "A", "last_name": "B", "username": "pwpolicyapi1", "email": "pwpolicyapi1@example.com",
            "active": True, "roles": [role_id(app, "Service")]}
    weak = admin.post("/api/v1/security/users/", json={**body, "password": "pwpolicyapi1"})
    assert weak.status_code == 400, weak.get_data(as_text=True)
    assert "password" in weak.get_json()["message"]
    assert not user_exists(app, "pwpolicyapi1")
    good = admin.post("/api/v1/security/users/", json={**body, "password": "Api-pass-2026-x"})
    assert good.status_code == 201, good.get_data(as_text=True)
    assert user_exists(app, "pwpolicyapi1")


def test_only_admin_may_manage_users_through_the_api(api):
    for username in ("manager", "sales1", "finance", "service"):
        assert api(username).get("/api/v1/security/users/").status_code == 403, username
