"""The sync in the admin UI and the REST API: Admin does everything, Manager reads, the others see nothing."""
import pytest

from app.models import SyncProblem, SyncRun, db
from tests import factories as f
from tests.conftest import csrf_token
from tests.sync.conftest import new_user, problems

VIEWS = ("synclinkview", "syncrunview", "syncproblemview")


@pytest.fixture
def linked(app, emulator, linker, monkeypatch):
    monkeypatch.setitem(app.config, "SHEETS_API_URL", emulator.url)
    monkeypatch.setitem(app.config, "SHEETS_MAX_TRIES", 1)
    username = new_user(app, "Sales", prefix="ui")
    with app.app_context():
        cust = f.customer(f.user(app, username), city="深圳")
        db.session.commit()
        cust_id = cust.id
    link_id, sheet = linker(username)
    sheet.type("customer", cust_id, "credit_code", "bad")
    return link_id, sheet, cust_id


@pytest.mark.parametrize("who, expected", [("admin", 200), ("manager", 200), ("sales1", 403), ("finance", 403),
                                           ("service", 403)])
def test_pages_and_api_are_for_admin_and_manager(app, api, login, who, expected):
    client = login(who)
    for view in VIEWS:
        assert client.get(f"/{view}/list/").status_code == expected, view
    assert api(who).get("/api/v1/syncproblem/").status_code == expected


def test_sync_now_runs_a_cycle_as_the_linked_user_and_resolve_closes_problems(app, linked, login, api):
    link_id, sheet, cust_id = linked
    admin = login("admin")
    page = admin.get("/synclinkview/list/")
    html = page.get_data(as_text=True)
    assert "sync_now" in html
    response = admin.post("/synclinkview/action_post", data={
        "action": "sync_now", "rowid": [str(link_id)], "csrf_token": csrf_token(html)})
    assert response.status_code == 302
    with app.app_context():
        run = db.session.query(SyncRun).filter_by(link_id=link_id).order_by(SyncRun.id.desc()).first()
        assert run.status == "success", run.error
    logged = problems(app, link_id, kind="rejected", record_id=cust_id)
    assert logged and logged[0]["sheet_value"] == "bad"
    assert "bad" in admin.get("/syncproblemview/list/").get_data(as_text=True)
    assert str(link_id) in admin.get("/syncrunview/list/").get_data(as_text=True)

    with app.app_context():
        pid = db.session.query(SyncProblem.id).filter_by(link_id=link_id).first()[0]
    listed = api("manager").get(f"/api/v1/syncproblem/{pid}").get_json()
    assert listed["result"]["sheet_value"] == "bad"
    assert api("manager").post(f"/api/v1/syncproblem/{pid}/resolve").status_code == 403
    done = api("admin").post(f"/api/v1/syncproblem/{pid}/resolve")
    assert done.status_code == 200 and done.get_json()["resolved_at"]
    assert api("admin").put(f"/api/v1/syncproblem/{pid}", json={"message": "x"}).status_code == 405
    assert api("admin").delete(f"/api/v1/syncproblem/{pid}").status_code == 405


def test_resolve_action_in_the_problems_list(app, linked, login):
    link_id, sheet, cust_id = linked
    admin = login("admin")
    html = admin.get("/synclinkview/list/").get_data(as_text=True)
    admin.post("/synclinkview/action_post", data={"action": "sync_now", "rowid": [str(link_id)],
                                                  "csrf_token": csrf_token(html)})
    with app.app_context():
        ids = [p.id for p in db.session.query(SyncProblem).filter_by(link_id=link_id, resolved_at=None)]
    assert ids
    html = admin.get("/syncproblemview/list/").get_data(as_text=True)
    response = admin.post("/syncproblemview/action_post", data={
        "action": "resolve", "rowid": [str(i) for i in ids], "csrf_token": csrf_token(html)})
    assert response.status_code == 302
    with app.app_context():
        rows = db.session.query(SyncProblem).filter(SyncProblem.id.in_(ids)).all()
        assert all(p.resolved_at is not None and p.resolved_by.username == "admin" for p in rows)


def test_manager_cannot_sync_or_resolve(app, linked, login):
    link_id, sheet, cust_id = linked
    manager = login("manager")
    html = manager.get("/synclinkview/list/").get_data(as_text=True)
    with app.app_context():
        before = db.session.query(SyncRun).filter_by(link_id=link_id).count()
    manager.post("/synclinkview/action_post", data={"action": "sync_now", "rowid": [str(link_id)],
                                                    "csrf_token": csrf_token(html)})
    with app.app_context():
        assert db.session.query(SyncRun).filter_by(link_id=link_id).count() == before


def test_sync_now_needs_the_csrf_token(app, linked, login):
    link_id, sheet, cust_id = linked
    response = login("admin").post("/synclinkview/action_post", data={"action": "sync_now",
                                                                      "rowid": [str(link_id)]})
    assert response.status_code == 400
