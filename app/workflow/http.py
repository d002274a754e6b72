"""What the browser routes and the REST API share around a workflow action: run it, commit or roll back, and
say why it was refused (a flash in the browser, a 400 with code and field in the API)."""
from flask import jsonify, make_response, request
from flask_babel import gettext
from sqlalchemy.orm.exc import StaleDataError

from app.domain.rules.errors import RuleViolation
from app.models import db
from app.security.ownership import RefusedWrite

from .concurrency import as_violation, is_stale, parse_version
from .messages import translate


class Refusal:
    """Why a write or an action was refused: translated message, stable code, the field (or None)."""

    def __init__(self, message: str, code: str, field: str | None = None, status: int = 400):
        self.message, self.code, self.field, self.status = message, code, field, status

    @classmethod
    def of(cls, exc: Exception) -> "Refusal":
        # "changed by someone else" (a StaleDataError, or the version check's refusal) is a 409 in the API.
        status = 409 if is_stale(exc) else 400
        found = as_violation(exc) if isinstance(exc, StaleDataError) else getattr(exc, "violation", exc)
        if isinstance(found, RuleViolation):
            return cls(translate(found), found.code, found.field, status)
        return cls(str(getattr(exc, "description", exc)), getattr(exc, "code_name", "write.refused"), None, status)

    def json_response(self):
        return make_response(jsonify(message=self.message, code=self.code, field=self.field), self.status)


def run_action(action, *args, **kwargs) -> Refusal | None:
    """Run a workflow action; commit when it passes, roll back and return the refusal when it does not."""
    try:
        action(*args, **kwargs)
    except (RuleViolation, RefusedWrite, StaleDataError) as refused:
        db.session.rollback()
        return Refusal.of(refused)
    db.session.commit()
    return None


def transition(contract, to: str, reason: str | None, expected_version: int | None = None) -> Refusal | None:
    """The one transition of both doors: the contract page's buttons and POST /api/v1/contract/<id>/transition.
    With `expected_version` (the contract as the user saw it), a contract changed since is refused."""
    from .contracts import transition_contract

    return run_action(transition_contract, contract, to, reason, expected_version=expected_version)


def reverse(payment, reason: str | None) -> Refusal | None:
    """The one payment reversal of both doors: the payment page and POST /api/v1/payment/<id>/reverse."""
    from .money import reverse_payment

    return run_action(reverse_payment, payment, reason)


def json_body_text(name: str, required: bool):
    """(value, error response): a text field of the JSON body."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return None, gettext("Send a JSON object.")
    value = body.get(name)
    if value is None and not required:
        return None, None
    if not isinstance(value, str):
        return None, gettext("%(name)s must be text.", name=name)
    return value, None


def api_transition(api, pk: int):
    """POST /api/v1/contract/<pk>/transition {"to": ..., "reason": ..., "version": ...} -> 200 / 400 / 404 / 409
    (409: "version" given and the contract changed since)."""
    # An id beyond what the database holds (64 bits) made the driver fail with a 500: no such contract.
    item = api.datamodel.get(pk, api._base_filters) if pk < 2 ** 63 else None
    if item is None:
        return api.response_404()
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("to"), str):
        return api.response_400(message=gettext("Send JSON with the target status in \"to\"."))
    reason = body.get("reason")
    if reason is not None and not isinstance(reason, str):
        return api.response_400(message=gettext("The reason must be text."))
    expected = parse_version(body["version"]) if body.get("version") is not None else None
    if body.get("version") is not None and expected is None:
        return api.response_400(message=gettext("The version must be a whole number."))
    refused = transition(item, body["to"], reason, expected_version=expected)
    if refused is not None:
        return refused.json_response()
    return api.response(200, id=item.id, status=item.status, version=item.version)


def register_stale_handler(app) -> None:
    """The last net: a StaleDataError that escapes a view (a write based on an outdated read) answers 409 with
    the same refusal as everywhere else, never a 500. The doors refuse such writes earlier themselves."""
    from flask import render_template

    from .concurrency import changed_meanwhile

    @app.errorhandler(StaleDataError)
    def stale(error):
        db.session.rollback()
        message = translate(changed_meanwhile())
        if request.path.startswith("/api/"):
            return jsonify(message=message), 409
        return render_template("adsheet/error.html", code=409, title=gettext("Changed by someone else"),
                               message=message), 409


def api_reverse(api, pk: int):
    """POST /api/v1/payment/<pk>/reverse {"reason": ...} -> 200 / 400 / 404."""
    item = api.datamodel.get(pk, api._base_filters)
    if item is None:
        return api.response_404()
    reason, problem = json_body_text("reason", required=False)  # a missing reason: the rule says so, with its code
    if problem is not None:
        return api.response_400(message=problem)
    refused = reverse(item, reason)
    if refused is not None:
        return refused.json_response()
    return api.response(200, id=item.id, reversed_at=item.reversed_at.isoformat())
