"""The Google Sheets sync in the admin UI: links (with "sync now"), run history, problems log (with
"resolve"), and the problems log as a REST resource, /api/v1/syncproblem/.

Admin does everything; Manager reads (app.security.matrix.READ_ONLY_RECORDS). The actions are
list actions: FAB posts them with the list form's CSRF token.
"""
import json
import logging

from flask import current_app, flash, jsonify, redirect, url_for
from flask_appbuilder import ModelRestApi, ModelView, expose as expose_view
from flask_appbuilder.actions import action
from flask_appbuilder.api import expose, protect, safe
from flask_appbuilder.security.decorators import has_access
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import gettext, lazy_gettext as _l

from app.api_errors import SafeApiMixin
from app.models import SyncLink, SyncProblem, SyncRun, db
from app.models.base import utcnow
from app.security.matrix import READ_ONLY_RECORDS
from app.security.ownership import acting_user_id

log = logging.getLogger(__name__)

LABELS = {
    "id": _l("ID"), "spreadsheet_id": _l("Spreadsheet ID"), "user": _l("Linked user"), "profile": _l("Sync profile"),
    "state": _l("State"), "last_run_at": _l("Last run"), "last_status": _l("Last status"),
    "link": _l("Link"), "started_at": _l("Started"), "finished_at": _l("Finished"), "status": _l("Status"),
    "rows_read": _l("Rows read"), "to_db": _l("Changes to the database"), "to_sheet": _l("Changes to the sheet"),
    "problems": _l("Problems"), "requests": _l("API requests"), "error": _l("Error"), "run": _l("Run"),
    "table_name": _l("Table"), "record_id": _l("Record ID"), "column_name": _l("Column"), "cell": _l("Cell"),
    "kind": _l("Kind"), "sheet_value": _l("Sheet value"), "db_value": _l("Database value"),
    "message": _l("Message"), "created_at": _l("Created"), "resolved_at": _l("Resolved at"),
    "resolved_by": _l("Resolved by"), "detail": _l("Detected changes"),
}


def _labels(columns) -> dict:
    return {c: LABELS[c] for c in columns if c in LABELS}


def _formatters() -> dict:
    """Labels instead of stored values (app.labels.SYNC_LABELS), times to the minute, links and runs by name."""
    from app.labels import FIELD_LABELS, SYNC_LABELS, label_of, record_label

    from .display import local_minute_text as minute  # the sync stamps its times in UTC

    return {
        "state": lambda v: label_of(SYNC_LABELS["state"], v),
        "status": lambda v: label_of(SYNC_LABELS["status"], v),
        "last_status": lambda v: label_of(SYNC_LABELS["status"], v),
        "profile": lambda v: label_of(SYNC_LABELS["profile"], v),
        "kind": lambda v: label_of(SYNC_LABELS["kind"], v),
        "table_name": record_label,
        "link": lambda link: "" if link is None else gettext("%(profile)s %(id)s", id=link.spreadsheet_id,
                                                             profile=label_of(SYNC_LABELS["profile"], link.profile)),
        "run": lambda run: "" if run is None else f"#{run.id}",
        **{column: minute for column in ("last_run_at", "started_at", "finished_at", "created_at", "resolved_at")},
        "column_name": lambda v: "" if v is None else str(FIELD_LABELS.get(v, v)),
        **{column: (lambda v: "" if v is None else v) for column in (
            "error", "record_id", "cell", "sheet_value", "db_value", "message", "resolved_by", "user", "rows_read",
            "to_db", "to_sheet", "problems", "requests")},
    }


def run_sync_now(link_ids: list[int]) -> list[int]:
    """Queue one cycle of each link (sync.tasks); returns the queued runs' ids at once."""
    from sync.tasks import enqueue_sync

    return enqueue_sync(link_ids)


def accept_problems(app, problem_ids: list[int], admin_id: int | None) -> list[tuple[int, str, object]]:
    """Apply the sheet edits held back by mass-change problems (sync.accept), as each link's user;
    returns (problem id, "accepted" | "refused", sync.accept.Accepted or the reason)."""
    from sync.accept import NotAcceptable, accept_held_changes

    def work():
        results = []
        for problem_id in problem_ids:
            try:
                results.append((problem_id, "accepted", accept_held_changes(problem_id, admin_id)))
            except NotAcceptable as exc:
                db.session.rollback()
                results.append((problem_id, "refused", str(exc)))
            except Exception:  # noqa: BLE001 - the admin gets a sentence, the log the details
                db.session.rollback()
                log.exception("accepting sync problem %s failed", problem_id)
                results.append((problem_id, "refused", gettext("The changes could not be applied; see the server log.")))
        return results

    from app.tasks import run_outside_request

    return run_outside_request(work) or []


class SyncLinkView(ModelView):
    datamodel = SQLAInterface(SyncLink)
    class_permission_name = READ_ONLY_RECORDS["synclink"][0]
    base_permissions = ["can_read", "can_sync"]
    method_permission_name = {"list": "read", "show": "read", "sync_now": "sync"}
    include_route_methods = {"list", "show", "action_post"}
    list_columns = ["id", "spreadsheet_id", "user", "profile", "state", "last_run_at", "last_status"]
    show_columns = list_columns + ["created_at"]
    search_columns = ["spreadsheet_id", "profile", "state", "last_status"]
    label_columns = _labels(show_columns)
    formatters_columns = _formatters()
    list_title = show_title = _l("Sheet links")
    base_order = ("id", "asc")

    @action("sync_now", _l("Sync now"), _l("Run one sync cycle of the selected links now?"), "fa-refresh",
            multiple=True, single=False)
    def sync_now(self, items):
        items = items if isinstance(items, list) else [items]
        run_ids = run_sync_now([item.id for item in items])
        flash(gettext("Sync queued: %(n)s link(s). The run's page shows its progress.", n=len(run_ids)), "info")
        if len(run_ids) == 1:
            return redirect(url_for("SyncRunView.show", pk=run_ids[0]))
        return redirect(url_for("SyncRunView.list"))


def run_progress(run: SyncRun) -> dict:
    """What the run's page shows while it works (and polls: /syncrunview/progress/<id>)."""
    from app.labels import SYNC_LABELS, label_of

    return {"id": run.id, "status": run.status, "status_label": str(label_of(SYNC_LABELS["status"], run.status)),
            "working": run.status in WORKING, "rows_read": run.rows_read, "rows_done": run.rows_done,
            "rows_total": run.rows_total, "to_db": run.to_db, "to_sheet": run.to_sheet, "problems": run.problems}


WORKING = ("queued", "running")


class SyncRunView(ModelView):
    datamodel = SQLAInterface(SyncRun)
    class_permission_name = READ_ONLY_RECORDS["syncrun"][0]
    base_permissions = ["can_read"]
    method_permission_name = {"list": "read", "show": "read", "progress": "read"}
    include_route_methods = {"list", "show", "progress"}
    show_template = "adsheet/syncrun_show.html"
    list_columns = ["id", "link", "started_at", "finished_at", "status", "rows_read", "to_db", "to_sheet",
                    "problems", "requests", "error"]
    show_columns = list_columns
    search_columns = ["link", "status", "started_at"]
    label_columns = _labels(show_columns)
    formatters_columns = _formatters()
    list_title = show_title = _l("Sync runs")
    base_order = ("id", "desc")

    def _current(self, pk) -> SyncRun | None:
        run = self.datamodel.get(pk)
        if run is not None and run.status == "running":
            from sync.runner import reap_interrupted

            if reap_interrupted([run.link_id]):  # its process died: say so
                db.session.refresh(run)
        return run

    def render_template(self, template, **kwargs):
        if template == self.show_template and "pk" in kwargs:
            run = self._current(kwargs["pk"])
            kwargs["progress"] = run_progress(run) if run is not None else None
        return super().render_template(template, **kwargs)

    @expose_view("/progress/<int:pk>")
    @has_access
    def progress(self, pk):
        """The run's progress as JSON, polled by its page (app/static/js/sync_run.js) while it works."""
        run = self._current(pk)
        if run is None:
            return jsonify({"error": "not found"}), 404
        return jsonify(run_progress(run))


class SyncProblemView(ModelView):
    datamodel = SQLAInterface(SyncProblem)
    class_permission_name = READ_ONLY_RECORDS["syncproblem"][0]
    base_permissions = ["can_read", "can_edit"]
    method_permission_name = {"list": "read", "show": "read", "resolve": "edit", "accept": "edit"}
    include_route_methods = {"list", "show", "action_post"}
    list_columns = ["created_at", "link", "kind", "table_name", "record_id", "cell", "sheet_value", "db_value",
                    "message", "resolved_at"]
    show_columns = ["id", "link", "run", "kind", "table_name", "record_id", "column_name", "cell", "sheet_value",
                    "db_value", "message", "detail", "created_at", "resolved_at", "resolved_by"]
    search_columns = ["kind", "table_name", "record_id", "created_at", "resolved_at"]
    label_columns = _labels(show_columns)
    formatters_columns = {**_formatters(), "detail": lambda text: detail_text(text)}
    list_title = show_title = _l("Sync problems")
    base_order = ("id", "desc")

    @action("resolve", _l("Resolve"), _l("Mark the selected problems resolved?"), "fa-check",
            multiple=True, single=False)
    def resolve(self, items):
        items = items if isinstance(items, list) else [items]
        resolve_problems(items)
        flash(gettext("%(n)s problem(s) resolved.", n=len(items)), "success")
        return redirect(self.get_redirect())

    @action("accept", _l("Accept the held changes"),
            _l("Apply the sheet edits these mass-change problems held back, each as the user of its link?"), "fa-check-square",
            multiple=True, single=False)
    def accept(self, items):
        items = items if isinstance(items, list) else [items]
        app = current_app._get_current_object()
        for problem_id, outcome, detail in accept_problems(app, [item.id for item in items], acting_user_id()):
            if outcome == "refused":
                flash(gettext("Problem %(id)s not accepted: %(reason)s", id=problem_id, reason=detail), "danger")
                continue
            flash(gettext("Problem %(id)s accepted: %(n)s record(s) changed.", id=problem_id, n=len(detail.applied)),
                  "success")
            for line in detail.refused:
                flash(gettext("Problem %(id)s: not applied: %(reason)s", id=problem_id, reason=line), "warning")
        return redirect(self.get_redirect())


def detail_text(text: str | None) -> str:
    """A held mass change as lines: record, field: before → typed."""
    if not text:
        return ""
    from app.labels import FIELD_LABELS

    lines = []
    for rid, fields in json.loads(text).get("changes", {}).items():
        cells = "; ".join(f"{FIELD_LABELS.get(name, name)}: {was} → {typed}" for name, (was, typed) in fields.items())
        lines.append(f"#{rid} {cells}")
    return "\n".join(lines)


def resolve_problems(items) -> None:
    now, who = utcnow(), acting_user_id()
    for item in items:
        if item.resolved_at is None:
            item.resolved_at, item.resolved_by_id = now, who
    db.session.commit()


class SyncProblemApi(SafeApiMixin, ModelRestApi):
    resource_name = "syncproblem"
    datamodel = SQLAInterface(SyncProblem)
    class_permission_name = READ_ONLY_RECORDS["syncproblem"][0]
    base_permissions = ["can_read", "can_edit"]
    method_permission_name = {"get": "read", "get_list": "read", "info": "read", "resolve": "edit",
                              "accept": "edit"}
    include_route_methods = {"get", "get_list", "resolve", "accept"}
    list_columns = ["id", "link_id", "run_id", "kind", "table_name", "record_id", "column_name", "cell",
                    "sheet_value", "db_value", "message", "created_at", "resolved_at", "resolved_by_id"]
    show_columns = list_columns + ["detail"]
    search_columns = ["link_id", "kind", "table_name", "record_id", "resolved_at"]
    order_columns = ["id", "created_at", "kind"]

    @expose("/<int:pk>/resolve", methods=["POST"])
    @protect()
    @safe
    def resolve(self, pk):
        """Mark a problem resolved (Admin).
        ---
        post:
          parameters:
          - in: path
            schema:
              type: integer
            name: pk
          responses:
            200:
              description: Resolved
            404:
              $ref: '#/components/responses/404'
        """
        item = self.datamodel.get(pk)
        if item is None:
            return self.response_404()
        resolve_problems([item])
        return self.response(200, id=item.id, resolved_at=item.resolved_at.isoformat(),
                             resolved_by_id=item.resolved_by_id)


    @expose("/<int:pk>/accept", methods=["POST"])
    @protect()
    @safe
    def accept(self, pk):
        """Apply the sheet edits a mass-change problem held back, as the link's user (Admin).
        ---
        post:
          parameters:
          - in: path
            schema:
              type: integer
            name: pk
          responses:
            200:
              description: Accepted; the records changed and the ones refused, with why
            400:
              $ref: '#/components/responses/400'
            404:
              $ref: '#/components/responses/404'
        """
        if self.datamodel.get(pk) is None:
            return self.response_404()
        [(_, outcome, detail)] = accept_problems(current_app._get_current_object(), [pk], acting_user_id())
        if outcome == "refused":
            return self.response_400(message=detail)
        return self.response(200, id=pk, applied=detail.applied, refused=detail.refused)


SYNC_MENUS = [
    (SyncLinkView, "Sheet links", _l("Sheet links"), "fa-table"),
    (SyncRunView, "Sync runs", _l("Sync runs"), "fa-history"),
    (SyncProblemView, "Sync problems", _l("Sync problems"), "fa-exclamation-triangle"),
]
