"""REST door: `POST /api/v1/import/<record>` and `GET /api/v1/import/job/<id>` (JWT, no CSRF).

Permission as for the record's own API: the role's can_add (create, upsert) or can_edit (update, upsert) on the
record in FAB's tables (app.security.authority), and then every row through the one write guard as that user.
"""
from __future__ import annotations

import json
import os

from flask import current_app, request, send_file
from flask_appbuilder.api import BaseApi, expose
from flask_babel import gettext
from flask_jwt_extended import verify_jwt_in_request

from app.models import ImportJob, db
from app.security import authority

from .engine import ImportError_, Options, run_import
from .readers import ReadError, open_source
from .records import MODES, RECORDS

TRUE = {"1", "true", "yes", "on"}


def current_user():
    from app.security.ownership import acting_user

    return acting_user()


def parse_options(form) -> Options:
    mode = form.get("mode") or "upsert"
    if mode not in MODES:
        raise ImportError_(gettext("Mode must be one of: %(modes)s.", modes=", ".join(MODES)))
    key = tuple(k.strip() for k in (form.get("key") or "").split(",") if k.strip()) or None
    overrides = {}
    if form.get("map"):
        try:
            overrides = json.loads(form["map"])
        except ValueError:
            raise ImportError_(gettext("map must be a JSON object of column -> field.")) from None
        if not isinstance(overrides, dict) or not all(isinstance(v, (str, type(None))) for v in overrides.values()):
            raise ImportError_(gettext("map must be a JSON object of column -> field."))
        overrides = {str(k): v or "" for k, v in overrides.items()}
    return Options(mode=mode, key=key, overrides=overrides, dry_run=(form.get("dry_run") or "").lower() in TRUE,
                   partial=(form.get("partial") or "").lower() in TRUE,
                   max_rows=current_app.config.get("IMPORT_MAX_ROWS", 200_000))


def may_import(user, record: str, mode: str) -> bool:
    operations = {"create": ("add",), "update": ("edit",), "upsert": ("add", "edit")}[mode]
    return any(authority.may(user, op, record) for op in operations)


def start_import(user, record: str, upload, options: Options, sheet: str | None = None,
                 background_rows: int | None = None):
    """Run the import of an uploaded file now, or as a job when it is large: (report dict, status code)."""
    from .jobs import background_rows as default_background_rows, create_job, estimate_rows, start_job, store_upload

    path = store_upload(upload.stream, upload.filename or "")
    try:
        total = estimate_rows(path)
        limit = background_rows or default_background_rows()
        if total > limit:
            job = create_job(user.id, record, path, upload.filename or "", options, total)
            path = None  # the job owns the file now
            start_job(job.id)
            return {"rows": total, "create": 0, "update": 0, "unchanged": 0, "failed": 0, "errors": [],
                    "job": job.id, "status": db.session.get(ImportJob, job.id).status}, 202
        report = run_import(record, open_source(path, upload.filename, sheet), user, options)
        try:
            return report.as_dict(outcomes=True), 200
        finally:
            if report.failed_path:
                os.unlink(report.failed_path)
    except ReadError as exc:
        raise ImportError_(gettext(exc.message, **exc.params)) from None
    finally:
        if path and os.path.exists(path):
            os.unlink(path)


class ImportApi(BaseApi):
    resource_name = "import"
    openapi_spec_tag = "Import"

    def _user_or_401(self):
        try:
            verify_jwt_in_request()
        except Exception:
            return None
        return current_user()

    def _visible_job(self, job_id: int):
        """(the job, None) when the signed-in user may see it (its owner, Admin), else (None, the 401/404 answer)."""
        from .jobs import job_visible

        user = self._user_or_401()
        if user is None:
            return None, self.response_401()
        job = db.session.get(ImportJob, job_id)
        if not job_visible(job, user):
            return None, self.response_404()
        return job, None

    @expose("/<record>", methods=["POST"])
    def post_import(self, record):
        """Import a CSV or .xlsx file of records (multipart: file, mode, key, map, dry_run, partial).
        ---
        post:
          parameters:
          - in: path
            schema:
              type: string
            name: record
          requestBody:
            content:
              multipart/form-data:
                schema:
                  type: object
                  properties:
                    file:
                      type: string
                      format: binary
                    mode:
                      type: string
                      enum: [create, update, upsert]
                    key:
                      type: string
                    map:
                      type: string
                    dry_run:
                      type: string
                    partial:
                      type: string
          responses:
            200:
              description: The report
              content:
                application/json:
                  schema:
                    type: object
            202:
              description: Accepted as a background job
              content:
                application/json:
                  schema:
                    type: object
            403:
              description: The role may not import these records
            400:
              $ref: '#/components/responses/400'
            401:
              $ref: '#/components/responses/401'
            404:
              $ref: '#/components/responses/404'
        """
        user = self._user_or_401()
        if user is None:
            return self.response_401()
        if record not in RECORDS:
            return self.response_404()
        upload = request.files.get("file")
        try:
            options = parse_options(request.form)
        except ImportError_ as exc:
            return self.response_400(message=str(exc))
        if not may_import(user, record, options.mode):
            return self.response(403, message=gettext("You may not import these records."))
        if upload is None or not upload.filename:
            return self.response_400(message=gettext("Send the file as multipart field 'file'."))
        try:
            answer, status = start_import(user, record, upload, options, request.form.get("sheet"))
        except ImportError_ as exc:
            return self.response_400(message=str(exc))
        return self.response(status, **answer)

    @expose("/job/<int:job_id>", methods=["GET"])
    def get_job(self, job_id):
        """A background import: status, progress and, when done, the report.
        ---
        get:
          parameters:
          - in: path
            schema:
              type: integer
            name: job_id
          responses:
            200:
              description: The job
              content:
                application/json:
                  schema:
                    type: object
            400:
              $ref: '#/components/responses/400'
            401:
              $ref: '#/components/responses/401'
            404:
              $ref: '#/components/responses/404'
        """
        from .jobs import rows_done

        job, refused = self._visible_job(job_id)
        if refused is not None:
            return refused
        answer = {"job": job.id, "record": job.record, "status": job.status, "rows_total": job.rows_total,
                  "rows_done": rows_done(job), "error": job.error,
                  "report": json.loads(job.report) if job.report else None,
                  "failed_rows": bool(job.failed_path)}
        return self.response(200, **answer)

    @expose("/job/<int:job_id>/failed", methods=["GET"])
    def get_job_failed(self, job_id):
        """The failed rows of a finished job (.xlsx, reason first).
        ---
        get:
          parameters:
          - in: path
            schema:
              type: integer
            name: job_id
          responses:
            200:
              description: The file
            400:
              $ref: '#/components/responses/400'
            401:
              $ref: '#/components/responses/401'
            404:
              $ref: '#/components/responses/404'
        """
        job, refused = self._visible_job(job_id)
        if refused is not None:
            return refused
        if not job.failed_path or not os.path.exists(job.failed_path):
            return self.response_404()
        return send_file(job.failed_path, as_attachment=True, download_name=f"failed-{job.record}-{job.id}.xlsx")
