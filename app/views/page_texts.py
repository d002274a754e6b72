"""Texts the browser-side widgets show, in the page's language: select2's messages and placeholder, and the
date picker's month and day names (from Babel's CLDR data) and buttons. A page carries them as JSON
(adsheet/base.html) and static/js/locale.js hands them to the widgets before FAB's ab.js starts them, so
nothing is fetched from elsewhere and no inline script is needed.
"""
import json

from babel.dates import get_day_names, get_month_names
from flask_babel import get_locale, gettext
from markupsafe import Markup

# Babel numbers days from Monday (0); the date picker's arrays start on Sunday.
SUNDAY_FIRST = (6, 0, 1, 2, 3, 4, 5)


def widget_texts() -> dict:
    locale = get_locale()
    days = {width: get_day_names(width, locale=locale) for width in ("wide", "abbreviated", "narrow")}
    months = {width: get_month_names(width, locale=locale) for width in ("wide", "abbreviated")}
    return {
        "select2": {
            "placeholder": gettext("Select…"),
            "noResults": gettext("No results found"),
            "searching": gettext("Searching…"),
            "loadingMore": gettext("Loading more results…"),
            "errorLoading": gettext("The results could not be loaded."),
            "inputTooShort": gettext("Please enter at least %(count)s more characters", count="{n}"),
            "inputTooLong": gettext("Please delete %(count)s characters", count="{n}"),
            "maximumSelected": gettext("You can select at most %(count)s items", count="{n}"),
            "removeAllItems": gettext("Remove all items"),
            "removeItem": gettext("Remove item"),
            "search": gettext("Search"),
        },
        "datepicker": {
            "language": str(locale),
            "days": [days["wide"][i] for i in SUNDAY_FIRST],
            "daysShort": [days["abbreviated"][i] for i in SUNDAY_FIRST],
            "daysMin": [days["narrow"][i] for i in SUNDAY_FIRST],
            "months": [months["wide"][m] for m in range(1, 13)],
            "monthsShort": [months["abbreviated"][m] for m in range(1, 13)],
            "today": gettext("Today"),
            "clear": gettext("Clear"),
            "titleFormat": gettext("MM yyyy"),
            "weekStart": 1,
        },
    }


def widget_texts_json() -> Markup:
    """The texts as JSON safe inside a <script type="application/json"> element, kept per language."""
    from flask import current_app

    cache = current_app.extensions.setdefault("adsheet_widget_texts", {})
    key = str(get_locale())
    if key not in cache:
        text = json.dumps(widget_texts(), ensure_ascii=False)
        cache[key] = Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))
    return cache[key]


def init_page_texts(app) -> None:
    app.jinja_env.globals["adsheet_widget_texts"] = widget_texts_json
