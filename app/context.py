"""Who is acting and through which door, for work outside a request (the sheet sync, CLI commands).

Plain context variables, importable from anywhere (models, security, workflow) without import cycles.
Inside a request the signed-in user acts (app.security.ownership.acting_user) and the door is told apart
by the URL; outside one, `acting_as(user_id, channel)` names both.
"""
from contextlib import contextmanager
from contextvars import ContextVar

# The user on whose behalf work outside a request runs.
current_actor_id: ContextVar[int | None] = ContextVar("current_actor_id", default=None)

# Which door a change came through: "browser", "api", "sheet", "cli" or "import".
current_channel: ContextVar[str | None] = ContextVar("current_channel", default=None)

CHANNELS = ("browser", "api", "sheet", "cli", "import")


@contextmanager
def acting_as(user_id: int | None, channel: str):
    """Run work outside a request on behalf of a user (the sheet sync, CLI commands, imports)."""
    user_token = current_actor_id.set(user_id)
    channel_token = current_channel.set(channel)
    try:
        yield
    finally:
        current_actor_id.reset(user_token)
        current_channel.reset(channel_token)


def channel() -> str:
    """The door of the current change; inside a request, told apart by the URL."""
    from flask import has_request_context, request

    explicit = current_channel.get()
    if explicit:
        return explicit
    if has_request_context():
        return "api" if request.path.startswith("/api/") else "browser"
    return "cli"
