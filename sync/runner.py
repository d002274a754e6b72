"""Orchestration: run one cycle of a link, lock it, spread --watch cycles (linking: sync.linking).

One cycle of one link (`run_cycle`):

1. one values:batchGet of every tab (titles from the metadata cached on the link; a range error
   re-reads the metadata once and tells renamed/deleted tabs apart by sheet id), started in a
   worker thread before the run is recorded; meanwhile this thread reads what the linked user may
   see (`acting_as(user, "sheet")`) and the base snapshots (sync.snapshots), and prepares the idle
   shortcut (sync.idle): a tab read back exactly as the last cycle left it needs no plan, so an
   idle cycle costs little more than the batchGet;
2. acting as the linked user: plan each other tab with sync.core, apply every update/creation through
   the ORM (one savepoint per record, so a refused write leaves the others), store the problems
   and the in-flight bases: ONE commit;
3. the sheet (sync.sheet_writes): one values:batchGet confirms where the rows to change are now (a
   person may have inserted, deleted or sorted rows meanwhile), then ONE spreadsheets:batchUpdate
   deletes and inserts rows, writes cells and notes (on new problems) for all tabs;
4. save the final bases (of the tabs whose changes all landed) and the run: second commit.

A link whose user is deactivated does nothing but record a problem and a failed run. A tab whose
sheet edits look like no person typed them (sync.mass_change) applies none of them and is restored.

An interruption anywhere leaves a state the next cycle converges from (see sync.core): applied
edits are in the DB, created records are in `pending` with their creation key, the sheet gets the
same writes again. A run that fails records status "failed" and the error.
"""
from __future__ import annotations

import json
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Callable

from flask import current_app
from flask_babel import force_locale
from gspread.exceptions import APIError
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from app.labels import RECORD_LABELS
from app.models import SyncLink, SyncRun, db
from app.models.base import utcnow
from app.context import acting_as

from . import core, transport
from .cells import normalised_rows
from .db_side import DbSide
from .idle import IdleTab, prepare as prepare_idle
from .locks import link_lock
from .profiles import Table, profile
from .quota import project_quota
from .mass_change import MassLimits
from .placement import TabChanges
from .problem_log import note_at, note_text, problem_cell, stop_inactive, store_problems
from .sheet_side import SheetSide, is_range_error
from .sheet_writes import TabWrite, write_tabs
from .snapshots import load_base, same_base, save_base

log = logging.getLogger(__name__)



class LinkError(Exception):
    """The link command cannot go on; the message says why."""


def tab_title(record: str) -> str:
    return str(RECORD_LABELS[record])


def app_locale() -> str:
    return current_app.config.get("APP_LOCALE", "zh")


def make_client(reads_per_minute: int | None = None, writes_per_minute: int | None = None):
    """The gspread client for the configured endpoint (SHEETS_API_URL, GOOGLE_APPLICATION_CREDENTIALS)."""
    config = current_app.config
    return transport.make_client(
        config.get("SHEETS_API_URL") or transport.GOOGLE_SHEETS_URL,
        config.get("GOOGLE_APPLICATION_CREDENTIALS") or None,
        reads_per_minute=reads_per_minute or config.get("SHEETS_READS_PER_MINUTE", 60),
        writes_per_minute=writes_per_minute or config.get("SHEETS_WRITES_PER_MINUTE", 60),
        timeout=config.get("SHEETS_TIMEOUT", 30),
        max_tries=config.get("SHEETS_MAX_TRIES", 6),
        project=project_quota(config),
    )


def service_account_email() -> str | None:
    path = current_app.config.get("GOOGLE_APPLICATION_CREDENTIALS")
    if not path:
        return None
    try:
        with open(path) as handle:
            return json.load(handle).get("client_email")
    except (OSError, ValueError):
        return None


def describe(exc: BaseException) -> str:
    if isinstance(exc, APIError):
        return f"Sheets API error {exc.code}: {exc.error.get('message', '')}"[:2000]
    if isinstance(exc, SQLAlchemyError):  # shown on pages: the SQL and its parameters stay in the log
        from app.database_errors import problem_message, problem_of

        return f"Database error: {problem_message(problem_of(exc))}"
    return f"{type(exc).__name__}: {exc}"[:2000]


# --------------------------------------------------------------------------
# one cycle


@dataclass
class TabWork:
    table: Table
    title: str
    sheet_id: int
    plan: core.TabPlan | None = None
    result: core.TabResult | None = None
    stored_base: core.TabBase | None = None  # the base as saved in the DB now
    problems: list[core.Problem] = field(default_factory=list)  # tab-level (renamed/deleted)
    noted: list[core.Problem] = field(default_factory=list)  # new problems that get a note on their cell
    written: bool = True  # every sheet change of the cycle landed (else the in-flight base stays)
    idle: IdleTab | None = None  # the tab read back exactly as left: the prepared shortcut (sync.idle)


def _refresh_tabs(tabs: dict, meta: dict) -> None:
    for info in tabs.values():
        found = meta.get(info["sheet_id"])
        if found is None:
            info["deleted"] = True
        else:
            info.update(title=found.title, rows=found.rows, cols=found.cols, deleted=False)


def _read_sheet(side: SheetSide, tabs: dict, tables: list[Table]) -> dict[str, list[list[str]]]:
    def attempt():
        live = [t.record for t in tables if not tabs[t.record].get("deleted")]
        grids = side.read([tabs[r]["title"] for r in live])
        return dict(zip(live, grids))

    try:
        return attempt()
    except APIError as exc:
        if not is_range_error(exc):
            raise
    _refresh_tabs(tabs, side.metadata())
    return attempt()


def _tab_problems(record: str, info: dict) -> list[core.Problem]:
    expected = tab_title(record)
    if info.get("deleted"):
        return [core.Problem(core.STRUCTURE, record,
                             f"tab {expected!r} (sheet id {info['sheet_id']}) was deleted; run `flask sheets link` "
                             "again to recreate it")]
    if info["title"] != expected:
        return [core.Problem(core.STRUCTURE, record,
                             f"tab {expected!r} (sheet id {info['sheet_id']}) was renamed to {info['title']!r}; "
                             f"rename it back to {expected!r}")]
    return []


def _write_sheet(side: SheetSide, works: list[TabWork], dbside: DbSide, progress) -> int:
    """Every tab's changes on the rows that hold them now (sync.sheet_writes); returns the rows written."""
    writes = {}
    for work in works:
        result, plan = work.result, work.plan
        if result is None or plan is None or plan.blocked:
            continue
        notes = []
        for problem in work.noted:
            where = problem_cell(work, problem)
            if where is not None:
                notes.append(note_at(result, where[0], where[1], note_text(problem)))
        by_row: dict[int, dict[int, str]] = {}
        for w in result.writes:
            by_row.setdefault(w.row, {})[w.col] = w.value
        changes = TabChanges(len(plan.spec.header), plan.current, by_row, result.deletes, result.appends,
                             tuple(notes))
        table = work.table
        writes[work.table.record] = TabWrite(
            work.title, work.sheet_id, changes, ("code", *(c.kind for c in table.columns)),
            lambda rows, table=table: normalised_rows(table, rows, dbside)[0])
    rows = write_tabs(side, list(writes.values()), progress)
    for work in works:
        if work.table.record in writes:
            work.written = writes[work.table.record].done
    return rows


def mass_limits() -> MassLimits:
    config = current_app.config
    return MassLimits(share=config.get("SHEETS_MASS_CHANGE_PERCENT", 50) / 100,
                      min_rows=config.get("SHEETS_MASS_CHANGE_MIN_ROWS", 20))


class SheetRead:
    """The cycle's read of every tab (one values:batchGet), started in a worker thread as soon as
    the link is known: the cycle records its run, reads the database and prepares the idle
    shortcut while it waits. The thread touches nothing but the client and the link's tab map."""

    def __init__(self, link: SyncLink, client):
        self.tabs = link.tab_map
        self.tables = [t for t in profile(link.profile) if t.record in self.tabs]
        self.side = SheetSide(client, link.spreadsheet_id)
        self._pool = ThreadPoolExecutor(max_workers=1)
        self._grids = self._pool.submit(_read_sheet, self.side, self.tabs, self.tables)

    def grids(self) -> dict[str, list]:
        return self._grids.result()

    def close(self) -> None:
        self._pool.shutdown(wait=False)  # on Ctrl-C, the run is marked interrupted without waiting for the read


def _cycle(link: SyncLink, run: SyncRun, read: SheetRead, progress) -> None:
    tabs, tables, side = read.tabs, read.tables, read.side
    dbside = DbSide(db.session, tuple(tables))
    # The database is read here while the sheet read waits for the API (the session and the acting
    # user belong to this thread). The garbage collector stays on: a cycle runs inside web workers
    # and task workers shared with other work, where a process-wide pause is not ours to make.
    records = {t.record: dbside.read(t) for t in tables}
    bases = {t.record: load_base(link.id, t) for t in tables}
    # What an untouched tab reads back and needs (sync.idle), prepared while the read still waits.
    idle = {t.record: prepare_idle(t, dbside.spec(t), records[t.record], bases[t.record], dbside) for t in tables}
    grids = read.grids()
    _sync_tabs(link, run, side, dbside, tabs, tables, grids, records, bases, idle, progress)


def _sync_tabs(link: SyncLink, run: SyncRun, side: SheetSide, dbside: DbSide, tabs: dict, tables: list[Table],
               grids: dict, records: dict[str, core.Records], bases: dict[str, core.TabBase],
               idle: dict[str, IdleTab | None], progress) -> None:
    """Plan every tab, apply the plans to the database, then to the sheet."""
    session = db.session
    works, limits = [], mass_limits()
    for table in tables:
        info = tabs[table.record]
        work = TabWork(table, info["title"], info["sheet_id"], problems=_tab_problems(table.record, info))
        works.append(work)
        if work.problems:
            continue
        grid = grids.get(table.record, [])
        shortcut = idle.get(table.record)
        if shortcut is not None and shortcut.matches(grid):
            work.idle = shortcut
            work.plan = shortcut.plan
            run.rows_read += len(shortcut.rows)
        else:
            header = grid[0] if grid else []
            rows, filled = normalised_rows(table, grid[1:], dbside)
            run.rows_read += filled
            work.plan = core.plan_tab(dbside.spec(table), header, rows, records[table.record], bases[table.record],
                                      limits)
        work.stored_base = work.plan.base

    # ONE transaction: every write of the plans, the problems, the in-flight bases.
    for work in works:
        plan = work.plan
        if plan is None:
            continue
        updates = {u.record_id: dbside.update(work.table, u.record_id, dict(u.changes)) for u in plan.updates}
        creates = {c.key: dbside.create(work.table, dict(c.values), link.user_id) for c in plan.creates}
        created = {k: o for k, o in creates.items() if isinstance(o, core.Created)}
        in_flight = work.idle.in_flight if work.idle else core.in_flight_base(plan, created)
        if (same := same_base(in_flight, work.stored_base, work.table)) is not True:
            save_base(link.id, work.table, in_flight, same or None)
            work.stored_base = in_flight
        work.result = work.idle.result if work.idle else core.finish(plan, updates, creates)
        run.to_db += sum(isinstance(o, core.Applied) for o in updates.values()) + len(created)
    run.problems = store_problems(link, run, works)
    link.tab_map = tabs
    session.commit()

    # The sheet: read again where rows may have moved, then one spreadsheets:batchUpdate (more for a big push).
    run.to_sheet = _write_sheet(side, works, dbside, progress)

    for work in works:
        if work.result is None or not work.written:
            continue
        known = work.idle.base_text if work.idle else None
        if (same := same_base(work.result.base, work.stored_base, work.table, known)) is not True:
            save_base(link.id, work.table, work.result.base, same or None)
    stopped = [p for w in works for p in (w.problems or (w.plan.problems if w.plan and w.plan.blocked else ()))]
    stopped += [p for w in works if w.result for p in w.result.problems if p.kind in core.HELD_KINDS]
    run.status = "partial" if stopped else "success"
    run.error = "\n".join(f"{tab_title(p.table)}: {p.message}" for p in stopped) or None
    link.tab_map = tabs


def run_cycle(link_id: int, client, progress: Callable[[int, int], None] | None = None,
              run_id: int | None = None) -> SyncRun:
    """One cycle of one link (the caller holds the link's lock), recorded on the run `run_id` (a
    run queued from the browser) or a new one. Never raises for sync errors: the run says "failed"
    and why. The push's progress (rows done / total) is saved on the run as it goes."""
    session = db.session
    link = session.get(SyncLink, link_id)
    before = client.stats.total
    read = SheetRead(link, client) if link.user.active else None  # an inactive user's link reads nothing
    try:
        return _recorded_cycle(link, run_id, client, read, before, progress)
    finally:
        if read is not None:
            read.close()


def _recorded_cycle(link: SyncLink, run_id: int | None, client, read: SheetRead | None, before: int,
                    progress: Callable[[int, int], None] | None) -> SyncRun:
    session, link_id = db.session, link.id
    run = session.get(SyncRun, run_id) if run_id is not None else None
    if run is None:
        run = SyncRun(link_id=link.id)
        session.add(run)
    run.status, run.started_at = "running", utcnow()
    session.commit()
    run_id = run.id

    def pushed(done: int, total: int) -> None:
        run.rows_done, run.rows_total = done, total
        session.commit()
        if progress is not None:
            progress(done, total)

    try:
        if read is None:
            stop_inactive(link, run)
        else:
            with acting_as(link.user_id, "sheet"), force_locale(app_locale()):
                _cycle(link, run, read, pushed)
    except Exception as exc:  # noqa: BLE001 - every failure must end up in the run
        session.rollback()
        log.exception("sheets sync of link %s failed", link_id)
        run = session.get(SyncRun, run_id)
        link = session.get(SyncLink, link_id)
        run.status, run.error = "failed", describe(exc)
    except (KeyboardInterrupt, SystemExit):  # Ctrl-C, a worker told to stop: say so, then stop
        session.rollback()
        run, link = session.get(SyncRun, run_id), session.get(SyncLink, link_id)
        run.status, run.error, run.finished_at = "interrupted", INTERRUPTED, utcnow()
        link.last_run_at, link.last_status = run.finished_at, run.status
        session.commit()
        raise
    run.requests = client.stats.total - before
    run.finished_at = utcnow()
    link.last_run_at, link.last_status = run.finished_at, run.status
    session.commit()
    return run


INTERRUPTED = "the process running this cycle stopped before it finished (killed, or the machine restarted)"


def mark_interrupted(link_id: int) -> int:
    """Runs of the link still "running" while its lock is held by the caller: their process died
    (SIGKILL, Ctrl-C, a crash; a live cycle holds the lock until its run is final). Marks them
    "interrupted"; returns how many."""
    runs = db.session.scalars(select(SyncRun).where(SyncRun.link_id == link_id, SyncRun.status == "running")).all()
    for run in runs:
        run.status, run.finished_at = "interrupted", utcnow()
        run.error = f"{run.error}\n{INTERRUPTED}" if run.error else INTERRUPTED
    if runs:
        db.session.commit()
    return len(runs)


def reap_interrupted(link_ids: list[int] | None = None) -> int:
    """Mark "interrupted" the running runs whose link lock is free (their process is gone); a link
    whose lock is held is left alone. Returns how many runs were marked."""
    query = select(SyncRun.link_id).where(SyncRun.status == "running").distinct()
    if link_ids is not None:
        query = query.where(SyncRun.link_id.in_(link_ids))
    marked = 0
    for link_id in db.session.scalars(query).all():
        db.session.commit()  # no read transaction of ours across the lock
        with link_lock(db.engine, link_id, current_app.instance_path) as acquired:
            if acquired:
                marked += mark_interrupted(link_id)
    return marked


def sync_link(link_id: int, client, progress=None, wait: bool = False, run_id: int | None = None) -> SyncRun:
    """Run one cycle of the link under its lock; if another process holds it, record a skipped run
    (on `run_id` when the run was queued). Runs left "running" by a dead process become "interrupted"."""
    db.session.commit()  # no read transaction of ours across the lock
    with link_lock(db.engine, link_id, current_app.instance_path, wait=wait) as acquired:
        if acquired:
            mark_interrupted(link_id)
            return run_cycle(link_id, client, progress, run_id=run_id)
    run = db.session.get(SyncRun, run_id) if run_id is not None else None
    if run is None:
        run = SyncRun(link_id=link_id)
        db.session.add(run)
    run.status, run.started_at, run.finished_at = "skipped", utcnow(), utcnow()
    run.error = "another sync process is working on this link; skipped"
    db.session.commit()
    return run


# --------------------------------------------------------------------------
# --watch scheduling


def watch_period(links: int, seconds: float, project_reads: int, project_writes: int,
                 reads_per_cycle: int = 1, writes_per_cycle: int = 2) -> float:
    """Seconds between two cycles of the same link so that all links together stay under the
    project's per-minute quotas (a cycle makes 1 read and at most 2 writes)."""
    if links <= 0:
        return seconds
    floor = links * 60.0 * max(reads_per_cycle / project_reads, writes_per_cycle / project_writes)
    return max(seconds, floor)


def pace(links: int, seconds: float) -> float:
    """Seconds between two cycles of a link: the configured period, the project quota, and slower
    after the 429s Google answered lately (sync.quota, shared by every process)."""
    config = current_app.config
    period = watch_period(links, seconds, config.get("SHEETS_PROJECT_READS_PER_MINUTE", 300),
                          config.get("SHEETS_PROJECT_WRITES_PER_MINUTE", 300))
    return period * project_quota(config).slowdown()


def watch(seconds: float, link_ids: list[int] | None, clients: dict, report: Callable[[SyncRun], None],
          rounds: int | None = None, sleep: Callable[[float], None] = time.sleep,
          clock: Callable[[], float] = time.monotonic, enqueue: bool = False) -> None:
    """Cycle every link forever (or `rounds` times), spreading the links evenly over the period;
    with enqueue, queue each link's cycle for the task consumers instead (a link already queued or
    running is not queued again)."""
    done = 0
    while rounds is None or done < rounds:
        ids = link_ids or active_link_ids()
        gap = pace(len(ids), seconds) / max(1, len(ids))
        for link_id in ids:
            started = clock()
            if enqueue:
                from .tasks import enqueue_idle

                enqueue_idle([link_id])
            else:
                client = clients.get(link_id) or clients.setdefault(link_id, make_client())
                report(sync_link(link_id, client))
            db.session.remove()
            sleep(max(0.0, gap - (clock() - started)))
        if not ids:
            sleep(seconds)
        done += 1


def active_link_ids() -> list[int]:
    return list(db.session.scalars(select(SyncLink.id).where(SyncLink.state == "active").order_by(SyncLink.id)))
