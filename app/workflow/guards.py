"""The one write guard: the rules of every write, whichever door it comes through.

`check_record_write(record, item, deleting=False)` is called by the views' and APIs' guard()
(pre_add / pre_update / pre_delete), by the sheet sync before it applies a row, and by the workflow actions
(confirm a payment, reverse it, confirm a proof, write off) before they flush. It raises `RefusedWrite` (a
`RuleRefused` with `.violation` for business rules) and nothing is written.

For a create or an update, in this order:
1. the write-preparation step (app.workflow.prepare): field checks on what was typed, normalised text, the
   defaults and stamps set by whoever acts;
2. ownership (app.security.ownership.check_write: Sales touch their own customers' rows only);
3. the declaration of what may change, in which state, by whom (app.domain.rules.editable);
4. the consistency of related rows and the record's business rules (app.workflow.record_rules, and the pure
   rules of app.domain.rules they call).
"""
from sqlalchemy import exists, or_, select

from app.domain.enums import ContractStatus
from app.domain.rules import editable
from app.domain.rules.errors import RuleViolation
from app.security.ownership import check_write, current_role_names

from . import prepare
from .messages import RuleRefused, violation
from .prepare import committed, is_new
from .record_rules import RECORD_RULES


# --- what may change, in which state, by whom --------------------------------------------------------------

OPEN_CHAIN = frozenset({ContractStatus.STAMPED, ContractStatus.REVIEWED, ContractStatus.APPROVED})


def record_state(record: str, item) -> str:
    """The item's state as the declaration's tables name it (before this write)."""
    if is_new(item):
        return editable.NEW
    if record == "contract":
        return str(committed(item, "status") or ContractStatus.DRAFT.value)
    if record == "booking":
        return editable.PUBLISHED if committed(item, "published") else editable.BOOKING_OPEN
    if record == "payment":
        if committed(item, "reversed_at") is not None:
            return editable.REVERSED
        return editable.CONFIRMED if committed(item, "confirmed_at") is not None else editable.UNCONFIRMED
    if record == "writeoff":
        return editable.RECORDED
    if record == "contact":
        return editable.AD_RESPONSIBLE if committed(item, "is_ad_responsible") else editable.OTHER_CONTACT
    return "any"


def editable_violation(record: str, item, changes: set[str]) -> RuleViolation | None:
    state = record_state(record, item)
    refused = editable.refused_fields(record, state, current_role_names(), changes)
    if not refused:
        return None
    params = {"fields": refused, "status": state}
    field = refused[0]
    system = [f for f in refused if f in editable.SYSTEM_FIELDS.get(record, ()) or f in editable.ALWAYS_SYSTEM]
    if system:
        return violation("edit.system_field", "Set by the system, not typed: {fields}.", {"fields": system},
                         field=system[0])
    if record == "contract" and state in OPEN_CHAIN:
        return violation("contract.terms_frozen", "The contract is {status}: its terms are frozen.", params, field)
    if record == "contract" and state in (ContractStatus.SEALED, ContractStatus.CANCELLED):
        return violation("contract.final_fields", "A {status} contract is final.", params, field)
    if record == "booking" and state == editable.PUBLISHED:
        return violation("booking.published_final", "The booking is published and final.", params, field)
    if record == "payment" and state in (editable.CONFIRMED, editable.REVERSED):
        return violation("money.payment_final", "This payment is {state} and final.",
                         {"fields": refused, "state": state}, field)
    if record == "payment" and set(refused) <= set(editable.REVERSAL):
        return violation("money.reversal_not_confirmed", "Only a confirmed payment is reversed.", field=field)
    if record == "payment" and set(refused) <= set(editable.RECEIPT + editable.ADVANCE):
        return violation("money.confirm_not_allowed", "You are not allowed to confirm that a payment was received.",
                         params, field)
    if record == "writeoff" and state == editable.RECORDED:
        return violation("money.writeoff_final", "A recorded write-off keeps its amount.", params, field)
    if record == "contact" and "is_ad_responsible" in refused:
        return violation("contact.designation_role_required",
                         "Only Service, a Manager or an Admin designates the ad responsible contact.", params,
                         "is_ad_responsible")
    if record == "contact" and state == editable.AD_RESPONSIBLE:
        return violation("contact.ad_responsible_protected",
                         "Only Service, a Manager or an Admin renames or moves the ad responsible contact.",
                         params, field)
    return violation("edit.not_allowed", "You may not change {fields} here.", params, field)


def _delete_violation(record: str, item) -> RuleViolation | None:
    if record == "contract" and item.status == ContractStatus.SEALED:
        return violation("contract.sealed_not_deletable", "A sealed contract cannot be deleted.")
    if record == "contract":
        from app.models import Contract, db

        # The database would clear the renewal's link (ON DELETE SET NULL) unseen, with no audit entry.
        if db.session.scalar(select(exists().where(Contract.renews_id == item.id))):
            return violation("contract.renewed", "Another contract renews this one.")
    if record == "booking" and item.published:
        return violation("booking.published_not_deletable", "A published booking cannot be deleted.")
    if record == "payment" and item.confirmed_at is not None:
        return violation("money.confirmed_not_deletable", "A confirmed payment cannot be deleted.")
    if record == "contact":
        from app.models import Activity, Booking, Complaint, db

        if db.session.scalar(select(exists().where(
                or_(Booking.proof_contact_id == item.id, Booking.proof_sent_to_id == item.id)))):
            return violation("contact.confirmed_proofs", "The contact confirmed or was sent proofs.")
        # The database would unlink them (ON DELETE SET NULL) unseen: no audit entry, no version (found by the
        # stateful property test). The log of who was called or complained stays whole.
        if db.session.scalar(select(or_(exists().where(Activity.contact_id == item.id),
                                        exists().where(Complaint.contact_id == item.id)))):
            return violation("contact.named_on_records", "The contact is named on activities or complaints.")
    return None


def write_violation(record: str, item) -> RuleViolation | None:
    """Prepare the write (app.workflow.prepare), check ownership, then the declaration and the rules; the
    first violation, or None. Ownership refusals raise `RefusedWrite`."""
    found = prepare.check_fields(record, item)
    if found is not None:
        return found
    prepare.normalise(record, item)
    changes = prepare.changed_fields(item)
    prepare.set_defaults(record, item)
    check_write(record, item)
    found = editable_violation(record, item, changes)
    if found is not None:
        return found
    prepare.stamp(record, item, changes)
    rule = RECORD_RULES.get(record)
    return rule(item, changes) if rule is not None else None


def check_record_write(record: str, item, deleting: bool = False) -> None:
    """Refuse the write if the user may not touch the row or a business rule forbids it (see the module)."""
    from app.models import db

    from .concurrency import lock_related

    with db.session.no_autoflush:  # the change must not reach the database before the rules have seen it
        if not deleting:
            lock_related(record, item)  # the rules below read the contract (slot) and its other rows: lock it first
        if deleting:
            check_write(record, item)
            found = _delete_violation(record, item)
        else:
            found = write_violation(record, item) or taken_value(record, item)
    if found is not None:
        raise RuleRefused(found)


def taken_value(record: str, item) -> RuleViolation | None:
    """A unique value (credit code, contract number...) another row already holds, checked on the normalised
    value; the message names that row only if the user may see it (app.workflow.duplicates)."""
    from sqlalchemy import inspect

    from .duplicates import duplicate_message, unique_columns

    state = inspect(item)
    model = type(item)
    for column in unique_columns(model):
        if not (state.transient or state.pending) and not state.attrs[column].history.has_changes():
            continue
        message = duplicate_message(record, model, column, getattr(item, column, None), getattr(item, "id", None))
        if message:
            return RuleViolation("value.taken", message, field=column)  # already in the user's words
    return None
