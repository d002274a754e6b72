"""FAB's sign-in API, user API and "reset my password" form, closed where they leaked.

- `AdsheetSecurityApi`: the JWT login answers 429 (with Retry-After) when the sign-in limit refuses the
  attempt; FAB's `@safe` would turn that refusal into a 500.
- `AdsheetUserApi`: `PUT /api/v1/security/users/<id>` answers with what it was sent, minus the password
  (FAB echoes the body, password included); the password is write-only in the OpenAPI document too.
- `ResetMyPasswordView`: changing one's own password asks for the current one (a wrong one counts as a
  failed sign-in); the session that made the change carries on, every other one ends.
"""
from flask import flash, g, request, session as cookie_session
from flask_appbuilder.api import expose, safe
from flask_appbuilder.fieldwidgets import BS3PasswordFieldWidget
from flask_appbuilder.forms import DynamicForm
from flask_appbuilder.security.api import SecurityApi
from flask_appbuilder.security.sqla.apis.user.api import UserApi
from flask_appbuilder.security.sqla.apis.user.schema import UserPostSchema, UserPutSchema
from flask_appbuilder.security.sqla.apis.user.validator import PasswordComplexityValidator as ApiPasswordValidator
from flask_appbuilder.security.views import ResetMyPasswordView as FabResetMyPasswordView
from flask_appbuilder.validators import PasswordComplexityValidator
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from marshmallow import fields
from werkzeug.security import check_password_hash
from wtforms import PasswordField
from wtforms.validators import DataRequired, EqualTo, ValidationError

from . import login_limit, sessions


class AdsheetSecurityApi(SecurityApi):
    @expose("/login", methods=["POST"])
    @safe
    def login(self):
        """Sign in: an access token, and a refresh token if asked for
        ---
        post:
          description: >-
            Checks the user name (or e-mail) and password and answers a JWT access token, plus a refresh
            token when `refresh` is true. Failed attempts are limited per client address and per account
            (LOGIN_MAX_FAILURES within LOGIN_FAILURE_WINDOW_MINUTES): over the limit the answer is 429.
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  type: object
                  properties:
                    username:
                      description: The user name or e-mail address
                      type: string
                      example: admin
                    password:
                      description: The password
                      type: string
                    provider:
                      description: The authentication provider
                      type: string
                      enum:
                      - db
                      example: db
                    refresh:
                      description: Also answer a refresh token
                      type: boolean
          responses:
            200:
              description: Signed in
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      access_token:
                        type: string
                      refresh_token:
                        type: string
            400:
              $ref: '#/components/responses/400'
            401:
              $ref: '#/components/responses/401'
            429:
              description: Too many failed attempts; Retry-After says how many seconds to wait
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      message:
                        type: string
            500:
              $ref: '#/components/responses/500'
        """
        try:
            return SecurityApi.login.__wrapped__(self)  # FAB's login without its @safe
        except login_limit.TooManyLogins as refused:
            response = self.response(429, message=gettext("Too many attempts. Wait a few minutes, then try again."))
            response.headers["Retry-After"] = str(refused.retry_after)
            return response


def _write_only_password(required: bool) -> fields.String:
    return fields.String(required=required, load_only=True, validate=[ApiPasswordValidator()],
                         metadata={"description": "The user's password for authentication (never returned)"})


class UserPostNoEchoSchema(UserPostSchema):
    password = _write_only_password(required=True)


class UserPutNoEchoSchema(UserPutSchema):
    password = _write_only_password(required=False)


class AdsheetUserApi(UserApi):
    add_model_schema = UserPostNoEchoSchema()
    edit_model_schema = UserPutNoEchoSchema()


def current_password_matches(form, field) -> None:
    """The signed-in user's current password; wrong ones count against the sign-in limit like a sign-in."""
    user = g.user
    attempt = login_limit.begin(request.remote_addr, login_limit.account_key(user.id, user.username))
    if not user.password or not check_password_hash(user.password, field.data or ""):
        raise ValidationError(gettext("The current password is wrong."))
    attempt.succeeded()


class ChangeMyPasswordForm(DynamicForm):
    current_password = PasswordField(
        _l("Current password"), description=_l("Your password until now, to confirm it is you."),
        validators=[DataRequired(), current_password_matches], widget=BS3PasswordFieldWidget())
    password = PasswordField(
        _l("Password"), validators=[DataRequired(), PasswordComplexityValidator()], widget=BS3PasswordFieldWidget())
    conf_password = PasswordField(
        _l("Confirm Password"), description=_l("Please rewrite the password to confirm"),
        validators=[EqualTo("password", message=_l("Passwords must match"))], widget=BS3PasswordFieldWidget())


class ResetMyPasswordView(FabResetMyPasswordView):
    """Same name, route and permissions as FAB's view (`can_this_form_get/post` on ResetMyPasswordView)."""

    form = ChangeMyPasswordForm

    def form_post(self, form) -> None:
        user_id = g.user.id
        self.appbuilder.sm.reset_password(user_id, form.password.data)  # ends every session of the user...
        cookie_session[sessions.STAMP_SESSION_KEY] = sessions.current_stamp(user_id)  # ...but this one
        flash(str(self.message), "info")
