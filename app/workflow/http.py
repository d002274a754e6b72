"""What the browser routes and the REST API share around a workflow action: run it, commit or roll back, and
say why it was refused (a flash in the browser, a 400 with code and field in the API)."""
from flask import jsonify, make_response, request
from flask_babel import gettext

from app.domain.rules.errors import RuleViolation
from app.models import db
from app.security.ownership import RefusedWrite

from .messages import translate


class Refusal:
    """Why a write or an action was refused: translated message, stable code, the field (or None)."""

    def __init__(self, message: str, code: str, field: str | None = None):
        self.message, self.code, self.field = message, code, field

    @classmethod
    def of(cls, exc: Exception) -> "Refusal":
        found = getattr(exc, "violation", exc)
        if isinstance(found, RuleViolation):
            return cls(translate(found), found.code, found.field)
        return cls(str(getattr(exc, "description", exc)), getattr(exc, "code_name", "write.refused"))

    def json_response(self, status: int = 400):
        return make_response(jsonify(message=self.message, code=self.code, field=self.field), status)


def run_action(action, *args, **kwargs) -> Refusal | None:
    """Run a workflow action; commit when it passes, roll back and return the refusal when it does not."""
    try:
        action(*args, **kwargs)
    except (RuleViolation, RefusedWrite) as refused:
        db.session.rollback()
        return Refusal.of(refused)
    db.session.commit()
    return None


def transition(contract, to: str, reason: str | None) -> Refusal | None:
    """The one transition of both doors: the contract page's buttons and POST /api/v1/contract/<id>/transition."""
    from .contracts import transition_contract

    return run_action(transition_contract, contract, to, reason)


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
    """POST /api/v1/contract/<pk>/transition {"to": ..., "reason": ...} -> 200 / 400 / 404."""
    item = api.datamodel.get(pk, api._base_filters)
    if item is None:
        return api.response_404()
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("to"), str):
        return api.response_400(message=gettext("Send JSON with the target status in \"to\"."))
    reason = body.get("reason")
    if reason is not None and not isinstance(reason, str):
        return api.response_400(message=gettext("The reason must be text."))
    refused = transition(item, body["to"], reason)
    if refused is not None:
        return refused.json_response()
    return api.response(200, id=item.id, status=item.status)


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
