"""The contract approval chain: draft -> stamped -> reviewed -> approved -> sealed.

Decisions (the seed is silent on these):
- Sealed and cancelled are final. A sealed contract is in force and binding;
  ending it early is a termination (a separate business act), not a cancel.
- Cancelling needs a reason, like sending back: it throws work away and the
  trail must say why. A reason is real words (``normalise.is_real_text``):
  "." or a zero-width space is not one.
- Who may do what is a capability the actor holds (app.domain.capabilities; which
  roles hold which is declared in app.security.matrix and read from the database):
  the rules below name the capability, never a role.
- Stamping (recording the customer's stamp) is done only by the customer's
  owner, who must hold "stamp_contract" (Sales); Manager/Admin do not stamp on
  their behalf (reassign the customer instead).
- Review, approval and seal need "review_contract", "approve_contract",
  "seal_contract" (Manager, Admin), and never on a customer the actor owns: the
  four-eyes rule applies to Admin too.
- If ``reviewed_by`` is known, the approver must be someone else (seed: a
  supervisor reviews, then the manager signs: two people).
- Sending back to draft: "send_back_contract" (Manager, Admin) from stamped,
  reviewed or approved; the owner holding "withdraw_own_contract" (Sales) only
  from stamped, before management has looked at it. Cancelling:
  "cancel_contract" (Manager, Admin) from any non-final state; the owner holding
  "withdraw_own_contract" from draft or stamped.
- Party name vs licence name: equal as ``normalise.name_key`` compares names
  (NFKC, so full-width brackets and letters equal their ASCII forms; invisible
  characters dropped; blanks trimmed and inner runs of blanks made one space);
  case and everything else must match.
- ``allowed_transitions`` checks state and permission only, not the reason or the
  sealing prerequisites, so the button shows and the click explains what is missing.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from app.domain.capabilities import Capability as C
from app.domain.enums import ContractStatus as S
from app.domain.normalise import is_real_text, name_key
from app.domain.rules.errors import RuleViolation

FORWARD = {S.DRAFT: S.STAMPED, S.STAMPED: S.REVIEWED, S.REVIEWED: S.APPROVED, S.APPROVED: S.SEALED}
FINAL = frozenset({S.SEALED, S.CANCELLED})
SEND_BACK_FROM = frozenset({S.STAMPED, S.REVIEWED, S.APPROVED})
OWNER_SEND_BACK_FROM = frozenset({S.STAMPED})
OWNER_CANCEL_FROM = frozenset({S.DRAFT, S.STAMPED})
_ACTION = {S.STAMPED: "stamp", S.REVIEWED: "review", S.APPROVED: "approve", S.SEALED: "seal",
           S.DRAFT: "send back", S.CANCELLED: "cancel"}
_NEEDS = {S.STAMPED: C.STAMP_CONTRACT, S.REVIEWED: C.REVIEW_CONTRACT, S.APPROVED: C.APPROVE_CONTRACT,
          S.SEALED: C.SEAL_CONTRACT, S.DRAFT: C.SEND_BACK_CONTRACT, S.CANCELLED: C.CANCEL_CONTRACT}


@dataclass(frozen=True)
class Actor:
    user_id: int
    capabilities: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        object.__setattr__(self, "capabilities", frozenset(self.capabilities))  # accept any iterable

    def can(self, capability: str) -> bool:
        return capability in self.capabilities


@dataclass(frozen=True)
class ContractFacts:
    status: str
    owner_id: int | None  # the customer's owner (a Sales user)
    kind: str
    start: date | None
    end: date | None
    party_name: str | None
    license_name: str | None  # customer's name as on the business licence
    has_license_copy: bool
    has_operating_permit: bool
    reviewed_by: int | None = None


def normalise_name(name: str | None) -> str:
    """Name as compared for sealing (see ``normalise.name_key``)."""
    return name_key(name)


def sealing_blockers(contract: ContractFacts) -> list[RuleViolation]:
    """Everything that must be on file before the company seal, all at once."""
    out: list[RuleViolation] = []
    if not contract.has_license_copy:
        out.append(RuleViolation("contract.license_copy_missing",
                                 "The customer's business licence copy is not on file.",
                                 field="license_copy"))
    if not contract.has_operating_permit:
        out.append(RuleViolation("contract.operating_permit_missing",
                                 "The customer's operating permit is not on file.",
                                 field="operating_permit"))
    party, licence = normalise_name(contract.party_name), normalise_name(contract.license_name)
    if not licence:
        out.append(RuleViolation("contract.license_name_missing",
                                 "The customer's business licence name is not recorded.",
                                 field="license_name"))
    if not party:
        out.append(RuleViolation("contract.party_name_missing",
                                 "The contracting party's name is empty.", field="party_name"))
    if party and licence and party != licence:
        out.append(RuleViolation(
            "contract.party_name_mismatch",
            "The contracting party's name '{party_name}' does not match the business licence "
            "name '{license_name}'.",
            {"party_name": party, "license_name": licence}, field="party_name"))
    if contract.start is None or contract.end is None:
        out.append(RuleViolation("contract.dates_missing",
                                 "The contract's start and end dates are required.", field="start"))
    elif contract.start > contract.end:
        out.append(RuleViolation("contract.dates_invalid",
                                 "The contract starts on {start} after it ends on {end}.",
                                 {"start": contract.start.isoformat(),
                                  "end": contract.end.isoformat()},
                                 field="end"))
    return out


def _state_violation(contract: ContractFacts, to: str) -> RuleViolation | None:
    params = {"status": str(contract.status), "to": str(to)}
    if contract.status not in set(S):
        return RuleViolation("contract.unknown_status", "Unknown contract status '{status}'.",
                             params)
    if contract.status in FINAL:
        return RuleViolation("contract.final",
                             "A {status} contract cannot change any more (asked: {to}).", params)
    ok = (FORWARD.get(contract.status) == to
          or (to == S.DRAFT and contract.status in SEND_BACK_FROM)
          or to == S.CANCELLED)
    if not ok:
        return RuleViolation("contract.invalid_transition",
                             "A contract cannot go from {status} to {to}.", params)
    return None


def _not_allowed(to: str) -> RuleViolation:
    return RuleViolation("contract.not_allowed", "You are not allowed to {action} contracts.",
                         {"action": _ACTION[to], "to": str(to)})


def _permission_violations(actor: Actor, contract: ContractFacts, to: str) -> list[RuleViolation]:
    is_owner = contract.owner_id is not None and actor.user_id == contract.owner_id
    if to == S.STAMPED:
        if not actor.can(C.STAMP_CONTRACT):
            return [_not_allowed(to)]
        if not is_owner:
            return [RuleViolation(
                "contract.not_owner",
                "Only the customer's owner (user {owner_id}) may record the customer's stamp.",
                {"owner_id": contract.owner_id})]
        return []
    if to in (S.REVIEWED, S.APPROVED, S.SEALED):
        if not actor.can(_NEEDS[to]):
            return [_not_allowed(to)]
        if is_owner:
            return [RuleViolation("contract.own_customer",
                                  "You cannot {action} a contract for a customer you own.",
                                  {"action": _ACTION[to]})]
        if to == S.APPROVED and contract.reviewed_by == actor.user_id:
            return [RuleViolation("contract.same_reviewer",
                                  "The contract must be approved by someone other than its "
                                  "reviewer (user {reviewed_by}).",
                                  {"reviewed_by": contract.reviewed_by})]
        return []
    owner_from = OWNER_SEND_BACK_FROM if to == S.DRAFT else OWNER_CANCEL_FROM
    if actor.can(_NEEDS[to]) or (is_owner and actor.can(C.WITHDRAW_OWN_CONTRACT) and contract.status in owner_from):
        return []
    return [RuleViolation(
        "contract.owner_state_required",
        "Only those allowed to {action} any contract, or the customer's owner while the contract is "
        "{owner_states}, may move a {status} contract to {to}.",
        {"action": _ACTION[to], "owner_states": " or ".join(sorted(map(str, owner_from))),
         "status": str(contract.status), "to": str(to)})]


def transition_violations(actor: Actor, contract: ContractFacts, to: str,
                          reason: str | None = None) -> list[RuleViolation]:
    """Why ``actor`` may not move ``contract`` to ``to``; empty if allowed.

    A wrong state or a missing permission is reported alone; otherwise the
    missing reason and all sealing prerequisites are reported together.
    """
    state = _state_violation(contract, to)
    if state is not None:
        return [state]
    denied = _permission_violations(actor, contract, to)
    if denied:
        return denied
    out: list[RuleViolation] = []
    if to in (S.DRAFT, S.CANCELLED) and not is_real_text(reason):
        what = "send a contract back to draft" if to == S.DRAFT else "cancel a contract"
        out.append(RuleViolation("contract.reason_required",
                                 "A reason is required to {what}.", {"what": what}, field="reason"))
    if to == S.SEALED:
        out.extend(sealing_blockers(contract))
    return out


def check_transition(actor: Actor, contract: ContractFacts, to: str,
                     reason: str | None = None) -> None:
    """Raise the first :class:`RuleViolation` if the move is refused."""
    violations = transition_violations(actor, contract, to, reason)
    if violations:
        raise violations[0]


def allowed_transitions(actor: Actor, contract: ContractFacts) -> list[str]:
    """Targets to offer as buttons: next step, back to draft, cancel (in that order)."""
    candidates = [FORWARD.get(contract.status), S.DRAFT, S.CANCELLED]
    return [str(to) for to in candidates
            if to is not None and _state_violation(contract, to) is None
            and not _permission_violations(actor, contract, to)]


def refused_transitions(actor: Actor, contract: ContractFacts) -> dict[str, list[RuleViolation]]:
    """The steps the contract's state allows (next step, back to draft, cancel) that ``actor`` may not take,
    with why (the permission, the owner, the four-eyes rule): what a page says next to a missing button."""
    out: dict[str, list[RuleViolation]] = {}
    for to in (FORWARD.get(contract.status), S.DRAFT, S.CANCELLED):
        if to is None or _state_violation(contract, to) is not None:
            continue
        denied = _permission_violations(actor, contract, to)
        if denied:
            out[str(to)] = denied
    return out


def is_in_force(contract: ContractFacts, on: date) -> bool:
    """Sealed and ``start <= on <= end``: the only state in which ads may run."""
    return (contract.status == S.SEALED and contract.start is not None
            and contract.end is not None and contract.start <= on <= contract.end)
