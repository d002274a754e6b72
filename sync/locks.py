"""One sync process per link: a PostgreSQL advisory lock, or a file lock on SQLite."""
from __future__ import annotations

import os
from contextlib import contextmanager

from filelock import FileLock, Timeout
from sqlalchemy import text

# First key of the two-int advisory lock: "Adsheet sheets sync" (keeps clear of other users of locks).
LOCK_NAMESPACE = 0x5AD5


@contextmanager
def link_lock(engine, link_id: int, lock_dir: str, wait: bool = False):
    """Yield True while holding the link's lock, or False at once if another process holds it
    (with wait=True: block until it is free). `lock_dir` holds the lock file of an in-memory
    SQLite database; a database file has its locks beside it."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            if wait:
                conn.execute(text("SELECT pg_advisory_lock(:ns, :id)"), {"ns": LOCK_NAMESPACE, "id": link_id})
                got = True
            else:
                got = bool(conn.execute(text("SELECT pg_try_advisory_lock(:ns, :id)"),
                                        {"ns": LOCK_NAMESPACE, "id": link_id}).scalar())
            conn.commit()
            try:
                yield got
            finally:
                if got:
                    conn.execute(text("SELECT pg_advisory_unlock(:ns, :id)"), {"ns": LOCK_NAMESPACE, "id": link_id})
                    conn.commit()
        return
    # Beside the database file: apps on different databases may share an instance folder (tests,
    # benchmarks), and their link 1 is not the same link.
    database = engine.url.database
    if database and database != ":memory:" and not database.startswith("file:"):
        path = f"{os.path.abspath(database)}.sheets-link-{link_id}.lock"
    else:
        os.makedirs(lock_dir, exist_ok=True)
        path = os.path.join(lock_dir, f"sheets-link-{link_id}.lock")
    lock = FileLock(path, thread_local=False)
    try:
        lock.acquire(timeout=-1 if wait else 0)
    except Timeout:
        yield False
        return
    try:
        yield True
    finally:
        lock.release()
