"""The field checks of every record, declared once and adapted for each door.

The views get WTForms validators, the REST API marshmallow validators, and the
sheet sync calls `record_errors` directly; all three run the same functions of
`app.domain.validation`.
"""
from flask_babel import gettext
from marshmallow import ValidationError
from wtforms.validators import ValidationError as FormValidationError

from app.domain import enums, validation as v

FIELD_CHECKS: dict[str, dict[str, tuple]] = {
    "customer": {
        "credit_code": (v.check_credit_code,),
        "stage": (v.check_one_of(enums.values(enums.CustomerStage)),),
        "source": (v.check_one_of(enums.values(enums.CustomerSource)),),
        "locality": (v.check_one_of(enums.values(enums.Locality)),),
    },
    "contact": {
        "mobile": (v.check_mobile,),
        "phone": (v.check_phone,),
        "email": (v.check_email,),
    },
    "activity": {"kind": (v.check_one_of(enums.values(enums.ActivityKind)),)},
    "publication": {"medium": (v.check_one_of(enums.values(enums.Medium)),)},
    "issue": {},
    "adslot": {
        "medium": (v.check_one_of(enums.values(enums.Medium)),),
        "list_price": (v.check_amount,),
    },
    "contract": {
        "kind": (v.check_one_of(enums.values(enums.ContractKind)),),
        "status": (v.check_one_of(enums.values(enums.ContractStatus)),),
        "payment_terms": (v.check_one_of(enums.values(enums.PaymentTerms)),),
        "amount": (v.check_amount,),
        "discount_pct": (v.check_percent,),
    },
    "booking": {
        "price": (v.check_amount,),
        "proof_status": (v.check_one_of(enums.values(enums.ProofStatus)),),
    },
    "payment": {
        "amount": (v.check_amount,),
        "kind": (v.check_one_of(enums.values(enums.PaymentKind)),),
        "method": (v.check_one_of(enums.values(enums.PaymentMethod)),),
    },
    "writeoff": {"amount": (v.check_amount,)},
    "complaint": {"status": (v.check_one_of(enums.values(enums.ComplaintStatus)),)},
    "sensitiveword": {},
}

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


def date_order_errors(record: str, item) -> list[str]:
    """Translated date-order errors of a model instance (the API's cross-field check)."""
    messages = []
    for start, end in DATE_RANGES.get(record, ()):
        message = v.check_date_order(getattr(item, start), getattr(item, end))
        if message:
            # The label for people, the field name for programs calling the API.
            from app.labels import FIELD_LABELS

            messages.append(f"{FIELD_LABELS.get(end, end)} ({end}): {gettext(message)}")
    return messages
