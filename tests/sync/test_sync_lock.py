"""Two sync processes never work on the same link at once (advisory lock on PostgreSQL, file lock on SQLite),
and --watch spreads the links under the project quota."""
import threading

import pytest

from app.models import db
from tests.sync.conftest import new_user


@pytest.fixture
def link_id(app, linker):
    return linker(new_user(app, "Sales", prefix="lock"))[0]


def _in_thread(app, fn):
    box = {}

    def work():
        with app.app_context():
            try:
                box["value"] = fn()
            finally:
                db.session.remove()

    thread = threading.Thread(target=work)
    thread.start()
    return thread, box


def test_a_second_process_skips_a_locked_link_and_says_so(app, gc, link_id):
    from sync.locks import link_lock
    from sync.runner import sync_link

    with app.app_context():
        engine = db.engine
        with link_lock(engine, link_id, app.instance_path) as held:
            assert held
            thread, box = _in_thread(app, lambda: (lambda r: (r.status, r.error))(sync_link(link_id, gc)))
            thread.join(30)
        status, error = box["value"]
        assert status == "skipped" and "another sync process" in error
        # Free again: the next cycle runs.
        assert sync_link(link_id, gc).status == "success"


def test_waiting_for_the_lock_runs_after_the_holder(app, gc, link_id):
    from sync.locks import link_lock
    from sync.runner import sync_link

    with app.app_context():
        engine = db.engine
        lock = link_lock(engine, link_id, app.instance_path)
        assert lock.__enter__()
        thread, box = _in_thread(app, lambda: sync_link(link_id, gc, wait=True).status)
        thread.join(1.0)
        assert thread.is_alive(), "the second process waits while the first holds the link"
        lock.__exit__(None, None, None)
        thread.join(30)
        assert box["value"] == "success"


def test_locks_of_different_links_do_not_block_each_other(app):
    from sync.locks import link_lock

    with app.app_context():
        with link_lock(db.engine, 10_001, app.instance_path) as first:
            with link_lock(db.engine, 10_002, app.instance_path) as second:
                assert first and second


@pytest.mark.parametrize("links, seconds, expected", [
    (1, 10, 10), (10, 10, 10), (100, 10, 40), (300, 5, 120),
])
def test_watch_period_keeps_the_project_under_its_quota(links, seconds, expected):
    from sync.runner import watch_period

    period = watch_period(links, seconds, 300, 300)
    assert period == pytest.approx(expected)
    assert links * 60 / period <= 300 and 2 * links * 60 / period <= 300


def test_watch_spreads_the_links_over_the_period(app, gc, linker, monkeypatch):
    import sync.runner as runner

    ids = [linker(new_user(app, "Sales", prefix="watch"))[0] for _ in range(2)]
    now = [0.0]
    sleeps = []

    def sleep(seconds):
        sleeps.append(seconds)
        now[0] += seconds

    reports = []
    with app.app_context():
        app.config["SHEETS_PROJECT_READS_PER_MINUTE"] = 300
        runner.watch(30, ids, {i: gc for i in ids}, lambda r: reports.append(r.status), rounds=2, sleep=sleep, clock=lambda: now[0])
    assert reports == ["success"] * 4
    assert sleeps and all(s == pytest.approx(15, abs=0.5) for s in sleeps)  # 30 s period, 2 links
