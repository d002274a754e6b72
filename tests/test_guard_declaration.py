"""The declaration of what may change, in which state, by whom (app.domain.rules.editable), walked through the REST
API: for every state of its table, every role it names and every field a person types, a PUT of that one field
answers 200 when the table allows it and 400 when it does not, and a refused field stays as it was.
(Literal cases of the same rules: tests/unit/test_rules_editable.py, tests/test_must_never.py, tests/test_guard_*.)
"""
from datetime import datetime, timedelta

import pytest

from app.domain.rules import editable
from app.models import Contact, Contract, Payment, db
from tests import factories as f
from tests.guard_world import (  # noqa: F401 (guard_users is a fixture)
    OTHER_SALES, SALES, TODAY, add_payment, guard_users, row, world,
)

ROLE_USERS = {"Admin": "admin", "Manager": "manager", "Sales": SALES, "Finance": "finance", "Service": "service"}
CONTRACT_STATES = ["draft", "stamped", "reviewed", "approved", "sealed", "cancelled"]
CONTRACT_FIELDS = editable.TERMS + editable.ARCHIVE + editable.RENEWAL


def contract_value(field, w, spare):
    """A valid new value for the field (so only the declaration can refuse it)."""
    return {
        "number": f"DECL-{f.next_id()}", "customer": spare["customer"], "party_name": f"新名称{f.next_id()}",
        "publication": spare["publication"], "kind": "membership", "start_date": (TODAY - timedelta(days=60)).isoformat(),
        "end_date": (TODAY + timedelta(days=400)).isoformat(), "amount": 31000, "discount_pct": 5,
        "payment_terms": "settle_on_date", "settle_date": (TODAY + timedelta(days=40)).isoformat(),
        "copy_finance": True, "copy_department": True, "copy_customer": True, "notes": f"备注{f.next_id()}",
        "renews": spare["contract"],
    }[field]


@pytest.mark.parametrize("state", CONTRACT_STATES)
@pytest.mark.parametrize("role", ["Admin", "Manager", "Sales"])
def test_contract_fields_follow_the_table(app, api, state, role):
    w = world(app, SALES, status=state)
    allowed = editable.editable_fields("contract", state, [role])
    client = api(ROLE_USERS[role])
    for field in CONTRACT_FIELDS:
        spare = world(app, SALES, status="sealed") if field in ("customer", "publication") else w
        if field == "renews":  # an earlier contract of the same customer
            with app.app_context():
                from app.models import Customer, Publication

                current = db.session.get(Contract, w["contract"]).customer_id  # a draft may have moved
                earlier = f.contract(db.session.get(Customer, current), db.session.get(Publication, w["publication"]),
                                     status="sealed")
                db.session.commit()
                spare = {**w, "contract": earlier.id}
        before = row(app, Contract, w["contract"])
        response = client.edit(f"/api/v1/contract/{w['contract']}", json={field: contract_value(field, w, spare)})
        if field in allowed:
            assert response.status_code == 200, (state, role, field, response.get_json())
        else:
            assert response.status_code == 400, (state, role, field, response.get_json())
            assert response.get_json()["field"] == field
            assert row(app, Contract, w["contract"]) == before


PAYMENT_STATES = {"unconfirmed": {}, "confirmed": {"confirmed": True}}
PAYMENT_FIELDS = editable.ENTRY + editable.RECEIPT + editable.ADVANCE


def payment_value(field, w, other):
    recent = (datetime.now() - timedelta(hours=1)).replace(microsecond=0)
    return {
        "contract": other["contract"], "amount": 60, "kind": "misc", "method": "cash",
        "collected_on": (TODAY - timedelta(days=3)).isoformat(), "notes": f"备注{f.next_id()}",
        "received_at": recent.isoformat(" "), "confirmed_at": recent.isoformat(" "), "advance": 10,
    }[field]


@pytest.fixture(scope="module")
def money_world(app):
    return world(app, SALES, status="sealed", amount="100000.00"), world(app, SALES, status="sealed")


@pytest.mark.parametrize("state", list(PAYMENT_STATES))
@pytest.mark.parametrize("role", ["Admin", "Finance"])
def test_payment_fields_follow_the_table(app, api, money_world, state, role):
    w, other = money_world
    allowed = editable.editable_fields("payment", state, [role])
    client = api(ROLE_USERS[role])
    for field in PAYMENT_FIELDS:
        payment = add_payment(app, w["contract"], "50.00", **PAYMENT_STATES[state])
        before = row(app, Payment, payment)
        response = client.edit(f"/api/v1/payment/{payment}", json={field: payment_value(field, w, other)})
        if field in allowed:
            assert response.status_code == 200, (state, role, field, response.get_json())
        else:
            assert response.status_code == 400, (state, role, field, response.get_json())
            assert row(app, Payment, payment) == before


CONTACT_FIELDS = editable.PERSON + editable.DESIGNATION


@pytest.mark.parametrize("state", ["ad_responsible", "other"])
@pytest.mark.parametrize("role", ["Admin", "Manager", "Service", "Sales"])
def test_contact_fields_follow_the_table(app, api, state, role):
    allowed = editable.editable_fields("contact", state, [role])
    client = api(ROLE_USERS[role])
    for field in CONTACT_FIELDS:
        with app.app_context():  # a fresh customer and contact for each field; the spare customer has no ad contact
            owner = f.user(app, SALES)
            contact = f.contact(f.customer(owner, name=f"验收联系人{f.next_id()}有限公司"),
                                is_ad_responsible=state == "ad_responsible").id
            spare = f.customer(owner, name=f"验收备用{f.next_id()}有限公司").id
            db.session.commit()
        value = {"customer": spare, "name": f"新联系人{f.next_id()}", "title": "总监",
                 "mobile": "13912345678", "phone": "020-1234567", "email": "new@example.com",
                 "is_ad_responsible": state != "ad_responsible"}[field]
        before = row(app, Contact, contact)
        response = client.edit(f"/api/v1/contact/{contact}", json={field: value})
        if field in allowed:
            assert response.status_code == 200, (state, role, field, response.get_json())
        else:
            assert response.status_code == 400, (state, role, field, response.get_json())
            assert row(app, Contact, contact) == before


def test_every_field_a_person_types_is_named_in_the_tables():
    """A new column on a declared record must be placed in its table (or among the system fields)."""
    from sqlalchemy import inspect

    from app.models import RECORD_MODELS

    for record, table in editable.TABLES.items():
        mapper = inspect(RECORD_MODELS[record])
        fields = {c.key for c in mapper.columns} - {c.key for r in mapper.relationships for c in r.local_columns}
        fields |= {r.key for r in mapper.relationships if not r.uselist}
        named = {field for roles in table.values() for allowed in roles.values() for field in allowed}
        named |= set(editable.SYSTEM_FIELDS.get(record, ())) | set(editable.ALWAYS_SYSTEM)
        named |= set(editable.ACTION_FIELDS.get(record, ()))
        assert fields - named == set(), (record, sorted(fields - named))
