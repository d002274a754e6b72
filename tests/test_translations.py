"""Both catalogues (zh, en) hold a translation for every message the code marks."""
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None, "N_": None}
METHODS = [("app/**.py", "python"), ("sync/**.py", "python"), ("app/templates/**.html", "jinja2")]


def marked_messages() -> set[str]:
    found = set()
    for folder in ("app", "sync"):
        methods = [(pattern.removeprefix(f"{folder}/"), kind) for pattern, kind in METHODS
                   if pattern.startswith(folder)]
        for _file, _line, message, _comments, _context in extract_from_dir(
                ROOT / folder, method_map=methods, keywords=KEYWORDS):
            found.add(message if isinstance(message, str) else message[0])
    return found


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_catalogue_is_complete(lang):
    with open(ROOT / f"app/translations/{lang}/LC_MESSAGES/messages.po", "rb") as handle:
        catalogue = read_po(handle, locale=lang)
    translated = {(m.id if isinstance(m.id, str) else m.id[0]) for m in catalogue
                  if m.id and m.string and "fuzzy" not in m.flags}
    missing = sorted(marked_messages() - translated)
    assert missing == [], f"{len(missing)} messages lack a {lang} translation; run `make messages` and translate"


def test_chinese_catalogue_is_actually_chinese():
    with open(ROOT / "app/translations/zh/LC_MESSAGES/messages.po", "rb") as handle:
        catalogue = read_po(handle, locale="zh")
    same = [m.id for m in catalogue if m.id and m.string == m.id and m.id not in ("ID", "CSV", "Excel")]
    assert same == []


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_action_confirmations_hold_no_quote(app, lang):
    """FAB's list macro writes an action's confirmation into a JavaScript string between single quotes: a
    quote in any language's text breaks the page's script (English "link's" did, on the problems list)."""
    from flask_babel import force_locale

    with app.test_request_context(), force_locale(lang):
        texts = {f"{view.__class__.__name__}.{name}": str(action.confirmation)
                 for view in app.appbuilder.baseviews for name, action in getattr(view, "actions", {}).items()
                 if action.confirmation}
    assert texts, "no action confirmations found"
    assert {where: text for where, text in texts.items() if "'" in text or "\\" in text} == {}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_catalogue_compiles_without_errors(lang):
    """`make translations` (pybabel compile) fails on a translation whose placeholders differ from its msgid's
    (a label holding "%" was marked python-format once, and its Chinese text had no placeholder)."""
    with open(ROOT / f"app/translations/{lang}/LC_MESSAGES/messages.po", "rb") as handle:
        catalogue = read_po(handle, locale=lang)
    problems = [(message.id, [str(error) for error in errors]) for message, errors in catalogue.check()]
    assert problems == []
