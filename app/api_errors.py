"""What a REST API answers when a handler fails: 4xx with a message wherever the request was at fault.

FAB's `@safe` turns every exception other than a BadRequest into 500 `{"message": "Fatal error"}`, and answers a
BadRequest with 400. `SafeApiMixin` (for ModelRestApi classes: ours and FAB's user management) sorts them out
in the one place FAB lets us, its `response_400`/`response_500` (called inside @safe's `except` block, so the
exception is the one being handled):

- a database refusal (app.database_errors) -> 422 with {field: [message]} (503 if the database is unavailable);
- another database error (outside a save) -> the same refusal;
- an HTTP error raised on the way (415 for a body that is not JSON, 404, 403...) -> that status and its text;
- a number too large for the database (OverflowError from the driver) -> 400;
- a row the handler needs and cannot find (`MissingRow`) -> 404; a PUT body that is not a JSON object -> 400;
- anything else stays a 500 "Fatal error", logged with its traceback by FAB.
"""
import sys

from flask import request
from flask_appbuilder.exceptions import DatabaseException
from flask_babel import gettext
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import BadRequest, HTTPException

from app.database_errors import DatabaseRefused, refusal, use_safe_datamodel


def http_error_text(code: int) -> str:
    from app.security.hardening import ERROR_TEXTS

    if code == 415:
        return gettext("Send the data as a JSON object, with the header Content-Type: application/json.")
    return str(ERROR_TEXTS.get(code, ERROR_TEXTS[400])[1])


class MissingRow(BadRequest):
    """A row a handler needs does not exist: 404. A BadRequest so that FAB's @safe hands it to `response_400`
    instead of logging it as a failure with its traceback."""

    code = 404


class SafeApiMixin:
    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        use_safe_datamodel(cls)

    def refused_response(self, refused: DatabaseRefused):
        return self.response(refused.status, message=refused.api_message())

    def response_400(self, message=None):
        handled = sys.exc_info()[1]
        if isinstance(handled, DatabaseRefused):
            return self.refused_response(handled)
        if isinstance(handled, MissingRow):
            return self.response_404()
        return super().response_400(message=message)

    def put_headless(self, pk):
        # FAB merges the body into the row with `.keys()`: a JSON list or string there was a 500.
        if request.is_json and not isinstance(request.get_json(silent=True), dict):
            return super().response_400(message=gettext("Send the changes as a JSON object."))
        return super().put_headless(pk)

    def response_500(self, message=None):
        failure = sys.exc_info()[1]
        if isinstance(failure, (SQLAlchemyError, DatabaseException)):
            return self.refused_response(refusal(failure, self.datamodel.session))
        if isinstance(failure, HTTPException) and failure.code and failure.code < 500:
            return self.response(failure.code, message=http_error_text(failure.code))
        if isinstance(failure, OverflowError):
            self.datamodel.session.rollback()
            return self.response_400(message=gettext("A number is too large."))
        return super().response_500(message=message)
