"""The sheet reads money through the one parser the forms and the API use (app.domain.validation)."""
from decimal import Decimal

import pytest

from sync.db_side import normalise
from sync.profiles import Column

AMOUNT = Column("amount", "decimal")


@pytest.mark.parametrize("typed, canonical", [
    ("36,000", "36000.00"), ("36，000", "36000.00"), ("¥36,000.5", "36000.50"), ("1234.5", "1234.50"),
])
def test_typed_amounts_mean_the_same_value(typed, canonical):
    assert normalise(AMOUNT, typed) == canonical


def test_an_unclear_amount_stays_an_edit_the_database_side_refuses():
    assert normalise(AMOUNT, "3,6000") == "3,6000"


def test_the_database_side_parses_and_refuses_in_words(app):
    from sync.db_side import BadValue, DbSide

    parse = DbSide.parse
    with app.test_request_context("/"):
        assert parse(None, None, AMOUNT, "¥36,000") == Decimal("36000")
        with pytest.raises(BadValue) as refused:
            parse(None, None, AMOUNT, "3,6000")
    assert "36,000" in str(refused.value) or "千位" in str(refused.value)
