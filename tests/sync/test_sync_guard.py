"""The sync stops instead of guessing: a mass change no person types is held until an Admin accepts it, and a
deactivated user's link applies nothing."""
import json

import pytest

from app.models import AuditLog, Customer, SyncLink, SyncProblem, SyncRun, db
from tests import factories as f
from tests.conftest import csrf_token
from tests.sync.conftest import cycle, new_user, problems

CITIES = ["苏州", "无锡", "常州", "南通", "扬州", "镇江", "泰州", "盐城", "淮安", "宿迁",
          "徐州", "连云港", "南京", "合肥", "芜湖", "蚌埠", "淮南", "马鞍山"]


@pytest.fixture
def desk(app, emulator, linker, monkeypatch):
    """A Sales rep with 18 customers in 18 cities, linked; the app's "sync now" and accept use the emulator."""
    monkeypatch.setitem(app.config, "SHEETS_API_URL", emulator.url)
    monkeypatch.setitem(app.config, "SHEETS_MAX_TRIES", 1)
    username = new_user(app, "Sales", prefix="guard")
    with app.app_context():
        owner = f.user(app, username)
        for n, city in enumerate(CITIES):
            f.customer(owner, name=f"{city}实业有限公司", city=city, industry=f"行业{n}",
                       stage=["lead", "intent", "filed"][n % 3])
        db.session.commit()
        user_id = owner.id
    link_id, sheet = linker(username)
    return {"username": username, "user_id": user_id, "link_id": link_id, "sheet": sheet}


def customers(app, user_id):
    with app.app_context():
        return {c.id: (c.name, c.industry, c.city, c.locality, c.source, c.stage)
                for c in db.session.query(Customer).filter_by(owner_id=user_id)}


def test_a_range_sorted_without_its_id_column_changes_no_record_and_the_sheet_is_restored(app, emulator, gc, desk):
    sheet, link_id = desk["sheet"], desk["link_id"]
    title = sheet.title("customer")
    before = customers(app, desk["user_id"])
    shown = sheet.rows("customer")
    emulator.sort_range(sheet.sid, title, "E2:I", "F", ascending=False)  # industry..stage by city
    assert sheet.rows("customer") != shown
    status, error, _ = cycle(app, gc, link_id)
    assert status == "partial" and "moved to other rows" in error
    assert customers(app, desk["user_id"]) == before  # not one record changed
    assert sheet.rows("customer") == shown  # restored from the database
    [held] = problems(app, link_id, kind="mass_change")
    assert held["table_name"] == "customer" and "E2" not in held["message"]
    with app.app_context():
        detail = json.loads(db.session.query(SyncProblem).filter_by(link_id=link_id, kind="mass_change").one().detail)
    assert len(detail["changes"]) >= 15 and set(detail["changes"]["%d" % min(before)]) <= {
        "industry", "city", "locality", "source", "stage"}
    assert cycle(app, gc, link_id)[0] == "success"  # settled; the problem waits for an Admin
    assert len(problems(app, link_id, kind="mass_change")) == 1


def test_an_admin_accepts_a_held_change_which_is_applied_as_the_links_user(app, emulator, gc, desk, api, login):
    sheet, link_id = desk["sheet"], desk["link_id"]
    title = sheet.title("customer")
    emulator.sort_range(sheet.sid, title, "E2:I", "F")
    scrambled = {str(r[0]): r for r in sheet.rows("customer")[1:]}
    assert cycle(app, gc, link_id)[0] == "partial"
    with app.app_context():
        problem = db.session.query(SyncProblem).filter_by(link_id=link_id, kind="mass_change").one()
        pid, first = problem.id, min(int(k) for k in json.loads(problem.detail)["changes"])
        db.session.get(Customer, first).city = "改过了"  # changed in the app since: that record is refused
        db.session.commit()
    assert api("manager").post(f"/api/v1/syncproblem/{pid}/accept").status_code == 403
    answer = api("admin").post(f"/api/v1/syncproblem/{pid}/accept")
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert first not in body["applied"] and any(line.startswith(f"record {first}:") for line in body["refused"])
    assert len(body["applied"]) >= 14
    with app.app_context():
        moved = db.session.get(Customer, body["applied"][0])
        assert moved.city == scrambled[str(moved.id)][5]  # what the sheet showed, applied as asked
        audit = db.session.query(AuditLog).filter_by(record="customer", record_id=moved.id).order_by(
            AuditLog.id.desc()).first()
        assert (audit.actor_id, audit.channel) == (desk["user_id"], "sheet")  # as the link's user
        assert db.session.get(SyncProblem, pid).resolved_at is not None
    assert api("admin").post(f"/api/v1/syncproblem/{pid}/accept").status_code == 400  # once
    assert cycle(app, gc, link_id)[0] == "success"
    assert sheet.value("customer", moved.id, "city") == scrambled[str(moved.id)][5]


def test_the_accept_action_of_the_problems_page(app, emulator, gc, desk, login):
    sheet, link_id = desk["sheet"], desk["link_id"]
    emulator.sort_range(sheet.sid, sheet.title("customer"), "F2:F", "F")  # the city column alone
    assert cycle(app, gc, link_id)[0] == "partial"
    with app.app_context():
        pid = db.session.query(SyncProblem.id).filter_by(link_id=link_id, kind="mass_change").scalar()
    admin = login("admin")
    html = admin.get("/syncproblemview/list/").get_data(as_text=True)
    assert "accept" in html
    page = admin.get(f"/syncproblemview/show/{pid}").get_data(as_text=True)
    assert "→" in page and "苏州" in page  # the detected changes are shown
    response = admin.post("/syncproblemview/action_post", data={
        "action": "accept", "rowid": [str(pid)], "csrf_token": csrf_token(html)}, follow_redirects=True)
    assert response.status_code == 200
    with app.app_context():
        assert db.session.get(SyncProblem, pid).resolved_at is not None
        cities = sorted(c[2] for c in customers(app, desk["user_id"]).values())
    assert cities == sorted(CITIES)  # the same cities, now on other customers: as the sheet said


def test_a_deactivated_users_link_applies_and_creates_nothing(app, emulator, gc, desk, monkeypatch):
    sheet, link_id = desk["sheet"], desk["link_id"]
    before = customers(app, desk["user_id"])
    some = min(before)
    sheet.type("customer", some, "city", "离职后改的")
    sheet.append("customer", ["", "离职后加的有限公司", "", "", "", "杭州"])
    with app.app_context():
        user = f.user(app, desk["username"])
        user.active = False
        db.session.commit()
    emulator.clear_log()
    status, error, requests = cycle(app, gc, link_id)
    assert status == "failed" and "deactivated" in error and requests == 0
    assert customers(app, desk["user_id"]) == before
    with app.app_context():
        assert db.session.query(Customer).filter_by(name="离职后加的有限公司").count() == 0
    [stopped] = problems(app, link_id, kind="inactive_user")
    assert desk["username"] in stopped["message"]
    assert cycle(app, gc, link_id)[0] == "failed"
    assert len(problems(app, link_id, kind="inactive_user")) == 1  # logged once
    # cron sees it: `flask sheets sync` exits non-zero
    runner = app.test_cli_runner()
    result = runner.invoke(args=["sheets", "sync", "--link", str(link_id)])
    assert result.exit_code == 1 and "deactivated" in result.output
    # and the spreadsheet cannot be linked again as that user
    from sync.linking import link_spreadsheet
    from sync.runner import LinkError

    with app.app_context(), pytest.raises(LinkError, match="deactivated"):
        link_spreadsheet(emulator.create_spreadsheet("again"), desk["username"], "sales", gc)
    with app.app_context():
        assert db.session.query(SyncRun).filter_by(link_id=link_id, status="failed").count() >= 2
        assert db.session.get(SyncLink, link_id).last_status == "failed"
