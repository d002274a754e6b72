"""The workflow steps a record's page offers (adsheet/actions.html): each a POST button with the CSRF token, or,
when the step is not open to this user now, the step's name with why, in the rules' own words.

The reasons come from the same functions the actions check (app.workflow.money.confirm_blockers and
reverse_blockers, app.workflow.bookings.publication_problems, app.domain.rules.contracts.transition_violations):
a page never says something the action would not, and no template re-codes a rule.
"""
from dataclasses import dataclass, field

from flask import url_for
from flask_babel import lazy_gettext as _l

from app.workflow.messages import translate


@dataclass
class Step:
    label: str
    url: str  # the POST target
    reasons: list[str] = field(default_factory=list)  # empty: the step is open to the user
    fields: dict = field(default_factory=dict)  # hidden fields (the version shown...)
    style: str = "btn-primary"
    needs_reason: bool = False  # a text box for the reason goes with the button
    name: str = ""  # a stable name for the page's tests and scripts

    @property
    def available(self) -> bool:
        return not self.reasons


def payment_steps(endpoint: str, payment) -> list[Step]:
    """Confirm received (an unconfirmed payment), reverse (a confirmed one)."""
    from app.workflow.money import confirm_blockers, reverse_blockers

    if payment.reversed_at is not None:
        return []
    if payment.confirmed_at is None:
        return [Step(_l("Confirm received"), url_for(f"{endpoint}.confirm", pk=payment.id),
                     [translate(v) for v in confirm_blockers(payment)], {"version": payment.version},
                     name="confirm")]
    return [Step(_l("Reverse payment"), url_for(f"{endpoint}.reverse", pk=payment.id),
                 [translate(v) for v in reverse_blockers(payment, who_may=True)], style="btn-danger",
                 needs_reason=True, name="reverse")]


def booking_steps(endpoint: str, booking, may_edit: bool) -> list[Step]:
    """Mark published (上刊): open when nothing blocks it (proof confirmed by the customer, contract in force,
    copy received, no sensitive word without documents...)."""
    from app.domain.enums import ProofStatus
    from app.workflow.bookings import publication_problems, send_proof_blockers

    if booking.published:
        return []
    refused = [] if may_edit else [str(_l("You are not allowed to change bookings."))]
    steps = []
    if booking.proof_status in (ProofStatus.PENDING, ProofStatus.REJECTED, None):
        steps.append(Step(_l("Mark proof sent to the customer"), url_for(f"{endpoint}.send_proof", pk=booking.id),
                          refused + [translate(v) for v in send_proof_blockers(booking)],
                          {"version": booking.version}, style="btn-default", name="send_proof"))
    steps.append(Step(_l("Mark published"), url_for(f"{endpoint}.publish", pk=booking.id),
                      refused + [translate(v) for v in publication_problems(booking)],
                      {"version": booking.version}, name="publish"))
    return steps


def contract_unavailable_steps(contract) -> list[tuple[str, str, list[str]]]:
    """The contract's steps the state allows but the user may not take: (target, label, reasons), from the
    approval rule (app.domain.rules.contracts.refused_transitions)."""
    from app.domain.rules import contracts as rules
    from app.workflow.actors import current_actor
    from app.workflow.contracts import contract_facts

    from .sales import TRANSITION_LABELS

    refused = rules.refused_transitions(current_actor(), contract_facts(contract))
    return [(to, str(TRANSITION_LABELS.get(to, to)), [translate(v) for v in found]) for to, found in refused.items()]
