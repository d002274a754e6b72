"""The sync as background tasks (app.tasks): "sync now" from the browser, the periodic sync of every link.

`enqueue_sync(link_ids)` records one "queued" run per link and enqueues a `sync_link_task` for each;
the consumer that takes it runs the cycle under the link's lock (sync.locks), so a link never runs
twice at once: a second task for a busy link ends as "skipped". Its page shows the push's progress.
"""
from __future__ import annotations

import logging

from flask import current_app

from app.models import SyncRun, db
from app.models.base import utcnow
from huey import crontab

from app.tasks import periodic_task, task

log = logging.getLogger(__name__)


@task(retries=0)
def sync_link_task(link_id: int, run_id: int | None = None) -> str:
    """One cycle of one link, recorded on the queued run; returns its status."""
    from .runner import make_client, sync_link

    try:
        with make_client() as client:
            run = sync_link(link_id, client, run_id=run_id)
    except Exception as exc:  # noqa: BLE001 - a client that cannot be made (credentials): the run says why
        from .runner import describe

        db.session.rollback()
        run = db.session.get(SyncRun, run_id) if run_id is not None else None
        if run is None:
            raise
        run.status, run.error, run.finished_at = "failed", describe(exc), utcnow()
        db.session.commit()
    return run.status


def enqueue_sync(link_ids: list[int]) -> list[int]:
    """Queue one cycle per link; returns the ids of the queued runs (in the order of link_ids)."""
    runs = [SyncRun(link_id=link_id, status="queued", started_at=utcnow()) for link_id in link_ids]
    db.session.add_all(runs)
    db.session.commit()
    run_ids = [run.id for run in runs]
    for link_id, run_id in zip(link_ids, run_ids):
        sync_link_task(link_id, run_id)
    return run_ids


def busy_links() -> set[int]:
    """Links with a queued or running run (after marking the runs of dead processes interrupted)."""
    from sqlalchemy import select

    from .runner import reap_interrupted

    reap_interrupted()
    return set(db.session.scalars(select(SyncRun.link_id).where(SyncRun.status.in_(("queued", "running")))))


def enqueue_idle(link_ids: list[int]) -> list[int]:
    """Queue a cycle of each link that has none queued or running; returns the queued runs."""
    busy = busy_links()
    idle = [i for i in link_ids if i not in busy]
    return enqueue_sync(idle) if idle else []


def enqueue_due(every_seconds: float | None = None) -> list[int]:
    """Queue a cycle of each active link that has none queued or running and whose last run started
    at least the pace ago (SHEETS_SYNC_SECONDS, stretched by the project quota and recent 429s:
    sync.runner.pace); returns the queued runs."""
    from datetime import timedelta

    from sqlalchemy import func, select

    from .runner import active_link_ids, pace

    seconds = every_seconds if every_seconds is not None else current_app.config.get("SHEETS_SYNC_SECONDS", 0)
    ids = active_link_ids()
    if not ids or not seconds:
        return []
    period = pace(len(ids), seconds)
    last = dict(db.session.execute(select(SyncRun.link_id, func.max(SyncRun.started_at))
                                   .where(SyncRun.link_id.in_(ids)).group_by(SyncRun.link_id)).all())
    due_before = utcnow() - timedelta(seconds=period)
    return enqueue_idle([i for i in ids if last.get(i) is None or last[i] <= due_before])


@periodic_task(crontab(minute="*"))
def sync_due_links() -> int:
    """Every minute, on the consumers started with periodic tasks: queue the links that are due
    (SHEETS_SYNC_SECONDS; 0, the default, leaves the schedule to cron or `flask sheets sync --watch`)."""
    return len(enqueue_due())
