"""The sync as background work: "Sync now" queues and returns, consumers run it, the run page follows it;
runs of killed processes become interrupted; exit codes; no GC pause in a web worker."""
import gc as gc_module
import os
import signal
import subprocess
import sys
import time

import pytest

from app import tasks
from app.models import SyncRun, db
from tests import factories as f
from tests.conftest import csrf_token
from tests.sync.conftest import new_user
from tests.test_tasks import REDIS_URL, ROOT, consumer, consumer_env, queue_storage, redis_or_skip


@pytest.fixture
def linked(app, emulator, linker, monkeypatch):
    monkeypatch.setitem(app.config, "SHEETS_API_URL", emulator.url)
    monkeypatch.setitem(app.config, "SHEETS_MAX_TRIES", 1)
    username = new_user(app, "Sales", prefix="queue")
    with app.app_context():
        owner = f.user(app, username)
        for _ in range(3):
            f.customer(owner, city="深圳")
        db.session.commit()
    link_id, sheet = linker(username)
    return link_id, sheet


def sync_now(admin, link_id):
    html = admin.get("/synclinkview/list/").get_data(as_text=True)
    started = time.monotonic()
    response = admin.post("/synclinkview/action_post", data={
        "action": "sync_now", "rowid": [str(link_id)], "csrf_token": csrf_token(html)})
    return response, time.monotonic() - started


def run_of(app, run_id) -> SyncRun:
    with app.app_context():
        run = db.session.get(SyncRun, run_id)
        db.session.expunge(run)
        return run


def test_sync_now_redirects_to_the_run_whose_page_shows_its_progress(app, linked, login):
    link_id, sheet = linked
    admin = login("admin")
    response, _ = sync_now(admin, link_id)
    assert response.status_code == 302 and "/syncrunview/show/" in response.location
    run_id = int(response.location.rstrip("/").rsplit("/", 1)[1])
    run = run_of(app, run_id)
    assert run.link_id == link_id and run.status == "success", run.error  # inline in tests (TASKS_IMMEDIATE)
    page = admin.get(response.location).get_data(as_text=True)
    assert 'id="sync-run-progress"' in page and "js/sync_run.js" not in page  # finished: no polling
    progress = admin.get(f"/syncrunview/progress/{run_id}").get_json()
    assert progress["status"] == "success" and progress["working"] is False and progress["rows_read"] == 3
    assert login("manager").get(f"/syncrunview/progress/{run_id}").status_code == 200
    assert login("sales1").get(f"/syncrunview/progress/{run_id}").status_code in (302, 403)


def test_a_queued_run_page_polls_its_progress(app, linked, login):
    link_id, _ = linked
    with app.app_context():
        run = SyncRun(link_id=link_id, status="queued")
        db.session.add(run)
        db.session.commit()
        run_id = run.id
    admin = login("admin")
    page = admin.get(f"/syncrunview/show/{run_id}").get_data(as_text=True)
    assert 'data-working="true"' in page and "js/sync_run.js" in page
    assert admin.get(f"/syncrunview/progress/{run_id}").get_json()["working"] is True
    assert admin.get("/static/js/sync_run.js").status_code == 200
    with app.app_context():
        db.session.delete(db.session.get(SyncRun, run_id))
        db.session.commit()


def test_the_push_progress_counts_rows(app, linked, emulator, monkeypatch):
    import sync.sheet_side as sheet_side
    from sync.runner import make_client, sync_link

    link_id, sheet = linked
    monkeypatch.setattr(sheet_side, "MAX_PAYLOAD_BYTES", 1500)  # several requests for the push
    with app.app_context():
        from app.models import SyncLink

        owner = db.session.get(SyncLink, link_id).user
        for n in range(12):
            f.customer(owner, city=f"城{n}")
        db.session.commit()
        seen = []
        with make_client() as client:
            run = sync_link(link_id, client, progress=lambda done, total: seen.append((done, total)))
        assert run.status == "success", run.error
        assert len(seen) >= 2 and seen[-1] == (12, 12) and run.rows_done == run.rows_total == 12


def test_gc_stays_on_during_a_cycle_started_from_the_browser(app, linked, login, monkeypatch):
    import sync.runner as runner

    link_id, _ = linked
    states = []
    original = runner._sync_tabs

    def spy(*args, **kwargs):
        states.append(gc_module.isenabled())
        return original(*args, **kwargs)

    monkeypatch.setattr(runner, "_sync_tabs", spy)
    assert gc_module.isenabled()
    response, _ = sync_now(login("admin"), link_id)
    assert response.status_code == 302
    assert states == [True] and gc_module.isenabled()


@pytest.mark.slow
@pytest.mark.parametrize("storage", ["sqlite", "redis"])
def test_sync_now_returns_at_once_and_a_consumer_process_runs_it(app, linked, login, emulator, tmp_path, storage):
    link_id, sheet = linked
    if storage == "redis":
        redis_or_skip()
        settings, env = {"redis_url": REDIS_URL}, consumer_env(app, REDIS_URL=REDIS_URL)
    else:
        settings, env = {"filename": str(tmp_path / "q.db")}, consumer_env(app, TASKS_DB=tmp_path / "q.db")
    admin = login("admin")
    emulator.delay_next(3.0, kind="read")  # the cycle's read takes 3 s
    with queue_storage(**settings):
        tasks.huey.flush()
        with consumer(env):
            response, took = sync_now(admin, link_id)
            assert response.status_code == 302 and took < 2.5
            run_id = int(response.location.rstrip("/").rsplit("/", 1)[1])
            assert run_of(app, run_id).status in ("queued", "running")
            progress = admin.get(f"/syncrunview/progress/{run_id}").get_json()
            assert progress["working"] is True
            deadline = time.monotonic() + 60
            while progress["working"] and time.monotonic() < deadline:
                time.sleep(0.3)
                progress = admin.get(f"/syncrunview/progress/{run_id}").get_json()
    assert progress["status"] == "success" and progress["rows_read"] == 3, progress


def sheets_process(app, *args, **env):
    return subprocess.Popen([sys.executable, "-m", "flask", "--app", "run", "sheets", *args], cwd=ROOT,
                            env=consumer_env(app, **env), stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def wait_for_running(app, link_id, proc, timeout=30) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with app.app_context():
            run = db.session.query(SyncRun).filter_by(link_id=link_id, status="running").first()
            if run is not None:
                return run.id
        assert proc.poll() is None, proc.stdout.read().decode()
        time.sleep(0.1)
    raise AssertionError("the sync never started")


@pytest.mark.slow
@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGINT])
def test_a_killed_sync_leaves_an_interrupted_run_not_a_running_one(app, linked, emulator, gc, how):
    from sync.runner import sync_link

    link_id, _ = linked
    emulator.delay_next(10.0, kind="read")  # the cycle waits for its read: time to kill it
    proc = sheets_process(app, "sync", "--link", str(link_id))
    run_id = wait_for_running(app, link_id, proc)
    proc.send_signal(how)
    code = proc.wait(timeout=30)
    assert code != 0
    runner = app.test_cli_runner()
    result = runner.invoke(args=["sheets", "status", "--runs", "5"])  # finds the lock free: the process is gone
    assert result.exit_code == 0
    run = run_of(app, run_id)
    assert run.status == "interrupted" and run.finished_at is not None and "stopped" in run.error
    emulator.reset_faults()
    with app.app_context():
        assert sync_link(link_id, gc).status == "success"  # the lock died with the process


def test_a_running_run_whose_lock_is_held_stays_running(app, linked):
    from sync.locks import link_lock
    from sync.runner import reap_interrupted

    link_id, _ = linked
    with app.app_context():
        run = SyncRun(link_id=link_id, status="running")
        db.session.add(run)
        db.session.commit()
        run_id = run.id
        with link_lock(db.engine, link_id, app.instance_path) as held:
            assert held
            import threading

            marked = []
            thread = threading.Thread(target=lambda: marked.append(_reap_in_app(app, link_id)))
            thread.start()
            thread.join()
            assert marked == [0]
        assert reap_interrupted([link_id]) == 1
        assert db.session.get(SyncRun, run_id).status == "interrupted"


def _reap_in_app(app, link_id):
    from sync.runner import reap_interrupted

    with app.app_context():
        try:
            return reap_interrupted([link_id])
        finally:
            db.session.remove()


def test_exit_codes_success_partial_skipped_failed(app, linked, emulator):
    from sync.locks import link_lock

    link_id, sheet = linked
    runner = app.test_cli_runner()
    sync = lambda: runner.invoke(args=["sheets", "sync", "--link", str(link_id)])  # noqa: E731
    result = sync()
    assert result.exit_code == 0 and "success" in result.output, result.output
    # skipped: another process holds the link
    with app.app_context(), link_lock(db.engine, link_id, app.instance_path) as held:
        assert held
        import threading

        out = []
        thread = threading.Thread(target=lambda: out.append(sync()))
        thread.start()
        thread.join()
    assert out[0].exit_code == 2 and "skipped" in out[0].output
    # partial: a renamed tab blocks that tab
    emulator.rename_tab(sheet.sid, sheet.title("customer"), "客户 renamed")
    result = sync()
    assert result.exit_code == 2 and "partial" in result.output, result.output
    emulator.rename_tab(sheet.sid, "客户 renamed", sheet.title("customer"))
    # failed: the API keeps failing
    emulator.fail_next(500, count=5)
    result = sync()
    assert result.exit_code == 1 and "failed" in result.output
    emulator.reset_faults()
    assert sync().exit_code == 0


@pytest.mark.slow
def test_exit_code_of_a_real_process(app, linked, emulator):
    link_id, _ = linked
    proc = sheets_process(app, "sync", "--link", str(link_id))
    assert proc.wait(timeout=60) == 0, proc.stdout.read().decode()
    emulator.fail_next(400, count=3)  # a refusal: not retried
    proc = sheets_process(app, "sync", "--link", str(link_id))
    assert proc.wait(timeout=60) == 1


def test_the_periodic_task_and_enqueue_queue_due_links_once(app, linked, monkeypatch):
    from sync.tasks import enqueue_due, enqueue_idle, sync_due_links

    link_id, _ = linked
    with app.app_context():
        assert enqueue_due(0) == []  # SHEETS_SYNC_SECONDS 0: the periodic sync is off
        monkeypatch.setitem(app.config, "SHEETS_SYNC_SECONDS", 3600)
        queued = enqueue_due()  # the link was synced at link time, an hour is not over: not due
        assert all(db.session.get(SyncRun, r).link_id != link_id for r in queued)
        run = SyncRun(link_id=link_id, status="running")  # a run in progress (its lock held elsewhere)
        db.session.add(run)
        db.session.commit()
        from sync.locks import link_lock

        with link_lock(db.engine, link_id, app.instance_path) as held:
            import threading

            out = []
            thread = threading.Thread(target=lambda: out.append(_in_app(app, enqueue_idle, [link_id])))
            thread.start()
            thread.join()
            assert out == [[]]  # busy: not queued twice
        db.session.delete(db.session.get(SyncRun, run.id))
        db.session.commit()
        monkeypatch.setitem(app.config, "SHEETS_SYNC_SECONDS", 1)
        time.sleep(1.1)
        assert sync_due_links.call_local() >= 1  # the periodic task's body: queued (and, inline, run)
        last = db.session.query(SyncRun).filter_by(link_id=link_id).order_by(SyncRun.id.desc()).first()
        assert last.status == "success", last.error
    runner = app.test_cli_runner()
    result = runner.invoke(args=["sheets", "sync", "--link", str(link_id), "--enqueue"])
    assert result.exit_code == 0 and "queued as run" in result.output


def _in_app(app, fn, *args):
    with app.app_context():
        try:
            return fn(*args)
        finally:
            db.session.remove()
