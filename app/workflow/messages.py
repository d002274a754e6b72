"""RuleViolation codes -> translated message templates; `translate(violation)` fills the params.

The pure rules carry English templates; this is the one place that maps their stable codes to
msgids. Enum values among the params (statuses...) are shown through their translated labels.
"""
from flask_babel import lazy_gettext as _l

from app.domain import enums
from app.domain.rules.errors import RuleViolation
from app.security.ownership import RefusedWrite

MESSAGES = {
    # contracts
    "contract.unknown_status": _l("Unknown contract status '%(status)s'."),
    "contract.final": _l("A %(status)s contract cannot change any more (asked: %(to)s)."),
    "contract.invalid_transition": _l("A contract cannot go from %(status)s to %(to)s."),
    "contract.not_allowed": _l("You are not allowed to %(action)s contracts."),
    "contract.owner_state_required": _l("Only those allowed to %(action)s any contract, or the customer's owner "
                                        "while the contract is %(owner_states)s, may move a %(status)s contract "
                                        "to %(to)s."),
    "contract.not_owner": _l("Only the customer's owner may record the customer's stamp."),
    "contract.own_customer": _l("You cannot %(action)s a contract for a customer you own."),
    "contract.same_reviewer": _l("The contract must be approved by someone other than its reviewer."),
    "contract.reason_required": _l("A reason is required to %(what)s."),
    "contract.license_copy_missing": _l("The customer's business licence copy is not on file."),
    "contract.operating_permit_missing": _l("The customer's operating permit is not on file."),
    "contract.license_name_missing": _l("The customer's business licence name is not recorded."),
    "contract.party_name_missing": _l("The contracting party's name is empty."),
    "contract.party_name_mismatch": _l("The contracting party's name '%(party_name)s' does not match the "
                                       "business licence name '%(license_name)s'."),
    "contract.dates_missing": _l("The contract's start and end dates are required."),
    "contract.dates_invalid": _l("The contract starts on %(start)s after it ends on %(end)s."),
    "contract.status_not_editable": _l("The contract status cannot be edited directly; use the approval "
                                       "buttons (or POST /api/v1/contract/<id>/transition)."),
    "contract.new_not_draft": _l("A new contract starts as a draft."),
    "contract.sealed_not_deletable": _l("A sealed contract is binding and cannot be deleted."),
    # bookings
    "booking.no_contract": _l("The booking has no contract; sign a contract first."),
    "booking.contract_other_customer": _l("The contract belongs to another customer than the booking's."),
    "booking.contract_not_sealed": _l("The contract is %(status)s, not sealed; only a sealed contract is in "
                                      "force."),
    "booking.contract_dates_missing": _l("The contract has no start or end date."),
    "booking.contract_not_started": _l("The contract starts on %(start)s, after the publish date "
                                       "%(publish_date)s."),
    "booking.contract_lapsed": _l("The contract ended on %(end)s and was not renewed; the ad runs until "
                                  "%(last_day)s."),
    "booking.copy_missing": _l("The ad copy has not been received."),
    "booking.sensitive_words": _l("The ad copy contains sensitive words (%(words)s); change the copy or "
                                  "attach supporting documents."),
    "booking.proof_not_confirmed": _l("The proof is %(proof_status)s, not confirmed by the customer."),
    "booking.proof_confirmed_by_staff": _l("Only the customer's ad responsible contact may confirm the proof, "
                                           "not staff."),
    "booking.no_ad_responsible": _l("The customer has no ad responsible contact to confirm the proof."),
    "booking.proof_confirmer_missing": _l("The proof confirmation does not record which contact confirmed it."),
    "booking.proof_confirmer_not_responsible": _l("The proof was confirmed by a contact who is not the "
                                                  "customer's ad responsible contact."),
    "booking.proof_method_missing": _l("How the proof was confirmed (in person, e-mail or fax) is not "
                                       "recorded."),
    "booking.slot_taken": _l("This slot is already taken in that issue (booking #%(other_id)s)."),
    "booking.publish_date_missing": _l("The booking has neither an issue nor a web start date."),
    "booking.proof_fields_direct": _l("The proof confirmation is recorded with the confirm-proof action, "
                                      "not by editing the booking."),
    # money
    "money.amount_negative": _l("The amount %(amount)s is negative."),
    "money.discount_out_of_range": _l("The discount %(discount_pct)s%% is outside 0 to 100."),
    "money.writeoff_responsible_missing": _l("Name the staff member responsible for the error."),
    "money.writeoff_amount_not_positive": _l("The write-off amount must be greater than zero."),
    "money.writeoff_exceeds_receivable": _l("The write-off amount %(amount)s exceeds the receivable "
                                            "%(outstanding)s."),
    "money.writeoff_reason_required": _l("A reason is required for a write-off."),
    "money.already_confirmed": _l("This payment was already confirmed."),
    "money.confirm_not_allowed": _l("You are not allowed to confirm that a payment was received."),
    "money.confirm_fields_direct": _l("Payments are confirmed with the confirm action, not by editing them."),
    # concurrency (app.workflow.concurrency)
    "record.changed_meanwhile": _l("This record was changed by someone else since you opened it; nothing was "
                                   "saved. Reload it to see the current values."),
    "money.confirmed_not_deletable": _l("A confirmed payment cannot be deleted; Finance reverses it with a reason."),
    "money.payment_final": _l("This payment is %(state)s and final (%(fields)s cannot change); Finance corrects a "
                              "confirmed payment by reversing it with a reason."),
    "money.writeoff_final": _l("A recorded write-off keeps its contract, amount and responsible staff member; only "
                               "the reason's wording may change (asked: %(fields)s)."),
    "money.contract_not_open": _l("The contract is %(status)s: payments and write-offs need a contract the customer "
                                  "has stamped and nobody cancelled."),
    "money.advance_out_of_range": _l("The advance %(advance)s must lie between 0 and the amount %(amount)s."),
    "money.payment_exceeds_receivable": _l("The payment %(amount)s exceeds what is still open on the contract "
                                           "(%(outstanding)s); Finance may record the surplus %(surplus)s as an "
                                           "advance."),
    "money.collected_in_future": _l("The payment is collected on %(collected_on)s, after today (%(today)s)."),
    "money.collected_too_old": _l("The payment is collected on %(collected_on)s, more than a year ago; check the "
                                  "date."),
    "money.receipt_in_future": _l("%(what)s (%(moment)s) is in the future."),
    "money.receipt_before_collection": _l("%(what)s (%(moment)s) is before the payment was collected "
                                          "(%(collected_on)s)."),
    "money.reversal_not_confirmed": _l("Only a confirmed payment is reversed; correct an unconfirmed one directly."),
    "money.reversal_reason_required": _l("A reason is required to reverse a payment."),
    "money.reversal_time_missing": _l("A reversal records when it was made."),
    "money.already_reversed": _l("This payment was already reversed."),
    "money.confirm_reversed": _l("This payment was reversed: it cannot be confirmed."),
    # any record
    "field.invalid": _l("%(field)s: %(problem)s"),
    "edit.system_field": _l("%(fields)s: set by the system when you act, not typed."),
    "edit.not_allowed": _l("You may not change %(fields)s of this record in its current state."),
    # contracts: what may change
    "contract.terms_frozen": _l("The contract is %(status)s: its terms are frozen (%(fields)s). Send it back to "
                                "draft with a reason to change them; the approval starts again."),
    "contract.final_fields": _l("A %(status)s contract is final: only the archive copies and notes may change "
                                "(not %(fields)s)."),
    "contract.renews_other_customer": _l("A contract renews an earlier contract of the same customer."),
    "contract.customer_has_history": _l("The contract cannot move to another customer: its bookings or payments "
                                        "record work done with the current one (a published ad, a proof sent, a "
                                        "confirmed payment or a write-off)."),
    # bookings: placement, documents, publication
    "booking.published_final": _l("The booking is published: it records an ad that ran and cannot change "
                                  "(%(fields)s)."),
    "booking.published_not_deletable": _l("A published booking records an ad that ran and cannot be deleted."),
    "booking.contract_not_open": _l("The contract is %(status)s: bookings need a contract the customer has stamped "
                                    "and nobody cancelled."),
    "booking.slot_inactive": _l("This slot is no longer on the rate card; pick an active slot."),
    "booking.slot_missing": _l("The booking has no ad slot."),
    "booking.web_slot_in_issue": _l("A web slot is booked for a period (web start and end), not in a print issue."),
    "booking.web_period_missing": _l("A web slot needs the first and last day of the period (web start and web "
                                     "end)."),
    "booking.web_period_taken": _l("The slot is already booked from %(start)s to %(end)s (booking #%(other_id)s)."),
    "booking.print_issue_missing": _l("A print slot is booked in an issue; pick the issue."),
    "booking.issue_other_publication": _l("The issue belongs to another publication than the slot."),
    "booking.print_slot_web_dates": _l("A print slot is booked in an issue and has no web start or end date."),
    "booking.supporting_document_missing": _l("Supporting documents on file needs the document attached."),
    "booking.copy_changed_after_proof": _l("The customer confirmed the proof of the current copy; set the proof "
                                           "back to pending or sent before changing the copy."),
    # contacts and the rows that name them
    "contact.other_customer": _l("The contact belongs to another customer; pick one of this customer's contacts."),
    "contact.designation_role_required": _l("Only Service, a Manager or an Admin designates the customer's ad "
                                            "responsible contact."),
    "contact.ad_responsible_protected": _l("Only Service, a Manager or an Admin renames or moves the customer's ad "
                                           "responsible contact (asked: %(fields)s)."),
    "contact.ad_responsible_taken": _l("%(name)s is already the customer's ad responsible contact; clear that "
                                       "first."),
    "contact.in_use": _l("The contact is named on this customer's activities, complaints or proofs and cannot move "
                         "to another customer."),
    # activities and slots
    "activity.in_future": _l("The activity is dated %(happened_on)s, after today (%(today)s); log what happened."),
    "activity.too_old": _l("The activity is dated %(happened_on)s, more than a year ago; check the date."),
    "adslot.in_use": _l("The slot has bookings: its medium and publication cannot change."),
    "issue.in_use": _l("The issue has bookings: its publication cannot change."),
    "issue.published_in": _l("Ads in this issue are published: its publish date cannot change."),
    "contact.confirmed_proofs": _l("The contact confirmed or was sent proofs: the record of who confirmed them "
                                   "must stay."),
}
_STATES = {"confirmed": _l("confirmed"), "reversed": _l("reversed")}

_ENUM_PARAMS = {
    "status": enums.ContractStatus, "to": enums.ContractStatus, "proof_status": enums.ProofStatus,
}
_WHAT = {
    "send a contract back to draft": _l("send a contract back to draft"),
    "cancel a contract": _l("cancel a contract"),
}
_ACTIONS = {"stamp": _l("stamp"), "review": _l("review"), "approve": _l("approve"), "seal": _l("seal"),
            "send back": _l("send back"), "cancel": _l("cancel")}


def _field_label(name) -> str:
    from app.labels import FIELD_LABELS

    return str(FIELD_LABELS.get(name, name))


def _shown_params(violation: RuleViolation) -> dict:
    from flask_babel import gettext

    from app.labels import enum_label

    params = dict(violation.params)
    if "fields" in params:
        params["fields"] = ", ".join(_field_label(name) for name in params["fields"])
    if violation.code == "field.invalid":
        params["field"] = _field_label(params["field"])
        params["problem"] = gettext(params["problem"])
    if "state" in params:
        params["state"] = str(_STATES.get(params["state"], params["state"]))
    for name, enum_cls in _ENUM_PARAMS.items():
        if name in params:
            params[name] = enum_label(enum_cls, params[name])
    if "what" in params:
        params["what"] = str(_WHAT[params["what"]]) if params["what"] in _WHAT else _field_label(params["what"])
    if "action" in params:
        params["action"] = str(_ACTIONS.get(params["action"], params["action"]))
    if "owner_states" in params:  # "draft or stamped" from the pure rule
        params["owner_states"] = " / ".join(
            enum_label(enums.ContractStatus, state) for state in str(params["owner_states"]).split(" or "))
    return params


def translate(violation: RuleViolation) -> str:
    """The violation's message in the current locale (its English text if the code is unknown)."""
    template = MESSAGES.get(violation.code)
    if template is None:
        return violation.message
    try:
        return str(template) % _shown_params(violation)
    except (KeyError, ValueError, TypeError):
        return violation.message


class RuleRefused(RefusedWrite):
    """A rule refused a write: a 400 through the API (message + code), a flash in the views."""

    def __init__(self, violation: RuleViolation):
        self.violation = violation
        self.code_name = violation.code
        super().__init__(description=translate(violation))


def refuse(violation: RuleViolation) -> RuleRefused:
    return RuleRefused(violation)


def violation(code: str, template: str = "", params: dict | None = None, field: str | None = None):
    """A RuleViolation for app-level rules (the English template is the fallback text)."""
    return RuleViolation(code, template or code, params, field)
