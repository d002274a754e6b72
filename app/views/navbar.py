"""The navigation menu's HTML, rendered once per language and set of visible items instead of on every page.

FAB renders its menu (about 30 items: a permission check, a link and translations each) on every page, a
fifth of a list page's time. Every page still checks the menu permission of each item for the current user
(in one pass over the permissions loaded with the user, as FAB's own menu API does); only the HTML of the
items found visible is kept, keyed by everything it is made of: the visible item names, the language and the
application root of the links. It holds nothing else about the user, so users who see the same items share
it, and a permission change shows on the next page (another set of names, another key).
"""
from flask import current_app, request
from flask_babel import get_locale
from markupsafe import Markup

FAB_MENU_TEMPLATE = "appbuilder/navbar_menu.html"
MAX_ENTRIES = 256  # distinct keys kept (a handful per role and language in practice)


def visible_menu_names(menu, security_manager) -> tuple[str, ...]:
    """The items FAB's menu template shows: a top item if allowed, its children only then (dividers aside)."""
    allowed = security_manager.get_user_menu_access(menu.get_flat_name_list())
    names = []
    for item in menu.get_list():
        if item.name in allowed:
            names.append(item.name)
            names.extend(child.name for child in item.childs or ()
                         if child and child.name != "-" and child.name in allowed)
    return tuple(names)


def navbar_menu() -> Markup:
    """FAB's menu items (its navbar_menu.html) for the current user, from the cache when it has them."""
    appbuilder = current_app.appbuilder
    cache = current_app.extensions["adsheet_navbar_menu"]
    key = (visible_menu_names(appbuilder.menu, appbuilder.sm), str(get_locale()), request.script_root)
    html = cache.get(key)
    if html is None:
        template = current_app.jinja_env.get_template(FAB_MENU_TEMPLATE)
        html = Markup(template.render(menu=appbuilder.menu))
        if len(cache) >= MAX_ENTRIES:
            cache.clear()
        cache[key] = html
    return html


def init_navbar_menu(app) -> None:
    app.extensions["adsheet_navbar_menu"] = {}
    app.jinja_env.globals["adsheet_navbar_menu"] = navbar_menu
