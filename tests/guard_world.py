"""A small world of records for the write-guard tests (issue 8), and the three doors to write through:
the REST API, the browser forms (a full edit form posted as a browser posts it) and the sheet sync."""
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import inspect as sa_inspect

from app.models import Booking, Contact, Contract, Payment, db
from tests import factories as f
from tests.conftest import hidden_value, csrf_token

TODAY = date.today()
# The Sales reps of these tests: their own users, so the many rows made here do not crowd the lists other tests
# read for sales1 and sales2 (a list page shows 100 rows).
SALES, OTHER_SALES = "guard_sales", "guard_sales2"


def ensure_guard_users(app) -> None:
    from tests.conftest import DEMO_PASSWORD

    with app.app_context():
        sm = app.appbuilder.sm
        for username in (SALES, OTHER_SALES):
            if sm.find_user(username=username) is None:
                assert sm.add_user(username, "守卫", username[-1], f"{username}@example.com", sm.find_role("Sales"),
                                   DEMO_PASSWORD), username


@pytest.fixture(autouse=True)
def guard_users(app):
    """Import into a test module to have SALES and OTHER_SALES (idempotent)."""
    ensure_guard_users(app)


def world(app, owner: str = SALES, status: str = "sealed", amount: str = "30600.00", **contract_kw) -> dict:
    """A customer of `owner` with its licence documents, an ad responsible and another contact, a print
    publication with two issues and two slots (one inactive), a web publication with a web slot, a contract
    at `status`. Returns ids (and names where tests need them)."""
    ensure_guard_users(app)
    with app.app_context():
        # Named to sort after the other tests' customers ("测试客户..."), whose list pages count on seeing them.
        cust = f.customer(f.user(app, owner) if owner else None, name=f"验收客户{f.next_id()}有限公司",
                          license_copy="licence.pdf", operating_permit="permit.pdf")
        ad_contact = f.contact(cust, is_ad_responsible=True, name=f"广告负责人{f.next_id()}")
        other_contact = f.contact(cust, name=f"普通联系人{f.next_id()}")
        pub = f.publication()
        web = f.publication(medium="web")
        issue = f.issue(pub, publish_date=TODAY + timedelta(days=20))
        issue2 = f.issue(pub, publish_date=TODAY + timedelta(days=50))
        slot = f.slot(pub)
        slot2 = f.slot(pub)
        inactive = f.slot(pub, active=False)
        web_slot = f.slot(web)
        web_slot.medium = "web"
        contract_kw.setdefault("start_date", TODAY - timedelta(days=30))
        contract_kw.setdefault("end_date", TODAY + timedelta(days=300))
        con = f.contract(cust, pub, amount=Decimal(amount), status=status, **contract_kw)
        db.session.commit()
        return {"customer": cust.id, "customer_name": cust.name, "ad_contact": ad_contact.id,
                "ad_contact_name": ad_contact.name, "other_contact": other_contact.id, "publication": pub.id,
                "web_publication": web.id, "issue": issue.id, "issue2": issue2.id, "slot": slot.id,
                "slot2": slot2.id, "inactive_slot": inactive.id, "web_slot": web_slot.id, "contract": con.id,
                "contract_number": con.number, "owner": owner}


def add_booking(app, contract_id, slot_id, issue_id=None, **kw) -> int:
    with app.app_context():
        row = Booking(contract_id=contract_id, slot_id=slot_id, issue_id=issue_id,
                      customer_id=db.session.get(Contract, contract_id).customer_id,
                      price=kw.pop("price", Decimal("100.00")), **kw)
        db.session.add(row)
        db.session.commit()
        return row.id


def add_payment(app, contract_id, amount="100.00", confirmed=False, **kw) -> int:
    from datetime import datetime

    with app.app_context():
        con = db.session.get(Contract, contract_id)
        moment = datetime.combine(TODAY - timedelta(days=1), datetime.min.time()) if confirmed else None
        row = Payment(contract=con, customer_id=con.customer_id, amount=Decimal(amount), kind="ad_fee",
                      method=kw.pop("method", "transfer"), collected_on=kw.pop("collected_on", TODAY - timedelta(days=2)),
                      confirmed_at=moment, received_at=moment, **kw)
        db.session.add(row)
        db.session.commit()
        return row.id


def row(app, model, pk):
    """The row's column values as a dict (read fresh)."""
    with app.app_context():
        item = db.session.get(model, pk)
        return None if item is None else {c.key: getattr(item, c.key) for c in sa_inspect(model).columns}


# --- the browser door ----------------------------------------------------------------------------------------

def form_value(item, column: str, datamodel):
    value = getattr(item, column)
    if datamodel.is_relation(column):
        return "" if value is None else str(value.id)
    if isinstance(value, bool):
        return "y" if value else None
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return value.strftime("%Y-%m-%d %H:%M:%S") if hasattr(value, "hour") else value.isoformat()
    return str(value)


def edit_form(app, view_cls, pk, **changes) -> dict:
    """What a browser posts when a person opens the edit form and changes only `changes`."""
    from app.uploads import DocumentField

    with app.app_context():
        item = db.session.get(view_cls.datamodel.obj, pk)
        data = {}
        for column in view_cls.edit_columns:
            if isinstance((view_cls.edit_form_extra_fields or {}).get(column), DocumentField):
                continue
            value = form_value(item, column, view_cls.datamodel)
            if value is not None:
                data[column] = value
    for column, value in changes.items():
        if value is False:
            data.pop(column, None)
        else:
            data[column] = "y" if value is True else str(value)
    return data


def post_form(client, url: str, data: dict):
    """Post a form with the page's CSRF token, and the version an edit form was opened with (as a browser sends
    it); returns the response (followed, so flashes show)."""
    page = client.get(url).get_data(as_text=True)
    extra = {"csrf_token": csrf_token(page)}
    if 'name="version"' in page:
        extra["version"] = hidden_value(page, "version")
    return client.post(url, data={**extra, **data}, follow_redirects=True)


def page_text(response) -> str:
    return response.get_data(as_text=True)


def contact_names(app, customer_id) -> set[str]:
    with app.app_context():
        return {c.name for c in db.session.query(Contact).filter_by(customer_id=customer_id)}
