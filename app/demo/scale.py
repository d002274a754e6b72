"""Benchmark data: n customers, n contacts, 2n contracts and 3n payments through Core bulk
inserts in chunks (no ORM objects per row, no query per row). Safe to run after the demo
seed or another scale run: names, credit codes and contract numbers derive from an index
that starts after the highest customer id. What the session hooks derive on ORM writes (sort keys, name
bigrams, contract totals: app.models.derived) is filled here by the same functions."""
import random
import time
from collections import Counter
from datetime import date, datetime, time as clock, timedelta
from decimal import Decimal

from sqlalchemy import func, insert, select, text

from app.demo import data
from app.demo.seed import _net, _rate_card
from app.domain.enums import ContractStatus, CustomerStage
from app.domain.textkeys import bigram_text, pinyin_sort_key
from app.models import Contact, Contract, Customer, Payment
from app.models.base import utcnow
from app.context import acting_as
from app.models.derived import net_amount_of, recompute_contract_totals

CHUNK = 10_000
STAGES = [s.value for s in CustomerStage]
STAGE_WEIGHTS = [35, 20, 15, 20, 10]
STATUSES = [s.value for s in ContractStatus]
STATUS_WEIGHTS = [20, 8, 7, 8, 45, 12]  # draft, stamped, reviewed, approved, sealed, cancelled
AD_AMOUNTS = [Decimal(v) for v in (9800, 15000, 19600, 30000, 45000, 58800, 90000, 120000)]
FEES = [Decimal(v) for v in data.MEMBERSHIP_FEES]
DISCOUNTS = [Decimal(v) for v in (0, 0, 0, 5, 10, 15, 20)]
MISC = Decimal(800)


def _insert(session, model, rows, first_id=None) -> None:
    """Insert into the model's table, not the ORM entity: the ORM bulk path splits rows into
    many small batches whenever the None-valued keys differ from row to row (40x slower).
    With ``first_id`` the rows get explicit ids (RETURNING with a guaranteed order runs row by
    row on PostgreSQL) and the id sequence is moved past them afterwards."""
    table = model.__table__
    if first_id is not None:
        for offset, row in enumerate(rows):
            row["id"] = first_id + offset
    for start in range(0, len(rows), CHUNK):
        session.execute(insert(table), rows[start:start + CHUNK],
                        execution_options={"insertmanyvalues_page_size": CHUNK})
    if first_id is not None and session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT setval(pg_get_serial_sequence(:t, 'id'), (SELECT max(id) FROM %s))"
                             % table.name), {"t": table.name})


def _next_id(session, model) -> int:
    return (session.scalar(select(func.max(model.id))) or 0) + 1


def seed_scale(session, users, n: int, progress, seed: int = 7) -> dict[str, int]:
    rng = random.Random(seed)
    today, now = date.today(), utcnow()
    counts = Counter()
    started = time.monotonic()

    def done(name: str, count: int) -> None:
        counts[name] += count
        progress(f"{name}: {count} rows ({time.monotonic() - started:.1f} s)")

    with acting_as(users["manager"].id, "cli"):
        pubs, _issues, _slots = _rate_card(session, today, counts)
    progress(f"rate card ready ({time.monotonic() - started:.1f} s)")
    offset = session.scalar(select(func.max(Customer.id))) or 0
    owners = [users["sales1"].id, users["sales2"].id]
    finance_id = users["finance"].id

    existing = set(session.scalars(select(Customer.name)))  # e.g. the demo seed's, drawn from the same parts
    firms, customers, contacts = [], [], []
    for i in range(n):
        firm = data.scale_customer(offset + i)
        if firm["name"] in existing:
            firm["name"] = firm["name"].replace("有限公司", "实业有限公司")
        owner = None if i % 50 == 49 else owners[i % 2]
        firms.append((firm, owner))
        customers.append({
            "name": firm["name"], "short_name": firm["short_name"], "credit_code": firm["credit_code"],
            "name_sort": pinyin_sort_key(firm["name"]), "name_grams": bigram_text(firm["name"]),
            "industry": firm["industry"], "city": firm["city"], "locality": firm["locality"],
            "source": rng.choice(data.SOURCES), "stage": rng.choices(STAGES, STAGE_WEIGHTS)[0],
            "owner_id": owner, "created_at": now, "updated_at": now})
    first = offset + 1
    _insert(session, Customer, customers, first)
    customer_ids = range(first, first + n)
    done("customers", len(customer_ids))

    for (firm, _owner), customer_id in zip(firms, customer_ids):
        row = data.contact(rng, firm, True, set())
        row.update(customer_id=customer_id, name_sort=pinyin_sort_key(row["name"]), created_at=now,
                   updated_at=now)
        contacts.append(row)
    _insert(session, Contact, contacts)
    done("contacts", len(contacts))

    starts = {m: data.month_start(today, m) for m in range(-18, 4)}
    ends = {(m, length): data.month_start(starts[m], length) - timedelta(days=1)
            for m in starts for length in (6, 12)}
    contracts = []
    for i, ((_firm, owner), customer_id) in enumerate(zip(firms, customer_ids)):
        for k in (0, 1):
            kind = "membership" if k == 1 and rng.random() < 0.5 else "ad"
            status = ("sealed" if rng.random() < 0.85 else "approved") if k == 0 \
                else rng.choices(STATUSES, STATUS_WEIGHTS)[0]
            month = rng.randint(-18, 3)
            length = 12 if kind == "membership" else rng.choice((6, 12))
            terms = "prepaid" if rng.random() < 0.6 else "settle_on_date"
            contracts.append({
                "number": f"SC-{offset + i:07d}-{k + 1}", "customer_id": customer_id,
                "party_name": customers[i]["name"], "party_name_sort": customers[i]["name_sort"],
                "publication_id": pubs["web" if kind == "membership" else "print"].id,
                "kind": kind, "start_date": starts[month], "end_date": ends[(month, length)],
                "amount": rng.choice(FEES if kind == "membership" else AD_AMOUNTS),
                "discount_pct": rng.choice(DISCOUNTS), "payment_terms": terms,
                "settle_date": starts[month].replace(day=13) + timedelta(days=31) if terms == "settle_on_date" else None,
                "status": status, "copy_finance": status == "sealed", "copy_department": status == "sealed",
                "copy_customer": status == "sealed", "created_by_id": owner, "created_at": now, "updated_at": now})
    for row in contracts:
        row["net_amount"] = net_amount_of(row["amount"], row["discount_pct"])
    first = _next_id(session, Contract)
    _insert(session, Contract, contracts, first)
    contract_ids = range(first, first + len(contracts))
    done("contracts", len(contract_ids))

    payments = []
    for i, ((_firm, owner), customer_id) in enumerate(zip(firms, customer_ids)):
        first, second = contracts[2 * i], contracts[2 * i + 1]
        net = _net(first["amount"], first["discount_pct"])
        half = (net / 2).quantize(Decimal("0.01"))
        # Misc fees are part of the contract's amount: the payments never exceed it (issue 8).
        misc = Decimal(0) if second["status"] in ("sealed", "approved") else MISC
        rows = [(contract_ids[2 * i], "ad_fee", half, 0), (contract_ids[2 * i], "ad_fee", net - half - misc, 30)]
        if not misc:
            kind = "membership_fee" if second["kind"] == "membership" else "ad_fee"
            rows.append((contract_ids[2 * i + 1], kind, _net(second["amount"], second["discount_pct"]), 0))
        else:
            rows.append((contract_ids[2 * i], "misc", misc, 10))
        for contract_id, kind, amount, days in rows:
            day = min(first["start_date"] + timedelta(days=days + rng.randrange(-5, 15)), today)
            confirmed = rng.random() < 0.85
            at = datetime.combine(day, clock(16, 30)) if confirmed else None
            payments.append({
                "contract_id": contract_id, "customer_id": customer_id, "amount": amount, "kind": kind,
                "method": rng.choice(("transfer", "transfer", "cash", "cheque")), "collected_by_id": owner,
                "collected_on": day, "received_at": at, "confirmed_by_id": finance_id if confirmed else None,
                "confirmed_at": at, "created_at": now})
    _insert(session, Payment, payments)
    recompute_contract_totals(session, from_id=contract_ids.start)
    done("payments", len(payments))

    session.commit()
    progress(f"committed ({time.monotonic() - started:.1f} s)")
    order = ["customers", "contacts", "contracts", "payments", "publications", "issues", "ad slots"]
    return {name: counts[name] for name in order if counts[name] or name in order[:4]}
