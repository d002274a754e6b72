"""HTTP hardening: cookies, the content security policy, error pages, the favicon, proxies.

`init_hardening(app)` is one step of the app factory, run before AppBuilder so its error handlers and
security headers cover every view.
"""
import logging
import os

from flask import Flask, jsonify, render_template, request, send_from_directory
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_talisman import Talisman
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

log = logging.getLogger(__name__)

# Nothing is loaded from anywhere but this site. FAB's templates mark their inline scripts with the nonce
# (baselib.get_nonce() calls Talisman's csp_nonce()); they also carry style="" attributes, which only
# style-src-attr allows (no <style> element or stylesheet from elsewhere is allowed).
CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "style-src-attr": "'unsafe-inline'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}

# Status -> (title, explanation) shown on the error page; FAB's catalogue already translates "Access is Denied".
ERROR_TEXTS = {
    400: (_l("Bad request"), _l("The request could not be understood. Go back and check what you entered.")),
    403: (_l("Access is Denied"), _l("Your role does not allow you to open this page.")),
    404: (_l("Page not found"), _l("There is no page at this address, or the record no longer exists.")),
    405: (_l("Not allowed"), _l("This action is not available here.")),
    413: (_l("Too large"), _l("The upload is larger than allowed.")),
    429: (_l("Too many attempts"), _l("Too many attempts. Wait a few minutes, then try again.")),
    500: (_l("Something went wrong"), _l("An unexpected error occurred. It has been logged; please try again later.")),
}
CSRF_TEXT = _l("The form has expired or did not come from this site. Go back, reload the page and try again.")


def init_hardening(app: Flask) -> None:
    configure_cookies(app)
    trust_proxies(app)
    init_content_security_policy(app)
    register_error_handlers(app)
    app.before_request(refuse_nul_characters)
    register_favicon(app)
    configure_password_policy(app)


def configure_cookies(app: Flask) -> None:
    """Session and remember-me cookies: HttpOnly, SameSite=Lax, Secure when SESSION_COOKIE_SECURE is set
    (set it whenever the site is served over HTTPS)."""
    secure = bool(app.config.get("SESSION_COOKIE_SECURE", False))
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax", SESSION_COOKIE_SECURE=secure,
        REMEMBER_COOKIE_HTTPONLY=True, REMEMBER_COOKIE_SAMESITE="Lax", REMEMBER_COOKIE_SECURE=secure,
    )


def trust_proxies(app: Flask) -> None:
    """Behind TRUSTED_PROXIES proxies, take the client address and scheme from their X-Forwarded-* headers
    (the login rate limit counts per client address)."""
    count = int(app.config.get("TRUSTED_PROXIES") or 0)
    if count > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)


def init_content_security_policy(app: Flask) -> None:
    secure = bool(app.config.get("SESSION_COOKIE_SECURE", False))
    Talisman(
        app,
        force_https=bool(app.config.get("FORCE_HTTPS", False)),
        frame_options="DENY",
        content_security_policy=CONTENT_SECURITY_POLICY,
        content_security_policy_nonce_in=["script-src"],
        # Talisman would otherwise force these cookie settings itself; ours come from configure_cookies.
        session_cookie_secure=secure,
        session_cookie_http_only=True,
        session_cookie_samesite="Lax",
        strict_transport_security=secure,
    )


def wants_json() -> bool:
    return request.path.startswith("/api/")


def error_response(code: int, message: str | None = None):
    title, text = ERROR_TEXTS.get(code, ERROR_TEXTS[500] if code >= 500 else ERROR_TEXTS[400])
    message = message or str(text)
    if wants_json():
        return jsonify(message=message), code
    return render_template("adsheet/error.html", code=code, title=str(title), message=message), code


def nul_field(value, name: str = "") -> str | None:
    """The name of the first field whose text holds a NUL character (None when there is none)."""
    if isinstance(value, str):
        return (name or "?") if "\x00" in value else None
    if isinstance(value, dict):
        items = ((str(key), item) for key, item in value.items())
    elif isinstance(value, list):
        items = ((name, item) for item in value)
    else:
        return None
    return next((found for key, item in items if (found := nul_field(item, key))), None)


def refuse_nul_characters():
    """No database takes a NUL inside text (PostgreSQL refuses it, FTS5 cuts the phrase there): answer
    400 naming the field instead of failing deep inside a query."""
    field = nul_field({key: request.args.getlist(key) for key in request.args})
    if field is None and request.form:
        field = nul_field({key: request.form.getlist(key) for key in request.form})
    if field is None and request.is_json:
        field = nul_field(request.get_json(silent=True))
    if field is not None:
        return error_response(400, gettext("The field %(field)s contains a NUL character, which is not allowed.",
                                           field=field))
    return None


def register_error_handlers(app: Flask) -> None:
    """Every error answers with a short translated page (JSON under /api/), never a traceback."""

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return error_response(400, gettext(str(CSRF_TEXT)))

    @app.errorhandler(HTTPException)
    def http_error(error):
        if error.code is None or error.code < 400:
            return error  # routing redirects (e.g. a missing trailing slash)
        response = error_response(error.code)
        if error.code == 429 or error.code == 405:
            # Keep Retry-After / Allow headers of the original response.
            original = error.get_response()
            body, status = response
            body = app.make_response(body)
            for header in ("Retry-After", "Allow"):
                if header in original.headers:
                    body.headers[header] = original.headers[header]
            return body, status
        return response

    @app.errorhandler(InternalServerError)
    def server_error(error):
        # Flask has already logged the original exception with its traceback; the user sees none of it.
        return error_response(500)


def register_favicon(app: Flask) -> None:
    static = os.path.join(os.path.dirname(os.path.dirname(__file__)), "static")

    @app.route("/favicon.ico")
    def favicon():
        return send_from_directory(static, "favicon.ico", mimetype="image/vnd.microsoft.icon", max_age=86400)


def configure_password_policy(app: Flask) -> None:
    from app.security.passwords import validate_password

    app.config["FAB_PASSWORD_COMPLEXITY_ENABLED"] = True
    app.config.setdefault("FAB_PASSWORD_COMPLEXITY_VALIDATOR", validate_password)
