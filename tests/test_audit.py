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
    assert client.put(f"/api/v1/contact/{pk}", json={"title": "经理"}).status_code == 200
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
    from tests.conftest import csrf_token

    with app.app_context():
        cust = f.customer(f.user(app, "sales1"))
        db.session.commit()
        cid = cust.id
    client = login("sales1")
    page = client.get(f"/customerview/edit/{cid}")
    token = csrf_token(page.get_data(as_text=True))
    with app.app_context():
        before = db.session.get(type(cust), cid)
        form = {"csrf_token": token, "name": before.name, "city": "广州", "locality": "local", "stage": "lead",
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
