"""The field checks of every record, declared once and adapted for each door.

Most checks derive from the model's columns: an enum column (app.models.base.enum_column) takes only its
enum's values, a money column at most two decimals, a date column a date between 2000 and 2099. The rest is
declared here: which text fields are names (no invisible characters), codes (normalised to NFKC), and the
special checks (credit code, mobile...). Reasons (write-offs, reversals, send-backs) need real words: the rules
that take them check that, with their own codes.

The views get WTForms validators, the REST API marshmallow validators, the sheet sync calls `record_errors`
directly, and the write guard (app.workflow.prepare) runs `field_errors` on every changed value of every
write, whichever door it came through: all run the same functions of `app.domain.validation`.
"""
from functools import cache

from flask_babel import gettext
from marshmallow import ValidationError
from sqlalchemy import Date, DateTime, Numeric, String, Text
from sqlalchemy import inspect as sa_inspect
from wtforms.validators import ValidationError as FormValidationError

from app.domain import normalise, validation as v

# Text kinds (how app.workflow.prepare stores them, app.domain.normalise): names keep their characters but
# may not hold invisible ones; codes are stored in NFKC; credit codes also upper-cased; reasons must say
# something; every other text column is prose (invisible characters removed, blanks stripped, blank -> NULL).
NAMES: dict[str, tuple[str, ...]] = {
    "customer": ("name", "short_name"),
    "contact": ("name",),
    "contract": ("party_name",),
    "publication": ("name",),
    "adslot": ("name",),
    "sensitiveword": ("word",),
}
CODES: dict[str, tuple[str, ...]] = {
    "customer": ("credit_code",),
    "contact": ("mobile", "phone", "email"),
    "contract": ("number",),
    "issue": ("number",),
}
CREDIT_CODES: dict[str, tuple[str, ...]] = {"customer": ("credit_code",)}

# Checks that do not follow from the column's type.
DECLARED_CHECKS: dict[str, dict[str, tuple]] = {
    "customer": {"credit_code": (v.check_credit_code,)},
    "contact": {"mobile": (v.check_mobile,), "phone": (v.check_phone,), "email": (v.check_email,)},
    "contract": {"discount_pct": (v.check_percent,)},
}


CLEANERS = {
    "credit_code": normalise.clean_credit_code,
    "code": normalise.clean_code,
    "name": normalise.clean_text,
    "text": normalise.clean_text,
}


def cleaner(record: str, field: str):
    """How the field's text is stored (app.domain.normalise)."""
    return CLEANERS[text_kind(record, field)]


def text_kind(record: str, field: str) -> str:
    """'credit_code', 'code', 'name' or 'text' (prose)."""
    if field in CREDIT_CODES.get(record, ()):
        return "credit_code"
    if field in CODES.get(record, ()):
        return "code"
    if field in NAMES.get(record, ()):
        return "name"
    return "text"


def _model(record: str):
    from app.models import RECORD_MODELS

    return RECORD_MODELS.get(record)


def _column_checks(record: str, column) -> tuple:
    """The checks a column's type implies."""
    if "enum" in column.info:
        return (v.check_one_of(member.value for member in column.info["enum"]),)
    if isinstance(column.type, Numeric) and column.type.scale == 2:
        return (v.check_amount,)
    if isinstance(column.type, (Date, DateTime)):
        return (v.check_sane_date,)
    if isinstance(column.type, String) and column.type.length:
        return (v.check_max_length(column.type.length, cleaner(record, column.key)),)
    return ()


@cache
def record_checks(record: str) -> dict[str, tuple]:
    """field -> its checks, derived from the model's columns and the declarations above."""
    model = _model(record)
    checks: dict[str, tuple] = {}
    if model is not None:
        for column in sa_inspect(model).columns:
            if column.key in ("id", "created_at", "updated_at"):
                continue
            found = _column_checks(record, column)
            if found:
                checks[column.key] = found
    for field in NAMES.get(record, ()):
        checks[field] = checks.get(field, ()) + (v.check_name,)
    for field, declared in DECLARED_CHECKS.get(record, {}).items():
        # A declared check replaces what the type implies (a percentage is a Numeric(12, 2) too).
        checks[field] = declared + tuple(c for c in checks.get(field, ()) if c is not v.check_amount)
    return checks


class _FieldChecks(dict):
    """FIELD_CHECKS[record] -> {field: checks}, derived on first use (the models must be imported)."""

    def __missing__(self, record: str):
        return record_checks(record)

    def get(self, record, default=None):
        return record_checks(record) if _model(record) is not None else default


FIELD_CHECKS = _FieldChecks()

# Pairs of (start, end) date fields that must be in order.
DATE_RANGES: dict[str, tuple[tuple[str, str], ...]] = {
    "contract": (("start_date", "end_date"),),
    "booking": (("web_start", "web_end"),),
    "issue": (("copy_deadline", "publish_date"),),
}


def field_errors(record: str, field: str, value) -> list[str]:
    """Untranslated messages for one field's value."""
    checks = FIELD_CHECKS.get(record, {}).get(field, ())
    return [message for check in checks if (message := check(value))]


def record_errors(record: str, values: dict) -> dict[str, list[str]]:
    """Every field error and date-order error of a record's values, untranslated."""
    errors: dict[str, list[str]] = {}
    for field, value in values.items():
        messages = field_errors(record, field, value)
        if messages:
            errors[field] = messages
    for start, end in DATE_RANGES.get(record, ()):
        message = v.check_date_order(values.get(start), values.get(end))
        if message:
            errors.setdefault(end, []).append(message)
    return errors


def form_validators(record: str) -> dict[str, list]:
    """WTForms validators for a ModelView's `validators_columns`."""

    def make(field: str):
        def validate(form, form_field):
            for message in field_errors(record, field, form_field.data):
                raise FormValidationError(gettext(message))
            for start, end in DATE_RANGES.get(record, ()):
                if field == end and start in form:
                    message = v.check_date_order(form[start].data, form_field.data)
                    if message:
                        raise FormValidationError(gettext(message))

        return validate

    fields = set(FIELD_CHECKS.get(record, {})) | {end for _, end in DATE_RANGES.get(record, ())}
    return {field: [make(field)] for field in fields}


def api_validators(record: str) -> dict:
    """marshmallow validators for a ModelRestApi's `validators_columns`."""

    def make(field: str):
        def validate(value):
            messages = field_errors(record, field, value)
            if messages:
                raise ValidationError([gettext(m) for m in messages])

        return validate

    return {field: make(field) for field in FIELD_CHECKS.get(record, {})}


def text_columns(record: str) -> tuple[str, ...]:
    """The record's text columns a person types (documents and enums excluded)."""
    model = _model(record)
    if model is None:
        return ()
    from app.models.customers import DocumentColumn

    return tuple(column.key for column in sa_inspect(model).columns
                 if isinstance(column.type, (String, Text)) and not isinstance(column.type, DocumentColumn)
                 and "enum" not in column.info)
