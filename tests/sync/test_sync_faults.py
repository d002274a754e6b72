"""Faults at every request of a cycle (and a kill after the sheet write): the next clean cycle converges,
with no duplicate and no lost edit; a run that could not finish says "failed"."""
import pytest

from app.models import Customer, SyncRun, db
from tests import factories as f
from tests.sync.conftest import cycle, new_user

READ = "sheets.spreadsheets.values.batchGet"
WRITE = "sheets.spreadsheets.batchUpdate"
# A cycle that changes the sheet: its read, the read that confirms where the rows are now, the write.
REQUESTS = {"read": (READ, 0), "confirming read": (READ, 1), "write": (WRITE, 0)}


@pytest.fixture
def scene(app, linker):
    username = new_user(app, "Sales", prefix="fault")
    with app.app_context():
        owner = f.user(app, username)
        a, b = f.customer(owner, city="深圳"), f.customer(owner, city="广州")
        db.session.commit()
        ids = {"a": a.id, "b": b.id, "code": b.credit_code, "user_id": owner.id}
    link_id, sheet = linker(username)
    return link_id, sheet, ids


def make_edits(app, sheet, ids):
    with app.app_context():
        db.session.get(Customer, ids["b"]).city = "佛山"  # the app side
        db.session.commit()
    sheet.type("customer", ids["a"], "city", "珠海")  # the sheet side
    sheet.type("customer", ids["b"], "credit_code", "1")  # refused: reverted with a note
    sheet.append("customer", ["", "故障测试客户", "", "", "", "宁波"])  # created exactly once


def assert_converged(app, emulator, gc, link_id, sheet, ids):
    with app.app_context():
        a, b = db.session.get(Customer, ids["a"]), db.session.get(Customer, ids["b"])
        assert (a.city, b.city, b.credit_code) == ("珠海", "佛山", ids["code"])
        made = db.session.query(Customer).filter_by(name="故障测试客户", owner_id=ids["user_id"]).all()
        assert len(made) == 1, "created exactly once"
        visible = {str(c.id): c for c in db.session.query(Customer).filter_by(owner_id=ids["user_id"])}
    rows = sheet.by_id("customer")
    assert set(rows) == set(visible)
    assert len(sheet.rows("customer")) == len(visible) + 1  # no ID-less leftovers, no duplicates
    assert sheet.value("customer", ids["a"], "city") == "珠海"
    assert sheet.value("customer", ids["b"], "city") == "佛山"
    assert sheet.value("customer", ids["b"], "credit_code") == ids["code"]
    assert "1" in (sheet.note("customer", ids["b"], "credit_code") or "")
    emulator.clear_log()
    status, error, requests = cycle(app, gc, link_id)
    assert (status, requests) == ("success", 1), error
    assert emulator.count(kind="write") == 0


@pytest.mark.parametrize("request_name", list(REQUESTS))
@pytest.mark.parametrize("fault", ["fail", "drop_after_processing"])
def test_fault_at_each_request_then_a_clean_cycle_converges(app, emulator, gc, scene, request_name, fault):
    link_id, sheet, ids = scene
    make_edits(app, sheet, ids)
    method_id, skip = REQUESTS[request_name]
    if fault == "fail":
        emulator.fail_next(500, method_id=method_id, skip=skip)
    else:
        emulator.drop_next(method_id=method_id, after_processing=True, skip=skip)
    status, error, _ = cycle(app, gc, link_id)
    emulator.reset_faults()
    assert status == "failed" and error
    status, error, _ = cycle(app, gc, link_id)
    assert status == "success", error
    assert_converged(app, emulator, gc, link_id, sheet, ids)


def test_kill_after_the_sheet_write_before_the_final_commit(app, emulator, gc, scene, monkeypatch):
    import sync.runner as runner

    link_id, sheet, ids = scene
    make_edits(app, sheet, ids)
    real = runner._write_sheet

    def write_then_die(*args, **kwargs):
        real(*args, **kwargs)
        raise RuntimeError("killed after the sheet write")

    monkeypatch.setattr(runner, "_write_sheet", write_then_die)
    assert cycle(app, gc, link_id)[0] == "failed"
    monkeypatch.setattr(runner, "_write_sheet", real)
    assert cycle(app, gc, link_id)[0] == "success"
    assert_converged(app, emulator, gc, link_id, sheet, ids)


def test_failed_run_is_recorded_with_its_error(app, emulator, gc, scene):
    link_id, sheet, ids = scene
    emulator.fail_next(503, method_id=READ)
    with app.app_context():
        from sync.runner import sync_link

        run = sync_link(link_id, gc)
        assert run.status == "failed" and "503" in run.error and run.finished_at is not None
        assert db.session.get(SyncRun, run.id).requests == 1


def test_quota_and_transient_errors_are_retried(app, emulator, scene):
    from sync.runner import sync_link
    from sync.transport import make_client

    link_id, sheet, ids = scene
    sheet.type("customer", ids["a"], "city", "温州")
    with app.app_context():
        db.session.get(Customer, ids["b"]).city = "台州"  # so the cycle writes to the sheet
        db.session.commit()
    slept = []
    with make_client(emulator.url, reads_per_minute=None, writes_per_minute=None, sleep=slept.append) as client:
        emulator.fail_next(429, method_id=READ)
        emulator.fail_next(503, method_id=WRITE)
        with app.app_context():
            run = sync_link(link_id, client)
            assert run.status == "success", run.error
            # read (429, again), confirming read, write (503); whole tab read again, write again
            assert run.requests == 6 and client.stats.retries == 1
            assert db.session.get(Customer, ids["a"]).city == "温州"
    assert len(slept) == 2
    assert sheet.value("customer", ids["b"], "city") == "台州"
