"""Page, page-size and sort arguments of lists, checked before a view runs: a bad one answers 400.

FAB reads `page_<View>`, `psize_<View>`, `_oc_<View>` and `_od_<View>` from every list, show and edit page and
trusts them: text made `int()` fail, a page beyond 64 bits overflowed the database driver, a sort on a column the
list does not show (`_oc_CustomerView=password`) failed to compile, and any page size was honoured (100000, or -1
for everything). Here each must be a whole number in range, and a sort column one the view offers.

Limits: list pages show at most `VIEW_MAX_PAGE_SIZE` rows (the page-size menu offers 25 to 100); the REST API
(its rison `q=(page:..,page_size:..)`) returns at most `API_MAX_PAGE_SIZE` rows a page; no page lies past
`MAX_PAGE`. The search-as-you-type endpoint (`/<view>/choices/<column>?page=`) uses `page_number`.
"""
import re
from collections.abc import Mapping

from flask_babel import gettext

VIEW_MAX_PAGE_SIZE = 100
API_MAX_PAGE_SIZE = 1000
MAX_PAGE = 1_000_000

# FAB's own patterns (flask_appbuilder.urltools): searched anywhere in the argument's name.
PAGE_ARG = re.compile("page_(.*)")
PAGE_SIZE_ARG = re.compile("psize_(.*)")
ORDER_COLUMN_ARG = re.compile("_oc_(.*)")


def whole_number(text) -> int | None:
    """An int from text of ASCII digits with an optional minus sign (no spaces, no full-width digits)."""
    text = str(text)
    return int(text) if re.fullmatch(r"-?[0-9]{1,30}", text) else None


def page_problem(name: str, value) -> str | None:
    number = value if isinstance(value, int) and not isinstance(value, bool) else whole_number(value)
    if number is None or not 0 <= number <= MAX_PAGE:
        return gettext("%(name)s must be a page number from 0 to %(max)s.", name=name, max=MAX_PAGE)
    return None


def page_size_problem(name: str, value, maximum: int) -> str | None:
    number = value if isinstance(value, int) and not isinstance(value, bool) else whole_number(value)
    if number is None or not 1 <= number <= maximum:
        return gettext("%(name)s must be a page size from 1 to %(max)s.", name=name, max=maximum)
    return None


def view_argument_problems(args: Mapping[str, str], sortable: Mapping[str, list[str] | None]) -> list[str]:
    """Why a list's arguments are refused (empty: fine). `args` maps names to their first value; `sortable`
    maps each view class name to the columns it sorts by (a view not in it is not checked: FAB ignores it)."""
    problems = []
    for name, value in args.items():
        if PAGE_ARG.search(name):
            problems.append(page_problem(name, value))
        if PAGE_SIZE_ARG.search(name):
            problems.append(page_size_problem(name, value, VIEW_MAX_PAGE_SIZE))
        match = ORDER_COLUMN_ARG.search(name)
        if match and match.group(1) in sortable:
            view = match.group(1)
            if value not in (sortable[view] or ()):
                problems.append(gettext("%(name)s: the list cannot be sorted by %(column)s.", name=name,
                                        column=value))
            if args.get(f"_od_{view}") not in ("asc", "desc"):
                problems.append(gettext("_od_%(view)s must be asc or desc.", view=view))
    return [problem for problem in problems if problem]


def api_argument_problems(rison_args) -> list[str]:
    """Why the REST API's rison arguments (`q=(page:0,page_size:20)`) are refused (empty: fine). Anything
    that is not a dict is left to FAB, which answers 400 for text it cannot parse."""
    if not isinstance(rison_args, dict):
        return []
    problems = []
    if "page" in rison_args:
        problems.append(page_problem("page", rison_args["page"]))
    if "page_size" in rison_args:
        problems.append(page_size_problem("page_size", rison_args["page_size"], API_MAX_PAGE_SIZE))
    return [problem for problem in problems if problem]


def init_list_arguments(app, appbuilder) -> None:
    """Check every request's list arguments: a page's against the registered views, the REST API's rison `q`.
    FAB's own cap for the API agrees with ours (it would silently cut a larger page to its default of 100)."""
    import prison
    from flask import jsonify, request
    from flask_babel import gettext

    from app.security.hardening import error_response

    sortable: dict[str, list[str] | None] = {}

    def sortable_columns() -> dict[str, list[str] | None]:
        if not sortable:  # views are all registered by the first request
            sortable.update({type(view).__name__: list(getattr(view, "order_columns", None) or [])
                             for view in appbuilder.baseviews})
        return sortable

    def check_list_arguments():
        if not request.args:
            return None
        if request.path.startswith("/api/"):
            if request.method not in ("GET", "HEAD") or request.url_rule is None:
                return None  # q is a list or item read's argument; other methods and paths answer 405/404 as ever
            try:
                problems = api_argument_problems(prison.loads(request.args.get("q", "()")))
            except Exception:  # noqa: BLE001 - not rison; FAB's own catch misses prison's ValueErrors (a 500)
                return jsonify(message=gettext("The q argument is not valid rison, e.g. (page:0,page_size:20).")), 400
            return (jsonify(message=" ".join(problems)), 400) if problems else None
        problems = view_argument_problems({name: request.args.get(name) for name in request.args},
                                          sortable_columns())
        return error_response(400, " ".join(problems)) if problems else None

    app.config["FAB_API_MAX_PAGE_SIZE"] = API_MAX_PAGE_SIZE
    app.before_request(check_list_arguments)
