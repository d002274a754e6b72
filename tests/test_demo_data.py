"""The demo data generators (pure) and, with the app, the two seeders."""
import random
from datetime import date

import pytest

from app.demo import data
from app.domain.validation import check_credit_code, check_email, check_mobile, check_phone


def test_demo_customers_are_valid_and_unique():
    firms = data.demo_customers(seed=1)
    assert len(firms) == 36
    assert len({f["name"] for f in firms}) == len(firms)
    assert len({f["credit_code"] for f in firms}) == len(firms)
    for firm in firms:
        assert check_credit_code(firm["credit_code"]) is None, firm["credit_code"]
        assert firm["name"].endswith("有限公司") and firm["short_name"]
        assert firm["locality"] == ("local" if firm["city"] == data.HOME_CITY else "out_of_town")
        assert 1 <= len(firm["contacts"]) <= 3
        assert sum(c["is_ad_responsible"] for c in firm["contacts"]) == 1
        assert len({c["name"] for c in firm["contacts"]}) == len(firm["contacts"])
        for person in firm["contacts"]:
            assert check_mobile(person["mobile"]) is None, person["mobile"]
            assert check_email(person["email"]) is None, person["email"]
            assert check_phone(person["phone"]) is None, person["phone"]


def test_demo_customers_spread_over_owners_stages_and_cities():
    firms = data.demo_customers()
    owners = {f["owner"] for f in firms}
    assert owners == {"sales1", "sales2", None}
    for owner in ("sales1", "sales2"):
        assert {f["stage"] for f in firms if f["owner"] == owner} == set(data.STAGE_PATTERN)
    assert {f["locality"] for f in firms} == {"local", "out_of_town"}
    assert len({f["source"] for f in firms}) >= 4


def test_generators_are_deterministic():
    assert data.demo_customers(seed=5) == data.demo_customers(seed=5)
    assert data.demo_customers(seed=5) != data.demo_customers(seed=6)
    assert data.scale_customer(12345) == data.scale_customer(12345)
    assert data.org_code(random.Random(3)) == data.org_code(random.Random(3))


def test_many_generated_mobiles_are_valid():
    rng = random.Random(9)
    for _ in range(2000):
        assert check_mobile(data.mobile(rng)) is None


def test_scale_customers_are_unique_and_valid():
    indices = list(range(30000)) + list(range(140000, 150000))  # past the first branch boundary
    firms = [data.scale_customer(i) for i in indices]
    assert len({f["name"] for f in firms}) == len(firms)
    assert len({f["credit_code"] for f in firms}) == len(firms)
    for firm in firms[::97]:
        assert check_credit_code(firm["credit_code"]) is None, firm["credit_code"]


def test_scale_codes_never_meet_demo_codes():
    # Demo organisation codes are all digits (plus X); scale ones start with "MA".
    assert all(data.scale_customer(i)["credit_code"][8:10] == "MA" for i in range(100))
    rng = random.Random(2)
    assert all(data.org_code(rng)[:8].isdigit() for _ in range(100))


class _Digits:
    """Stands in for random.Random: choice() hands out the given digits in order."""

    def __init__(self, digits: str):
        self.digits = iter(digits)

    def choice(self, _options):
        return next(self.digits)


def test_org_code_check_character():
    # GB 11714: 1*3+2*7+3*9+4*10+5*5+6*8+7*4+8*2 = 201, 201 % 11 = 3, 11 - 3 = 8.
    assert data.org_code(_Digits("12345678")) == "123456788"
    assert data.org_code(_Digits("00000030")) == "00000030X"  # 3*4 = 12, 11 - 1 = 10 is written X
    assert data.org_code(_Digits("00000000")) == "000000000"  # 11 - 0 = 11 is written 0


def test_monthly_issues():
    issues = data.monthly_issues(date(2026, 11, 26))
    assert [i["number"] for i in issues][0] == "2026-05"
    assert [i["number"] for i in issues][-1] == "2027-05"
    assert len(issues) == 13
    assert all((i["publish_date"] - i["copy_deadline"]).days == 10 for i in issues)
    assert data.contract_number("HS", 2026, 1) == "HS-2026-0001"


@pytest.mark.db
def test_seeders_fill_the_database(app):
    from app.domain.textkeys import bigram_text, pinyin_sort_key

    import sqlalchemy as sa

    from app.cli import DEMO_USERS
    from app.demo.seed import seed_demo_data, seed_scale_data
    from app.domain.enums import ContractStatus
    from app.models import Booking, Contact, Contract, Customer, Payment, db

    with app.app_context():
        session = db.session
        tables = [t for t in Customer.metadata.sorted_tables if "id" in t.c and not t.name.startswith("ab_")]
        before = {t.name: session.scalar(sa.select(sa.func.max(t.c.id))) or 0 for t in tables}
        users = {name: app.appbuilder.sm.find_user(username=name) for name in DEMO_USERS}
        try:
            counts = seed_demo_data(session, users)
            assert all(counts[name] > 0 for name in counts), counts
            new = Contract.id > before["contract"]
            assert set(session.scalars(sa.select(Contract.status).where(new))) == {s.value for s in ContractStatus}
            assert set(session.scalars(sa.select(Contract.kind).where(new))) == {"ad", "membership"}
            draft_owners = set(session.scalars(
                sa.select(Customer.owner_id).join(Contract, Contract.customer_id == Customer.id)
                .where(new, Contract.status == "draft")))
            assert {users["sales1"].id, users["sales2"].id} <= draft_owners
            responsible = session.execute(
                sa.select(Customer.id, sa.func.count(Contact.id))
                .outerjoin(Contact, sa.and_(Contact.customer_id == Customer.id, Contact.is_ad_responsible))
                .where(Customer.id > before["customer"]).group_by(Customer.id)).all()
            assert len(responsible) == counts["customers"]
            assert all(count == 1 for _id, count in responsible)
            paid = Payment.id > before["payment"]
            assert set(session.scalars(sa.select(Payment.kind).where(paid))) == {"ad_fee", "membership_fee", "misc"}
            assert set(session.scalars(sa.select(Payment.method).where(paid))) == {"cash", "cheque", "transfer"}
            # The seed keeps the records' promises (issue 8): what the write guard enforces for every door.
            from tests.invariants import broken_promises

            assert broken_promises(session, since=before) == []
            assert session.scalar(sa.select(sa.func.count(Booking.id)).where(
                Booking.id > before["booking"], Booking.web_start.is_not(None))), "no web booking seeded"

            lines = []
            scale = seed_scale_data(session, users, 200, progress=lines.append)
            assert (scale["customers"], scale["contacts"], scale["contracts"], scale["payments"]) == (200, 200, 400, 600)
            assert lines
            for model, name in ((Customer, "customers"), (Contract, "contracts"), (Payment, "payments")):
                total = session.scalar(sa.select(sa.func.count(model.id)).where(model.id > before[model.__tablename__]))
                assert total == counts[name] + scale[name]
            # Bulk inserts bypass the session hooks: the seed fills what they derive, with the same functions.
            new_customers = session.execute(sa.select(Customer.name, Customer.name_sort, Customer.name_grams)
                                            .where(Customer.id > before["customer"])).all()
            assert all((key, grams) == (pinyin_sort_key(name), bigram_text(name))
                       for name, key, grams in new_customers)
            paid = (sa.select(sa.func.coalesce(sa.func.sum(Payment.amount), 0))
                    .where(Payment.contract_id == Contract.id, Payment.confirmed_at.is_not(None)).scalar_subquery())
            wrong = session.scalar(sa.select(sa.func.count()).where(
                Contract.id > before["contract"], sa.func.abs(Contract.paid_total - paid) > 0.001))
            assert wrong == 0
        finally:  # the app's database is shared by the whole session: take the rows out again
            session.rollback()
            for table in reversed(tables):
                session.execute(table.delete().where(table.c.id > before[table.name]))
            session.commit()
