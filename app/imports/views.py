"""Browser door: upload -> map columns -> preview (dry run) -> confirm, a template, failed rows, job progress.

Pages under /import/<record>/, open to the roles that may add or edit the record (app.security.authority, the
same tables as the record's own pages); every form carries the CSRF token. The uploaded file is kept under
instance/imports/ with a random name that starts with the user's id, so a user reaches only their own files.
"""
from __future__ import annotations

import json
import os
import re

from flask import abort, current_app, redirect, request, send_file, url_for
from flask_appbuilder import BaseView, expose
from flask_babel import gettext

from app.labels import FIELD_LABELS, RECORD_LABELS
from app.models import ImportJob, db

from .engine import ImportError_, Options, make_plan, run_import
from .readers import ReadError, open_source
from .records import KEYS, MODES, TABLES, importable

TOKEN_RE = re.compile(r"^(\d+)-[0-9a-f]{32}\.(csv|txt|tsv|xlsx|xlsm)$")
FAILED_RE = re.compile(r"^(\d+)-[0-9a-f]{32}\.failed\.xlsx$")


def _user():
    from app.security.ownership import acting_user

    return acting_user()


def _may(user, record: str) -> bool:
    from .api import may_import

    return user is not None and record in TABLES and may_import(user, record, "upsert")


def _folder() -> str:
    from .jobs import import_folder

    return import_folder()


def _own_file(token: str, user, pattern=TOKEN_RE) -> str:
    match = pattern.match(token or "")
    if not match or int(match[1]) != user.id:
        abort(404)
    path = os.path.join(_folder(), token)
    if not os.path.exists(path):
        abort(404)
    return path


def _labels(record: str) -> list[tuple[str, str]]:
    return [("id", str(FIELD_LABELS["id"]))] + [(c.field, str(FIELD_LABELS.get(c.field, c.field)))
                                                for c in importable(record)]


def _mode_labels() -> dict[str, str]:
    return {"create": gettext("Create new records only"), "update": gettext("Update existing records only"),
            "upsert": gettext("Update existing records, create the others")}


def _key_choices(record: str) -> list[tuple[str, str]]:
    keys = [",".join(k) for k in KEYS[record]] + ["id"]
    return [(k, " + ".join(str(FIELD_LABELS.get(f, f)) for f in k.split(","))) for k in dict.fromkeys(keys)]


class ImportView(BaseView):
    route_base = "/import"
    default_view = "upload"

    def _guard(self, record: str):
        user = _user()
        if user is None:
            return None, redirect(url_for(self.appbuilder.sm.auth_view.__class__.__name__ + ".login"))
        if not _may(user, record):
            abort(403)
        return user, None

    def _page(self, record: str, step: str, **kw):
        return self.render_template("adsheet/import.html", record=record, step=step,
                                    record_label=RECORD_LABELS.get(record, record), modes=_mode_labels(),
                                    keys=_key_choices(record), fields=_labels(record), **kw)

    @expose("/<record>/", methods=["GET"])
    def upload(self, record):
        user, redirected = self._guard(record)
        if redirected:
            return redirected
        return self._page(record, "upload")

    @expose("/<record>/template.xlsx", methods=["GET"])
    def template(self, record):
        from io import BytesIO

        from .files import template_bytes

        user, redirected = self._guard(record)
        if redirected:
            return redirected
        return send_file(BytesIO(template_bytes(record)), as_attachment=True,
                         download_name=f"import-{record}.xlsx",
                         mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

    @expose("/<record>/map", methods=["POST"])
    def map(self, record):
        """The file is stored; its columns are matched (the user's saved choices first) and shown for editing."""
        import secrets

        from .jobs import saved_mapping, store_upload

        user, redirected = self._guard(record)
        if redirected:
            return redirected
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            return self._page(record, "upload", problem=gettext("Choose a .csv or .xlsx file."))
        suffix = os.path.splitext(upload.filename)[1].lower().lstrip(".")
        if suffix not in ("csv", "txt", "tsv", "xlsx", "xlsm"):
            return self._page(record, "upload", problem=gettext("Use a .csv or .xlsx file."))
        try:
            stored = store_upload(upload.stream, upload.filename)
        except ImportError_:
            return self._page(record, "upload", problem=gettext(
                "The file is larger than %(mb)s MB.", mb=current_app.config.get("IMPORT_MAX_MB", 20)))
        token = f"{user.id}-{secrets.token_hex(16)}.{suffix}"
        os.replace(stored, os.path.join(_folder(), token))
        mode = request.form.get("mode") if request.form.get("mode") in MODES else "upsert"
        return self._mapping_page(record, user, token, upload.filename, mode, request.form.get("sheet") or "",
                                  saved_mapping(user.id, record))

    def _mapping_page(self, record, user, token, filename, mode, sheet, overrides, problem=None):
        path = _own_file(token, user)
        try:
            source = open_source(path, token, sheet or None)
        except ReadError as exc:
            return self._page(record, "upload", problem=gettext(exc.message, **exc.params))
        try:
            headers = source.headers
        finally:
            source.close()
        known = {h: f for h, f in overrides.items() if h in headers}
        try:
            plan = make_plan(record, headers, Options(mode="create", overrides=known))
        except ImportError_:
            plan = make_plan(record, headers, Options(mode="create"))
        return self._page(record, "map", token=token, filename=filename, mode=mode, sheet=sheet, plan=plan,
                          key=",".join(plan.key), problem=problem)

    def _options(self, record: str, dry_run: bool) -> tuple[Options, dict[str, str]]:
        headers = json.loads(request.form.get("headers") or "[]")
        overrides = {}
        for index, header in enumerate(headers):
            chosen = request.form.get(f"col_{index}", "")
            overrides[header] = chosen if chosen in {f for f, _ in _labels(record)} else ""
        mode = request.form.get("mode") if request.form.get("mode") in MODES else "upsert"
        key = tuple(k for k in (request.form.get("key") or "").split(",") if k) or None
        return Options(mode=mode, key=key, overrides=overrides, dry_run=dry_run,
                       partial=request.form.get("partial") == "1",
                       max_rows=current_app.config.get("IMPORT_MAX_ROWS", 200_000)), overrides

    def _run(self, record: str, dry_run: bool):
        from .files import failed_rows_bytes
        from .jobs import background_rows, create_job, estimate_rows, save_mapping, start_job

        user, redirected = self._guard(record)
        if redirected:
            return redirected
        token = request.form.get("token", "")
        path = _own_file(token, user)
        options, overrides = self._options(record, dry_run)
        filename = request.form.get("filename") or token
        sheet = request.form.get("sheet") or None
        save_mapping(user.id, record, {h: f for h, f in overrides.items() if h})
        db.session.commit()
        if estimate_rows(path) > background_rows():
            import shutil

            copy = path + ".job" + os.path.splitext(path)[1]
            shutil.copyfile(path, copy)  # the job removes its copy; the upload stays for the confirm step
            job = create_job(user.id, record, copy, filename, options, estimate_rows(path))
            start_job(job.id)
            return redirect(url_for("ImportView.job", job_id=job.id, token=token))
        try:
            report = run_import(record, open_source(path, token, sheet), user, options)
        except (ImportError_, ReadError) as exc:
            return self._mapping_page(record, user, token, filename, options.mode, sheet or "", overrides,
                                      problem=str(exc))
        failed_token = None
        if report.failed:
            import secrets

            failed_token = f"{user.id}-{secrets.token_hex(16)}.failed.xlsx"
            with open(os.path.join(_folder(), failed_token), "wb") as out:
                out.write(failed_rows_bytes(report))
        if report.failed_path:
            os.unlink(report.failed_path)
        if report.committed:
            os.unlink(path)
        return self._page(record, "preview" if dry_run else "done", report=report, token=token,
                          filename=filename, sheet=sheet or "", mode=options.mode, key=",".join(report.plan.key),
                          plan=report.plan, failed_token=failed_token, partial=options.partial)

    @expose("/<record>/preview", methods=["POST"])
    def preview(self, record):
        return self._run(record, dry_run=True)

    @expose("/<record>/confirm", methods=["POST"])
    def confirm(self, record):
        return self._run(record, dry_run=False)

    @expose("/failed/<token>", methods=["GET"])
    def failed(self, token):
        user = _user()
        if user is None:
            abort(404)
        path = _own_file(token, user, FAILED_RE)
        return send_file(path, as_attachment=True, download_name="failed-rows.xlsx")

    @expose("/job/<int:job_id>", methods=["GET"])
    def job(self, job_id):
        from .jobs import job_visible, rows_done

        user = _user()
        job = db.session.get(ImportJob, job_id)
        if not job_visible(job, user):
            abort(404)
        report = json.loads(job.report) if job.report else None
        return self.render_template("adsheet/import_job.html", job=job, report=report, done=rows_done(job),
                                    record_label=RECORD_LABELS.get(job.record, job.record),
                                    token=request.args.get("token", ""))

    @expose("/job/<int:job_id>/commit", methods=["POST"])
    def job_commit(self, job_id):
        """After a background preview: the same file and choices imported for real, as a new job."""
        import shutil

        from .jobs import create_job, job_visible, start_job

        user = _user()
        job = db.session.get(ImportJob, job_id)
        if not job_visible(job, user) or job.user_id != user.id or job.status != "done":
            abort(404)
        if not _may(user, job.record):
            abort(403)
        token = request.form.get("token", "")
        path = _own_file(token, user)
        stored = json.loads(job.options)
        options = Options(mode=stored["mode"], key=tuple(stored["key"]) if stored.get("key") else None,
                          overrides=stored.get("overrides") or {}, dry_run=False,
                          partial=stored.get("partial", False))
        copy = path + ".job" + os.path.splitext(path)[1]
        shutil.copyfile(path, copy)
        new = create_job(user.id, job.record, copy, job.filename, options, job.rows_total or 0)
        start_job(new.id)
        return redirect(url_for("ImportView.job", job_id=new.id))

    @expose("/job/<int:job_id>/failed", methods=["GET"])
    def job_failed(self, job_id):
        from .jobs import job_visible

        job = db.session.get(ImportJob, job_id)
        if not job_visible(job, _user()) or not job.failed_path or not os.path.exists(job.failed_path):
            abort(404)
        return send_file(job.failed_path, as_attachment=True, download_name="failed-rows.xlsx")


def import_button_context():
    """For list pages: the import page of the list's record, if the user may import it (else None)."""
    from flask import request as req

    def import_url():
        record = IMPORT_BLUEPRINTS.get(req.blueprint or "")
        if record is None or not _may(_user(), record):
            return None
        return url_for("ImportView.upload", record=record)

    return {"import_url": import_url}


IMPORT_BLUEPRINTS: dict[str, str] = {}


def register(appbuilder) -> None:
    appbuilder.add_view_no_menu(ImportView)
    for view in appbuilder.baseviews:
        record = getattr(view, "record", None)
        if record in TABLES and hasattr(view, "datamodel") and view.blueprint is not None:
            IMPORT_BLUEPRINTS.setdefault(view.blueprint.name, record)
    from flask import current_app as app

    app.context_processor(import_button_context)
