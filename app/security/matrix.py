"""Who may do what: the one declaration of the role matrix and of the workflow's capabilities.

Role set-up (`flask roles sync`), the row-level filters and the permission
tests are all generated from ROLE_MATRIX. Each record is one FAB permission
view ("Customer", ...) shared by its ModelView and its ModelRestApi, with the
four permissions can_read, can_add, can_edit and can_delete. CAPABILITIES adds
the workflow's rights (review, approve, seal, confirm payments...) as further
permissions on those views ("can_review" on "Contract").

This is the declaration, not the run-time authority: `flask roles sync` writes it
into FAB's tables, and from then on browser, API and sync ask those tables
(app.security.authority), so a change an admin makes in the UI applies everywhere.
`flask roles check` (and a warning at start-up) lists where the tables and this
declaration differ. The row scope (": own") is read from here by role name.
"""
from dataclasses import dataclass

from app.domain.capabilities import Capability

ROLES = ("Admin", "Manager", "Sales", "Finance", "Service")
OPERATIONS = ("read", "add", "edit", "delete")

# Record name (also the REST resource name) -> FAB permission view name.
RECORDS = {
    "customer": "Customer",
    "contact": "Contact",
    "activity": "Activity",
    "publication": "Publication",
    "issue": "Issue",
    "adslot": "AdSlot",
    "contract": "Contract",
    "booking": "Booking",
    "payment": "Payment",
    "writeoff": "WriteOff",
    "complaint": "Complaint",
    "sensitiveword": "SensitiveWord",
}

RAED = "read add edit delete"
RAE = "read add edit"

# record -> role -> "operations[: own]". A missing role means no access.
ROLE_MATRIX: dict[str, dict[str, str]] = {
    "customer": {"Admin": RAED, "Manager": RAE, "Sales": RAE + ": own", "Finance": "read", "Service": RAE},
    "contact": {"Admin": RAED, "Manager": RAE, "Sales": RAE + ": own", "Finance": "read", "Service": RAE},
    "activity": {"Admin": RAED, "Manager": RAE, "Sales": RAE + ": own", "Service": RAE},
    "publication": {"Admin": RAED, "Manager": RAE, "Sales": "read", "Finance": "read", "Service": "read"},
    "issue": {"Admin": RAED, "Manager": RAE, "Sales": "read", "Finance": "read", "Service": "read"},
    "adslot": {"Admin": RAED, "Manager": RAE, "Sales": "read", "Finance": "read", "Service": "read"},
    "contract": {"Admin": RAED, "Manager": RAE, "Sales": RAE + ": own", "Finance": "read", "Service": "read"},
    "booking": {"Admin": RAED, "Manager": RAE, "Sales": RAE + ": own", "Finance": "read", "Service": "read"},
    "payment": {"Admin": RAED, "Manager": "read", "Sales": "read add: own", "Finance": RAE},
    "writeoff": {"Admin": RAED, "Manager": "read", "Sales": "read: own", "Finance": RAE},
    "complaint": {"Admin": RAED, "Manager": "read", "Service": RAE},
    # The sensitive-word list is maintained by admins; everyone who writes ad copy may read it.
    "sensitiveword": {"Admin": RAED, "Manager": "read", "Sales": "read", "Service": "read"},
}

# Read-only records outside the matrix (no add/edit/delete routes at all): record -> (view name, roles).
READ_ONLY_RECORDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "auditlog": ("AuditLog", ("Admin", "Manager")),
    # The Google Sheets sync (app.views.sync): Manager reads; "sync now" and "resolve" are Admin's.
    "synclink": ("SyncLink", ("Admin", "Manager")),
    "syncrun": ("SyncRun", ("Admin", "Manager")),
    "syncproblem": ("SyncProblem", ("Admin", "Manager")),
}


# capability -> (FAB permission, FAB view, roles holding it). Admin holds what is listed here, nothing more:
# Admin does not stamp for a customer's owner, and does not "withdraw" (it sends back and cancels any contract).
CAPABILITIES: dict[Capability, tuple[str, str, tuple[str, ...]]] = {
    Capability.STAMP_CONTRACT: ("can_stamp", "Contract", ("Sales",)),
    Capability.REVIEW_CONTRACT: ("can_review", "Contract", ("Admin", "Manager")),
    Capability.APPROVE_CONTRACT: ("can_approve", "Contract", ("Admin", "Manager")),
    Capability.SEAL_CONTRACT: ("can_seal", "Contract", ("Admin", "Manager")),
    Capability.SEND_BACK_CONTRACT: ("can_send_back", "Contract", ("Admin", "Manager")),
    Capability.CANCEL_CONTRACT: ("can_cancel", "Contract", ("Admin", "Manager")),
    Capability.WITHDRAW_OWN_CONTRACT: ("can_withdraw_own", "Contract", ("Sales",)),
    Capability.CONFIRM_PAYMENT: ("can_confirm", "Payment", ("Admin", "Finance")),
    Capability.ASSIGN_OWNER: ("can_assign_owner", "Customer", ("Admin", "Manager")),
}


@dataclass(frozen=True)
class Grant:
    operations: frozenset[str]
    own_only: bool


def parse_grant(text: str) -> Grant:
    ops, _, scope = text.partition(":")
    operations = frozenset(ops.split())
    unknown = operations - set(OPERATIONS)
    if unknown:
        raise ValueError(f"unknown operations {sorted(unknown)} in {text!r}")
    scope = scope.strip()
    if scope not in ("", "own"):
        raise ValueError(f"unknown scope {scope!r} in {text!r}")
    return Grant(operations, scope == "own")


def grant(record: str, role: str) -> Grant:
    text = ROLE_MATRIX[record].get(role)
    return parse_grant(text) if text else Grant(frozenset(), False)


def allowed(record: str, roles, operation: str) -> bool:
    return any(operation in grant(record, role).operations for role in roles)


def own_only(record: str, roles) -> bool:
    """True when every role that lets the user read the record limits it to their own customers."""
    readers = [grant(record, role) for role in roles if "read" in grant(record, role).operations]
    return bool(readers) and all(g.own_only for g in readers)


def permission_name(operation: str) -> str:
    return f"can_{operation}"


def role_permissions(role: str) -> set[tuple[str, str]]:
    """The (permission, view) pairs a role gets on the records."""
    pairs = {
        (permission_name(op), RECORDS[record])
        for record in ROLE_MATRIX
        for op in grant(record, role).operations
    }
    pairs |= {(permission_name("read"), view) for view, roles in READ_ONLY_RECORDS.values() if role in roles}
    return pairs


def capability_permission(capability: str) -> tuple[str, str]:
    """The (permission, view) pair a capability is stored as in FAB's tables."""
    permission, view, _roles = CAPABILITIES[Capability(capability)]
    return permission, view


def role_capability_permissions(role: str) -> set[tuple[str, str]]:
    """The (permission, view) pairs of the capabilities a role holds."""
    return {(permission, view) for permission, view, roles in CAPABILITIES.values() if role in roles}


def capability_permissions_of_view(view: str) -> list[str]:
    """The capability permissions declared on one FAB view (kept when FAB updates that view's permissions)."""
    return sorted({permission for permission, name, _roles in CAPABILITIES.values() if name == view})
