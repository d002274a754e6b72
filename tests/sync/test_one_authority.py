"""One permission authority: an admin changes a role in the browser (FAB's role form), and the browser, the REST
API and the sheet sync all follow at once; so does the workflow (capabilities). The change is in the audit log.
"""
import json

import pytest
from sqlalchemy import select

from app.models import AuditLog, Contact, Contract, Customer, db
from tests import factories as f
from tests.conftest import csrf_token
from tests.sync.conftest import cycle, new_user, problems

PASSWORD = "Sheet-pass-2026!"  # tests/sync/conftest.new_user


def browser(app, username, password=PASSWORD):
    client = app.test_client()
    token = csrf_token(client.get("/login/").get_data(as_text=True))
    response = client.post("/login/", data={"username": username, "password": password, "csrf_token": token})
    assert response.status_code == 302, username
    return client


def bearer(app, username, password=PASSWORD) -> dict:
    response = app.test_client().post("/api/v1/security/login", json={
        "username": username, "password": password, "provider": "db"})
    assert response.status_code == 200
    return {"Authorization": f"Bearer {response.get_json()['access_token']}"}


def edit_role_in_the_browser(app, admin, role_name, remove=(), add=()):
    """What an admin does in Security > List Roles > edit: untick or tick permissions, save."""
    with app.app_context():
        sm = app.appbuilder.sm
        role = sm.find_role(role_name)
        ids = {pvm.id for pvm in role.permissions}
        ids -= {sm.find_permission_view_menu(p, v).id for p, v in remove}
        ids |= {sm.find_permission_view_menu(p, v).id for p, v in add}
        role_id = role.id
    url = f"/roles/edit/{role_id}"
    page = admin.get(url)
    assert page.status_code == 200
    response = admin.post(url, data={"csrf_token": csrf_token(page.get_data(as_text=True)), "name": role_name,
                                     "permissions": sorted(ids)})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]


@pytest.fixture
def admin(app):
    return browser(app, new_user(app, "Admin", prefix="authority"))


@pytest.fixture
def restore_roles(app):
    yield
    from app.security.roles import role_differences, sync_roles

    with app.app_context():
        sync_roles()
        assert role_differences() == []


def test_removing_can_edit_on_customer_from_sales_applies_to_browser_api_and_sheet(
        app, emulator, gc, linker, admin, restore_roles):
    username = new_user(app, "Sales", prefix="authority")
    with app.app_context():
        owner = f.user(app, username)
        mine = f.customer(owner, name="权限甲公司", city="深圳")
        other = f.customer(owner, name="权限乙公司", city="深圳")
        db.session.commit()
        mine_id, other_id = mine.id, other.id
    link_id, sheet = linker(username)
    rep, token = browser(app, username), bearer(app, username)

    # Before: the rep edits through every door.
    assert rep.get(f"/customerview/edit/{mine_id}").status_code == 200
    version = app.test_client().get(f"/api/v1/customer/{mine_id}", headers=token).get_json()["result"]["version"]
    assert app.test_client().put(f"/api/v1/customer/{mine_id}", headers=token,
                                 json={"city": "广州", "version": version}).status_code == 200
    sheet.type("customer", other_id, "city", "珠海")
    assert cycle(app, gc, link_id)[0] == "success"
    with app.app_context():
        assert db.session.get(Customer, other_id).city == "珠海"

    edit_role_in_the_browser(app, admin, "Sales", remove=[("can_edit", "Customer")])

    # After: the same session, the same token, the same sheet, at once.
    assert rep.get(f"/customerview/edit/{mine_id}").status_code == 403
    page = rep.get(f"/customerview/show/{mine_id}")
    assert page.status_code == 200  # reading is still allowed
    assert f"/customerview/edit/{mine_id}" not in page.get_data(as_text=True)
    assert app.test_client().put(f"/api/v1/customer/{mine_id}", headers=token,
                                 json={"city": "佛山", "version": version + 1}).status_code == 403
    assert app.test_client().get(f"/api/v1/customer/{mine_id}", headers=token).status_code == 200
    sheet.type("customer", other_id, "city", "汕头")
    assert cycle(app, gc, link_id)[0] == "success"
    with app.app_context():
        assert db.session.get(Customer, mine_id).city == "广州"
        assert db.session.get(Customer, other_id).city == "珠海"
    assert sheet.value("customer", other_id, "city") == "珠海"  # put back
    assert problems(app, link_id, kind="rejected", record_id=other_id)
    # Contacts were not touched: the rep still adds one through the sheet.
    sheet.append("contact", ["", "权限甲公司", "新联系人"])
    assert cycle(app, gc, link_id)[0] == "success"
    with app.app_context():
        assert db.session.scalar(select(Contact.customer_id).where(Contact.name == "新联系人")) == mine_id

    # The change itself is in the audit log: who, through which door, which permission.
    with app.app_context():
        sales_role_id = app.appbuilder.sm.find_role("Sales").id
        row = db.session.scalars(select(AuditLog).where(AuditLog.record == "role",
                                                        AuditLog.record_id == sales_role_id)
                                 .order_by(AuditLog.id.desc())).first()
    assert (row.action, row.channel) == ("update", "browser") and row.actor_name.startswith("authority")
    assert json.loads(row.changes)["permissions"] == [["can_edit on Customer"], []]


def test_the_workflow_follows_a_capability_taken_or_given_in_the_browser(app, admin, restore_roles):
    manager = new_user(app, "Manager", prefix="authority")
    finance = new_user(app, "Finance", prefix="authority")
    with app.app_context():
        first = f.contract(f.customer(f.user(app, "sales1")), f.publication(), status="stamped")
        second = f.contract(f.customer(f.user(app, "sales1")), f.publication(), status="stamped")
        db.session.commit()
        first_id, second_id = first.id, second.id

    def move(who, contract_id, to):
        return app.test_client().post(f"/api/v1/contract/{contract_id}/transition", headers=bearer(app, who),
                                      json={"to": to})

    show = f"/contractview/show/{first_id}"
    assert 'value="reviewed"' in browser(app, manager).get(show).get_data(as_text=True)  # the review button
    edit_role_in_the_browser(app, admin, "Manager", remove=[("can_review", "Contract")])
    refused = move(manager, first_id, "reviewed")
    assert refused.status_code == 400 and refused.get_json()["code"] == "contract.not_allowed"
    page = browser(app, manager).get(show).get_data(as_text=True)
    assert 'value="reviewed"' not in page and 'value="cancelled"' in page  # no review button; cancel stays

    # Given to Finance (who may edit nothing on contracts: give that too), Finance reviews.
    edit_role_in_the_browser(app, admin, "Finance", add=[("can_review", "Contract"), ("can_edit", "Contract")])
    assert move(finance, second_id, "reviewed").status_code == 200
    with app.app_context():
        assert db.session.get(Contract, second_id).status == "reviewed"
        assert db.session.get(Contract, first_id).status == "stamped"
