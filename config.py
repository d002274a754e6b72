"""Settings, read from the environment. No secret has a default.

APP_ENV selects the mode: "production" (default when unset under gunicorn is
still production: nothing insecure is implied), "development", "demo" or
"testing". Outside development, demo and testing a real SECRET_KEY is required.
"""
import os

from flask_appbuilder.const import AUTH_DB

WEAK_SECRET_KEYS = {"", "secret", "changeme", "change-me", "dev", "development", "test", "\x00"}
RELAXED_ENVS = {"development", "demo", "testing"}


class ConfigError(RuntimeError):
    """A setting is missing or wrong; the message names it."""


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from None


def _positive_int(name: str, default: int) -> int:
    value = _int(name, default)
    if value < 1:
        raise ConfigError(f"{name} must be at least 1, got {value}")
    return value


def _non_negative_int(name: str, default: int) -> int:
    value = _int(name, default)
    if value < 0:
        raise ConfigError(f"{name} must be 0 or more, got {value}")
    return value


def _percent(name: str, default: int) -> int:
    value = _int(name, default)
    if not 1 <= value <= 100:
        raise ConfigError(f"{name} must be a percentage from 1 to 100, got {value}")
    return value


def _bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    lowered = raw.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"{name} must be true or false, got {raw!r}")


def app_timezone() -> str | None:
    """APP_TIMEZONE: the office's time zone for times shown (IANA name); unset: the server's own."""
    name = os.environ.get("APP_TIMEZONE") or None
    if name:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigError(f"APP_TIMEZONE must be a time zone name such as Asia/Shanghai, got {name!r}") from None
    return name


def contract_number_pattern() -> str:
    from app.domain.numbering import DEFAULT_PATTERN, pattern_problem

    pattern = os.environ.get("CONTRACT_NUMBER_PATTERN", "").strip() or DEFAULT_PATTERN
    problem = pattern_problem(pattern)
    if problem:
        raise ConfigError(f"CONTRACT_NUMBER_PATTERN {pattern!r} cannot number contracts: {problem}")
    return pattern


def from_environment() -> dict:
    """Collect the settings; the app factory fills in what needs the instance path."""
    locale = os.environ.get("APP_LOCALE", "zh")
    if locale not in ("zh", "en"):
        raise ConfigError(f"APP_LOCALE must be zh or en, got {locale!r}")
    return {
        "APP_ENV": os.environ.get("APP_ENV", "production"),
        "SECRET_KEY": os.environ.get("SECRET_KEY", ""),
        "SQLALCHEMY_DATABASE_URI": os.environ.get("DATABASE_URL", ""),
        "APP_LOCALE": locale,
        "APP_TIMEZONE": app_timezone(),
        "MAX_UPLOAD_MB": _positive_int("MAX_UPLOAD_MB", 10),
        # Imports (app.imports): file size, row count, and the size from which the API and browser run the
        # import as a background task.
        "IMPORT_MAX_MB": _positive_int("IMPORT_MAX_MB", 20),
        "IMPORT_MAX_ROWS": _positive_int("IMPORT_MAX_ROWS", 200_000),
        "IMPORT_BACKGROUND_ROWS": _positive_int("IMPORT_BACKGROUND_ROWS", 1000),
        # New contracts without a number get the next one of this pattern (app.domain.numbering).
        "CONTRACT_NUMBER_PATTERN": contract_number_pattern(),
        "SHEETS_API_URL": os.environ.get("SHEETS_API_URL", "https://sheets.googleapis.com"),
        "GOOGLE_APPLICATION_CREDENTIALS": os.environ.get("GOOGLE_APPLICATION_CREDENTIALS"),
        # Sheets API quotas: per link, and for the whole project (all links share Google's quota).
        "SHEETS_READS_PER_MINUTE": _positive_int("SHEETS_READS_PER_MINUTE", 60),
        "SHEETS_WRITES_PER_MINUTE": _positive_int("SHEETS_WRITES_PER_MINUTE", 60),
        "SHEETS_PROJECT_READS_PER_MINUTE": _positive_int("SHEETS_PROJECT_READS_PER_MINUTE", 300),
        "SHEETS_PROJECT_WRITES_PER_MINUTE": _positive_int("SHEETS_PROJECT_WRITES_PER_MINUTE", 300),
        # The periodic sync on the task consumers: each active link about every SHEETS_SYNC_SECONDS (stretched to
        # stay under the project quota and after 429s); 0 (default): cron or `flask sheets sync --watch` does it.
        "SHEETS_SYNC_SECONDS": _non_negative_int("SHEETS_SYNC_SECONDS", 0),
        # Sign-in limit (app.security.login_limit): failed sign-ins allowed per client address and per account
        # within the window that starts at the first failure; counted in the database. 0 turns it off.
        "LOGIN_MAX_FAILURES": _non_negative_int("LOGIN_MAX_FAILURES", 10),
        "LOGIN_FAILURE_WINDOW_MINUTES": _positive_int("LOGIN_FAILURE_WINDOW_MINUTES", 5),
        # Compare the roles in the database with app.security.matrix when the app starts (a warning per
        # difference); `flask roles check` does the same and exits 1 on a difference.
        "ROLES_CHECK_AT_START": _bool("ROLES_CHECK_AT_START", True),
        # Mass-change guard: a cycle that changes more than this share of a tab's rows (and at least
        # SHEETS_MASS_CHANGE_MIN_ROWS rows) applies none of them until an admin accepts them.
        "SHEETS_MASS_CHANGE_PERCENT": _percent("SHEETS_MASS_CHANGE_PERCENT", 50),
        "SHEETS_MASS_CHANGE_MIN_ROWS": _positive_int("SHEETS_MASS_CHANGE_MIN_ROWS", 20),
        # Background tasks (app.tasks, Huey): Redis when REDIS_URL is set (consumers on several machines share
        # the work, and so does the Sheets quota), else a SQLite file (TASKS_DB, default instance/tasks.db).
        # TASKS_IMMEDIATE=true runs every task inline where it is enqueued (tests, debugging).
        "REDIS_URL": os.environ.get("REDIS_URL") or None,
        "TASKS_DB": os.environ.get("TASKS_DB") or None,
        "TASKS_IMMEDIATE": _bool("TASKS_IMMEDIATE", False),
        # Set SESSION_COOKIE_SECURE=true whenever the app is served over HTTPS (the remember cookie follows it).
        "SESSION_COOKIE_SECURE": _bool("SESSION_COOKIE_SECURE", False),
        # Redirect plain-HTTP requests to HTTPS (off by default: TLS usually ends at the proxy).
        "FORCE_HTTPS": _bool("FORCE_HTTPS", False),
        # How many proxies in front of the app set X-Forwarded-For/-Proto (0: trust none). The login rate
        # limit counts per client address, so behind a load balancer this must be set.
        "TRUSTED_PROXIES": _int("TRUSTED_PROXIES", 0),
    }


# Fixed settings: the same in every environment.
DEFAULTS = {
    "APP_NAME": "Adsheet",
    "SQLALCHEMY_TRACK_MODIFICATIONS": False,
    "AUTH_TYPE": AUTH_DB,
    "AUTH_ROLE_ADMIN": "Admin",
    "AUTH_ROLE_PUBLIC": "Public",
    # FAB's limiter counts per process and counts successful sign-ins too: ours (LOGIN_MAX_FAILURES) replaces it.
    "AUTH_RATE_LIMITED": False,
    # FAB still creates a Flask-Limiter; no limit uses it (naming the storage keeps it from warning at start-up).
    "RATELIMIT_STORAGE_URI": "memory://",
    "FAB_ADD_SECURITY_API": True,
    # Roles and permissions are written by `flask roles sync`, never at start-up.
    "FAB_UPDATE_PERMS": False,
    "FAB_API_SWAGGER_UI": True,
    # FAB's layout with a navbar whose menu HTML is rendered once per language and visible items (app.views.navbar).
    "FAB_BASE_TEMPLATE": "adsheet/base.html",
    # The home page is the role-fitted dashboard (app/views/dashboard.py).
    "FAB_INDEX_VIEW": "app.views.dashboard.DashboardIndexView",
    "FAB_PASSWORD_COMPLEXITY_ENABLED": True,
    "LANGUAGES": {
        "zh": {"flag": "cn", "name": "中文"},
        "en": {"flag": "gb", "name": "English"},
    },
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    "WTF_CSRF_ENABLED": True,
    "JSON_SORT_KEYS": False,
}


def check_secret_key(config: dict) -> None:
    if config["APP_ENV"] in RELAXED_ENVS:
        return
    key = config.get("SECRET_KEY") or ""
    if key.strip().lower() in WEAK_SECRET_KEYS or len(key) < 16:
        raise ConfigError(
            "SECRET_KEY is missing or too weak (at least 16 characters). Set it in the environment, "
            "or set APP_ENV=development for local use."
        )
