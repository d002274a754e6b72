"""Our password policy for database users (FAB_PASSWORD_COMPLEXITY_VALIDATOR).

FAB calls the validator with the password alone, from the user add form, the password reset forms and the
security API (`/api/v1/security/users/`); it turns a PasswordComplexityValidationError into a field error.
The username, when there is one, is read from the request being validated.
"""
import secrets

from flask import has_request_context, request
from flask_appbuilder.exceptions import PasswordComplexityValidationError
from flask_babel import gettext

from app.domain.validation import N_

MIN_LENGTH = 10

# Lower-cased; compared with the whole password. Short on purpose: the length and the letters-and-digits rule
# already refuse most of the usual lists.
COMMON_PASSWORDS = frozenset({
    "password1234", "password123", "passw0rd123", "1234567890a", "a1234567890", "qwerty123456", "qwertyuiop1",
    "1q2w3e4r5t", "1qaz2wsx3edc", "abc1234567", "abcd123456", "iloveyou123", "admin12345", "administrator1",
    "welcome123", "welcome2026", "changeme123", "letmein123", "zxcvbnm123", "woaini1314", "woaini520",
    "aa123456789", "a123456789", "qq123456789", "asdf123456", "adsheet123", "adsheet2026",
})


def policy_problems(password: str, usernames=()) -> list[str]:
    """Untranslated messages (Babel msgids) of every rule the password breaks; empty when it passes."""
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(N_("A password needs at least 10 characters."))
    if not any(c.isalpha() for c in password) or not any(c.isdigit() for c in password):
        problems.append(N_("A password needs both letters and digits."))
    lowered = password.lower()
    if any(name and lowered == name.lower() for name in usernames):
        problems.append(N_("A password must not be the username."))
    if lowered in COMMON_PASSWORDS:
        problems.append(N_("This password is too common."))
    return problems


def _usernames_in_request() -> list[str]:
    """The username being set up (add form or API body), or the signed-in user's for their own reset."""
    if not has_request_context():
        return []
    names = [request.form.get("username", "")]
    body = request.get_json(silent=True) if request.is_json else None
    if isinstance(body, dict) and isinstance(body.get("username"), str):
        names.append(body["username"])
    path = request.path.lower()
    if "resetmypassword" in path:
        from flask_login import current_user

        if getattr(current_user, "is_authenticated", False):
            names.append(current_user.username)
    elif "resetpassword" in path and request.args.get("pk", "").isdigit():
        from flask import current_app

        user = current_app.appbuilder.sm.get_user_by_id(int(request.args["pk"]))
        if user is not None:
            names.append(user.username)
    return [name for name in names if name]


def validate_password(password: str) -> None:
    """FAB_PASSWORD_COMPLEXITY_VALIDATOR: raise with the translated reasons when the password is refused."""
    problems = policy_problems(password or "", _usernames_in_request())
    if problems:
        raise PasswordComplexityValidationError(" ".join(gettext(p) for p in problems))


def generate_password() -> str:
    """A random password that passes the policy (token_urlsafe can lack digits or letters)."""
    while True:
        candidate = secrets.token_urlsafe(12)
        if not policy_problems(candidate):
            return candidate
