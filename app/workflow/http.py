"""Request helpers shared by the views and the REST API (JSON bodies, flashes)."""
from flask import jsonify, make_response, request
from flask_babel import gettext
from sqlalchemy.orm.exc import StaleDataError

from app.domain.rules.errors import RuleViolation
from app.models import db

from .concurrency import as_violation, is_stale, parse_version
from .contracts import transition_contract
from .messages import translate


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
    try:
        transition_contract(item, body["to"], reason, expected_version=expected)
        db.session.commit()
    except (RuleViolation, StaleDataError) as error:
        db.session.rollback()
        refused = as_violation(error)
        status = 409 if is_stale(refused) else 400
        return make_response(jsonify(message=translate(refused), code=refused.code, field=refused.field), status)
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
