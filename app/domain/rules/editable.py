"""What may change, in which state, by whom: one literal table per record.

Read a table as "in STATE, ROLE may change THESE FIELDS, and no others". A role that a state does not list
changes nothing in that state; ``NEW`` is a row being created. The write guard
(app.workflow.guards.check_record_write) checks every write against these tables, whichever door it came
through (forms, REST API, sheet, CLI, imports). Two gates come before them and are not repeated here: the
role matrix (may the role edit the record at all, app.security.matrix) and ownership (Sales work on their own
customers' rows only). Records without a table here have no field restrictions beyond those two gates.

Decisions (the seed and the issue leave these open):
- Contract: a draft is editable by its owner (Sales), Manager and Admin. From "stamped" on, the commercial
  terms are frozen: changing them means sending the contract back to draft with a reason, which restarts the
  approval chain. Sealed and cancelled contracts are final except the archive copies and notes. The status
  itself changes only through the approval actions (``ACTION_FIELDS``).
- Booking: every field is open until the ad is published; a published booking is the record of what ran and
  is final. (A copy changed after the proof was confirmed is a rule of its own, in app.workflow.guards.)
- Payment: Sales record what they collected (``ENTRY``); Finance and Admin also record the receipt
  (received/confirmed) and the advance. A confirmed payment is final: only notes, and the reversal (Finance,
  with a reason) that makes it count for nothing. A reversed payment is final.
- Write-off: recorded once; only its reason's wording may be corrected.
- Contact: only Service, Manager and Admin designate the customer's ad responsible contact. A Sales rep may
  not rename or move the current ad responsible contact either (that would designate another person); its
  phone numbers and e-mail stay theirs to keep up to date.
"""
from __future__ import annotations

from app.domain.enums import ContractStatus as S

ADMIN, MANAGER, SALES, FINANCE, SERVICE = "Admin", "Manager", "Sales", "Finance", "Service"
NEW = "new"

# --- contract ---------------------------------------------------------------------------------------------
TERMS = ("number", "customer", "party_name", "publication", "kind", "start_date", "end_date", "amount",
         "discount_pct", "payment_terms", "settle_date")
ARCHIVE = ("copy_finance", "copy_department", "copy_customer", "notes")
RENEWAL = ("renews",)
DRAFTING = TERMS + ARCHIVE + RENEWAL  # everything a person types on a contract
IN_CHAIN = ARCHIVE + RENEWAL  # the terms are frozen while the chain runs

CONTRACT = {
    #              Admin             Manager             Sales (own customers)
    NEW:          {ADMIN: DRAFTING, MANAGER: DRAFTING, SALES: DRAFTING},
    S.DRAFT:      {ADMIN: DRAFTING, MANAGER: DRAFTING, SALES: DRAFTING},
    S.STAMPED:    {ADMIN: IN_CHAIN, MANAGER: IN_CHAIN, SALES: IN_CHAIN},
    S.REVIEWED:   {ADMIN: IN_CHAIN, MANAGER: IN_CHAIN, SALES: IN_CHAIN},
    S.APPROVED:   {ADMIN: IN_CHAIN, MANAGER: IN_CHAIN, SALES: IN_CHAIN},
    S.SEALED:     {ADMIN: ARCHIVE,  MANAGER: ARCHIVE,  SALES: ARCHIVE},
    S.CANCELLED:  {ADMIN: ARCHIVE,  MANAGER: ARCHIVE,  SALES: ARCHIVE},
}

# --- booking ----------------------------------------------------------------------------------------------
PLACEMENT = ("contract", "slot", "issue", "web_start", "web_end", "price")
# A document and its original file name change together (app.uploads).
COPY = ("copy_text", "copy_received", "has_supporting_documents", "supporting_document",
        "supporting_document_filename")
PROOF = ("proof_status", "proof_contact", "proof_method", "proof_evidence", "proof_evidence_filename")
PUBLISHED = "published"
BOOKING_OPEN = "open"
BOOKING_ALL = PLACEMENT + COPY + PROOF + (PUBLISHED,)

BOOKING = {
    #              Admin                 Manager                 Sales (own)
    NEW:          {ADMIN: BOOKING_ALL, MANAGER: BOOKING_ALL, SALES: BOOKING_ALL},
    BOOKING_OPEN: {ADMIN: BOOKING_ALL, MANAGER: BOOKING_ALL, SALES: BOOKING_ALL},
    PUBLISHED:    {},
}

# --- payment ----------------------------------------------------------------------------------------------
ENTRY = ("contract", "amount", "kind", "method", "collected_on", "notes")
RECEIPT = ("received_at", "confirmed_at")
ADVANCE = ("advance",)
REVERSAL = ("reversed_at", "reversal_reason")
UNCONFIRMED, CONFIRMED, REVERSED = "unconfirmed", "confirmed", "reversed"
FINANCE_ENTRY = ENTRY + RECEIPT + ADVANCE

PAYMENT = {
    #              Admin                       Finance                     Sales (own)
    NEW:          {ADMIN: FINANCE_ENTRY,       FINANCE: FINANCE_ENTRY,       SALES: ENTRY},
    UNCONFIRMED:  {ADMIN: FINANCE_ENTRY,       FINANCE: FINANCE_ENTRY},
    CONFIRMED:    {ADMIN: ("notes",) + REVERSAL, FINANCE: ("notes",) + REVERSAL},
    REVERSED:     {ADMIN: ("notes",),          FINANCE: ("notes",)},
}

# --- write-off --------------------------------------------------------------------------------------------
RECORDED = "recorded"
WRITE_OFF_ENTRY = ("contract", "amount", "responsible_user", "reason")

WRITE_OFF = {
    #              Admin                     Finance
    NEW:          {ADMIN: WRITE_OFF_ENTRY, FINANCE: WRITE_OFF_ENTRY},
    RECORDED:     {ADMIN: ("reason",),     FINANCE: ("reason",)},
}

# --- contact ----------------------------------------------------------------------------------------------
PERSON = ("customer", "name", "title", "mobile", "phone", "email")
DETAILS = ("title", "mobile", "phone", "email")
DESIGNATION = ("is_ad_responsible",)
AD_RESPONSIBLE, OTHER_CONTACT = "ad_responsible", "other"
DESIGNATING = PERSON + DESIGNATION

CONTACT = {
    #                Admin                Manager                Service                Sales (own)
    NEW:            {ADMIN: DESIGNATING, MANAGER: DESIGNATING, SERVICE: DESIGNATING, SALES: PERSON},
    OTHER_CONTACT:  {ADMIN: DESIGNATING, MANAGER: DESIGNATING, SERVICE: DESIGNATING, SALES: PERSON},
    AD_RESPONSIBLE: {ADMIN: DESIGNATING, MANAGER: DESIGNATING, SERVICE: DESIGNATING, SALES: DETAILS},
}

TABLES = {"contract": CONTRACT, "booking": BOOKING, "payment": PAYMENT, "writeoff": WRITE_OFF, "contact": CONTACT}

# Fields the system sets (who acted, when, derived copies): no person sets them, through any door.
SYSTEM_FIELDS = {
    "activity": ("user", "late"),
    "contract": ("created_by", "net_amount", "paid_total", "written_off_total", "party_name_sort"),
    "booking": ("customer", "proof_confirmed_at", "proof_recorded_by", "proof_sent_to", "proof_sent_at"),
    "payment": ("customer", "collected_by", "confirmed_by", "reversed_by"),
    "writeoff": ("customer", "recorded_by"),
    "complaint": ("handled_by",),
    "customer": ("name_sort", "name_grams"),
    "contact": ("name_sort",),
}
# Fields changed only by their workflow action, which has its own rule and message (the approval chain).
ACTION_FIELDS = {"contract": ("status",)}
ALWAYS_SYSTEM = ("id", "created_at", "updated_at", "version")


def editable_fields(record: str, state: str, roles) -> frozenset[str] | None:
    """The fields any of ``roles`` may change in ``state``; None when the record has no table."""
    table = TABLES.get(record)
    if table is None:
        return None
    by_role = table.get(state, {})
    return frozenset(field for role in roles for field in by_role.get(role, ()))


def refused_fields(record: str, state: str, roles, changed) -> list[str]:
    """The changed fields ``roles`` may not change in ``state`` (sorted; empty if all are allowed).

    System fields are refused to everybody; action fields are left to their own rule.
    """
    changed = set(changed) - set(ACTION_FIELDS.get(record, ()))
    system = set(SYSTEM_FIELDS.get(record, ())) | set(ALWAYS_SYSTEM)
    allowed = editable_fields(record, state, roles)
    refused = {field for field in changed if field in system}
    if allowed is not None:
        refused |= {field for field in changed if field not in allowed}
    return sorted(refused)


def ever_editable(record: str, field: str, roles) -> bool:
    """Whether any of ``roles`` may change ``field`` in some state (a sheet greys out the columns it may not)."""
    if field in SYSTEM_FIELDS.get(record, ()) or field in ALWAYS_SYSTEM:
        return False
    table = TABLES.get(record)
    if table is None:
        return True
    return any(field in by_role.get(role, ()) for by_role in table.values() for role in roles)
