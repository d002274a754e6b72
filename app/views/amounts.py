"""Money typed in a form: the one parser (app.domain.validation.parse_amount) reads "36,000", "36，000" or
"¥36,000"; what it refuses is said next to the field, in the page's language, and the typed text stays in the
box (WTForms' DecimalField refused "36,000" as "Not a valid decimal value")."""
from flask_babel import gettext
from marshmallow import ValidationError, fields
from sqlalchemy import Numeric
from sqlalchemy import inspect as sa_inspect
from wtforms import DecimalField
from wtforms.validators import Optional

from app.domain.validation import parse_amount


class AmountInput:
    """A text box (an <input type="number"> refuses "36,000" in the browser itself), with the phone's number
    keyboard."""

    def __call__(self, field, **kwargs):
        from wtforms.widgets import TextInput

        kwargs["class"] = "form-control"
        kwargs.setdefault("inputmode", "decimal")
        kwargs.setdefault("autocomplete", "off")
        return TextInput()(field, **kwargs)


class AmountField(DecimalField):
    widget = AmountInput()

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        text = (valuelist[0] or "").strip()
        if not text:
            self.data = None
            return
        try:
            self.data = parse_amount(text)
        except ValueError as exc:
            self.data = None
            raise ValueError(gettext(str(exc))) from None


class AmountSchemaField(fields.Decimal):
    """The REST API's money fields: the same parser for a string; a JSON number as marshmallow reads it."""

    def _validated(self, value):
        if isinstance(value, str):
            try:
                value = parse_amount(value)
            except ValueError as exc:
                raise ValidationError(gettext(str(exc))) from None
        return super()._validated(value)


def money_columns(model) -> list[str]:
    return [column.key for column in sa_inspect(model).columns
            if isinstance(column.type, Numeric) and column.type.scale == 2]


def amount_fields(view, columns) -> dict:
    """An AmountField for every money column of the form (required ones keep FAB's required check)."""
    from wtforms.validators import InputRequired

    labels = view.label_columns or {}
    table = view.datamodel.obj.__table__.columns
    out = {}
    for column in money_columns(view.datamodel.obj):
        if column in (columns or ()):
            required = not table[column].nullable and table[column].default is None
            checks = list((view.validators_columns or {}).get(column, []))  # the field checks (app.checks)
            out[column] = AmountField(labels.get(column, column), places=2,
                                      validators=[InputRequired() if required else Optional()] + checks)
    return out
