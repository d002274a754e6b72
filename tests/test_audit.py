"""The audit log records every create/update/delete with actor, channel and changes; it is read-only."""
import json

from sqlalchemy import select

from app.models import AuditLog, Contact, db
from app.context import acting_as
from tests import factories as f


def audit_rows(app, record, record_id):
    with app.app_context():
        return [(r.action, r.actor_name, r.channel, json.loads(r.changes)) for r in db.session.scalars(
            select(AuditLog).where(AuditLog.record == record, AuditLog.record_id == record_id)
            .order_by(AuditLog.id))]


def test_api_create_update_delete_are_logged(app, api):
    with app.app_context():
        cust = f.customer(f.user(app, "sales1"))
        db.session.commit()
        cid = cust.id
    client = api("sales1")
    response = client.post("/api/v1/contact/", json={"customer": cid, "name": "王五", "mobile": "13800138000"})
    assert response.status_code == 201
    pk = response.get_json()["id"]
    assert client.edit(f"/api/v1/contact/{pk}", json={"title": "经理"}).status_code == 200
    assert api("admin").delete(f"/api/v1/contact/{pk}").status_code == 200
    rows = audit_rows(app, "contact", pk)
    assert [r[0] for r in rows] == ["create", "update", "delete"]
    assert [r[1] for r in rows] == ["sales1", "sales1", "admin"]
    assert {r[2] for r in rows} == {"api"}
    assert rows[0][3]["name"] == [None, "王五"]
    assert rows[1][3] == {"title": [None, "经理"]}
    assert rows[2][3]["mobile"] == ["13800138000", None]


def test_sheet_channel_and_actor_outside_requests(app):
    with app.app_context():
        sales = f.user(app, "sales1")
        cust = f.customer(sales)
        db.session.commit()
        with acting_as(sales.id, "sheet"):
            contact = Contact(customer=cust, name="赵六")
            db.session.add(contact)
            db.session.commit()
        pk = contact.id
    # SQLite may reuse the id of a deleted row: look at the newest entry.
    action, actor, channel, changes = audit_rows(app, "contact", pk)[-1]
    assert (action, actor, channel, changes["name"]) == ("create", "sales1", "sheet", [None, "赵六"])


def test_browser_edit_is_logged_with_browser_channel(app, login):
    from tests.conftest import csrf_token, hidden_value

    with app.app_context():
        cust = f.customer(f.user(app, "sales1"))
        db.session.commit()
        cid = cust.id
    client = login("sales1")
    page = client.get(f"/customerview/edit/{cid}").get_data(as_text=True)
    token = csrf_token(page)
    with app.app_context():
        before = db.session.get(type(cust), cid)
        form = {"csrf_token": token, "version": hidden_value(page, "version"), "name": before.name, "city": "广州", "locality": "local", "stage": "lead",
                "credit_code": before.credit_code, "owner": str(before.owner_id)}
    response = client.post(f"/customerview/edit/{cid}", data=form)
    assert response.status_code == 302
    rows = audit_rows(app, "customer", cid)
    assert rows[-1][0] == "update" and rows[-1][2] == "browser" and rows[-1][3]["city"] == ["深圳", "广州"]


def test_audit_log_is_read_only_and_for_admin_and_manager(app, api, login):
    for who, expected in (("admin", 200), ("manager", 200), ("sales1", 403), ("finance", 403), ("service", 403)):
        assert api(who).get("/api/v1/auditlog/").status_code == expected, who
        assert login(who).get("/auditlogview/list/").status_code == expected, who
    with app.app_context():
        pk = db.session.scalar(select(AuditLog.id).limit(1))
    admin = api("admin")
    assert admin.get(f"/api/v1/auditlog/{pk}").status_code == 200
    assert admin.post("/api/v1/auditlog/", json={"record": "x"}).status_code == 405
    assert admin.put(f"/api/v1/auditlog/{pk}", json={"record": "x"}).status_code == 405
    assert admin.delete(f"/api/v1/auditlog/{pk}").status_code == 405
    assert login("admin").get(f"/auditlogview/show/{pk}").status_code == 200
    assert login("admin").get(f"/auditlogview/edit/{pk}").status_code == 404


def test_a_deleted_customer_logs_each_contact_and_activity_deleted_with_it(app, api):
    """Contacts and activities go with their customer through ON DELETE CASCADE (the ORM never loads them):
    each still gets its own delete row, with its values and what it was deleted with."""
    with app.app_context():
        cust = f.customer(f.user(app, "sales1"), name="级联删除有限公司")
        contacts = [f.contact(cust, name="甲联系人", mobile="13900000001"), f.contact(cust, name="乙联系人")]
        activities = [f.activity(cust, outcome="第一次拜访"), f.activity(cust, outcome="第二次电话")]
        db.session.commit()
        cid = cust.id
        contact_ids = [c.id for c in contacts]
        activity_ids = [a.id for a in activities]
    assert api("admin").delete(f"/api/v1/customer/{cid}").status_code == 200
    assert audit_rows(app, "customer", cid)[-1][0] == "delete"
    for record, ids in (("contact", contact_ids), ("activity", activity_ids)):
        for pk in ids:
            action, actor, channel, changes = audit_rows(app, record, pk)[-1]
            assert (action, actor, channel) == ("delete", "admin", "api"), (record, pk)
            assert changes["deleted_with"] == [None, f"customer #{cid}"]
            assert changes["customer_id"] == [cid, None]
    assert audit_rows(app, "contact", contact_ids[0])[-1][3]["mobile"] == ["13900000001", None]
    assert audit_rows(app, "activity", activity_ids[1])[-1][3]["outcome"] == ["第二次电话", None]
    with app.app_context():
        assert db.session.get(Contact, contact_ids[0]) is None


def test_a_deleted_ad_slot_logs_its_price_history(app):
    from app.models import AdSlot, SlotPriceChange

    with app.app_context():
        slot = f.slot(f.publication())
        db.session.commit()
        slot.list_price = slot.list_price + 100  # writes a price change row
        db.session.commit()
        slot_id = slot.id
        change_ids = list(db.session.scalars(select(SlotPriceChange.id).where(SlotPriceChange.slot_id == slot_id)))
        db.session.expire_all()
        db.session.delete(db.session.get(AdSlot, slot_id))
        db.session.commit()
    assert change_ids
    for pk in change_ids:
        action, _actor, channel, changes = audit_rows(app, "slotpricechange", pk)[-1]
        assert (action, channel) == ("delete", "cli") and changes["deleted_with"] == [None, f"adslot #{slot_id}"]


def test_role_permission_changes_through_the_security_api_are_logged(app, api):
    with app.app_context():
        sm = app.appbuilder.sm
        role = sm.add_role(f"审计角色{f.next_id()}")
        pvm = sm.find_permission_view_menu("can_read", "Customer")
        role_id, pvm_id = role.id, pvm.id
    admin = api("admin")
    response = admin.post(f"/api/v1/security/roles/{role_id}/permissions",
                          json={"permission_view_menu_ids": [pvm_id]})
    assert response.status_code == 200, response.get_data(as_text=True)
    action, actor, channel, changes = audit_rows(app, "role", role_id)[-1]
    assert (action, actor, channel) == ("update", "admin", "api")
    assert changes == {"permissions": [[], ["can_read on Customer"]]}
    assert admin.delete(f"/api/v1/security/roles/{role_id}").status_code == 200
    assert audit_rows(app, "role", role_id)[-1][0] == "delete"
