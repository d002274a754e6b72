"""The task queue (app.tasks): inline in tests, and real consumer processes on SQLite and Redis storage."""
import os
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

from app import tasks

ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/5")


def consumer_env(app, **extra) -> dict:
    """The environment of a `flask tasks worker` on the test database."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("REDIS_URL", "TASKS_", "DATABASE_URL"))}
    env.update(APP_ENV="testing", SECRET_KEY="test-secret-key-not-for-production",
               DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"], ROLES_CHECK_AT_START="false",
               SHEETS_API_URL=app.config["SHEETS_API_URL"], SHEETS_MAX_TRIES="1", PYTHONPATH=str(ROOT))
    env.update({k: str(v) for k, v in extra.items()})
    return env


@contextmanager
def queue_storage(**settings):
    """This process enqueues into real storage (not inline) for the duration."""
    try:
        tasks.configure(**settings)
        yield
    finally:
        tasks.configure(immediate=True)


@contextmanager
def consumer(env, workers=1):
    proc = subprocess.Popen([sys.executable, "-m", "flask", "--app", "run", "tasks", "worker", "--workers",
                             str(workers)], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True)
    try:
        yield proc
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def redis_or_skip():
    import redis

    try:
        client = redis.Redis.from_url(REDIS_URL)
        client.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip(f"no Redis at {REDIS_URL}")
    return client


def test_immediate_mode_runs_the_task_inline_in_an_app_context_outside_any_request(app):
    tasks.init_tasks(app)  # the queue is process-wide: another test's app may have configured it since
    assert tasks.huey.immediate and tasks.kind() == "immediate"
    with app.test_request_context("/somewhere"):
        answer = tasks.ping().get()
    assert answer["request"] is False and answer["pid"] == os.getpid()
    assert answer["database"] == app.config["SQLALCHEMY_DATABASE_URI"]


def test_init_tasks_picks_the_storage_from_the_config(app, tmp_path):
    from huey.storage import RedisStorage, SqliteStorage

    try:
        tasks.init_tasks(type(app)("x", instance_path=str(tmp_path)))  # a bare app: SQLite under its instance
        assert tasks.kind() == "sqlite" and isinstance(tasks.huey.storage, SqliteStorage)
        assert tasks.huey.storage.filename == str(tmp_path / "tasks.db")
        redis_app = type(app)("y", instance_path=str(tmp_path))
        redis_app.config["REDIS_URL"] = REDIS_URL
        tasks.init_tasks(redis_app)
        assert tasks.kind() == "redis" and isinstance(tasks.huey.storage, RedisStorage)
    finally:
        tasks.init_tasks(app)
    assert tasks.kind() == "immediate"


@pytest.mark.slow
def test_a_consumer_process_runs_tasks_from_sqlite_storage(app, tmp_path):
    queue = tmp_path / "tasks.db"
    with queue_storage(filename=str(queue)), consumer(consumer_env(app, TASKS_DB=queue)) as proc:
        answer = tasks.ping().get(blocking=True, timeout=120)
        assert answer["pid"] == proc.pid and answer["request"] is False
        assert answer["database"] == app.config["SQLALCHEMY_DATABASE_URI"]


@pytest.mark.slow
def test_two_consumers_share_a_redis_queue(app):
    redis_or_skip()
    with queue_storage(redis_url=REDIS_URL):
        tasks.huey.flush()
        with consumer(consumer_env(app, REDIS_URL=REDIS_URL)) as one, \
                consumer(consumer_env(app, REDIS_URL=REDIS_URL)) as two:
            seen = {tasks.ping().get(blocking=True, timeout=120)["pid"]}  # started (slow on a busy machine)
            deadline = time.monotonic() + 120
            while seen != {one.pid, two.pid} and time.monotonic() < deadline:
                results = [tasks.ping() for _ in range(8)]
                seen |= {r.get(blocking=True, timeout=60)["pid"] for r in results}
        tasks.huey.flush()
    assert seen == {one.pid, two.pid}


def test_tasks_cli_info_and_the_worker_refuses_inline_mode(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["tasks", "info"])
    assert result.exit_code == 0 and "storage immediate" in result.output
    result = runner.invoke(args=["tasks", "worker"])
    assert result.exit_code == 1 and "TASKS_IMMEDIATE" in result.output
