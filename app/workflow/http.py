"""Request helpers shared by the views and the REST API (JSON bodies, flashes)."""
from flask import jsonify, make_response, request
from flask_babel import gettext

from app.domain.rules.errors import RuleViolation
from app.models import db

from .contracts import transition_contract
from .messages import translate


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
    try:
        transition_contract(item, body["to"], reason)
    except RuleViolation as refused:
        db.session.rollback()
        return make_response(jsonify(message=translate(refused), code=refused.code, field=refused.field), 400)
    db.session.commit()
    return api.response(200, id=item.id, status=item.status)
