"""The write-preparation step: what every door used to do for itself, done once for all of them.

The write guard (guards.check_record_write) runs these for every create and update, whichever door it came
through (browser forms, REST API, sheet sync, CLI, imports), before the business rules:

1. `check_fields`: the field checks (app.checks) on every value the writer changed, as typed.
2. `normalise`: text stored as app.domain.normalise says (invisible characters removed, blanks stripped,
   blank optional text as NULL, codes in NFKC, credit codes upper-cased).
3. `changed_fields`: what the writer changed, named as the declaration names fields
   (app.domain.rules.editable), computed after normalisation so '' over NULL is no change.
4. `set_defaults`: the "set by whoever acts" columns of a new row (who logged the activity, who created the
   contract, who collected the payment...), and a Sales rep's new customer is theirs.
5. `stamp`: who did a workflow step and when (confirmed a payment, reversed it, recorded a proof, sent it to
   whom), and whether an activity was entered late.

A test fails when a door sets one of these itself (tests/test_guard_single_places.py).
"""
from datetime import date, datetime

from sqlalchemy import inspect

from app.checks import DATE_RANGES, cleaner, field_errors, text_columns
from app.domain.enums import ProofStatus
from app.domain.rules.dates import is_late_entry
from app.domain.validation import check_date_order
from app.domain.rules.errors import RuleViolation
from app.models.base import utcnow
from app.security.ownership import acting_user, acting_user_id, restricted_user_id

# record -> the relationship a new row gets the acting user in, when the writer left it empty.
ACTOR_DEFAULTS = {
    "activity": "user",
    "contract": "created_by",
    "payment": "collected_by",
    "complaint": "handled_by",
    "writeoff": "recorded_by",
}

def is_new(item) -> bool:
    state = inspect(item)
    return state.transient or state.pending


def committed(item, field: str):
    """The attribute's value as loaded from the database (None for a new row)."""
    if is_new(item):
        return None
    state = inspect(item)
    history = state.attrs[field].history
    if history.deleted:
        return history.deleted[0]
    if history.added and not history.unchanged:
        return state.committed_state.get(field)
    return getattr(item, field)


def _fk_names(mapper) -> dict[str, str]:
    """Foreign-key column -> the many-to-one relationship it serves (customer_id -> customer)."""
    names = {}
    for rel in mapper.relationships:
        if rel.uselist:
            continue
        for column in rel.local_columns:
            names.setdefault(column.key, rel.key)
    return names


def _column_default(column):
    default = column.default
    return default.arg if default is not None and default.is_scalar else None


def _person_columns(mapper):
    """The column attributes a writer may set: not the version counter SQLAlchemy keeps itself."""
    version = mapper.version_id_col
    return [attr for attr in mapper.column_attrs if version is None or attr.columns[0] is not version]


def _written_values(item) -> dict[str, object]:
    """Column -> new value for each column the writer set (new row: set to something; else: changed)."""
    state = inspect(item)
    mapper = state.mapper
    out = {}
    if state.transient or state.pending:
        for attr in _person_columns(mapper):
            value = state.dict.get(attr.key)
            column = attr.columns[0]
            if value is not None and value != "" and value != _column_default(column):
                out[attr.key] = value
        return out
    for attr in _person_columns(mapper):
        history = state.attrs[attr.key].history
        if history.added and history.has_changes():
            out[attr.key] = history.added[0]
    return out


def changed_fields(item) -> set[str]:
    """The fields the writer changed (a new row: set), relationships named as such (customer, not customer_id)."""
    state = inspect(item)
    mapper = state.mapper
    fk_names = _fk_names(mapper)
    changed = {fk_names.get(key, key) for key in _written_values(item)}
    new = state.transient or state.pending
    for rel in mapper.relationships:
        if rel.uselist:
            continue
        history = state.attrs[rel.key].history
        if not history.has_changes():
            continue
        target = history.added[0] if history.added else None
        if new:
            if target is not None:
                changed.add(rel.key)
            continue
        columns = list(rel.local_columns)
        if len(columns) != 1:
            changed.add(rel.key)
            continue
        key = columns[0].key
        old_id = state.committed_state.get(key, state.dict.get(key))
        new_id = None if target is None else inspect(target).identity[0] if inspect(target).identity else None
        if new_id is None and target is not None or new_id != old_id:
            changed.add(rel.key)
    return changed


def check_fields(record: str, item) -> RuleViolation | None:
    """The first field check a written value fails (before normalisation: an invisible character in a name
    is refused, not silently dropped), then the order of the record's date ranges."""
    written = _written_values(item)
    for field, value in written.items():
        messages = field_errors(record, field, value)
        if messages:
            return RuleViolation("field.invalid", messages[0], {"field": field, "problem": messages[0]}, field=field)
    for start, end in DATE_RANGES.get(record, ()):
        if start in written or end in written:
            message = check_date_order(getattr(item, start), getattr(item, end))
            if message:
                return RuleViolation("field.invalid", message, {"field": end, "problem": message}, field=end)
    return None


def normalise(record: str, item) -> None:
    """Store the changed text fields in their normal form (app.domain.normalise)."""
    written = _written_values(item)
    for field in text_columns(record):
        if field in written or (is_new(item) and getattr(item, field, None) == ""):
            value = getattr(item, field)
            if isinstance(value, str):
                cleaned = cleaner(record, field)(value)
                if cleaned != value:
                    setattr(item, field, cleaned)


def acting_id() -> int | None:
    """The acting user's id (request user, or whoever app.context.acting_as names)."""
    return acting_user_id()


def set_defaults(record: str, item) -> None:
    """The "set by whoever acts" columns of a new row, when the writer left them empty. The relationship is
    set (not only the id), so an empty value a form set on it cannot win at flush."""
    if not is_new(item):
        return
    fill_contract(record, item)
    actor = acting_user()
    if actor is None:
        return
    relation = ACTOR_DEFAULTS.get(record)
    if relation and getattr(item, relation) is None and getattr(item, f"{relation}_id") is None:
        setattr(item, relation, actor)
    if record == "customer" and item.owner is None and item.owner_id is None \
            and restricted_user_id("customer") is not None:
        item.owner = actor  # a Sales rep's new customer is theirs


def fill_contract(record: str, item) -> None:
    """A new contract without a number gets the next one of CONTRACT_NUMBER_PATTERN (app.workflow.numbering);
    without a party name, the customer's name (the licence name it must equal to be sealed)."""
    if record != "contract" or not is_new(item):
        return
    if not item.number:
        from .numbering import next_contract_number

        item.number = next_contract_number()
    if not item.party_name:
        customer = item.customer
        if customer is None and item.customer_id is not None:
            from app.models import Customer, db

            customer = db.session.get(Customer, item.customer_id)
        if customer is not None:
            item.party_name = customer.name


def stamp(record: str, item, changes: set[str], now: datetime | None = None, today: date | None = None) -> None:
    """Who did a workflow step and when; whether an activity was entered late."""
    now = now or utcnow()
    today = today or date.today()
    actor = acting_id()
    if record == "payment":
        if "confirmed_at" in changes and item.confirmed_at is not None:
            item.confirmed_by_id = actor
            item.received_at = item.received_at or item.confirmed_at
        if "reversed_at" in changes and item.reversed_at is not None:
            item.reversed_by_id = actor
    elif record == "booking":
        if "proof_status" in changes and item.proof_status == ProofStatus.SENT:
            from .bookings import ad_responsible_id, booking_customer_id

            item.proof_sent_to_id = ad_responsible_id(booking_customer_id(item))
            item.proof_sent_at = now
        confirming = {"proof_status", "proof_contact", "proof_method"} & changes
        if item.proof_status == ProofStatus.CONFIRMED and confirming:
            item.proof_confirmed_at = now
            item.proof_recorded_by_id = actor
    elif record == "activity":
        if is_new(item) or "happened_on" in changes:
            entered = today if is_new(item) or item.created_at is None else item.created_at.date()
            item.late = bool(item.happened_on and is_late_entry(item.happened_on, entered))
