"""Write demo data: a small realistic set through the ORM (so the session hooks run),
or a large benchmark set through Core bulk inserts."""
import os
import random
from collections import Counter
from datetime import date, datetime, time as clock, timedelta
from decimal import ROUND_HALF_UP, Decimal

import click
from sqlalchemy import func, select

from app.demo import data
from app.models import (
    Activity, AdSlot, Booking, Contact, Contract, Customer, Issue, Payment, Publication, SlotPriceChange,
)
from app.context import acting_as

CENT = Decimal("0.01")
PLACEHOLDER_PDF = b"%PDF-1.4\n% demo placeholder\n%%EOF\n"


def _net(amount: Decimal, discount: Decimal) -> Decimal:
    return (amount * (100 - discount) / 100).quantize(CENT, rounding=ROUND_HALF_UP)


def _document(rng: random.Random) -> str:
    """A stored-document name like the upload manager's; the file is written if the app is there."""
    name = f"{rng.getrandbits(128):032x}.pdf"
    try:
        from flask import current_app

        folder = current_app.config.get("UPLOAD_FOLDER")
    except RuntimeError:
        folder = None
    if folder:
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, name), "wb") as out:
            out.write(PLACEHOLDER_PDF)
    return name


def _rate_card(session, today: date, counts: Counter):
    """The two publications, monthly print issues and the slots; existing rows are reused by name."""
    pubs = {}
    for name, medium in ((data.PRINT_PUBLICATION, "print"), (data.WEB_PUBLICATION, "web")):
        pub = session.scalar(select(Publication).where(Publication.name == name))
        if pub is None:
            pub = Publication(name=name, medium=medium)
            session.add(pub)
            counts["publications"] += 1
        pubs[medium] = pub
    session.flush()
    have = {i.number: i for i in session.scalars(select(Issue).where(Issue.publication_id == pubs["print"].id))}
    issues = []
    for row in data.monthly_issues(today):
        issue = have.get(row["number"])
        if issue is None:
            issue = Issue(publication=pubs["print"], **row)
            session.add(issue)
            counts["issues"] += 1
        issues.append(issue)
    slots = {}
    for medium, rows in (("print", data.PRINT_SLOTS), ("web", data.WEB_SLOTS)):
        existing = {s.name: s for s in session.scalars(select(AdSlot).where(AdSlot.publication_id == pubs[medium].id))}
        for name, size, price in rows:
            slot = existing.get(name)
            if slot is None:
                slot = AdSlot(publication=pubs[medium], name=name, medium=medium, size=size, list_price=Decimal(price))
                session.add(slot)
                counts["ad slots"] += 1
            slots[name] = slot
    session.flush()  # the before_flush hook writes each new slot's first price
    changed = []
    for name, price, reason in data.PRICE_CHANGES:
        if slots[name].list_price != Decimal(price):
            slots[name].list_price = Decimal(price)
            changed.append((slots[name], reason))
    session.flush()
    for slot, reason in changed:
        session.scalar(select(SlotPriceChange).where(SlotPriceChange.slot_id == slot.id)
                       .order_by(SlotPriceChange.id.desc()).limit(1)).reason = reason
    return pubs, sorted(issues, key=lambda i: i.publish_date), slots


def _next_numbers(session, prefix: str, year: int):
    taken = set(session.scalars(select(Contract.number).where(Contract.number.like(f"{prefix}-{year}-%"))))
    seq = 0
    while True:
        seq += 1
        number = data.contract_number(prefix, year, seq)
        if number not in taken:
            yield number


def seed_demo_data(session, users, seed: int = 2026, today: date | None = None) -> dict[str, int]:
    today = today or date.today()
    rng = random.Random(seed)
    counts = Counter()
    price_changes_before = session.scalar(select(func.count(SlotPriceChange.id)))
    with acting_as(users["manager"].id, "cli"):
        pubs, issues, slots = _rate_card(session, today, counts)
        customers = _demo_customers(session, users, rng, today, counts)
        _demo_contracts(session, users, rng, today, customers, pubs, issues, slots, counts)
        session.flush()
    counts["price changes"] = session.scalar(select(func.count(SlotPriceChange.id))) - price_changes_before
    session.commit()
    order = ["customers", "contacts", "activities", "publications", "issues", "ad slots", "price changes",
             "contracts", "bookings", "payments"]
    return {name: counts[name] for name in order}


def _demo_customers(session, users, rng, today, counts):
    firms = data.demo_customers(rng.randrange(10 ** 6))
    clash = set(session.scalars(select(Customer.credit_code).where(
        Customer.credit_code.in_([f["credit_code"] for f in firms]))))
    out = []
    for firm in (f for f in firms if f["credit_code"] not in clash):
        owner = users[firm["owner"]] if firm["owner"] else None
        docs = firm["stage"] in ("signed", "filed") or rng.random() < 0.2
        customer = Customer(
            name=firm["name"], short_name=firm["short_name"], credit_code=firm["credit_code"],
            industry=firm["industry"], city=firm["city"], locality=firm["locality"], source=firm["source"],
            stage=firm["stage"], owner_id=owner.id if owner else None,
            license_copy=_document(rng) if docs else None, operating_permit=_document(rng) if docs else None,
            contacts=[Contact(**c) for c in firm["contacts"]])
        session.add(customer)
        counts["customers"] += 1
        counts["contacts"] += len(firm["contacts"])
        if owner:
            for _ in range(rng.randint(2, 6)):
                local = firm["locality"] == "local"
                kind = rng.choice(["visit", "call", "call"] if local else ["call", "call", "email", "fax"])
                if rng.random() < 0.08:
                    kind = "exhibition"
                day = today - timedelta(days=rng.randrange(56))
                # Logged the day it happened (seed rule 9), so not a late entry.
                customer.activities.append(Activity(
                    user_id=owner.id, kind=kind, happened_on=day, outcome=rng.choice(data.OUTCOMES[kind]),
                    contact=rng.choice(customer.contacts), late=False,
                    created_at=datetime.combine(day, clock(18, 0)), updated_at=datetime.combine(day, clock(18, 0)),
                    next_follow_up=day + timedelta(days=rng.randint(3, 14)) if rng.random() < 0.6 else None))
                counts["activities"] += 1
        out.append((customer, firm))
    session.flush()
    return out


def _demo_contracts(session, users, rng, today, customers, pubs, issues, slots, counts):
    numbers = _next_numbers(session, "HS", today.year)
    in_review = iter(["stamped", "reviewed", "approved"] * 20)
    taken = set(session.execute(select(Booking.slot_id, Booking.issue_id).where(Booking.issue_id.is_not(None))))
    # Web slots are held for a month at a time: (slot id, first day of the month) already booked.
    taken |= {(slot_id, start) for slot_id, start in session.execute(
        select(Booking.slot_id, Booking.web_start).where(Booking.web_start.is_not(None)))}
    methods = iter(["transfer", "cash", "cheque"] * 200)
    mismatched = {"draft": False, "stamped": False}
    sealed_seen = 0
    for customer, firm in customers:
        if not firm["owner"] or firm["stage"] == "lead":
            continue
        owner = users[firm["owner"]]
        status = {"signed": "sealed", "filed": None, "intent": "draft", "lost": "cancelled"}[firm["stage"]]
        status = status or next(in_review)
        plans = [("ad", status)]
        if status == "sealed" and rng.random() < 0.5 or status == "draft" and rng.random() < 0.5:
            plans.append(("membership", status))
        for kind, status in plans:
            pub = pubs["web"] if kind == "membership" else pubs["print"]
            if status == "sealed":
                sealed_seen += 1
                start = data.month_start(today, -rng.randint(1, 5))
                end = data.month_start(start, 12 if kind == "membership" else rng.choice([6, 12])) - timedelta(days=1)
                if sealed_seen == 1:  # ends soon: a renewal is due
                    start, end = data.month_start(today, -6), today + timedelta(days=10)
                elif sealed_seen == 2:  # lapsed without renewal
                    start, end = data.month_start(today, -8), data.month_start(today, -1) - timedelta(days=1)
            else:
                start = data.month_start(today, -2 if status == "cancelled" else rng.randint(1, 2))
                end = data.month_start(start, 12 if kind == "membership" else 6) - timedelta(days=1)
            discount = Decimal(rng.choice([0, 0, 5, 10, 15, 20]))
            terms = rng.choice(["prepaid", "settle_on_date"])
            party = firm["name"]
            if status in mismatched and not mismatched[status]:
                mismatched[status] = True
                party = firm["short_name"] if status == "draft" else firm["name"].replace("有限公司", "有限责任公司")
            contract = Contract(
                number=next(numbers), customer=customer, party_name=party, publication=pub, kind=kind,
                start_date=start, end_date=end, amount=Decimal(0), discount_pct=discount, payment_terms=terms,
                settle_date=data.month_start(start, 1).replace(day=13) if terms == "settle_on_date" else None,
                status=status, created_by_id=owner.id,
                copy_finance=status == "sealed", copy_department=status == "sealed",
                copy_customer=status == "sealed" and rng.random() < 0.8,
                notes="客户预算调整，合同取消" if status == "cancelled" else
                ("合同主体名称与营业执照不一致，待更正" if party != firm["name"] else None))
            session.add(contract)
            counts["contracts"] += 1
            if kind == "membership":
                contract.amount = Decimal(rng.choice(data.MEMBERSHIP_FEES))
            elif status in ("draft", "cancelled"):
                contract.amount = slots["整版"].list_price * 6
            else:
                contract.amount = _demo_bookings(session, rng, today, contract, firm, customer, issues, slots,
                                                 taken, counts)
            if status == "sealed":
                _demo_payments(session, users, rng, today, contract, owner, methods, counts)


def _demo_bookings(session, rng, today, contract, firm, customer, issues, slots, taken, counts):
    total = Decimal(0)
    names = rng.sample([s[0] for s in data.PRINT_SLOTS], rng.randint(1, 2))
    responsible = next(c for c in customer.contacts if c.is_ad_responsible)
    method = "in_person" if firm["locality"] == "local" else rng.choice(["email", "fax"])
    for issue in (i for i in issues if contract.start_date <= i.publish_date <= contract.end_date):
        for name in names:
            slot = slots[name]
            if (slot.id, issue.id) in taken:
                continue
            taken.add((slot.id, issue.id))
            past = issue.publish_date <= today and contract.status == "sealed"
            extra = {}
            if past and "proof_method" in Booking.__table__.c:  # proof columns of the workflow migration
                extra = {"proof_contact": responsible, "proof_method": method,
                         "proof_confirmed_at": datetime.combine(issue.copy_deadline, clock(16, 0))}
            received = past or rng.random() < 0.5
            session.add(Booking(
                contract=contract, customer=customer, slot=slot, issue=issue, price=slot.list_price,
                copy_received=received, copy_text=f"{firm['short_name']}新品上市，欢迎垂询" if received else None,
                proof_status="confirmed" if past else rng.choice(["pending", "sent"]) if received else "pending",
                published=past, **extra))
            total += slot.list_price
            counts["bookings"] += 1
    banner = slots["首页横幅"]
    start = data.month_start(today, rng.randint(-1, 1))
    end = data.month_start(start, 1) - timedelta(days=1)
    # A month of homepage banner on the website, when the month is free and inside the contract.
    if contract.status == "sealed" and rng.random() < 0.4 and (banner.id, start) not in taken \
            and contract.start_date <= start and end <= contract.end_date:
        taken.add((banner.id, start))
        running = start <= today
        proof = {"proof_status": "confirmed", "proof_contact": responsible, "proof_method": method,
                 "proof_confirmed_at": datetime.combine(start - timedelta(days=3), clock(16, 0))} if running \
            else {"proof_status": "sent", "proof_sent_to": responsible,
                  "proof_sent_at": datetime.combine(today, clock(10, 0))}
        session.add(Booking(contract=contract, customer=customer, slot=banner, web_start=start, web_end=end,
                            price=banner.list_price, copy_received=True,
                            copy_text=f"{firm['short_name']}官网横幅，欢迎垂询", published=running, **proof))
        total += banner.list_price
        counts["bookings"] += 1
    return total or slots["半版"].list_price * 2


def _demo_payments(session, users, rng, today, contract, owner, methods, counts):
    net = _net(contract.amount, contract.discount_pct)
    kind = "membership_fee" if contract.kind == "membership" else "ad_fee"
    # Design and production fees (misc) are part of an ad contract's amount: the payments never exceed it.
    misc = Decimal(rng.choice([500, 800, 1200])) if contract.kind == "ad" and (
        rng.random() < 0.4 or not counts["_misc"]) else Decimal(0)
    fee = net - misc
    parts = [fee] if contract.payment_terms == "prepaid" else [(fee / 2).quantize(CENT), fee - (fee / 2).quantize(CENT)]
    rows = [(kind, amount, contract.start_date + timedelta(days=30 * i - 3)) for i, amount in enumerate(parts)]
    if misc:
        counts["_misc"] += 1
        rows.append(("misc", misc, contract.start_date + timedelta(days=20)))
    for kind, amount, day in rows:
        if day > today:
            continue
        confirmed = day < today - timedelta(days=2) and rng.random() < 0.8
        done = datetime.combine(day, clock(16, 30)) if confirmed else None
        session.add(Payment(
            contract=contract, customer=contract.customer, amount=amount, kind=kind, method=next(methods),
            collected_by_id=owner.id, collected_on=day, received_at=done,
            confirmed_by_id=users["finance"].id if confirmed else None, confirmed_at=done,
            notes="设计制作费" if kind == "misc" else None))
        counts["payments"] += 1


def seed_scale_data(session, users, n: int, progress=click.echo, seed: int = 7) -> dict[str, int]:
    from app.demo.scale import seed_scale

    return seed_scale(session, users, n, progress, seed)
