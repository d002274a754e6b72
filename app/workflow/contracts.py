"""The contract approval chain: facts from the ORM, the pure rule, the change and its history."""
from sqlalchemy import select

from app.domain.enums import ContractStatus
from app.domain.rules import contracts as rules
from app.domain.rules.contracts import Actor, ContractFacts
from app.models import Contract, ContractTransition, db
from app.context import channel

from .actors import current_actor
from .concurrency import check_version, lock_for_update


def reviewed_by(contract: Contract) -> int | None:
    """Who reviewed the contract in its current pass through the chain (None before review)."""
    if contract.id is None or contract.status not in (ContractStatus.REVIEWED, ContractStatus.APPROVED):
        return None
    return db.session.scalar(
        select(ContractTransition.actor_id)
        .where(ContractTransition.contract_id == contract.id,
               ContractTransition.to_status == ContractStatus.REVIEWED.value)
        .order_by(ContractTransition.at.desc(), ContractTransition.id.desc()).limit(1))


def has_bookings(contract: Contract) -> bool:
    from sqlalchemy import exists

    from app.models import Booking

    # bookings stand on stamped..sealed contracts, and only a stamped, reviewed or approved one can still be
    # cancelled or sent back: no other status needs the question asked (a page's statement saved)
    if contract.id is None or contract.status not in (ContractStatus.STAMPED, ContractStatus.REVIEWED,
                                                       ContractStatus.APPROVED):
        return False
    with db.session.no_autoflush:
        return bool(db.session.scalar(select(exists().where(Booking.contract_id == contract.id))))


def contract_facts(contract: Contract, *, with_reviewer: bool = True) -> ContractFacts:
    customer = contract.customer
    return ContractFacts(
        status=contract.status or ContractStatus.DRAFT.value,
        owner_id=customer.owner_id if customer is not None else None,
        kind=contract.kind,
        start=contract.start_date,
        end=contract.end_date,
        party_name=contract.party_name,
        license_name=customer.name if customer is not None else None,
        has_license_copy=bool(customer is not None and customer.license_copy),
        has_operating_permit=bool(customer is not None and customer.operating_permit),
        reviewed_by=reviewed_by(contract) if with_reviewer else None,
        has_bookings=has_bookings(contract) if with_reviewer else False,
    )


def available_transitions(contract: Contract, actor: Actor | None = None) -> list[str]:
    """Targets to offer the actor as buttons (state and permission only)."""
    return rules.allowed_transitions(actor or current_actor(), contract_facts(contract))


def transition_violations(contract: Contract, to: str, reason: str | None = None,
                          actor: Actor | None = None):
    return rules.transition_violations(actor or current_actor(), contract_facts(contract), to, reason)


def transition_contract(contract: Contract, to: str, reason: str | None = None,
                        actor: Actor | None = None, expected_version: int | None = None) -> ContractTransition:
    """Move `contract` to status `to` for `actor` (default: the current user).

    The contract's row is locked first and the rules are checked on it as committed: of two transitions sent
    at the same moment, the second is judged after the first. With `expected_version` (the version the user
    saw), a contract changed since is refused as changed by someone else.
    Raises the rule's first RuleViolation and changes nothing if refused; otherwise sets the
    status, adds the history row (actor, channel, reason) and flushes. The caller commits.
    """
    actor = actor or current_actor()
    lock_for_update(contract)
    if expected_version is not None:
        check_version(contract, expected_version)
    with db.session.no_autoflush:
        rules.check_transition(actor, contract_facts(contract), to, reason)
    row = ContractTransition(
        contract=contract, from_status=contract.status, to_status=str(to),
        reason=(reason or "").strip() or None, actor_id=actor.user_id if actor.user_id > 0 else None,
        channel=channel())
    contract.status = str(to)
    db.session.add(row)
    db.session.flush()
    return row


def history(contract: Contract) -> list[ContractTransition]:
    return list(db.session.scalars(
        select(ContractTransition).where(ContractTransition.contract_id == contract.id)
        .order_by(ContractTransition.at, ContractTransition.id)))


def is_pending_transition(contract: Contract) -> bool:
    """True if the contract's current status was set by `transition_contract` in this session."""
    return any(isinstance(obj, ContractTransition) and obj.contract is contract
               and obj.to_status == contract.status for obj in db.session.new)
