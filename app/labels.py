"""Translated labels for record names, fields and enum values, used everywhere text is shown."""
from flask_babel import lazy_gettext as _l

from app.domain import enums

RECORD_LABELS = {
    "customer": _l("Customers"),
    "contact": _l("Contacts"),
    "activity": _l("Activities"),
    "publication": _l("Publications"),
    "issue": _l("Issues"),
    "adslot": _l("Ad slots"),
    "contract": _l("Contracts"),
    "booking": _l("Bookings"),
    "payment": _l("Payments"),
    "writeoff": _l("Write-offs"),
    "complaint": _l("Complaints"),
    "sensitiveword": _l("Sensitive words"),
    "auditlog": _l("Audit log"),
}

# One record of each kind, for page titles ("Add customer").
RECORD_NAMES = {
    "customer": _l("customer"), "contact": _l("contact"), "activity": _l("activity"),
    "publication": _l("publication"), "issue": _l("issue"), "adslot": _l("ad slot"), "contract": _l("contract"),
    "booking": _l("booking"), "payment": _l("payment"), "writeoff": _l("write-off"),
    "complaint": _l("complaint"), "sensitiveword": _l("sensitive word"), "auditlog": _l("audit entry"),
}

# Table name -> record name, for messages about rows of a table.
TABLE_RECORDS = {
    "customer": "customer", "contact": "contact", "activity": "activity", "publication": "publication",
    "issue": "issue", "ad_slot": "adslot", "contract": "contract", "booking": "booking", "payment": "payment",
    "slot_price_change": "adslot", "write_off": "writeoff", "complaint": "complaint",
    "sensitive_word": "sensitiveword",
}

FIELD_LABELS = {
    "id": _l("ID"),
    "name": _l("Name"),
    "short_name": _l("Short name"),
    "credit_code": _l("Unified social credit code"),
    "industry": _l("Industry"),
    "city": _l("City"),
    "locality": _l("Local or out of town"),
    "source": _l("Source"),
    "stage": _l("Stage"),
    "owner": _l("Owner"),
    "license_copy": _l("Business licence copy"),
    "operating_permit": _l("Operating permit"),
    "notes": _l("Notes"),
    "created_at": _l("Created"),
    "updated_at": _l("Updated"),
    "customer": _l("Customer"),
    "title": _l("Title"),
    "mobile": _l("Mobile"),
    "phone": _l("Phone"),
    "email": _l("E-mail"),
    "is_ad_responsible": _l("Ad responsible person"),
    "contact": _l("Contact"),
    "user": _l("Staff member"),
    "kind": _l("Kind"),
    "method": _l("Method"),
    "happened_on": _l("Date"),
    "outcome": _l("Outcome"),
    "next_follow_up": _l("Next follow-up"),
    "medium": _l("Medium"),
    "publication": _l("Publication"),
    "number": _l("Number"),
    "copy_deadline": _l("Copy deadline"),
    "publish_date": _l("Publish date"),
    "size": _l("Size"),
    "list_price": _l("List price"),
    "active": _l("Active"),
    "price_changes": _l("Price changes"),
    "party_name": _l("Contracting party"),
    "start_date": _l("Start date"),
    "end_date": _l("End date"),
    "amount": _l("Amount"),
    "discount_pct": _l("Discount (percent off the amount)"),
    "payment_terms": _l("Payment terms"),
    "settle_date": _l("Settlement date"),
    "status": _l("Status"),
    "copy_finance": _l("Finance copy filed"),
    "copy_department": _l("Department copy filed"),
    "copy_customer": _l("Customer copy filed"),
    "created_by": _l("Created by"),
    "contract": _l("Contract"),
    "slot": _l("Ad slot"),
    "issue": _l("Issue"),
    "web_start": _l("Web start"),
    "web_end": _l("Web end"),
    "price": _l("Price"),
    "copy_text": _l("Ad copy"),
    "copy_received": _l("Copy received"),
    "proof_status": _l("Proof status"),
    "published": _l("Published"),
    "collected_by": _l("Collected by"),
    "collected_on": _l("Collected on"),
    "received_at": _l("Received by finance"),
    "confirmed_by": _l("Confirmed by"),
    "confirmed_at": _l("Confirmed at"),
    "old_price": _l("Old price"),
    "new_price": _l("New price"),
    "changed_at": _l("Changed at"),
    "changed_by": _l("Changed by"),
    "reason": _l("Reason"),
    "renews": _l("Renews contract"),
    "proof_contact": _l("Proof confirmed by"),
    "proof_method": _l("Proof confirmed via"),
    "proof_confirmed_at": _l("Proof confirmed at"),
    "proof_evidence": _l("Proof evidence"),
    "proof_recorded_by": _l("Proof recorded by"),
    "proof_sent_to": _l("Proof sent to"),
    "proof_sent_at": _l("Proof sent at"),
    "late": _l("Entered late"),
    "advance": _l("Held as advance"),
    "reversed_at": _l("Reversed at"),
    "reversed_by": _l("Reversed by"),
    "reversal_reason": _l("Reversal reason"),
    "has_supporting_documents": _l("Supporting documents on file"),
    "supporting_document": _l("Supporting document"),
    "responsible_user": _l("Responsible staff member"),
    "recorded_by": _l("Recorded by"),
    "received_on": _l("Received on"),
    "subject": _l("Subject"),
    "details": _l("Details"),
    "handled_by": _l("Handled by"),
    "resolution": _l("Resolution"),
    "resolved_on": _l("Resolved on"),
    "satisfaction": _l("Satisfaction (1-5)"),
    "word": _l("Word"),
    "at": _l("Time"),
    "actor_name": _l("User"),
    "channel": _l("Channel"),
    "action": _l("Action"),
    "record": _l("Record"),
    "record_id": _l("Record ID"),
    "summary": _l("Summary"),
    "changes": _l("Changes"),
}

ENUM_LABELS = {
    enums.CustomerStage: {
        "lead": _l("Lead"), "intent": _l("Intent"), "filed": _l("Filed"),
        "signed": _l("Signed"), "lost": _l("Lost"),
    },
    enums.CustomerSource: {
        "web_search": _l("Web search"), "cold_call": _l("Cold call"),
        "trade_magazine": _l("Trade magazine"), "exhibition": _l("Exhibition"),
        "referral": _l("Customer referral"),
    },
    enums.Locality: {"local": _l("Local"), "out_of_town": _l("Out of town")},
    enums.ActivityKind: {
        "call": _l("Call"), "visit": _l("Visit"), "email": _l("E-mail"),
        "fax": _l("Fax"), "exhibition": _l("Exhibition meeting"),
    },
    enums.Medium: {"print": _l("Print"), "web": _l("Web")},
    enums.ContractKind: {"ad": _l("Ad contract"), "membership": _l("Website membership")},
    enums.ContractStatus: {
        "draft": _l("Draft"), "stamped": _l("Customer stamped"), "reviewed": _l("Supervisor reviewed"),
        "approved": _l("Manager approved"), "sealed": _l("Sealed"), "cancelled": _l("Cancelled"),
    },
    enums.PaymentTerms: {"prepaid": _l("Prepaid"), "settle_on_date": _l("Settle on agreed date")},
    enums.ProofStatus: {
        "pending": _l("Pending"), "sent": _l("Proof sent"), "confirmed": _l("Confirmed"),
        "rejected": _l("Rejected"),
    },
    enums.ProofMethod: {"in_person": _l("In person"), "email": _l("E-mail"), "fax": _l("Fax")},
    enums.PaymentKind: {"ad_fee": _l("Ad fee"), "membership_fee": _l("Membership fee"), "misc": _l("Misc fee")},
    enums.PaymentMethod: {"cash": _l("Cash"), "cheque": _l("Cheque"), "transfer": _l("Bank transfer")},
    enums.ComplaintStatus: {"open": _l("Open"), "in_progress": _l("In progress"), "resolved": _l("Resolved")},
    enums.AuditAction: {"create": _l("Record created"), "update": _l("Record updated"), "delete": _l("Record deleted"),
                        "transition": _l("Status change")},
}


# FAB's role names (data in its tables, named by app.security.matrix) as people read them.
ROLE_LABELS = {
    "Admin": _l("Administrator"), "Manager": _l("Manager"), "Sales": _l("Sales"), "Finance": _l("Finance"),
    "Service": _l("Customer service"), "Public": _l("Public (not signed in)"),
}

# Where a change came from (app.models.events.channel), for the audit log and the history of a contract.
CHANNEL_LABELS = {"browser": _l("Browser"), "api": _l("REST API"), "sheet": _l("Google Sheet"),
                  "cli": _l("Command line"), "import": _l("Import")}

# The sheet sync's states, statuses, profiles and problem kinds (sync.plan_types, sync.runner).
SYNC_LABELS = {
    "state": {"new": _l("Not yet linked"), "active": _l("Linked")},
    "status": {"running": _l("Running"), "success": _l("Succeeded"), "partial": _l("Partly done"),
               "failed": _l("Failed"), "skipped": _l("Skipped"), "interrupted": _l("Interrupted"),
               "queued": _l("Queued")},
    "profile": {"sales": _l("Sales sheet"), "finance": _l("Finance sheet")},
    "kind": {"rejected": _l("Edit refused"), "conflict": _l("Changed on both sides"),
             "row_deleted_in_sheet": _l("Row deleted in the sheet"), "record_gone": _l("Record gone"),
             "structure": _l("Tab structure broken"), "duplicate_id": _l("Duplicate ID"),
             "unknown_id": _l("Unknown ID"), "bad_id": _l("Invalid ID")},
}


def label_of(labels: dict, value) -> str:
    """A value's label, or the value itself when it has none (a value added since)."""
    if value is None:
        return ""
    return str(labels.get(value, value))


def role_label(role) -> str:
    name = getattr(role, "name", role)
    return label_of(ROLE_LABELS, name)


# Records the audit log names that have no page of their own (app.workflow.audit.audited_records).
AUDIT_ONLY_RECORDS = {
    "slotpricechange": (_l("Price changes"), _l("price change")),
    # Security records the audit log keeps (app.workflow.audit.SECURITY_RECORDS).
    "user": (_l("Users"), _l("user account")), "role": (_l("Roles"), _l("role")), "group": (_l("Groups"), _l("group")),
}


def record_label(record: str | None) -> str:
    """A record name ("customer", or a table name) as the plural label people know from the menu."""
    if not record:
        return ""
    record = TABLE_RECORDS.get(record, record)
    if record in AUDIT_ONLY_RECORDS:
        return str(AUDIT_ONLY_RECORDS[record][0])
    return str(RECORD_LABELS.get(record, record))


def record_name(record: str | None) -> str:
    """One record of a kind ("payment" -> 付款), for "付款 #67"."""
    if not record:
        return ""
    record = TABLE_RECORDS.get(record, record)
    if record in AUDIT_ONLY_RECORDS:
        return str(AUDIT_ONLY_RECORDS[record][1])
    return str(RECORD_NAMES.get(record, record))


def enum_choices(enum_cls) -> list[tuple[str, object]]:
    labels = ENUM_LABELS[enum_cls]
    return [(member.value, labels[member.value]) for member in enum_cls]


def enum_label(enum_cls, value) -> str:
    if value is None:
        return ""
    return str(ENUM_LABELS[enum_cls].get(value, value))


def enum_labels(enum_cls) -> dict[str, str]:
    """Every value's label in the current language."""
    return {value: str(label) for value, label in ENUM_LABELS[enum_cls].items()}


def labels_for(columns) -> dict:
    return {column: FIELD_LABELS[column] for column in columns if column in FIELD_LABELS}
