"""The role matrix, walked in both channels: every role x record x operation.

The expected outcome comes from app.security.matrix.ROLE_MATRIX, the same
declaration that `flask roles sync` writes into the database.
"""
import itertools
from datetime import date, timedelta

import pytest

from app.models import db
from app.security.matrix import OPERATIONS, RECORDS, ROLE_MATRIX, ROLES, allowed
from tests import factories as f
from tests.conftest import ROLE_USERS, csrf_token

VIEW_URLS = {
    "customer": "customerview", "contact": "contactview", "activity": "activityview",
    "publication": "publicationview", "issue": "issueview", "adslot": "adslotview",
    "contract": "contractview", "booking": "bookingview", "payment": "paymentview",
    "writeoff": "writeoffview", "complaint": "complaintview", "sensitiveword": "sensitivewordview",
}
CASES = list(itertools.product(RECORDS, ROLES, OPERATIONS))
# Activities and payments are dated in the last year, not in the future (issue 8).
RECENTLY = (date.today() - timedelta(days=2)).isoformat()


@pytest.fixture(scope="module")
def rows(app):
    """For each acting user, a complete set of rows it may work on (its own customer for Sales)."""
    with app.app_context():
        by_user = {}
        for username in set(ROLE_USERS.values()):
            owner = username if username == "sales1" else "sales1"
            made = f.full_customer(app, owner)
            # Bookings, payments and write-offs need a contract the customer stamped (issue 8): this one is in
            # force; a new booking goes in an issue of its own (a print slot is booked in an issue).
            made["contract"].status = "sealed"
            made["spare_issue"] = f.issue(made["publication"])
            made.update(workflow_rows(app, made))
            by_user[username] = {name: row.id for name, row in made.items()}
        db.session.commit()
    return by_user


def workflow_rows(app, made: dict) -> dict:
    from app.models import Complaint, SensitiveWord, WriteOff

    rows = {
        "writeoff": WriteOff(contract=made["contract"], customer=made["customer"], amount=1,
                             responsible_user=f.user(app, "sales1"), reason="staff error"),
        "complaint": Complaint(customer=made["customer"], subject="late delivery"),
        "sensitiveword": SensitiveWord(word=f"敏感{f.next_id()}"),
    }
    db.session.add_all(rows.values())
    db.session.flush()
    rows["responsible_user"] = f.user(app, "sales1")
    return rows


def payload(record: str, ids: dict) -> dict:
    n = f.next_id()
    return {
        "customer": {"name": f"权限测试{n}有限公司", "stage": "lead", "locality": "local"},
        "contact": {"customer": ids["customer"], "name": f"联系人{n}"},
        "activity": {"customer": ids["customer"], "kind": "call", "happened_on": RECENTLY},
        "publication": {"name": f"刊物{n}", "medium": "print"},
        "issue": {"publication": ids["publication"], "number": f"P{n}", "publish_date": "2026-12-01"},
        "adslot": {"publication": ids["publication"], "name": f"版位{n}", "medium": "print", "list_price": 10},
        "contract": {"number": f"PT-{n}", "customer": ids["customer"], "party_name": "x",
                     "publication": ids["publication"], "kind": "ad", "start_date": "2026-01-01",
                     "end_date": "2026-12-31", "amount": 100, "discount_pct": 0, "payment_terms": "prepaid",
                     "status": "draft"},
        "booking": {"contract": ids["contract"], "slot": ids["adslot"], "issue": ids["spare_issue"], "price": 10},
        "payment": {"contract": ids["contract"], "amount": 5, "kind": "ad_fee", "method": "transfer",
                    "collected_on": RECENTLY},
        "writeoff": {"contract": ids["contract"], "amount": 1, "responsible_user": ids["responsible_user"],
                     "reason": "wrong slot booked"},
        "complaint": {"customer": ids["customer"], "subject": f"投诉{n}", "status": "open"},
        "sensitiveword": {"word": f"词{n}"},
    }[record]


def edit_payload(record: str) -> dict:
    return {
        "customer": {"city": "广州"}, "contact": {"title": "经理"}, "activity": {"outcome": "ok"},
        "publication": {"medium": "web"}, "issue": {"copy_deadline": "2026-11-20"},
        "adslot": {"size": "210x285"}, "contract": {"notes": "edited"}, "booking": {"copy_received": True},
        "payment": {"notes": "edited"}, "writeoff": {"reason": "edited"}, "complaint": {"details": "edited"},
        "sensitiveword": {"notes": "edited"},
    }[record]


def fresh_row(app, record: str) -> int:
    """A throwaway row of the record that nothing refers to, visible to sales1, for delete tests."""
    from app.models import Complaint, SensitiveWord, WriteOff

    def _add(row):
        db.session.add(row)
        db.session.flush()
        return row

    with app.app_context():
        owner = f.user(app, "sales1")
        cust = f.customer(owner)
        pub = f.publication()
        makers = {
            "customer": lambda: cust,
            "contact": lambda: f.contact(cust),
            "activity": lambda: f.activity(cust, by=owner),
            "publication": lambda: pub,
            "issue": lambda: f.issue(pub),
            "adslot": lambda: f.slot(pub),
            "contract": lambda: f.contract(cust, pub),
            "booking": lambda: f.booking(f.contract(cust, pub), f.slot(pub)),
            "payment": lambda: f.payment(f.contract(cust, pub)),
            "writeoff": lambda: _add(WriteOff(contract=f.contract(cust, pub), customer=cust, amount=1,
                                              responsible_user=owner, reason="x")),
            "complaint": lambda: _add(Complaint(customer=cust, subject="x")),
            "sensitiveword": lambda: _add(SensitiveWord(word=f"删{f.next_id()}")),
        }
        row = makers[record]()
        db.session.commit()
        return row.id


@pytest.mark.parametrize("record,role,operation", CASES)
def test_api_matrix(app, api, rows, record, role, operation):
    username = ROLE_USERS[role]
    client = api(username)
    ids = rows[username]
    expected = allowed(record, [role], operation)
    if operation == "read":
        response = client.get(f"/api/v1/{record}/{ids[record]}")
        assert response.status_code == (200 if expected else 403)
        listed = client.get(f"/api/v1/{record}/")
        assert listed.status_code == (200 if expected else 403)
    elif operation == "add":
        response = client.post(f"/api/v1/{record}/", json=payload(record, ids))
        assert response.status_code == (201 if expected else 403), response.get_data(as_text=True)
    elif operation == "edit":
        response = client.edit(f"/api/v1/{record}/{ids[record]}", json=edit_payload(record))
        assert response.status_code == (200 if expected else 403), response.get_data(as_text=True)
    else:
        pk = fresh_row(app, record)
        response = client.delete(f"/api/v1/{record}/{pk}")
        assert response.status_code == (200 if expected else 403), response.get_data(as_text=True)


@pytest.mark.parametrize("record,role,operation", CASES)
def test_browser_matrix(app, login, rows, record, role, operation):
    username = ROLE_USERS[role]
    client = login(username)
    ids = rows[username]
    view = VIEW_URLS[record]
    expected = allowed(record, [role], operation)
    if operation == "read":
        assert client.get(f"/{view}/list/").status_code == (200 if expected else 403)
        assert client.get(f"/{view}/show/{ids[record]}").status_code == (200 if expected else 403)
    elif operation == "add":
        assert client.get(f"/{view}/add").status_code == (200 if expected else 403)
    elif operation == "edit":
        assert client.get(f"/{view}/edit/{ids[record]}").status_code == (200 if expected else 403)
    else:
        pk = fresh_row(app, record)
        page = client.get("/userinfoeditview/form")
        token = csrf_token(page.get_data(as_text=True))
        response = client.post(f"/{view}/delete/{pk}", data={"csrf_token": token})
        assert response.status_code == (302 if expected else 403)
        with app.app_context():
            from app.models import ALL_MODELS

            model = next(m for m in ALL_MODELS if m.__name__.lower() == record or
                         (record == "adslot" and m.__name__ == "AdSlot"))
            assert (db.session.get(model, pk) is None) == expected


def test_matrix_covers_every_record_and_role():
    assert set(ROLE_MATRIX) == set(RECORDS)
    for record, grants in ROLE_MATRIX.items():
        assert set(grants) <= set(ROLES), record


def test_users_and_roles_admin_only(login):
    for role, username in ROLE_USERS.items():
        status = login(username).get("/users/list/").status_code
        assert status == (200 if role == "Admin" else 403), role


@pytest.mark.parametrize("role", ROLES)
def test_profile_page_works_for_every_role(login, role):
    assert login(ROLE_USERS[role]).get("/users/userinfo/").status_code == 200


def test_unauthenticated_api_is_refused(client):
    assert client.get("/api/v1/customer/").status_code == 401


