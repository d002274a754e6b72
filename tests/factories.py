"""Small helpers that create rows through the ORM for tests."""
import itertools
from datetime import date, timedelta
from decimal import Decimal

from app.domain.validation import credit_code_check_char
from app.models import (
    Activity, AdSlot, Booking, Contact, Contract, Customer, Issue, Payment, Publication, db,
)

_seq = itertools.count(1)


def next_id() -> int:
    return next(_seq)


def credit_code(n: int) -> str:
    body = f"91440300{n:09d}"[:17]
    return body + credit_code_check_char(body)


def user(app, username):
    return app.appbuilder.sm.find_user(username=username)


def customer(owner=None, **kw) -> Customer:
    n = next_id()
    row = Customer(name=kw.pop("name", f"测试客户{n}有限公司"), credit_code=kw.pop("credit_code", credit_code(n)),
                   city=kw.pop("city", "深圳"), stage=kw.pop("stage", "lead"), locality="local",
                   owner=owner, **kw)
    db.session.add(row)
    db.session.flush()
    return row


def contact(cust, **kw) -> Contact:
    row = Contact(customer=cust, name=kw.pop("name", f"联系人{next_id()}"), **kw)
    db.session.add(row)
    db.session.flush()
    return row


def publication(**kw) -> Publication:
    row = Publication(name=kw.pop("name", f"测试刊物{next_id()}"), medium=kw.pop("medium", "print"), **kw)
    db.session.add(row)
    db.session.flush()
    return row


def issue(pub, **kw) -> Issue:
    row = Issue(publication=pub, number=kw.pop("number", f"N{next_id()}"),
                publish_date=kw.pop("publish_date", date(2026, 12, 15)), **kw)
    db.session.add(row)
    db.session.flush()
    return row


def slot(pub, **kw) -> AdSlot:
    row = AdSlot(publication=pub, name=kw.pop("name", f"版位{next_id()}"), medium="print",
                 list_price=kw.pop("list_price", Decimal("1000.00")), **kw)
    db.session.add(row)
    db.session.flush()
    return row


def contract(cust, pub, **kw) -> Contract:
    row = Contract(number=kw.pop("number", f"T-{next_id()}"), customer=cust, party_name=cust.name,
                   publication=pub, kind=kw.pop("kind", "ad"),
                   start_date=kw.pop("start_date", date(2026, 1, 1)),
                   end_date=kw.pop("end_date", date(2026, 12, 31)),
                   amount=kw.pop("amount", Decimal("10000.00")), **kw)
    db.session.add(row)
    db.session.flush()
    return row


def booking(con, ad_slot, the_issue=None, **kw) -> Booking:
    row = Booking(contract=con, slot=ad_slot, issue=the_issue, price=kw.pop("price", Decimal("500.00")), **kw)
    db.session.add(row)
    db.session.flush()
    return row


def payment(con, **kw) -> Payment:
    row = Payment(contract=con, amount=kw.pop("amount", Decimal("100.00")), kind="ad_fee", method="transfer",
                  collected_on=kw.pop("collected_on", date(2026, 11, 1)), **kw)
    db.session.add(row)
    db.session.flush()
    return row


def activity(cust, by=None, **kw) -> Activity:
    row = Activity(customer=cust, user=by, kind=kw.pop("kind", "call"),
                   happened_on=kw.pop("happened_on", date.today() - timedelta(days=1)), **kw)
    db.session.add(row)
    db.session.flush()
    return row


def full_customer(app, owner_name):
    """A customer with one row of every dependent record; returns a dict of them."""
    owner = user(app, owner_name) if owner_name else None
    cust = customer(owner)
    pub = publication()
    rows = {"customer": cust, "publication": pub}
    rows["contact"] = contact(cust, is_ad_responsible=True, mobile="13800138000")
    rows["activity"] = activity(cust, by=owner)
    rows["issue"] = issue(pub)
    rows["adslot"] = slot(pub)
    rows["contract"] = contract(cust, pub)
    rows["booking"] = booking(rows["contract"], rows["adslot"], rows["issue"])
    rows["payment"] = payment(rows["contract"])
    return rows
