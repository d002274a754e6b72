"""Ending sessions and tokens: after a password change (by the user or an admin, in the browser or through the
security API), a deactivation or a sign-out, every earlier browser session, access token and refresh token of
that user is refused (browser: back to the sign-in page; API: 401), a replayed cookie included. Changing one's
own password asks for the current one. No API answer echoes a password.

Every test works on a user of its own: the demo users' sessions and tokens are shared by the other tests.
"""
import itertools
import json

import pytest
from sqlalchemy import select

from app.models import AuditLog, db
from tests.conftest import csrf_token

PASSWORD = "Session-pass-2026"
NEW_PASSWORD = "Changed-pass-2027"
_seq = itertools.count(1)


def new_user(app, role="Sales", password=PASSWORD) -> tuple[int, str]:
    with app.app_context():
        sm = app.appbuilder.sm
        username = f"sess{next(_seq)}{role.lower()}"
        user = sm.add_user(username, "会", "话", f"{username}@example.com", sm.find_role(role), password)
        assert user, username
        return user.id, username


def browser(app, username, password=PASSWORD):
    client = app.test_client()
    token = csrf_token(client.get("/login/").get_data(as_text=True))
    response = client.post("/login/", data={"username": username, "password": password, "csrf_token": token})
    assert response.status_code == 302 and "/login" not in response.headers["Location"], username
    return client


def tokens(app, username, password=PASSWORD) -> dict:
    response = app.test_client().post("/api/v1/security/login", json={
        "username": username, "password": password, "provider": "db", "refresh": True})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def signed_in(client) -> bool:
    """The browser session still works: a page that needs it answers 200, not a trip to the sign-in page."""
    response = client.get("/customerview/list/")
    if response.status_code == 302:
        assert "/login" in response.headers["Location"]
        return False
    assert response.status_code == 200
    return True


def access_works(app, access: str) -> bool:
    response = app.test_client().get("/api/v1/customer/", headers={"Authorization": f"Bearer {access}"})
    assert response.status_code in (200, 401), response.get_data(as_text=True)
    return response.status_code == 200


def refresh_works(app, refresh: str) -> bool:
    response = app.test_client().post("/api/v1/security/refresh", headers={"Authorization": f"Bearer {refresh}"})
    assert response.status_code in (200, 401), response.get_data(as_text=True)
    return response.status_code == 200


@pytest.fixture
def victim(app):
    """A user signed in three ways: a browser session, an access token and a refresh token."""
    user_id, username = new_user(app)
    client = browser(app, username)
    issued = tokens(app, username)
    assert signed_in(client) and access_works(app, issued["access_token"]) and refresh_works(
        app, issued["refresh_token"])
    return {"id": user_id, "username": username, "client": client, **issued}


def assert_all_ended(app, victim):
    assert not signed_in(victim["client"])
    assert not access_works(app, victim["access_token"])
    assert not refresh_works(app, victim["refresh_token"])


def admin_browser(app):
    admin_id, admin_name = new_user(app, "Admin")
    return browser(app, admin_name)


def admin_api(app) -> dict:
    _admin_id, admin_name = new_user(app, "Admin")
    return {"Authorization": f"Bearer {tokens(app, admin_name)['access_token']}"}


# --- a password change ---------------------------------------------------------------------------------------

def test_admin_password_change_through_the_api_ends_everything(app, victim):
    response = app.test_client().put(f"/api/v1/security/users/{victim['id']}", headers=admin_api(app),
                                     json={"password": NEW_PASSWORD})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert_all_ended(app, victim)
    # The new password signs in, and what it issues works.
    fresh = tokens(app, victim["username"], NEW_PASSWORD)
    assert access_works(app, fresh["access_token"]) and refresh_works(app, fresh["refresh_token"])
    assert signed_in(browser(app, victim["username"], NEW_PASSWORD))


def test_admin_password_reset_in_the_browser_ends_everything(app, victim):
    admin = admin_browser(app)
    url = f"/resetpassword/form?pk={victim['id']}"
    token = csrf_token(admin.get(url).get_data(as_text=True))
    response = admin.post(url, data={"csrf_token": token, "password": NEW_PASSWORD, "conf_password": NEW_PASSWORD})
    assert response.status_code == 302
    assert_all_ended(app, victim)
    assert signed_in(admin)  # the admin's own session is untouched


def test_a_refresh_token_cannot_mint_a_token_after_the_change(app, victim):
    app.test_client().put(f"/api/v1/security/users/{victim['id']}", headers=admin_api(app),
                          json={"password": NEW_PASSWORD})
    response = app.test_client().post("/api/v1/security/refresh",
                                      headers={"Authorization": f"Bearer {victim['refresh_token']}"})
    assert response.status_code == 401
    assert "access_token" not in (response.get_json() or {})


# --- changing one's own password -----------------------------------------------------------------------------

def own_password_form(client, current, new=NEW_PASSWORD, confirm=None):
    page = client.get("/resetmypassword/form")
    assert page.status_code == 200
    return client.post("/resetmypassword/form", data={
        "csrf_token": csrf_token(page.get_data(as_text=True)), "current_password": current, "password": new,
        "conf_password": new if confirm is None else confirm})


def test_reset_my_password_asks_for_the_current_one(app, victim):
    client = victim["client"]
    assert 'name="current_password"' in client.get("/resetmypassword/form").get_data(as_text=True)
    for wrong in ("", "Not-my-password-1"):
        response = own_password_form(client, wrong)
        assert response.status_code == 200  # the form again, with the error
        if wrong:
            assert "当前密码不正确" in response.get_data(as_text=True)
    # Nothing changed: the old password still signs in and the other sessions still work.
    assert signed_in(browser(app, victim["username"], PASSWORD))
    assert access_works(app, victim["access_token"])


def test_reset_my_password_ends_the_other_sessions_but_not_this_one(app, victim):
    other_browser = browser(app, victim["username"])
    response = own_password_form(victim["client"], PASSWORD)
    assert response.status_code == 302
    assert signed_in(victim["client"])  # the session that proved the current password carries on
    assert not signed_in(other_browser)
    assert not access_works(app, victim["access_token"])
    assert not refresh_works(app, victim["refresh_token"])
    assert signed_in(browser(app, victim["username"], NEW_PASSWORD))
    refused = app.test_client().post("/api/v1/security/login", json={
        "username": victim["username"], "password": PASSWORD, "provider": "db"})
    assert refused.status_code == 401


# --- deactivation --------------------------------------------------------------------------------------------

def test_deactivation_through_the_api_ends_everything_and_reactivation_revives_nothing(app, victim):
    headers = admin_api(app)
    response = app.test_client().put(f"/api/v1/security/users/{victim['id']}", headers=headers,
                                     json={"active": False})
    assert response.status_code == 200
    assert_all_ended(app, victim)
    assert app.test_client().put(f"/api/v1/security/users/{victim['id']}", headers=headers,
                                 json={"active": True}).status_code == 200
    assert_all_ended(app, victim)  # what was issued before the deactivation stays dead
    assert signed_in(browser(app, victim["username"]))  # a new sign-in works again


def test_deactivation_in_the_browser_ends_everything(app, victim):
    admin = admin_browser(app)
    url = f"/users/edit/{victim['id']}"
    page = admin.get(url)
    assert page.status_code == 200
    with app.app_context():
        role_id = app.appbuilder.sm.find_role("Sales").id
    response = admin.post(url, data={
        "csrf_token": csrf_token(page.get_data(as_text=True)), "first_name": "会", "last_name": "话",
        "username": victim["username"], "email": f"{victim['username']}@example.com", "roles": [role_id]})
    assert response.status_code == 302  # "active" left unticked
    with app.app_context():
        assert app.appbuilder.sm.get_user_by_id(victim["id"]).active is False
    assert_all_ended(app, victim)


# --- signing out ---------------------------------------------------------------------------------------------

def test_a_cookie_replayed_after_sign_out_is_refused(app, victim):
    client = victim["client"]
    copied = client.get_cookie("session").value
    assert client.get("/logout/").status_code == 302
    replay = app.test_client()
    replay.set_cookie("session", copied)
    response = replay.get("/customerview/list/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    # Signing out in the browser ends the user's tokens too (one stamp per user).
    assert not access_works(app, victim["access_token"])
    assert not refresh_works(app, victim["refresh_token"])


def test_other_users_are_not_signed_out(app, victim):
    _other_id, other_name = new_user(app)
    other = browser(app, other_name)
    other_tokens = tokens(app, other_name)
    victim["client"].get("/logout/")
    assert signed_in(other) and access_works(app, other_tokens["access_token"])


def test_a_token_without_the_stamp_claim_is_refused(app, victim):
    """A token signed with the right key but issued without a stamp (before this change) does not work."""
    from flask_jwt_extended import create_access_token

    with app.test_request_context():
        bare = create_access_token(identity=str(victim["id"]), additional_claims={"stamp": None})
    assert not access_works(app, bare)


# --- no password in any answer -------------------------------------------------------------------------------

def no_password_in(body, password: str) -> None:
    text = json.dumps(body, ensure_ascii=False)
    assert "password" not in text.lower(), text
    assert password not in text


def test_user_api_answers_never_carry_a_password(app):
    headers = admin_api(app)
    client = app.test_client()
    with app.app_context():
        role_id = app.appbuilder.sm.find_role("Service").id
    username = f"echo{next(_seq)}"
    created = client.post("/api/v1/security/users/", headers=headers, json={
        "first_name": "回", "last_name": "显", "username": username, "email": f"{username}@example.com",
        "active": True, "roles": [role_id], "password": "Created-pass-2026"})
    assert created.status_code == 201, created.get_data(as_text=True)
    no_password_in(created.get_json(), "Created-pass-2026")
    user_id = created.get_json()["id"]
    changed = client.put(f"/api/v1/security/users/{user_id}", headers=headers,
                         json={"password": "Echoed-pass-2027", "first_name": "改"})
    assert changed.status_code == 200, changed.get_data(as_text=True)
    assert changed.get_json()["result"] == {"first_name": "改"}
    no_password_in(changed.get_json(), "Echoed-pass-2027")
    weak = client.put(f"/api/v1/security/users/{user_id}", headers=headers, json={"password": "weakpass"})
    assert weak.status_code == 400
    assert "weakpass" not in weak.get_data(as_text=True)
    # (FAB's `_info` route is not exposed: app.security.admin_api)
    for url in (f"/api/v1/security/users/{user_id}", "/api/v1/security/users/?q=(page_size:100)"):
        response = client.get(url, headers=headers)
        assert response.status_code == 200
        text = response.get_data(as_text=True)
        assert "Echoed-pass-2027" not in text and "scrypt:" not in text and "pbkdf2:" not in text
    openapi = client.get("/api/v1/_openapi", headers=headers).get_json()
    put_schema = next(schema for name, schema in openapi["components"]["schemas"].items()
                      if name.endswith("UserApi.put"))
    assert put_schema["properties"]["password"].get("writeOnly") is True


# --- the audit log -------------------------------------------------------------------------------------------

def user_audit(app, user_id):
    with app.app_context():
        return [(row.action, row.actor_name, row.channel, json.loads(row.changes)) for row in db.session.scalars(
            select(AuditLog).where(AuditLog.record == "user", AuditLog.record_id == user_id).order_by(AuditLog.id))]


def test_password_changes_are_audited_without_the_password(app, victim):
    admin_id, admin_name = new_user(app, "Admin")
    headers = {"Authorization": f"Bearer {tokens(app, admin_name)['access_token']}"}
    app.test_client().put(f"/api/v1/security/users/{victim['id']}", headers=headers, json={"password": NEW_PASSWORD})
    rows = user_audit(app, victim["id"])
    assert rows[0][0] == "create" and rows[0][3]["password"] == [None, "(set)"]
    assert ("update", admin_name, "api", {"password": [None, "(changed)"]}) in rows
    own_password_form(browser(app, victim["username"], NEW_PASSWORD), NEW_PASSWORD, "Third-pass-2028")
    assert ("update", victim["username"], "browser", {"password": [None, "(changed)"]}) in user_audit(
        app, victim["id"])
    with app.app_context():
        hashed = app.appbuilder.sm.get_user_by_id(victim["id"]).password
        everything = " ".join(row.changes or "" for row in db.session.scalars(select(AuditLog)))
    for secret in (PASSWORD, NEW_PASSWORD, "Third-pass-2028", hashed, "scrypt:"):
        assert secret not in everything


def test_user_and_role_changes_are_audited(app):
    _admin_id, admin_name = new_user(app, "Admin")
    admin = browser(app, admin_name)
    user_id, username = new_user(app, "Sales")
    with app.app_context():
        sm = app.appbuilder.sm
        manager_id = sm.find_role("Manager").id
    url = f"/users/edit/{user_id}"
    page = admin.get(url)
    response = admin.post(url, data={
        "csrf_token": csrf_token(page.get_data(as_text=True)), "first_name": "新", "last_name": "话",
        "username": username, "email": f"{username}@example.com", "roles": [manager_id], "active": "y"})
    assert response.status_code == 302
    created, *updates = user_audit(app, user_id)
    assert created[0] == "create" and created[3]["roles"] == [[], ["Sales"]]
    assert {(action, actor, channel) for action, actor, channel, _ in updates} == {
        ("update", admin_name, "browser")}
    changes = {field: change for *_, fields in updates for field, change in fields.items()}
    assert changes == {"roles": [["Sales"], ["Manager"]], "first_name": ["会", "新"]}
