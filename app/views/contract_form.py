"""The new-contract form: the number may be left empty (the next one of CONTRACT_NUMBER_PATTERN is given at
save, app.workflow.numbering), and the party name starts as the chosen customer's licence name (choices.js
fills it in; left empty, the save fills it: app.workflow.prepare.fill_contract)."""
from flask_babel import gettext, lazy_gettext as _l
from wtforms import StringField
from wtforms.validators import Optional


class NextNumberHint:
    """The number field's help text, worked out when the form is shown: "Leave empty for the next number,
    HT-2026-0007"."""

    def __str__(self) -> str:
        from app.workflow.numbering import preview_number

        try:
            return gettext("Leave empty to get the next number (%(number)s).", number=preview_number())
        except Exception:  # noqa: BLE001 - a hint must never break the page
            return gettext("Leave empty to get the next number.")

    def __html__(self) -> str:
        from markupsafe import escape

        return str(escape(str(self)))


class PartyNameWidget:
    def __call__(self, field, **kwargs):
        from wtforms.widgets import TextInput

        kwargs.setdefault("data-fill-from", "customer")
        kwargs.setdefault("class", "form-control")
        return TextInput()(field, **kwargs)


def new_contract_fields(view) -> dict:
    checks = view.validators_columns or {}
    return {
        "number": StringField(view.label_columns["number"], [Optional()] + list(checks.get("number", [])),
                              description=NextNumberHint(), filters=[lambda v: v or None]),
        "party_name": StringField(view.label_columns["party_name"], [Optional()] + list(checks.get("party_name", [])),
                                  widget=PartyNameWidget(), filters=[lambda v: v or None],
                                  description=_l("The name on the customer's business licence: filled in when "
                                                 "the customer is chosen.")),
    }
