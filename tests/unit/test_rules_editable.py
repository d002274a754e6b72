"""The declaration of what may change (app.domain.rules.editable), literal cases: each answer is written here."""
import pytest

from app.domain.rules.editable import editable_fields, ever_editable, refused_fields


@pytest.mark.parametrize("record,state,roles,changed,refused", [
    # contracts: drafts are open, the chain freezes the terms, sealed and cancelled keep copies and notes only
    ("contract", "draft", ["Sales"], ["amount", "party_name", "customer", "notes"], []),
    ("contract", "new", ["Sales"], ["number", "customer", "amount"], []),
    ("contract", "stamped", ["Sales"], ["amount"], ["amount"]),
    ("contract", "reviewed", ["Manager"], ["end_date", "notes"], ["end_date"]),
    ("contract", "approved", ["Admin"], ["discount_pct", "renews"], ["discount_pct"]),
    ("contract", "sealed", ["Admin"], ["copy_finance", "copy_department", "copy_customer", "notes"], []),
    ("contract", "sealed", ["Admin"], ["renews"], ["renews"]),
    ("contract", "sealed", ["Sales"], ["amount", "number", "kind"], ["amount", "kind", "number"]),
    ("contract", "cancelled", ["Manager"], ["start_date"], ["start_date"]),
    ("contract", "draft", ["Finance"], ["notes"], ["notes"]),
    ("contract", "draft", ["Service"], ["notes"], ["notes"]),
    ("contract", "draft", [], ["notes"], ["notes"]),  # nobody acting changes nothing
    ("contract", "draft", ["Admin"], ["status"], []),  # the status has its own rule (transitions only)
    ("contract", "draft", ["Admin"], ["created_by"], ["created_by"]),  # set by the system
    # payments: Sales record, Finance receives; confirmed is final but for notes and the reversal
    ("payment", "new", ["Sales"], ["contract", "amount", "kind", "method", "collected_on", "notes"], []),
    ("payment", "new", ["Sales"], ["confirmed_at", "advance"], ["advance", "confirmed_at"]),
    ("payment", "new", ["Finance"], ["amount", "advance", "confirmed_at", "received_at"], []),
    ("payment", "unconfirmed", ["Sales"], ["notes"], ["notes"]),
    ("payment", "unconfirmed", ["Manager"], ["notes"], ["notes"]),
    ("payment", "confirmed", ["Finance"], ["amount"], ["amount"]),
    ("payment", "confirmed", ["Finance"], ["confirmed_at"], ["confirmed_at"]),
    ("payment", "confirmed", ["Finance"], ["reversed_at", "reversal_reason", "notes"], []),
    ("payment", "confirmed", ["Admin"], ["contract"], ["contract"]),
    ("payment", "reversed", ["Finance"], ["reversal_reason"], ["reversal_reason"]),
    ("payment", "new", ["Finance"], ["collected_by"], ["collected_by"]),
    # bookings: open until published, then final
    ("booking", "open", ["Sales"], ["slot", "issue", "copy_text", "proof_status", "published"], []),
    ("booking", "published", ["Admin"], ["published"], ["published"]),
    ("booking", "published", ["Manager"], ["price", "copy_text"], ["copy_text", "price"]),
    ("booking", "open", ["Sales"], ["customer", "proof_recorded_by"], ["customer", "proof_recorded_by"]),
    # write-offs: recorded once, the reason's wording may be corrected
    ("writeoff", "new", ["Finance"], ["contract", "amount", "responsible_user", "reason"], []),
    ("writeoff", "recorded", ["Finance"], ["amount"], ["amount"]),
    ("writeoff", "recorded", ["Admin"], ["reason"], []),
    ("writeoff", "new", ["Sales"], ["amount"], ["amount"]),
    # contacts: who designates the ad responsible contact
    ("contact", "new", ["Sales"], ["is_ad_responsible"], ["is_ad_responsible"]),
    ("contact", "other", ["Sales"], ["name", "customer", "mobile"], []),
    ("contact", "ad_responsible", ["Sales"], ["name"], ["name"]),
    ("contact", "ad_responsible", ["Sales"], ["customer"], ["customer"]),
    ("contact", "ad_responsible", ["Sales"], ["mobile", "email"], []),
    ("contact", "ad_responsible", ["Service"], ["is_ad_responsible", "name"], []),
    ("contact", "other", ["Manager"], ["is_ad_responsible"], []),
    ("contact", "other", ["Sales", "Service"], ["is_ad_responsible"], []),  # roles add up
    # records without a table: only the system fields are closed
    ("activity", "any", ["Sales"], ["kind", "happened_on"], []),
    ("activity", "any", ["Sales"], ["user", "late"], ["late", "user"]),
    ("customer", "any", ["Sales"], ["id"], ["id"]),
])
def test_refused_fields(record, state, roles, changed, refused):
    assert refused_fields(record, state, roles, changed) == refused


def test_records_without_a_table_have_no_declared_fields():
    assert editable_fields("customer", "any", ["Sales"]) is None
    assert editable_fields("contract", "sealed", ["Finance"]) == frozenset()


@pytest.mark.parametrize("record,field,roles,editable", [
    ("contact", "is_ad_responsible", ["Sales"], False), ("contact", "is_ad_responsible", ["Service"], True),
    ("contact", "mobile", ["Sales"], True), ("contract", "amount", ["Sales"], True),
    ("contract", "amount", ["Finance"], False), ("payment", "confirmed_at", ["Sales"], False),
    ("payment", "confirmed_at", ["Finance"], True), ("activity", "user", ["Admin"], False),
    ("customer", "city", ["Sales"], True),
])
def test_ever_editable(record, field, roles, editable):
    assert ever_editable(record, field, roles) is editable
