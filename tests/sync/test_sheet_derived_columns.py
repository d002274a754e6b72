"""The sheet is one more door: a name typed in a sheet gets its pinyin key and search bigrams, a payment
amount changed or a payment added in the finance sheet moves its contract's paid total."""
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, select

from app.domain.textkeys import bigram_text, pinyin_sort_key
from app.models import Contact, Contract, Customer, Payment, db
from tests import factories as f
from tests.sync.conftest import cycle, new_user


def test_names_typed_in_the_sheet_get_their_keys(app, emulator, gc, linker):
    username = new_user(app, "Sales")
    with app.app_context():
        customer = f.customer(f.user(app, username), name="表格旧名有限公司")
        contact = f.contact(customer, name="旧联系人")
        db.session.commit()
        cid, pid = customer.id, contact.id
    link_id, sheet = linker(username)
    sheet.type("customer", cid, "name", "重庆表格新名有限公司")
    sheet.type("contact", pid, "name", "曾经理")
    status, error, _requests = cycle(app, gc, link_id)
    assert status == "success", error
    with app.app_context():
        db.session.expire_all()
        row = db.session.execute(select(Customer.name_sort, Customer.name_grams).where(Customer.id == cid)).one()
        assert tuple(row) == (pinyin_sort_key("重庆表格新名有限公司"), bigram_text("重庆表格新名有限公司"))
        assert db.session.scalar(select(Contact.name_sort).where(Contact.id == pid)) == pinyin_sort_key("曾经理")


def test_a_confirmed_payment_edited_in_the_finance_sheet_keeps_the_paid_total(app, emulator, gc, linker):
    """A confirmed payment is final (the guard refuses its new amount in the sheet as at every door); the
    contract's stored total stays equal to the payments summed afresh."""
    with app.app_context():
        contract = f.contract(f.customer(f.user(app, "sales1")), f.publication(), number=f"TOT-{f.next_id()}",
                              status="sealed")
        paid = f.payment(contract, amount=Decimal("100.00"), confirmed_at=datetime(2026, 11, 2, 10))
        open_ = f.payment(contract, amount=Decimal("40.00"))
        db.session.commit()
        con_id, pay_id, open_id = contract.id, paid.id, open_.id
    link_id, sheet = linker("finance", "finance")
    sheet.type("payment", pay_id, "amount", "175.25")
    sheet.type("payment", open_id, "amount", "45.50")  # unconfirmed: corrected, still not paid
    status, error, _requests = cycle(app, gc, link_id)
    assert status == "success", error
    with app.app_context():
        db.session.expire_all()
        assert db.session.get(Payment, open_id).amount == Decimal("45.50")
        assert db.session.get(Payment, pay_id).amount == Decimal("100.00")
        stored = db.session.scalar(select(Contract.paid_total).where(Contract.id == con_id))
        summed = db.session.scalar(select(func.sum(Payment.amount)).where(
            Payment.contract_id == con_id, Payment.confirmed_at.is_not(None)))
        assert Decimal(stored).quantize(Decimal("0.01")) == Decimal(summed).quantize(Decimal("0.01")) \
            == Decimal("100.00")
    assert sheet.value("payment", pay_id, "amount") in ("100.00", "100", 100)
