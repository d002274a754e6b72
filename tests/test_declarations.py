"""Configuration typos fail here, not silently on a page: every declared column exists."""
import pytest
from sqlalchemy import inspect as sa_inspect

from app.api import ALL_APIS
from app.views.register import MENUS

VIEWS = [menu[0] for menu in MENUS]
COLUMN_LISTS = ("list_columns", "show_columns", "add_columns", "edit_columns", "search_columns", "order_columns")


def resolves(model, dotted: str) -> bool:
    mapper = sa_inspect(model)
    head, _, rest = dotted.partition(".")
    if head in mapper.relationships:
        return not rest or resolves(mapper.relationships[head].mapper.class_, rest)
    return not rest and (head in mapper.columns or hasattr(model, head))


@pytest.mark.parametrize("cls", VIEWS + list(ALL_APIS), ids=lambda c: c.__name__)
def test_declared_columns_exist(cls):
    model = cls.datamodel.obj
    for attribute in COLUMN_LISTS:
        for column in getattr(cls, attribute, None) or []:
            assert resolves(model, column), f"{cls.__name__}.{attribute}: {column!r} is not on {model.__name__}"


@pytest.mark.parametrize("cls", VIEWS, ids=lambda c: c.__name__)
def test_every_shown_column_has_a_translated_label(cls):
    shown = set(cls.list_columns or []) | set(cls.show_columns or []) | set(getattr(cls, "add_columns", None) or [])
    missing = shown - set(cls.label_columns)
    assert not missing, f"{cls.__name__} has no label for {sorted(missing)}"


@pytest.mark.parametrize("cls", VIEWS, ids=lambda c: c.__name__)
def test_enum_columns_are_shown_through_labels(cls):
    from app.checks import FIELD_CHECKS

    record = cls.record
    enum_fields = {name for name, checks in FIELD_CHECKS.get(record, {}).items()
                   if any(getattr(c, "__name__", "") == "check" for c in checks)}
    for field in enum_fields & set(cls.list_columns or []):
        assert field in (cls.formatters_columns or {}), f"{cls.__name__}.{field} shows the raw value"
