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
from app.tasks import task

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


def enqueue_due(every_seconds: float | None = None) -> list[int]:
    """Queue a cycle of each active link that has no queued or running run and whose last run
    started at least `every_seconds` ago (default SHEETS_SYNC_SECONDS); returns the queued runs."""
    from datetime import timedelta

    from sqlalchemy import func, select

    from .runner import active_link_ids, reap_interrupted

    seconds = every_seconds if every_seconds is not None else current_app.config.get("SHEETS_SYNC_SECONDS", 60)
    ids = active_link_ids()
    reap_interrupted(ids)
    busy = set(db.session.scalars(select(SyncRun.link_id).where(SyncRun.status.in_(("queued", "running")))))
    last = dict(db.session.execute(select(SyncRun.link_id, func.max(SyncRun.started_at)).group_by(SyncRun.link_id)).all())
    due_before = utcnow() - timedelta(seconds=seconds)
    due = [i for i in ids if i not in busy and (last.get(i) is None or last[i] <= due_before)]
    return enqueue_sync(due) if due else []
