"""Who is acting, as the pure rules see them."""
from app.domain.rules.contracts import Actor
from app.security.ownership import acting_user, current_role_names

NOBODY = Actor(user_id=-1, roles=frozenset())


def current_actor() -> Actor:
    """The signed-in user (session or JWT), or whoever `events.acting_as` names outside a request."""
    user = acting_user()
    if user is None:
        return NOBODY
    return Actor(user.id, current_role_names())
