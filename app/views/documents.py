"""Downloading a record's uploaded documents: `/<view>/document/<pk>/<column>`.

The route belongs to the record's own view, so FAB checks that view's read permission, and the row is looked
up through the view's base filters, so a Sales rep gets 404 for another rep's customer exactly as on the show
page. The file goes out as an attachment under the name it was uploaded with (RFC 6266/5987: an ASCII
`filename` and a UTF-8 `filename*`), typed by its checked extension (PDF, PNG or JPEG, never HTML), with
`nosniff`. FAB's own `download/<filename>` route (which answered 500 for our stored names) is not exposed.
The show page lists the documents on file (adsheet/documents.html).
"""
import logging
import os

from flask import abort, current_app, send_file, url_for
from flask_appbuilder import expose
from flask_appbuilder.security.decorators import has_access
from werkzeug.security import safe_join

from app.uploads import content_disposition, content_type_of, extension_of

log = logging.getLogger(__name__)


def document_response(stored_name: str, download_name: str):
    folder = current_app.config["UPLOAD_FOLDER"]
    path = safe_join(folder, stored_name)
    if path is None or not os.path.isfile(path):
        log.warning("document %r is recorded but missing from the upload folder", stored_name)
        abort(404)
    response = send_file(path, mimetype=content_type_of(stored_name), conditional=False, max_age=0)
    response.headers["Content-Disposition"] = content_disposition(download_name)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


def without(columns, excluded) -> list[str]:
    """A view's columns less its document columns (the show page lists those as downloads)."""
    return [column for column in columns if column not in excluded]


class DocumentsMixin:
    """For a record's ModelView: set `document_columns`; adds the download route and the show page's list."""

    document_columns: tuple[str, ...] = ()

    @expose("/document/<int:pk>/<column>")
    @has_access
    def document(self, pk, column):
        from .base import valid_pk

        if column not in self.document_columns or not valid_pk(pk):
            abort(404)
        item = self.datamodel.get(pk, self._base_filters)
        stored = getattr(item, column, None) if item is not None else None
        if not stored:
            abort(404)
        return document_response(stored, self.download_name(item, column, stored))

    def download_name(self, item, column: str, stored: str) -> str:
        """The uploaded name; for a document from before names were kept, `<field label>-<id>.<ext>`."""
        original = getattr(item, f"{column}_filename", None)
        if original:
            return original
        return f"{self.label_columns.get(column, column)}-{item.id}.{extension_of(stored)}"

    def documents_on_file(self, item) -> list[dict]:
        return [{"column": column, "label": str(self.label_columns.get(column, column)),
                 "name": self.download_name(item, column, getattr(item, column)),
                 "url": url_for(f"{self.endpoint}.document", pk=item.id, column=column)}
                for column in self.document_columns if getattr(item, column, None)]

    def prefill_form(self, form, pk):
        """The edit form names each document on file and links it (app.uploads.DocumentWidget)."""
        super().prefill_form(form, pk)
        item = self.datamodel.get(pk, self._base_filters)
        if item is None:
            return
        for document in self.documents_on_file(item):
            if document["column"] in form:
                form[document["column"]].on_file = document

    def render_template(self, template, **kwargs):
        if template == self.show_template and "pk" in kwargs and "documents" not in kwargs:
            item = self.datamodel.get(kwargs["pk"], self._base_filters)  # the show page's row, fetched once
            kwargs["documents"] = self.documents_on_file(item) if item is not None else []
        return super().render_template(template, **kwargs)
