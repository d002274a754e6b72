"""The workflow's rights, by name. Which roles hold each one is declared in app.security.matrix.CAPABILITIES
(and written into FAB's permission tables by `flask roles sync`); the pure rules only ask whether the actor
holds a capability, so an admin who changes a role's permissions in the database changes what the rules allow.
"""
from enum import StrEnum


class Capability(StrEnum):
    STAMP_CONTRACT = "stamp_contract"  # record the customer's stamp (the customer's owner only)
    REVIEW_CONTRACT = "review_contract"
    APPROVE_CONTRACT = "approve_contract"
    SEAL_CONTRACT = "seal_contract"
    SEND_BACK_CONTRACT = "send_back_contract"  # any stamped, reviewed or approved contract back to draft
    CANCEL_CONTRACT = "cancel_contract"  # any contract not yet final
    # The customer's owner: send back their own stamped contract, cancel their own draft or stamped one.
    WITHDRAW_OWN_CONTRACT = "withdraw_own_contract"
    CONFIRM_PAYMENT = "confirm_payment"  # confirm that a payment was received
    ASSIGN_OWNER = "assign_owner"  # give customers (a selection from the list) to another Sales owner
