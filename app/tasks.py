"""Background work on a task queue (Huey): "sync now", the periodic sync of every link, imports.

    from app.tasks import task

    @task(retries=2)
    def import_file(job_id): ...      # runs inside a Flask app context, outside any request

    import_file(7)                     # enqueue; returns at once (a huey Result)

Storage:
- by default a SQLite file (TASKS_DB, default ``<instance>/tasks.db``): one machine, any number of
  consumer processes on it;
- ``REDIS_URL`` set: Redis (several consumers on several machines share the work);
- ``TASKS_IMMEDIATE=True`` (tests): a task runs inline when it is enqueued (huey's immediate mode),
  still outside the request that enqueued it.

How the one instance is configured: ``huey`` below is created at import (the ``@task`` decorators of
every module register on it) with no real storage yet; ``init_tasks(app)``, called by the app
factory, gives it the storage the app's config names (``configure``). A process uses one config, so
the last app created decides (tests that need another storage call ``configure`` and restore it).

Consumers: ``flask --app run tasks worker [--workers N]`` (``make run`` starts one beside gunicorn).
The worker's tasks run in the app the command built; a task enqueued elsewhere runs in whichever
app is current, or an app built once per process with ``create_app()`` from the environment.
"""
from __future__ import annotations

import functools
import importlib
import logging
import os
import threading

from flask import Flask, current_app, has_app_context, has_request_context

from huey import Huey
from huey.storage import MemoryStorage, RedisStorage, SqliteStorage

log = logging.getLogger(__name__)

# The one queue of the project. Until init_tasks runs, tasks run inline (nothing is lost).
huey = Huey("adsheet", immediate=True, storage_class=MemoryStorage, results=True)

# Modules whose tasks a consumer must know: imported by init_tasks (add yours here).
TASK_MODULES = ["sync.tasks"]

_worker_app: Flask | None = None  # the app of this process's consumer (or built on first need)
_app_lock = threading.Lock()


def configure(*, immediate: bool = False, redis_url: str | None = None, filename: str | None = None) -> None:
    """Point ``huey`` at its storage: inline (immediate), Redis (redis_url) or a SQLite file."""
    if redis_url:
        huey.storage_class, huey.storage_kwargs = RedisStorage, {"url": redis_url}
    else:
        if filename:
            os.makedirs(os.path.dirname(os.path.abspath(filename)), exist_ok=True)
        huey.storage_class, huey.storage_kwargs = SqliteStorage, {"filename": filename or "tasks.db"}
    huey._immediate = immediate  # noqa: SLF001 - the setter only rebuilds storage on a change
    huey.storage = huey.create_storage()


def storage_settings(config) -> dict:
    """configure()'s arguments for an app config."""
    return {"immediate": bool(config.get("TASKS_IMMEDIATE")), "redis_url": config.get("REDIS_URL") or None,
            "filename": config.get("TASKS_DB") or None}


def init_tasks(app: Flask) -> None:
    """Give the queue the storage of the app's config (TASKS_IMMEDIATE, REDIS_URL, TASKS_DB)."""
    if not app.config.get("TASKS_DB"):
        app.config["TASKS_DB"] = os.path.join(app.instance_path, "tasks.db")
    configure(**storage_settings(app.config))
    app.extensions["huey"] = huey
    for name in TASK_MODULES:
        importlib.import_module(name)


def kind() -> str:
    """Where tasks go now: "immediate", "redis" or "sqlite" (shown by `flask tasks info`)."""
    if huey.immediate:
        return "immediate"
    return "redis" if huey.storage_class is RedisStorage else "sqlite"


def use_app(app: Flask) -> None:
    """Run this process's tasks in ``app`` (the consumer command calls it)."""
    global _worker_app
    _worker_app = app


def _task_app() -> Flask:
    global _worker_app
    if has_app_context():
        return current_app._get_current_object()
    with _app_lock:
        if _worker_app is None:
            from app import create_app

            _worker_app = create_app()
        return _worker_app


def _in_app(app: Flask, fn, args, kwargs):
    from app.models import db

    with app.app_context():
        try:
            return fn(*args, **kwargs)
        finally:
            db.session.remove()


def run_outside_request(fn, *args, **kwargs):
    """Call ``fn`` in a fresh app context with no request (its own session, no signed-in user):
    in a thread when called from inside a request, so nothing of the request leaks in."""
    app = _task_app()
    if not has_request_context():
        return _in_app(app, fn, args, kwargs)
    from app.models import db

    db.session.commit()  # no open transaction of the request may block the task's writes (SQLite)
    outcome: dict = {}

    def target():
        try:
            outcome["value"] = _in_app(app, fn, args, kwargs)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller
            outcome["error"] = exc

    thread = threading.Thread(target=target, name=f"task-{getattr(fn, '__name__', 'work')}")
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


def task(**options):
    """``huey.task(**options)`` whose function runs in a Flask app context, outside any request."""
    def decorate(fn):
        @functools.wraps(fn)
        def inside_app(*args, **kwargs):
            return run_outside_request(fn, *args, **kwargs)

        return huey.task(**options)(inside_app)

    return decorate


def periodic_task(validate_datetime, **options):
    """``huey.periodic_task`` run in a Flask app context (consumers started with periodic on run it)."""
    def decorate(fn):
        @functools.wraps(fn)
        def inside_app(*args, **kwargs):
            return run_outside_request(fn, *args, **kwargs)

        return huey.periodic_task(validate_datetime, **options)(inside_app)

    return decorate


def run_consumer(app: Flask, workers: int = 1, periodic: bool = True) -> None:
    """Run a consumer in this process until SIGINT/SIGTERM (threads: they share the app)."""
    from huey.consumer import Consumer

    use_app(app)
    if huey.immediate:
        raise RuntimeError("TASKS_IMMEDIATE is on: tasks run where they are enqueued, a consumer has nothing to do")
    consumer = Consumer(huey, workers=workers, periodic=periodic, worker_type="thread", initial_delay=0.1,
                        backoff=1.15, max_delay=2.0, check_worker_health=True)
    consumer.run()


@task()
def ping() -> dict:
    """A task that says where it ran (`flask tasks ping`; tests of the consumers)."""
    from app.context import current_actor_id

    return {"pid": os.getpid(), "database": current_app.config["SQLALCHEMY_DATABASE_URI"],
            "request": has_request_context(), "actor": current_actor_id.get()}


__all__ = ["ping", "huey", "task", "periodic_task", "init_tasks", "configure", "run_consumer", "run_outside_request",
           "kind", "TASK_MODULES"]
