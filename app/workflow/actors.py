"""Who is acting, as the pure rules see them: the user and the capabilities FAB's tables give them."""
from app.domain.rules.contracts import Actor
from app.security import authority
from app.security.ownership import acting_user

NOBODY = Actor(user_id=-1, capabilities=frozenset())


def current_actor() -> Actor:
    """The signed-in user (session or JWT), or whoever `events.acting_as` names outside a request."""
    user = acting_user()
    if user is None:
        return NOBODY
    return Actor(user.id, authority.capabilities(user))
