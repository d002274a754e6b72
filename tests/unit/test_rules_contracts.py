from dataclasses import replace
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.enums import ContractStatus
from app.domain.rules import RuleViolation
from app.domain.rules.contracts import (
    Actor, ContractFacts, allowed_transitions, check_transition, is_in_force, normalise_name,
    sealing_blockers, transition_violations,
)

OWNER, OTHER_SALES, BOSS, ADMIN_ID, FIN = 1, 2, 3, 4, 5
# The capabilities each role holds by default (app.security.matrix declares them; written here by hand).
SALES = {"stamp_contract", "withdraw_own_contract"}
MANAGER = {"review_contract", "approve_contract", "seal_contract", "send_back_contract", "cancel_contract"}
owner = Actor(OWNER, SALES)
other_sales = Actor(OTHER_SALES, ["stamp_contract", "withdraw_own_contract"])
manager = Actor(BOSS, MANAGER)
admin = Actor(ADMIN_ID, MANAGER)
finance = Actor(FIN, {"confirm_payment"})
owning_manager = Actor(OWNER, SALES | MANAGER)
owning_admin = Actor(OWNER, MANAGER)
reviewer_only = Actor(BOSS, {"review_contract"})

NAME = "深圳市某某电子有限公司(南山分公司)"


def contract(status="draft", **kw):
    base = ContractFacts(status=status, owner_id=OWNER, kind="ad", start=date(2024, 1, 1),
                         end=date(2024, 12, 31), party_name=NAME, license_name=NAME,
                         has_license_copy=True, has_operating_permit=True)
    return replace(base, **kw)


def refused(actor, c, to, reason=None):
    with pytest.raises(RuleViolation) as exc:
        check_transition(actor, c, to, reason)
    return exc.value


@pytest.mark.parametrize("actor, status, to, reason", [
    (owner, "draft", "stamped", None),
    (owning_manager, "draft", "stamped", None),
    (manager, "stamped", "reviewed", None),
    (admin, "stamped", "reviewed", None),
    (manager, "reviewed", "approved", None),
    (admin, "reviewed", "approved", None),
    (manager, "approved", "sealed", None),
    (admin, "approved", "sealed", None),
    (manager, "stamped", "draft", "wrong price"),
    (manager, "reviewed", "draft", "wrong price"),
    (admin, "approved", "draft", "wrong price"),
    (owner, "stamped", "draft", "customer stamped the old version"),
    (owner, "draft", "cancelled", "customer withdrew"),
    (owner, "stamped", "cancelled", "customer withdrew"),
    (manager, "draft", "cancelled", "duplicate"),
    (admin, "approved", "cancelled", "duplicate"),
    (manager, "stamped", "draft", "  spaced  "),
])
def test_allowed(actor, status, to, reason):
    assert check_transition(actor, contract(status), to, reason) is None
    assert transition_violations(actor, contract(status), to, reason) == []


@pytest.mark.parametrize("actor, status, to, code, words", [
    (owner, "sealed", "cancelled", "contract.final", ["sealed"]),
    (admin, "cancelled", "draft", "contract.final", ["cancelled"]),
    (admin, "sealed", "draft", "contract.final", ["sealed"]),
    (owner, "draft", "reviewed", "contract.invalid_transition", ["draft", "reviewed"]),
    (manager, "stamped", "approved", "contract.invalid_transition", ["stamped", "approved"]),
    (manager, "draft", "sealed", "contract.invalid_transition", ["draft", "sealed"]),
    (manager, "approved", "reviewed", "contract.invalid_transition", ["approved", "reviewed"]),
    (manager, "draft", "draft", "contract.invalid_transition", ["draft"]),
    (manager, "draft", "archived", "contract.invalid_transition", ["archived"]),
    (manager, "bogus", "draft", "contract.unknown_status", ["bogus"]),
    (other_sales, "draft", "stamped", "contract.not_owner", ["owner", "user 1"]),
    (manager, "draft", "stamped", "contract.not_allowed", ["stamp"]),
    (finance, "draft", "stamped", "contract.not_allowed", ["stamp"]),
    (owner, "stamped", "reviewed", "contract.not_allowed", ["review"]),
    (owner, "reviewed", "approved", "contract.not_allowed", ["approve"]),
    (finance, "approved", "sealed", "contract.not_allowed", ["seal"]),
    (reviewer_only, "reviewed", "approved", "contract.not_allowed", ["approve"]),
    (reviewer_only, "approved", "sealed", "contract.not_allowed", ["seal"]),
    (reviewer_only, "stamped", "draft", "contract.owner_state_required", ["send back any contract"]),
    (owning_manager, "stamped", "reviewed", "contract.own_customer", ["review", "you own"]),
    (owning_manager, "reviewed", "approved", "contract.own_customer", ["approve"]),
    (owning_admin, "approved", "sealed", "contract.own_customer", ["seal"]),
    (owner, "reviewed", "draft", "contract.owner_state_required", ["stamped", "reviewed"]),
    (owner, "reviewed", "cancelled", "contract.owner_state_required", ["draft or stamped"]),
    (other_sales, "draft", "cancelled", "contract.owner_state_required", ["cancel any contract"]),
    (finance, "stamped", "draft", "contract.owner_state_required", ["draft"]),
])
def test_refused(actor, status, to, code, words):
    err = refused(actor, contract(status), to, "some reason")
    assert err.code == code
    for word in words:
        assert word in err.message


@pytest.mark.parametrize("actor, status, to, reason", [
    (manager, "stamped", "draft", None),
    (manager, "reviewed", "draft", ""),
    (admin, "approved", "draft", "   "),
    (owner, "stamped", "draft", "\n"),
])
def test_send_back_needs_reason(actor, status, to, reason):
    err = refused(actor, contract(status), to, reason)
    assert err.code == "contract.reason_required"
    assert err.field == "reason"
    assert "send a contract back to draft" in err.message


def test_cancel_needs_reason():
    err = refused(manager, contract("reviewed"), "cancelled", None)
    assert err.code == "contract.reason_required"
    assert "cancel" in err.message


def test_approver_must_differ_from_reviewer():
    err = refused(manager, contract("reviewed", reviewed_by=BOSS), "approved")
    assert err.code == "contract.same_reviewer"
    assert "reviewer (user 3)" in err.message
    assert check_transition(admin, contract("reviewed", reviewed_by=BOSS), "approved") is None


def test_unowned_customer_cannot_be_stamped():
    err = refused(owner, contract(owner_id=None), "stamped")
    assert err.code == "contract.not_owner"


@pytest.mark.parametrize("changes, code, words, field", [
    ({"has_license_copy": False}, "contract.license_copy_missing", ["business licence copy"],
     "license_copy"),
    ({"has_operating_permit": False}, "contract.operating_permit_missing", ["operating permit"],
     "operating_permit"),
    ({"party_name": "深圳市某某电子有限公司"}, "contract.party_name_mismatch",
     ["深圳市某某电子有限公司'", NAME], "party_name"),
    ({"party_name": "ACME Ltd", "license_name": "Acme Ltd"}, "contract.party_name_mismatch",
     ["ACME Ltd", "Acme Ltd"], "party_name"),
    ({"license_name": None}, "contract.license_name_missing", ["licence name"], "license_name"),
    ({"party_name": "  "}, "contract.party_name_missing", ["contracting party"], "party_name"),
    ({"end": None}, "contract.dates_missing", ["start and end"], "start"),
    ({"start": date(2025, 1, 1)}, "contract.dates_invalid", ["2025-01-01", "2024-12-31"], "end"),
])
def test_sealing_prerequisites(changes, code, words, field):
    err = refused(manager, contract("approved", **changes), "sealed")
    assert (err.code, err.field) == (code, field)
    for word in words:
        assert word in err.message


def test_sealing_reports_everything_missing_at_once():
    c = contract("approved", has_license_copy=False, has_operating_permit=False,
                 party_name="Other Co")
    codes = [v.code for v in transition_violations(manager, c, "sealed")]
    assert codes == ["contract.license_copy_missing", "contract.operating_permit_missing",
                     "contract.party_name_mismatch"]
    assert sealing_blockers(contract("approved")) == []


@pytest.mark.parametrize("party, licence", [
    ("  某某公司（深圳）  ", "某某公司(深圳)"),
    ("\u3000某某公司(深圳)", "某某公司（深圳）"),
    ("某某公司（深圳）\t", "某某公司（深圳）"),
])
def test_party_name_normalisation_accepts(party, licence):
    assert sealing_blockers(contract("approved", party_name=party, license_name=licence)) == []


@pytest.mark.parametrize("party, licence", [
    ("某某 公司", "某某公司"),  # inner spaces count
    ("某某公司[深圳]", "某某公司(深圳)"),
    ("Acme", "ACME"),
])
def test_party_name_normalisation_rejects(party, licence):
    codes = [v.code for v in sealing_blockers(contract(party_name=party, license_name=licence))]
    assert codes == ["contract.party_name_mismatch"]


def test_normalise_name():
    assert normalise_name(" A（B）C ") == "A(B)C"
    assert normalise_name(None) == ""


@pytest.mark.parametrize("actor, status, expected", [
    (owner, "draft", ["stamped", "cancelled"]),
    (other_sales, "draft", []),
    (manager, "draft", ["cancelled"]),
    (owner, "stamped", ["draft", "cancelled"]),
    (manager, "stamped", ["reviewed", "draft", "cancelled"]),
    (owning_manager, "stamped", ["draft", "cancelled"]),
    (owner, "reviewed", []),
    (admin, "reviewed", ["approved", "draft", "cancelled"]),
    (manager, "approved", ["sealed", "draft", "cancelled"]),
    (admin, "sealed", []),
    (admin, "cancelled", []),
    (finance, "approved", []),
])
def test_allowed_transitions(actor, status, expected):
    assert allowed_transitions(actor, contract(status)) == expected


def test_allowed_transitions_ignores_prerequisites_and_reason():
    # The seal button shows; the click then says what is missing.
    c = contract("approved", has_license_copy=False)
    assert "sealed" in allowed_transitions(manager, c)


def test_violation_exposes_template_and_params():
    err = refused(owning_manager, contract("reviewed"), "approved")
    assert err.template.format(**err.params) == err.message == str(err)
    assert err.params == {"action": "approve"}


@pytest.mark.parametrize("status, on, expected", [
    ("sealed", date(2024, 1, 1), True),
    ("sealed", date(2024, 12, 31), True),
    ("sealed", date(2025, 1, 1), False),
    ("sealed", date(2023, 12, 31), False),
    ("approved", date(2024, 6, 1), False),
])
def test_is_in_force(status, on, expected):
    assert is_in_force(contract(status), on) is expected


capability_sets = st.frozensets(st.sampled_from([
    "stamp_contract", "review_contract", "approve_contract", "seal_contract", "send_back_contract",
    "cancel_contract", "withdraw_own_contract", "confirm_payment"]))


@given(st.integers(1, 3), capability_sets, st.sampled_from(list(ContractStatus)))
def test_allowed_transitions_agree_with_check(user_id, capabilities, status):
    actor, c = Actor(user_id, capabilities), contract(status)
    allowed = allowed_transitions(actor, c)
    for to in list(ContractStatus):
        ok = not transition_violations(actor, c, to, "a reason")
        assert ok == (to in allowed)
    # Nobody moves a contract for a customer they own past stamping.
    if user_id == OWNER:
        assert not {"reviewed", "approved", "sealed"} & set(allowed)


def test_a_capability_allows_one_step_only():
    """Holding review does not allow approving or sealing; holding nothing allows nothing."""
    assert allowed_transitions(reviewer_only, contract("stamped")) == ["reviewed"]
    assert allowed_transitions(reviewer_only, contract("reviewed")) == []
    assert allowed_transitions(Actor(BOSS, set()), contract("stamped")) == []
    assert allowed_transitions(Actor(OWNER, {"withdraw_own_contract"}), contract("draft")) == ["cancelled"]
    assert allowed_transitions(Actor(OWNER, {"stamp_contract"}), contract("draft")) == ["stamped"]
