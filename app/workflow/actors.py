"""Who is acting, as the pure rules see them: the user and the capabilities FAB's tables give them."""
from app.context import current_actor_id
from app.domain.rules.contracts import Actor
from app.security import authority
from app.security.ownership import acting_user, acting_user_id

NOBODY = Actor(user_id=-1, capabilities=frozenset())


def current_actor() -> Actor:
    """The signed-in user (session or JWT), or whoever `app.context.acting_as` names outside a request."""
    user = acting_user()
    if user is None:
        return NOBODY
    return Actor(user.id, authority.capabilities(user))


def actor_id() -> int | None:
    """Who is making the change: the request's user, else whoever `acting_as` names."""
    from flask import has_request_context

    if has_request_context():
        user_id = acting_user_id()
        if user_id is not None:
            return user_id
    return current_actor_id.get()
