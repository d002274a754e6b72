"""Uploads kept for an import, saved column choices, and background import jobs.

A file over IMPORT_BACKGROUND_ROWS rows is imported by a job: the upload is stored under
instance/imports/ with a random name, `start_job(job_id)` hands it to the task queue (app.tasks: a consumer
process runs it, `make run` starts one), and progress and report are read from the `import_job` row.
"""
from __future__ import annotations

import json
import os
import secrets

from flask import current_app
from flask_babel import gettext

from app.models import ImportJob, ImportMapping, db
from app.models.base import utcnow

from .engine import ImportError_, Options, run_import
from .readers import ReadError, open_source


def import_folder() -> str:
    folder = current_app.config.get("IMPORT_FOLDER") or os.path.join(current_app.instance_path, "imports")
    os.makedirs(folder, exist_ok=True)
    return folder


def store_upload(stream, filename: str) -> str:
    """The upload saved under a random name (its suffix kept, for the reader); size limited by IMPORT_MAX_MB."""
    suffix = os.path.splitext(filename or "")[1].lower()
    if suffix not in (".csv", ".txt", ".tsv", ".xlsx", ".xlsm", ".xls"):
        suffix = ".csv"
    path = os.path.join(import_folder(), secrets.token_hex(16) + suffix)
    limit = current_app.config.get("IMPORT_MAX_MB", 20) * 1024 * 1024
    written = 0
    with open(path, "wb") as out:
        while True:
            chunk = stream.read(1024 * 1024)
            if not chunk:
                break
            written += len(chunk)
            if written > limit:
                out.close()
                os.unlink(path)
                raise ImportError_(gettext("The file is larger than %(mb)s MB.",
                                           mb=current_app.config.get("IMPORT_MAX_MB", 20)))
            out.write(chunk)
    return path


def background_rows() -> int:
    """Rows from which the browser and the API import as a job (IMPORT_BACKGROUND_ROWS, config.py; 1,000 when a
    test's settings leave it out): a larger file's preview shows its progress instead of keeping a request open."""
    return current_app.config.get("IMPORT_BACKGROUND_ROWS", 1000)


def estimate_rows(path: str) -> int:
    """About how many rows the file holds (CSV: line breaks; .xlsx: the sheet's declared dimension)."""
    if path.endswith((".xlsx", ".xlsm")):
        from openpyxl import load_workbook

        try:
            workbook = load_workbook(path, read_only=True)
            try:
                return max((workbook.worksheets[0].max_row or 1) - 1, 0)
            finally:
                workbook.close()
        except Exception:
            return 0
    count = 0
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1024 * 1024), b""):
            count += block.count(b"\n")
    return max(count - 1, 0)


# -- saved column choices ----------------------------------------------------------------------------------

def saved_mapping(user_id: int, record: str) -> dict[str, str]:
    row = db.session.query(ImportMapping).filter_by(user_id=user_id, record=record).one_or_none()
    return json.loads(row.mapping) if row is not None else {}


def save_mapping(user_id: int, record: str, choices: dict[str, str]) -> None:
    """Remember the user's column choices for the record (merged with earlier ones); committed by the caller."""
    row = db.session.query(ImportMapping).filter_by(user_id=user_id, record=record).one_or_none()
    if row is None:
        row = ImportMapping(user_id=user_id, record=record, mapping="{}")
        db.session.add(row)
    merged = {**json.loads(row.mapping), **choices}
    row.mapping = json.dumps(merged, ensure_ascii=False, sort_keys=True)


# -- jobs ------------------------------------------------------------------------------------------------------

def options_json(options: Options) -> str:
    return json.dumps({"mode": options.mode, "key": list(options.key) if options.key else None,
                       "overrides": options.overrides, "dry_run": options.dry_run, "partial": options.partial,
                       "sheet": None}, ensure_ascii=False)


def create_job(user_id: int, record: str, path: str, filename: str, options: Options, total: int) -> ImportJob:
    job = ImportJob(user_id=user_id, record=record, path=path, filename=filename[:255],
                    options=options_json(options), status="queued", rows_total=total, rows_done=0)
    db.session.add(job)
    db.session.commit()
    return job


def run_job(job_id: int) -> None:
    """Run a queued job (in an app context): its report and failed-rows file end up on the row."""
    from .files import failed_rows_bytes

    job = db.session.get(ImportJob, job_id)
    if job is None or job.status != "queued":
        return
    job.status = "running"
    db.session.commit()
    user = current_app.appbuilder.sm.get_user_by_id(job.user_id)
    stored = json.loads(job.options)
    options = Options(mode=stored["mode"], key=tuple(stored["key"]) if stored.get("key") else None,
                      overrides=stored.get("overrides") or {}, dry_run=stored.get("dry_run", False),
                      partial=stored.get("partial", False),
                      max_rows=current_app.config.get("IMPORT_MAX_ROWS", 200_000))
    engine = db.engine

    def progress(done: int) -> None:
        if engine.dialect.name == "sqlite":
            # The import's transaction holds SQLite's write lock until it ends: a file beside the uploads.
            write_progress(job_id, done)
            return
        with engine.begin() as connection:  # its own connection: the import's transaction is still open
            connection.execute(ImportJob.__table__.update().where(ImportJob.__table__.c.id == job_id)
                               .values(rows_done=done))

    record, path = job.record, job.path
    try:
        source = open_source(path)
        report = run_import(record, source, user, options, progress=progress)
    except (ImportError_, ReadError) as exc:
        db.session.rollback()
        finish(job_id, "failed", error=str(exc))
        return
    except Exception as exc:  # reported on the job, never lost in a worker's log
        db.session.rollback()
        finish(job_id, "failed", error=f"{type(exc).__name__}: {exc}")
        raise
    failed_path = None
    if report.failed:
        failed_path = os.path.join(import_folder(), secrets.token_hex(16) + ".xlsx")
        with open(failed_path, "wb") as out:
            out.write(failed_rows_bytes(report))
    if report.failed_path:
        os.unlink(report.failed_path)
    report.job = job_id
    finish(job_id, "done", report=json.dumps(report.as_dict(outcomes=True), ensure_ascii=False, default=str),
           failed_path=failed_path, rows_done=report.rows)


def progress_path(job_id: int) -> str:
    return os.path.join(import_folder(), f"job-{job_id}.progress")


def write_progress(job_id: int, done: int) -> None:
    path = progress_path(job_id)
    with open(path + ".tmp", "w") as out:
        out.write(str(done))
    os.replace(path + ".tmp", path)


def rows_done(job: ImportJob) -> int:
    """The rows a job has done: the progress file while it runs on SQLite, else the row's count."""
    if job.status == "running":
        try:
            with open(progress_path(job.id)) as handle:
                return max(int(handle.read() or 0), job.rows_done)
        except (OSError, ValueError):
            pass
    return job.rows_done


def finish(job_id: int, status: str, **values) -> None:
    if os.path.exists(progress_path(job_id)):
        os.unlink(progress_path(job_id))
    job = db.session.get(ImportJob, job_id)
    if job.path and os.path.exists(job.path):
        os.unlink(job.path)
    job.path = None
    job.status = status
    job.finished_at = utcnow()
    for name, value in values.items():
        setattr(job, name, value)
    db.session.commit()


def start_job(job_id: int) -> None:
    """Hand the job to the task queue (app.tasks; inline when TASKS_IMMEDIATE is set, as in tests)."""
    from .tasks import import_task

    import_task(job_id)


def job_visible(job: ImportJob | None, user) -> bool:
    """A job is seen by the user who started it and by Admin."""
    if job is None or user is None:
        return False
    if job.user_id == user.id:
        return True
    roles = {role.name for role in current_app.appbuilder.sm.get_user_roles(user)}
    return "Admin" in roles
