"""The rules of every write, whichever door it comes through.

`check_record_write(record, item, deleting=False)` is called by the views' and APIs' guard()
(pre_add / pre_update / pre_delete) and by the sheet sync before it applies a row. It raises
`RefusedWrite` (a `RuleRefused` with `.violation` for business rules) and changes nothing.
"""
from sqlalchemy import inspect

from app.domain.enums import ContractStatus, ProofStatus
from app.domain.rules.errors import RuleViolation
from app.security.ownership import check_write

from .messages import RuleRefused, violation


def changed(item, *names: str) -> bool:
    """True if the item is new or any of the named attributes changed since load."""
    state = inspect(item)
    if state.transient or state.pending:
        return True
    return any(state.attrs[name].history.has_changes() for name in names)


def is_new(item) -> bool:
    state = inspect(item)
    return state.transient or state.pending


def _contract(item, deleting: bool) -> RuleViolation | None:
    from .contracts import is_pending_transition

    if deleting:
        if item.status == ContractStatus.SEALED:
            return violation("contract.sealed_not_deletable", "A sealed contract cannot be deleted.")
        return None
    if is_new(item):
        if item.status not in (None, ContractStatus.DRAFT.value):
            return violation("contract.new_not_draft", "A new contract starts as a draft.", field="status")
        item.status = ContractStatus.DRAFT.value
        return None
    if changed(item, "status") and not is_pending_transition(item):
        return violation("contract.status_not_editable", "The contract status cannot be edited directly.",
                         field="status")
    return None


PUBLICATION_FIELDS = ("published", "contract", "issue", "web_start", "web_end", "copy_text", "copy_received",
                      "has_supporting_documents", "supporting_document", "proof_status", "proof_contact",
                      "proof_method", "contract_id", "issue_id", "proof_contact_id")
PROOF_FIELDS = ("proof_status", "proof_contact", "proof_method", "proof_contact_id")


def _booking(item, deleting: bool) -> RuleViolation | None:
    from .bookings import proof_problems, publication_problems, slot_problem

    if deleting:
        return None
    contract = item.contract
    if contract is None:
        return violation("booking.no_contract", "The booking has no contract.", field="contract")
    if not is_new(item) and item.customer_id is not None and contract.customer_id != item.customer_id:
        return violation("booking.contract_other_customer", "The contract belongs to another customer.",
                         {"contract_customer_id": contract.customer_id, "customer_id": item.customer_id},
                         field="contract")
    if changed(item, "slot", "issue", "slot_id", "issue_id"):
        conflict = slot_problem(item)
        if conflict is not None:
            return conflict
    if item.proof_status == ProofStatus.CONFIRMED and changed(item, *PROOF_FIELDS):
        problems = proof_problems(item)
        if problems:
            return problems[0]
    if item.published and changed(item, *PUBLICATION_FIELDS):
        problems = publication_problems(item)
        if problems:
            return problems[0]
    return None


def _payment(item, deleting: bool) -> RuleViolation | None:
    if deleting or not changed(item, "received_at", "confirmed_at", "confirmed_by"):
        return None
    if item.confirmed_at is None and item.received_at is None and is_new(item):
        return None
    from app.domain.capabilities import Capability
    from app.security import authority

    from .money import confirm_not_allowed

    if not authority.has_capability(None, Capability.CONFIRM_PAYMENT):
        return confirm_not_allowed(field="confirmed_at")
    if item.confirmed_at is not None and item.confirmed_by is None and item.confirmed_by_id is None:
        from app.security.ownership import acting_user_id

        item.confirmed_by_id = acting_user_id()
    return None


def _write_off(item, deleting: bool) -> RuleViolation | None:
    from .money import write_off_problems

    if deleting:
        return None
    if is_new(item) and item.recorded_by is None and item.recorded_by_id is None:
        from app.security.ownership import acting_user_id

        item.recorded_by_id = acting_user_id()
    problems = write_off_problems(item)
    return problems[0] if problems else None


RECORD_RULES = {
    "contract": _contract,
    "booking": _booking,
    "payment": _payment,
    "writeoff": _write_off,
}


def record_violation(record: str, item, deleting: bool = False) -> RuleViolation | None:
    """The first business rule the write breaks (no ownership check), or None."""
    rule = RECORD_RULES.get(record)
    if rule is None:
        return None
    from app.models import db

    with db.session.no_autoflush:
        return rule(item, deleting)


def check_record_write(record: str, item, deleting: bool = False) -> None:
    """Refuse the write if the user may not touch the row or a business rule forbids it."""
    from .concurrency import lock_related

    if not deleting:
        lock_related(record, item)  # the rules below read the contract (slot) and its other rows: lock it first
    check_write(record, item)
    found = record_violation(record, item, deleting)
    if found is not None:
        raise RuleRefused(found)
