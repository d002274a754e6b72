"""The contract approval chain through the REST API: transitions, refusals, history, audit."""
import json

import pytest
from sqlalchemy import select

from app.models import AuditLog, Contract, ContractTransition, db
from tests import factories as f


def make_contract(app, owner="sales1", *, documents=True, party_name=None, status=None):
    with app.app_context():
        cust = f.customer(f.user(app, owner) if owner else None)
        if documents:
            cust.license_copy = "licence.pdf"
            cust.operating_permit = "permit.pdf"
        pub = f.publication()
        con = f.contract(cust, pub)
        if party_name is not None:
            con.party_name = party_name
        if status is not None:
            con.status = status
        db.session.commit()
        return con.id


def state(app, contract_id):
    with app.app_context():
        con = db.session.get(Contract, contract_id)
        history = db.session.scalars(select(ContractTransition.to_status)
                                     .where(ContractTransition.contract_id == contract_id)
                                     .order_by(ContractTransition.id)).all()
        return con.status, list(history)


def move(api, who, contract_id, to, reason=None):
    body = {"to": to}
    if reason is not None:
        body["reason"] = reason
    return api(who).post(f"/api/v1/contract/{contract_id}/transition", json=body)


def test_end_to_end_draft_to_sealed(app, api):
    cid = make_contract(app)
    steps = [("sales1", "stamped"), ("manager", "reviewed"), ("admin", "approved"), ("manager", "sealed")]
    for who, to in steps:
        response = move(api, who, cid, to)
        assert response.status_code == 200, response.get_json()
        assert response.get_json()["status"] == to
    status, history = state(app, cid)
    assert status == "sealed"
    assert history == ["stamped", "reviewed", "approved", "sealed"]
    with app.app_context():
        rows = db.session.scalars(select(ContractTransition).where(ContractTransition.contract_id == cid)
                                  .order_by(ContractTransition.id)).all()
        assert [r.channel for r in rows] == ["api"] * 4
        assert rows[0].actor_id == f.user(app, "sales1").id
        audit = db.session.scalars(select(AuditLog).where(AuditLog.record == "contract",
                                                          AuditLog.record_id == cid,
                                                          AuditLog.action == "transition")
                                    .order_by(AuditLog.id)).all()
        assert len(audit) == 4
        assert json.loads(audit[-1].changes)["status"] == ["approved", "sealed"]
        assert audit[-1].actor_name == "manager"


REFUSALS = [
    # (who, status before, to, reason, code)
    ("manager", "draft", "stamped", None, "contract.not_allowed"),
    ("sales1", "stamped", "reviewed", None, "contract.not_allowed"),
    ("sales1", "draft", "sealed", None, "contract.invalid_transition"),
    ("manager", "stamped", "draft", None, "contract.reason_required"),
    ("manager", "stamped", "cancelled", "  ", "contract.reason_required"),
    ("sales1", "reviewed", "draft", "oops", "contract.owner_state_required"),
    ("manager", "sealed", "cancelled", "late", "contract.final"),
    ("manager", "draft", "flying", None, "contract.invalid_transition"),
]


@pytest.mark.parametrize("who,before,to,reason,code", REFUSALS)
def test_refused_transition_changes_nothing(app, api, who, before, to, reason, code):
    cid = make_contract(app, status=before)
    response = move(api, who, cid, to, reason)
    assert response.status_code == 400
    body = response.get_json()
    assert body["code"] == code and body["message"]
    assert state(app, cid) == (before, [])


def test_same_reviewer_cannot_approve(app, api):
    cid = make_contract(app)
    assert move(api, "sales1", cid, "stamped").status_code == 200
    assert move(api, "manager", cid, "reviewed").status_code == 200
    response = move(api, "manager", cid, "approved")
    assert response.status_code == 400 and response.get_json()["code"] == "contract.same_reviewer"
    assert state(app, cid)[0] == "reviewed"


def test_sealing_needs_documents_and_matching_party_name(app, api):
    cid = make_contract(app, documents=False, party_name="别的公司", status="approved")
    response = move(api, "manager", cid, "sealed")
    assert response.status_code == 400
    assert response.get_json()["code"] == "contract.license_copy_missing"
    assert state(app, cid) == ("approved", [])
    cid = make_contract(app, party_name="别的公司", status="approved")
    response = move(api, "admin", cid, "sealed")
    assert response.get_json()["code"] == "contract.party_name_mismatch"
    assert "别的公司" in response.get_json()["message"]
    assert state(app, cid) == ("approved", [])


def test_manager_cannot_act_on_own_customer(app, api):
    cid = make_contract(app, owner="manager", status="stamped")
    response = move(api, "manager", cid, "reviewed")
    assert response.status_code == 400 and response.get_json()["code"] == "contract.own_customer"


def test_send_back_with_reason_is_recorded(app, api):
    cid = make_contract(app, status="stamped")
    assert move(api, "manager", cid, "draft", "price wrong").status_code == 200
    with app.app_context():
        row = db.session.scalars(select(ContractTransition).where(ContractTransition.contract_id == cid)).one()
        assert (row.from_status, row.to_status, row.reason) == ("stamped", "draft", "price wrong")


def test_transition_permissions(app, api):
    cid = make_contract(app)
    assert move(api, "finance", cid, "stamped").status_code == 403  # no edit permission
    assert move(api, "service", cid, "stamped").status_code == 403
    other = make_contract(app, owner="sales2")
    assert move(api, "sales1", other, "stamped").status_code == 404  # another's row
    assert state(app, other) == ("draft", [])


def test_transition_bad_body(app, api):
    cid = make_contract(app)
    response = api("sales1").post(f"/api/v1/contract/{cid}/transition", json={"status": "stamped"})
    assert response.status_code == 400


def test_status_cannot_be_edited_directly(app, api):
    cid = make_contract(app)
    response = api("manager").edit(f"/api/v1/contract/{cid}", json={"status": "sealed"})
    assert response.status_code == 400
    assert state(app, cid) == ("draft", [])
    response = api("manager").edit(f"/api/v1/contract/{cid}", json={"notes": "fine", "status": "draft"})
    assert response.status_code == 200


def test_new_contract_must_start_as_draft(app, api):
    with app.app_context():
        cust = f.customer(f.user(app, "sales1"))
        pub = f.publication()
        db.session.commit()
        ids = cust.id, pub.id
    n = f.next_id()
    body = {"number": f"WF-{n}", "customer": ids[0], "party_name": "x", "publication": ids[1], "kind": "ad",
            "start_date": "2026-01-01", "end_date": "2026-12-31", "amount": 100, "status": "sealed"}
    response = api("sales1").post("/api/v1/contract/", json=body)
    assert response.status_code == 400
    with app.app_context():
        assert db.session.scalar(select(Contract).where(Contract.number == f"WF-{n}")) is None
    body["status"] = "draft"
    assert api("sales1").post("/api/v1/contract/", json=body).status_code == 201
    del body["status"]
    body["number"] = f"WF-{n}-b"
    response = api("sales1").post("/api/v1/contract/", json=body)
    assert response.status_code == 201
    with app.app_context():
        assert db.session.scalar(select(Contract.status).where(Contract.number == f"WF-{n}-b")) == "draft"


def test_browser_buttons_history_and_refusal(app, login):
    from tests.conftest import csrf_token

    cid = make_contract(app)
    sales = login("sales1")
    page = sales.get(f"/contractview/show/{cid}").get_data(as_text=True)
    assert 'value="stamped"' in page and 'value="reviewed"' not in page
    token = csrf_token(page)
    response = sales.post(f"/contractview/transition/{cid}", data={"csrf_token": token, "to": "stamped"})
    assert response.status_code == 302
    assert state(app, cid) == ("stamped", ["stamped"])
    manager = login("manager")
    page = manager.get(f"/contractview/show/{cid}").get_data(as_text=True)
    assert 'value="reviewed"' in page and "adsheet-history" in page
    token = csrf_token(page)
    # Send back without a reason: refused, flashed, nothing changed.
    response = manager.post(f"/contractview/transition/{cid}", data={"csrf_token": token, "to": "draft"},
                            follow_redirects=True)
    assert "reason" in response.get_data(as_text=True).lower() or "原因" in response.get_data(as_text=True)
    assert state(app, cid) == ("stamped", ["stamped"])
    # No CSRF token: refused.
    assert manager.post(f"/contractview/transition/{cid}", data={"to": "reviewed"}).status_code == 400
    finance = login("finance")
    finance_token = csrf_token(finance.get("/userinfoeditview/form").get_data(as_text=True))
    assert finance.post(f"/contractview/transition/{cid}",
                        data={"csrf_token": finance_token, "to": "reviewed"}).status_code == 403
    assert state(app, cid) == ("stamped", ["stamped"])


def test_edit_form_has_no_status_field(app, login):
    cid = make_contract(app)
    page = login("sales1").get(f"/contractview/edit/{cid}").get_data(as_text=True)
    assert 'name="status"' not in page
