"""Issue 8, the proof: a stateful property test (hypothesis `RuleBasedStateMachine`) that drives the REST API as
random users of every role (Admin, Manager, two Sales reps, Finance, Service) with valid, invalid and hostile
operations, and after every step checks the promises over the database (tests/invariants.py), the change trail
(tests/change_trail.py: every change audited, its version raised) and a small model of what each answer should
have been: the contracts' statuses, the payments' and bookings' states, what must be refused and what must pass.

Never a 500. Bounded in `make test` (RULES_EXAMPLES x RULES_STEPS, default 6 x 30); `make fuzz-rules` goes deeper
(RULES_EXAMPLES=80 RULES_STEPS=50, about 4,000 steps). Runs are derandomized (repeatable) unless RULES_RANDOM=1.
"""
import os
import time
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, Phase, settings, strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule, \
    run_state_machine_as_test

from app.domain.normalise import name_key
from app.models import Booking, Contact, Contract, Customer, Payment, db
from tests import factories as f
from tests.change_trail import broken_trail, snapshot
from tests.conftest import ApiClient
from tests.invariants import all_broken_promises
from tests.state_machine_world import (
    ACTORS, BAD_AMOUNTS, BAD_DATES, BAD_MOMENTS, COPY_TEXTS, PERSON_NAMES, REASONS, REPS, ROLE_OF, day, ensure_cast,
    file_documents, high_water, moment, money, stage,
)

EXAMPLES = int(os.environ.get("RULES_EXAMPLES", "6"))
STEPS = int(os.environ.get("RULES_STEPS", "30"))
RANDOM = os.environ.get("RULES_RANDOM") == "1"  # a fresh random run each time (default: derandomized, repeatable)
TRACE = os.environ.get("RULES_TRACE") == "1"
FIGURES = {"calls": 0, "checks": 0, "examples": 0, "answers": {}}

TERMS_VALUES = {
    "amount": st.one_of(st.sampled_from(BAD_AMOUNTS), st.integers(1, 90000).map(money)),
    "discount_pct": st.sampled_from(["10", "100.5", "-1", "5.555", "0"]),
    "party_name": st.sampled_from(PERSON_NAMES + ["某某公司"]),
    "start_date": st.sampled_from(BAD_DATES + [day(-400), day(-10)]),
    "end_date": st.sampled_from(BAD_DATES + [day(600), day(30)]),
    "kind": st.sampled_from(["ad", "membership", "other"]),
    "number": st.sampled_from(["ＳＭ－１", "SM-1", "\u200bSM-2", " "]),
    "payment_terms": st.sampled_from(["prepaid", "settle_on_date", "never"]),
}
ARCHIVE_VALUES = {"notes": st.sampled_from(["已归档", "\u200b", " "]), "copy_finance": st.booleans(),
                  "copy_customer": st.booleans()}


class RecordsMachine(RuleBasedStateMachine):
    """`app`, `users` (username -> id) and `since` (the high-water marks) are set on the subclass by the test."""
    app = users = since = None

    def __init__(self):
        super().__init__()
        self.clients = {name: ApiClient(self.app, name) for name in ACTORS}
        self.customers: dict[int, int | None] = {}  # id -> owner user id
        self.contacts: dict[int, int] = {}  # id -> customer id
        self.contracts: dict[int, dict] = {}  # id -> {"customer", "status", "reviewer", "sealed_terms"}
        self.bookings: dict[int, dict] = {}  # id -> {"contract", "published"}
        self.payments: dict[int, dict] = {}  # id -> {"contract", "confirmed", "reversed"}
        self.example_since = high_water(self.app)
        self.trail = self._read(lambda s: snapshot(s, self.example_since))
        FIGURES["examples"] += 1

    # --- plumbing ------------------------------------------------------------------------------------------------

    def _read(self, reader):
        with self.app.app_context():
            try:
                return reader(db.session)
            finally:
                db.session.remove()

    def call(self, who: str, method: str, url: str, body=None):
        client = self.clients[who]
        kwargs = {} if body is None else {"json": body}
        send = client.edit if method == "put" else getattr(client, method)
        response = send(url, **kwargs)
        FIGURES["calls"] += 1
        FIGURES["answers"][response.status_code] = FIGURES["answers"].get(response.status_code, 0) + 1
        assert response.status_code < 500, (who, method, url, body, response.get_data(as_text=True)[:500])
        if TRACE:
            print(who, method, url, body, response.status_code, response.get_data(as_text=True)[:200])
        return response

    def role(self, who: str) -> str:
        return ROLE_OF[who]

    def owns(self, who: str, customer_id: int) -> bool:
        return self.role(who) != "Sales" or self.customers.get(customer_id) == self.users[who]

    def contract_customer(self, contract_id: int) -> int:
        return self.contracts[contract_id]["customer"]

    def db_contract(self, contract_id: int) -> dict:
        def read(session):
            c = session.get(Contract, contract_id)
            cust = c.customer
            return {"status": c.status, "party_name": c.party_name, "customer_name": cust.name,
                    "owner": cust.owner_id, "docs": bool(cust.license_copy and cust.operating_permit),
                    "start": c.start_date, "end": c.end_date, "net": c.amount * (100 - c.discount_pct) / 100,
                    **{t: getattr(c, t) for t in ("amount", "discount_pct", "kind", "number", "payment_terms",
                                                  "customer_id", "publication_id")}}
        return self._read(read)

    def open_amount(self, contract_id: int) -> Decimal:
        """Net amount less every unreversed payment (less advance) and every write-off: what may still be paid."""
        from sqlalchemy import func, select

        from app.models import WriteOff

        def read(session):
            c = session.get(Contract, contract_id)
            paid = session.scalar(select(func.coalesce(func.sum(Payment.amount - Payment.advance), 0)).where(
                Payment.contract_id == contract_id, Payment.reversed_at.is_(None)))
            written = session.scalar(select(func.coalesce(func.sum(WriteOff.amount), 0)).where(
                WriteOff.contract_id == contract_id))
            net = (Decimal(c.amount) * (100 - Decimal(c.discount_pct)) / 100).quantize(Decimal("0.01"))
            return net - Decimal(paid) - Decimal(written)
        return self._read(read)

    def has_bookings(self, contract_id: int) -> bool:
        from sqlalchemy import exists, select

        return self._read(lambda s: s.scalar(select(exists().where(Booking.contract_id == contract_id))))

    def ad_responsible(self, customer_id: int) -> int | None:
        from sqlalchemy import select

        return self._read(lambda s: s.scalar(select(Contact.id).where(Contact.customer_id == customer_id,
                                                                      Contact.is_ad_responsible.is_(True))))

    def pick(self, data, pool, label):
        return data.draw(st.sampled_from(sorted(pool)), label=label)

    # --- the stage -----------------------------------------------------------------------------------------------

    @initialize()
    def setup(self):
        """Per example: the rate card, one customer per rep (Admin assigns it; its documents on file), its ad
        responsible contact (Service designates) and a draft contract (the rep drafts)."""
        self.stage = stage(self.app)
        for rep in REPS:
            n = f.next_id()
            name = f"状态机客户{n}有限公司"
            response = self.call("admin", "post", "/api/v1/customer/", {
                "name": name, "owner": self.users[rep], "credit_code": f.credit_code(700000 + n), "city": "深圳"})
            assert response.status_code == 201, response.get_json()
            customer_id = response.get_json()["id"]
            self.customers[customer_id] = self.users[rep]
            file_documents(self.app, customer_id)
            response = self.call("service", "post", "/api/v1/contact/", {
                "customer": customer_id, "name": f"广告负责人{n}", "is_ad_responsible": True})
            assert response.status_code == 201, response.get_json()
            self.contacts[response.get_json()["id"]] = customer_id
            self._draft(rep, customer_id, name, "30600.00")
        self.trail = self._read(lambda s: snapshot(s, self.example_since))

    def _draft(self, who, customer_id, party_name, amount, **extra):
        body = {"number": f"SM-{f.next_id()}", "customer": customer_id, "party_name": party_name,
                "publication": self.stage["publication"], "kind": "ad", "start_date": day(-30),
                "end_date": day(300), "amount": amount, "payment_terms": "prepaid", **extra}
        response = self.call(who, "post", "/api/v1/contract/", body)
        if response.status_code == 201:
            self.contracts[response.get_json()["id"]] = {"customer": customer_id, "status": "draft",
                                                        "reviewer": None, "sealed_terms": None}
        return response

    # --- customers and contacts ----------------------------------------------------------------------------------

    @rule(who=st.sampled_from(ACTORS), name=st.sampled_from(PERSON_NAMES + ["新客户有限公司", "（全角）有限公司"]),
          owner=st.sampled_from([None, *REPS, "admin"]), data=st.data())
    def create_customer(self, who, name, owner, data):
        body = {"name": f"{name}{f.next_id()}" if name.strip() else name, "city": "深圳"}
        if owner is not None:
            body["owner"] = self.users[owner]
        response = self.call(who, "post", "/api/v1/customer/", body)
        if self.role(who) == "Finance":
            assert response.status_code == 403
        if self.role(who) == "Sales" and owner not in (None, who):
            assert response.status_code != 201, "a Sales rep gave a new customer to someone else"
        if response.status_code == 201:
            customer_id = response.get_json()["id"]
            stored = self._read(lambda s: s.get(Customer, customer_id).owner_id)
            if self.role(who) == "Sales":
                assert stored == self.users[who]
            self.customers[customer_id] = stored
            if data.draw(st.booleans(), label="documents on file"):
                file_documents(self.app, customer_id)

    @precondition(lambda self: self.customers)
    @rule(who=st.sampled_from(ACTORS), field=st.sampled_from(["owner", "name", "city", "stage", "credit_code"]),
          data=st.data())
    def edit_customer(self, who, field, data):
        customer_id = self.pick(data, self.customers, "customer")
        value = {"owner": st.sampled_from([None, *[self.users[r] for r in REPS]]),
                 "name": st.sampled_from(PERSON_NAMES), "city": st.sampled_from(["广州", "\u200b", " "]),
                 "stage": st.sampled_from(["intent", "signed", "bogus"]),
                 "credit_code": st.sampled_from(["91440300MA5ＦＵＬＬ1", "abc", ""])}[field]
        new = data.draw(value, label="value")
        response = self.call(who, "put", f"/api/v1/customer/{customer_id}", {field: new})
        if self.role(who) == "Sales":
            if not self.owns(who, customer_id):
                assert response.status_code == 404, "a Sales rep changed another rep's customer"
            if field == "owner" and new != self.users[who]:
                assert response.status_code != 200, "a Sales rep gave their customer away or left it ownerless"
        if self.role(who) == "Finance":
            assert response.status_code == 403
        if response.status_code == 200 and field == "owner":
            self.customers[customer_id] = new

    @precondition(lambda self: self.customers)
    @rule(who=st.sampled_from(ACTORS), name=st.sampled_from(PERSON_NAMES), ad=st.booleans(), data=st.data())
    def create_contact(self, who, name, ad, data):
        customer_id = self.pick(data, self.customers, "customer")
        response = self.call(who, "post", "/api/v1/contact/", {"customer": customer_id, "name": name,
                                                               "is_ad_responsible": ad})
        if response.status_code == 201:
            assert self.owns(who, customer_id), "a Sales rep added a contact to another rep's customer"
            assert not (ad and self.role(who) == "Sales"), "a Sales rep designated the ad responsible contact"
            self.contacts[response.get_json()["id"]] = customer_id

    @precondition(lambda self: self.contacts)
    @rule(who=st.sampled_from(ACTORS), change=st.sampled_from(["undesignate", "designate", "rename", "move"]),
          data=st.data())
    def edit_contact(self, who, change, data):
        contact_id = self.pick(data, self.contacts, "contact")
        body = {"undesignate": {"is_ad_responsible": False}, "designate": {"is_ad_responsible": True},
                "rename": {"name": data.draw(st.sampled_from(PERSON_NAMES), label="name")},
                "move": {"customer": self.pick(data, self.customers, "to customer")}}[change]
        def person(session):
            contact = session.get(Contact, contact_id)
            return contact.customer_id, contact.name, contact.is_ad_responsible
        before = self._read(person)
        response = self.call(who, "put", f"/api/v1/contact/{contact_id}", body)
        if response.status_code == 200:
            after = self._read(person)
            assert self.owns(who, self.contacts[contact_id]), "a Sales rep changed another rep's contact"
            if self.role(who) == "Sales":
                assert after[2] == before[2], "a Sales rep changed who is the ad responsible contact"
                assert not before[2] or after == before, "a Sales rep renamed or moved the ad responsible contact"
            if change == "move":
                assert self.owns(who, body["customer"])
                self.contacts[contact_id] = body["customer"]

    # --- contracts -----------------------------------------------------------------------------------------------

    @precondition(lambda self: self.customers)
    @rule(who=st.sampled_from(ACTORS), party=st.sampled_from(["same", "full-width", "zero-width", "other"]),
          amount=st.one_of(st.sampled_from(BAD_AMOUNTS), st.integers(100, 60000).map(money)), data=st.data())
    def create_contract(self, who, party, amount, data):
        customer_id = self.pick(data, self.customers, "customer")
        name = self._read(lambda s: s.get(Customer, customer_id).name)
        party_name = {"same": name, "full-width": name.replace("(", "（").replace(")", "）") + "　",
                      "zero-width": name[:1] + "\u200b" + name[1:], "other": "别的公司"}[party]
        response = self._draft(who, customer_id, party_name, amount)
        if response.status_code == 201:
            assert self.role(who) in ("Admin", "Manager", "Sales") and self.owns(who, customer_id)
            assert self.db_contract(response.get_json()["id"])["status"] == "draft"
        if self.role(who) in ("Finance", "Service"):
            assert response.status_code == 403

    @precondition(lambda self: self.contracts)
    @rule(who=st.sampled_from(ACTORS), data=st.data())
    def edit_contract_terms(self, who, data):
        contract_id = self.pick(data, self.contracts, "contract")
        field = data.draw(st.sampled_from(sorted(TERMS_VALUES) + ["customer"]), label="field")
        value = self.pick(data, self.customers, "customer") if field == "customer" \
            else data.draw(TERMS_VALUES[field], label="value")
        status = self.contracts[contract_id]["status"]
        before = self.db_contract(contract_id)
        response = self.call(who, "put", f"/api/v1/contract/{contract_id}", {field: value})
        if response.status_code == 200:
            # Sending a term's current value again ("0" for a discount of 0.00) changes nothing and may pass.
            assert status == "draft" or self.db_contract(contract_id) == before, \
                f"the terms of a {status} contract changed ({field})"
            assert self.owns(who, self.contract_customer(contract_id)), "a Sales rep changed another rep's contract"
            if field == "customer":
                assert self.owns(who, value), "a Sales rep moved a contract to another rep's customer"
                self.contracts[contract_id]["customer"] = value

    @precondition(lambda self: self.contracts)
    @rule(who=st.sampled_from(ACTORS), field=st.sampled_from(sorted(ARCHIVE_VALUES)), data=st.data())
    def edit_contract_archive(self, who, field, data):
        contract_id = self.pick(data, self.contracts, "contract")
        response = self.call(who, "put", f"/api/v1/contract/{contract_id}",
                             {field: data.draw(ARCHIVE_VALUES[field], label="value")})
        if self.role(who) in ("Finance", "Service"):
            assert response.status_code == 403
        elif self.role(who) == "Sales" and not self.owns(who, self.contract_customer(contract_id)):
            assert response.status_code == 404

    @precondition(lambda self: self.contracts)
    @rule(who=st.sampled_from(ACTORS), to=st.sampled_from(["stamped", "reviewed", "approved", "sealed", "draft",
                                                           "cancelled", "bogus"]),
          reason=st.sampled_from(REASONS), data=st.data())
    def transition(self, who, to, reason, data):
        self._transition(who, self.pick(data, self.contracts, "contract"), to, reason)

    @precondition(lambda self: self.contracts)
    @rule(data=st.data())
    def advance_chain(self, data):
        """The next step of the approval chain by someone who may take it: the owning rep stamps, a Manager or
        Admin reviews, the other one approves, either seals."""
        contract_id = self.pick(data, self.contracts, "contract")
        model = self.contracts[contract_id]
        owner = self.customers.get(model["customer"])
        rep = next((r for r in REPS if self.users[r] == owner), None)
        step = {"draft": ("stamped", [rep] if rep else []), "stamped": ("reviewed", ["manager", "admin"]),
                "reviewed": ("approved", [w for w in ("manager", "admin") if self.users[w] != model["reviewer"]]),
                "approved": ("sealed", ["manager", "admin"])}.get(model["status"])
        if step is None or not step[1]:
            return
        self._transition(data.draw(st.sampled_from(step[1]), label="who"), contract_id, step[0], None)

    @precondition(lambda self: self.contracts)
    @rule(to=st.sampled_from(["draft", "cancelled"]), who=st.sampled_from(["manager", "admin", "owner"]),
          data=st.data())
    def withdraw_well(self, to, who, data):
        """Send a contract back to draft or cancel it, with a real reason, as one who may."""
        pool = self.open_contracts("draft", "stamped", "reviewed", "approved")
        if pool:
            contract_id = data.draw(st.sampled_from(pool), label="contract")
            actor = self.rep_of(contract_id) if who == "owner" else who
            self._transition(actor, contract_id, to, "客户要求修改条款")

    def _transition(self, who, contract_id, to, reason):
        model = self.contracts[contract_id]
        facts = self.db_contract(contract_id)
        assert facts["status"] == model["status"], "the contract's status changed behind the model's back"
        body = {"to": to} if reason is None else {"to": to, "reason": reason}
        response = self.call(who, "post", f"/api/v1/contract/{contract_id}/transition", body)
        role, me, status = self.role(who), self.users[who], model["status"]
        owner = facts["owner"] == me
        real_reason = isinstance(reason, str) and any(ch.isalnum() for ch in reason)
        # What the model expects: must pass (True), must be refused (False), or not predicted (None).
        expected = None
        if role in ("Finance", "Service"):
            assert response.status_code == 403
            expected = False
        elif role == "Sales" and not owner:
            assert response.status_code == 404
            expected = False
        elif status in ("sealed", "cancelled") or to == "bogus":
            expected = False
        elif to == "stamped":
            expected = status == "draft" and role == "Sales" and owner
        elif to in ("reviewed", "approved", "sealed"):
            forward = {"reviewed": "stamped", "approved": "reviewed", "sealed": "approved"}[to]
            expected = status == forward and role in ("Admin", "Manager") and not owner
            if expected and to == "approved":
                expected = model["reviewer"] != me
            if expected and to == "sealed":
                expected = facts["docs"] and name_key(facts["party_name"]) == name_key(facts["customer_name"]) \
                    and facts["start"] <= facts["end"]
        elif to in ("draft", "cancelled") and self.has_bookings(contract_id):
            expected = False  # bookings live on stamped to sealed contracts only
        elif to == "draft":
            if status not in ("stamped", "reviewed", "approved") or not real_reason:
                expected = False
            else:
                expected = role in ("Admin", "Manager") or (role == "Sales" and status == "stamped")
        elif to == "cancelled":
            if not real_reason:
                expected = False
            else:
                expected = role in ("Admin", "Manager") or (role == "Sales" and status in ("draft", "stamped"))
        if expected is not None:
            assert (response.status_code == 200) == expected, (
                f"{who} ({role}) {status} -> {to}: expected {'200' if expected else 'a refusal'}",
                response.status_code, response.get_json())
        if response.status_code == 200:
            if to == "sealed":
                assert facts["docs"] and name_key(facts["party_name"]) == name_key(facts["customer_name"]), \
                    ("sealed without the documents or with another party than the licence name", facts)
            model["status"] = to
            if to == "reviewed":
                model["reviewer"] = me
            if to == "sealed":
                model["sealed_terms"] = {k: facts[k] for k in ("amount", "discount_pct", "kind", "number",
                                                               "customer_id", "start", "end", "party_name",
                                                               "payment_terms", "publication_id")}

    # --- bookings ------------------------------------------------------------------------------------------------

    @precondition(lambda self: self.contracts)
    @rule(who=st.sampled_from(ACTORS),
          place=st.sampled_from(["issue0", "issue1", "web", "inactive", "web_in_issue", "print_with_web_dates",
                                 "print_no_issue"]),
          copy=st.sampled_from(COPY_TEXTS), received=st.booleans(), start=st.integers(-5, 120),
          length=st.integers(0, 40), data=st.data())
    def book(self, who, place, copy, received, start, length, data):
        self._book(who, self.pick(data, self.contracts, "contract"), place, copy, received, start, length, data)

    def rep_of(self, contract_id: int) -> str:
        owner = self.customers.get(self.contract_customer(contract_id))
        return next((r for r in REPS if self.users[r] == owner), "manager")

    def open_contracts(self, *states) -> list[int]:
        states = states or ("stamped", "reviewed", "approved", "sealed")
        return sorted(c for c, m in self.contracts.items() if m["status"] in states)

    @precondition(lambda self: self.contracts)
    @rule(place=st.sampled_from(["issue0", "issue1", "web"]), start=st.integers(0, 100), length=st.integers(0, 20),
          copy=st.sampled_from(["春季新品广告", "本店最\u200b佳选择", "诚信经营"]), data=st.data())
    def book_well(self, place, start, length, copy, data):
        """A booking as the owning rep would make it, on a contract that takes bookings."""
        pool = self.open_contracts()
        if pool:
            contract_id = data.draw(st.sampled_from(pool), label="contract")
            self._book(self.rep_of(contract_id), contract_id, place, copy, True, start, length, data)

    @precondition(lambda self: self.bookings)
    @rule(method=st.sampled_from(["email", "fax", "in_person"]), data=st.data())
    def proof_well(self, method, data):
        """The next step of a booking's proof as the owning rep takes it: send the proof, record the ad
        responsible contact's confirmation, publish."""
        booking_id = self.pick(data, self.bookings, "booking")
        if self.bookings[booking_id]["published"]:
            return
        contract_id = self.bookings[booking_id]["contract"]
        rep = self.rep_of(contract_id)
        status, sent_to = self._read(lambda s: (s.get(Booking, booking_id).proof_status,
                                                s.get(Booking, booking_id).proof_sent_to_id))
        if status in ("pending", "rejected", None):
            self.call(rep, "put", f"/api/v1/booking/{booking_id}", {"proof_status": "sent"})
        elif status == "sent":
            confirmer = sent_to or self.ad_responsible(self.contract_customer(contract_id))
            if confirmer is None:
                return
            response = self.call(rep, "put", f"/api/v1/booking/{booking_id}", {
                "proof_status": "confirmed", "proof_contact": confirmer, "proof_method": method})
            assert response.status_code == 200, ("the ad responsible contact's confirmation was refused",
                                                 response.get_json())
        else:
            response = self.call(rep, "put", f"/api/v1/booking/{booking_id}", {"published": True})
            if response.status_code == 200:
                self.bookings[booking_id]["published"] = True

    @precondition(lambda self: self.contracts)
    @rule(share=st.sampled_from([Decimal("0.3"), Decimal("0.5"), Decimal("1")]), method=st.sampled_from(
        ["cash", "transfer", "cheque"]), data=st.data())
    def pay_well(self, share, method, data):
        """The owning rep records what the customer paid (at most what is open); Finance confirms it later."""
        pool = self.open_contracts()
        if not pool:
            return
        contract_id = data.draw(st.sampled_from(pool), label="contract")
        amount = (self.open_amount(contract_id) * share).quantize(Decimal("0.01"))
        if amount <= 0:
            return
        rep = self.rep_of(contract_id)
        who = rep if rep in REPS else "finance"
        response = self.call(who, "post", "/api/v1/payment/", {
            "contract": contract_id, "amount": str(amount), "kind": "ad_fee", "method": method,
            "collected_on": day(0)})
        assert response.status_code == 201, ("a payment within what is open was refused", response.get_json())
        self.payments[response.get_json()["id"]] = {"contract": contract_id, "confirmed": False, "reversed": False}

    @precondition(lambda self: self.payments)
    @rule(data=st.data())
    def confirm_well(self, data):
        payment_id = self.pick(data, self.payments, "payment")
        self.confirm_payment("finance", "now", data, payment_id=payment_id)

    def _book(self, who, contract_id, place, copy, received, start, length, data):
        s = self.stage
        body = {"contract": contract_id, "price": "500.00", "copy_received": received}
        if copy is not None:
            body["copy_text"] = copy
        period = {"web_start": day(start), "web_end": day(start + length)}
        body.update({"issue0": {"slot": s["slots"][0], "issue": s["issues"][0]},
                     "issue1": {"slot": s["slots"][data.draw(st.integers(0, 1), label="slot")],
                                "issue": s["issues"][1]},
                     "web": {"slot": s["web_slot"], **period},
                     "inactive": {"slot": s["inactive_slot"], "issue": s["issues"][0]},
                     "web_in_issue": {"slot": s["web_slot"], "issue": s["issues"][0]},
                     "print_with_web_dates": {"slot": s["slots"][0], "issue": s["issues"][0], **period},
                     "print_no_issue": {"slot": s["slots"][1], **period}}[place])
        status = self.contracts[contract_id]["status"]
        response = self.call(who, "post", "/api/v1/booking/", body)
        if response.status_code == 201:
            assert status in ("stamped", "reviewed", "approved", "sealed"), f"a booking on a {status} contract"
            assert place in ("issue0", "issue1", "web"), f"a {place} booking was accepted"
            assert self.owns(who, self.contract_customer(contract_id))
            assert self.role(who) in ("Admin", "Manager", "Sales")
            self.bookings[response.get_json()["id"]] = {"contract": contract_id, "published": False}
        if self.role(who) in ("Finance", "Service"):
            assert response.status_code == 403

    @precondition(lambda self: self.bookings)
    @rule(who=st.sampled_from(ACTORS), data=st.data())
    def send_proof(self, who, data):
        booking_id = self.pick(data, self.bookings, "booking")
        self.call(who, "put", f"/api/v1/booking/{booking_id}", {"proof_status": "sent"})

    @precondition(lambda self: self.bookings)
    @rule(who=st.sampled_from(ACTORS), whom=st.sampled_from(["responsible", "other of the customer",
                                                             "another customer's"]),
          method=st.sampled_from(["email", "fax", "in_person", None, "pigeon"]), data=st.data())
    def confirm_proof(self, who, whom, method, data):
        booking_id = self.pick(data, self.bookings, "booking")
        customer_id = self.contract_customer(self.bookings[booking_id]["contract"])
        sent_to = self._read(lambda s: s.get(Booking, booking_id).proof_sent_to_id)
        expected_confirmer = sent_to or self.ad_responsible(customer_id)
        own = [c for c, cust in self.contacts.items() if cust == customer_id]
        foreign = [c for c, cust in self.contacts.items() if cust != customer_id]
        pool = {"responsible": [expected_confirmer] if expected_confirmer else own,
                "other of the customer": own, "another customer's": foreign}[whom]
        if not pool:
            return
        contact_id = data.draw(st.sampled_from(sorted(pool)), label="contact")
        body = {"proof_status": "confirmed", "proof_contact": contact_id}
        if method is not None:
            body["proof_method"] = method
        response = self.call(who, "put", f"/api/v1/booking/{booking_id}", body)
        if response.status_code == 200:
            assert contact_id == expected_confirmer, (
                f"proof confirmed by contact {contact_id}, not by {expected_confirmer} (sent to {sent_to})")
            assert method in ("email", "fax", "in_person")

    @precondition(lambda self: self.bookings)
    @rule(who=st.sampled_from(ACTORS), data=st.data())
    def publish(self, who, data):
        booking_id = self.pick(data, self.bookings, "booking")
        contract_id = self.bookings[booking_id]["contract"]
        before = self._read(lambda s: (s.get(Booking, booking_id).proof_status, s.get(Booking, booking_id).copy_received))
        response = self.call(who, "put", f"/api/v1/booking/{booking_id}", {"published": True})
        if response.status_code == 200:
            assert self.contracts[contract_id]["status"] == "sealed", "published on a contract not sealed"
            assert before == ("confirmed", True), f"published with proof/copy {before}"
            self.bookings[booking_id]["published"] = True

    @precondition(lambda self: self.bookings)
    @rule(who=st.sampled_from(ACTORS),
          field=st.sampled_from(["copy_text", "has_supporting_documents", "price", "contract", "slot", "published"]),
          data=st.data())
    def edit_booking(self, who, field, data):
        booking_id = self.pick(data, self.bookings, "booking")
        value = {"copy_text": st.sampled_from(COPY_TEXTS), "has_supporting_documents": st.just(True),
                 "price": st.sampled_from(BAD_AMOUNTS + ["800.00"]),
                 "contract": st.sampled_from(sorted(self.contracts)),
                 "slot": st.sampled_from([self.stage["inactive_slot"], self.stage["web_slot"], *self.stage["slots"]]),
                 "published": st.just(False)}[field]
        new = data.draw(value, label="value")
        response = self.call(who, "put", f"/api/v1/booking/{booking_id}", {field: new})
        if response.status_code == 200:
            assert not self.bookings[booking_id]["published"], f"a published booking's {field} changed"
            if field == "contract":
                assert self.contract_customer(new) == self.contract_customer(self.bookings[booking_id]["contract"])
                self.bookings[booking_id]["contract"] = new

    # --- money ---------------------------------------------------------------------------------------------------

    @precondition(lambda self: self.contracts)
    @rule(who=st.sampled_from(ACTORS), amount=st.one_of(st.sampled_from(BAD_AMOUNTS + ["40000.00"]),
                                                        st.integers(1, 35000).map(money)),
          advance=st.sampled_from([None, None, "0", "100.00", "-1"]), method=st.sampled_from(["cash", "transfer"]),
          collected=st.sampled_from([0, -1, -3] + BAD_DATES), confirmed=st.sampled_from([None, None, "now"] + BAD_MOMENTS),
          data=st.data())
    def record_payment(self, who, amount, advance, method, collected, confirmed, data):
        contract_id = self.pick(data, self.contracts, "contract")
        body = {"contract": contract_id, "amount": amount, "kind": "ad_fee", "method": method,
                "collected_on": day(collected) if isinstance(collected, int) and collected <= 0 else collected}
        if advance is not None:
            body["advance"] = advance
        if confirmed is not None:
            body["confirmed_at"] = moment(minutes=-1) if confirmed == "now" else confirmed
        status = self.contracts[contract_id]["status"]
        open_before = self.open_amount(contract_id)
        response = self.call(who, "post", "/api/v1/payment/", body)
        if response.status_code == 201:
            assert status in ("stamped", "reviewed", "approved", "sealed"), f"a payment on a {status} contract"
            assert self.role(who) in ("Admin", "Finance", "Sales") and self.owns(who, self.contract_customer(contract_id))
            assert not (self.role(who) == "Sales" and (confirmed or advance not in (None, "0"))), \
                "a Sales rep confirmed a payment or held an advance"
            paid = Decimal(str(amount)) - Decimal(advance or 0)
            assert paid <= open_before, f"a payment of {paid} on {open_before} open"
            self.payments[response.get_json()["id"]] = {"contract": contract_id, "confirmed": confirmed is not None,
                                                        "reversed": False}
        if self.role(who) in ("Manager", "Service"):
            assert response.status_code == 403

    @precondition(lambda self: self.payments)
    @rule(who=st.sampled_from(ACTORS), at=st.sampled_from(["now", "now"] + BAD_MOMENTS), data=st.data())
    def confirm_payment(self, who, at, data, payment_id=None):
        payment_id = payment_id or self.pick(data, self.payments, "payment")
        model = self.payments[payment_id]
        response = self.call(who, "put", f"/api/v1/payment/{payment_id}",
                             {"confirmed_at": moment(minutes=-1) if at == "now" else at})
        if self.role(who) in ("Finance", "Admin") and at == "now" and not model["confirmed"] and \
                self.contracts[model["contract"]]["status"] in ("stamped", "reviewed", "approved", "sealed"):
            assert response.status_code == 200, ("Finance could not confirm a payment", response.get_json())
        if response.status_code == 200:
            assert self.role(who) in ("Finance", "Admin")
            model["confirmed"] = True

    @precondition(lambda self: self.payments)
    @rule(who=st.sampled_from(ACTORS), field=st.sampled_from(["amount", "contract", "confirmed_at", "received_at",
                                                              "collected_on", "advance"]), data=st.data())
    def edit_payment(self, who, field, data):
        payment_id = self.pick(data, self.payments, "payment")
        model = self.payments[payment_id]
        value = {"amount": st.sampled_from(BAD_AMOUNTS + ["1.00", "50000.00"]),
                 "contract": st.sampled_from(sorted(self.contracts)),
                 "confirmed_at": st.sampled_from([None, *BAD_MOMENTS]), "received_at": st.sampled_from(BAD_MOMENTS),
                 "collected_on": st.sampled_from(BAD_DATES), "advance": st.sampled_from(["5000.00", "-1", "1.005"])
                 }[field]
        new = data.draw(value, label="value")
        response = self.call(who, "put", f"/api/v1/payment/{payment_id}", {field: new})
        if response.status_code == 200:
            assert not model["confirmed"] and not model["reversed"], f"a confirmed payment's {field} changed"
            assert self.role(who) in ("Finance", "Admin")
            if field == "contract":
                model["contract"] = new
            if field == "confirmed_at" and new:
                model["confirmed"] = True

    @precondition(lambda self: self.payments)
    @rule(who=st.sampled_from(ACTORS), reason=st.sampled_from(REASONS), data=st.data())
    def reverse_payment(self, who, reason, data, payment_id=None):
        payment_id = payment_id or self.pick(data, self.payments, "payment")
        model = self.payments[payment_id]
        body = {} if reason is None else {"reason": reason}
        response = self.call(who, "post", f"/api/v1/payment/{payment_id}/reverse", body)
        real = isinstance(reason, str) and any(ch.isalnum() for ch in reason)
        if self.role(who) in ("Finance", "Admin") and real and model["confirmed"] and not model["reversed"]:
            assert response.status_code == 200, ("Finance could not reverse a payment", response.get_json())
        if response.status_code == 200:
            assert real and model["confirmed"] and not model["reversed"]
            model["reversed"] = True

    @precondition(lambda self: self.contracts)
    @rule(who=st.sampled_from(ACTORS), amount=st.one_of(st.sampled_from(BAD_AMOUNTS + ["40000.00"]),
                                                        st.integers(1, 35000).map(money)),
          reason=st.sampled_from(REASONS), responsible=st.sampled_from(REPS), data=st.data())
    def write_off(self, who, amount, reason, responsible, data, contract_id=None):
        contract_id = contract_id or self.pick(data, self.contracts, "contract")
        open_before = self.open_amount(contract_id)
        body = {"contract": contract_id, "amount": amount, "responsible_user": self.users[responsible]}
        if reason is not None:
            body["reason"] = reason
        response = self.call(who, "post", "/api/v1/writeoff/", body)
        if response.status_code == 201:
            assert self.role(who) in ("Finance", "Admin")
            assert self.contracts[contract_id]["status"] in ("stamped", "reviewed", "approved", "sealed")
            assert Decimal(str(amount)) <= open_before, f"a write-off of {amount} on {open_before} open"
        elif self.role(who) in ("Sales", "Manager", "Service"):
            assert response.status_code == 403

    @precondition(lambda self: self.contracts)
    @rule(share=st.sampled_from([Decimal("0.2"), Decimal("0.5"), Decimal("1")]), data=st.data())
    def write_off_well(self, share, data):
        """Finance writes off part of a contract's amount for a staff error, with a reason."""
        pool = self.open_contracts()
        if pool:
            contract_id = data.draw(st.sampled_from(pool), label="contract")
            net = self.db_contract(contract_id)["net"]
            self.write_off("finance", money((net * share).quantize(Decimal("0.01"))), "员工失误，公司承担",
                           data.draw(st.sampled_from(REPS), label="responsible"), data, contract_id=contract_id)

    @precondition(lambda self: self.payments)
    @rule(data=st.data())
    def reverse_well(self, data):
        payment_id = self.pick(data, self.payments, "payment")
        self.reverse_payment("finance", "金额录错，重新登记", data, payment_id=payment_id)

    # --- the log and the complaints ------------------------------------------------------------------------------

    @precondition(lambda self: self.customers and self.contacts)
    @rule(who=st.sampled_from(ACTORS), when=st.sampled_from([0, -1, -5, -14, 1] + BAD_DATES), record=st.sampled_from(
        ["activity", "complaint"]), data=st.data())
    def log(self, who, when, record, data):
        customer_id = self.pick(data, self.customers, "customer")
        contact_id = self.pick(data, self.contacts, "contact")
        on = day(when) if isinstance(when, int) and -100 < when < 100 else when
        body = {"customer": customer_id, "contact": contact_id}
        body.update({"kind": "visit", "happened_on": on, "outcome": "面谈"} if record == "activity"
                    else {"received_on": on, "subject": data.draw(st.sampled_from(["投诉发票", "\u200b", "."]))})
        response = self.call(who, "post", f"/api/v1/{record}/", body)
        if response.status_code == 201:
            assert self.contacts[contact_id] == customer_id, f"an {record} names another customer's contact"
            assert self.owns(who, customer_id)
            if record == "activity":
                assert isinstance(when, int) and when <= 0, f"an activity dated {on}"

    # --- deletions ------------------------------------------------------------------------------------------------

    @rule(who=st.sampled_from(ACTORS), record=st.sampled_from(["customer", "contact", "contract", "booking",
                                                              "payment"]), data=st.data())
    def delete(self, who, record, data):
        pool = {"customer": self.customers, "contact": self.contacts, "contract": self.contracts,
                "booking": self.bookings, "payment": self.payments}[record]
        if not pool:
            return
        pk = self.pick(data, pool, record)
        before = {"contract": lambda: self.contracts[pk]["status"], "booking": lambda: self.bookings[pk]["published"],
                  "payment": lambda: self.payments[pk]["confirmed"]}.get(record, lambda: None)()
        response = self.call(who, "delete", f"/api/v1/{record}/{pk}")
        if response.status_code != 200:
            return
        assert self.role(who) == "Admin", f"{who} deleted a {record}"
        assert not (record == "contract" and before == "sealed"), "a sealed contract was deleted"
        assert not (record == "booking" and before), "a published booking was deleted"
        assert not (record == "payment" and before), "a confirmed payment was deleted"
        if record == "customer":
            self.customers.pop(pk)
            for contact_id in [c for c, cust in self.contacts.items() if cust == pk]:
                self.contacts.pop(contact_id)  # the database deletes a customer's contacts with it
        else:
            pool.pop(pk)

    # --- stale writes and what Sales see -------------------------------------------------------------------------

    @precondition(lambda self: self.contracts)
    @rule(who=st.sampled_from(ACTORS), versioned=st.sampled_from(["old", "none", "huge"]), data=st.data())
    def stale_edit(self, who, versioned, data):
        contract_id = self.pick(data, self.contracts, "contract")
        client = self.clients[who]
        current = client.get(f"/api/v1/contract/{contract_id}")
        if current.status_code != 200:
            return
        version = current.get_json()["result"]["version"]
        body = {"notes": "过时的修改"}
        if versioned != "none":
            body["version"] = version - 1 if versioned == "old" else version + 1000
        response = client.put(f"/api/v1/contract/{contract_id}", json=body)
        FIGURES["calls"] += 1
        assert response.status_code < 500
        assert response.status_code != 200, "a write without the current version was applied"

    @rule(who=st.sampled_from(REPS), record=st.sampled_from(["customer", "contact", "contract", "booking", "payment",
                                                            "activity"]))
    def sales_see_only_their_own(self, who, record):
        response = self.clients[who].get(f"/api/v1/{record}/?q=(page_size:1000)")
        FIGURES["calls"] += 1
        assert response.status_code == 200
        ids = response.get_json()["ids"]
        me = self.users[who]

        def owners(session):
            from sqlalchemy import select

            from app.models import Activity

            model = {"customer": Customer, "contact": Contact, "contract": Contract, "booking": Booking,
                     "payment": Payment, "activity": Activity}[record]
            key = model.id if record == "customer" else model.customer_id
            return set(session.scalars(select(Customer.owner_id).where(Customer.id.in_(
                select(key).where(model.id.in_(ids))))))
        assert owners and self._read(owners) <= {me}, f"{who} sees {record} rows of other owners"

    # --- after every step ----------------------------------------------------------------------------------------

    @invariant()
    def promises_kept(self):
        # This example's rows (an example that broke a promise must not fail the next ones while shrinking); the
        # test checks every row the run made once more at its end.
        problems = self._read(lambda s: all_broken_promises(s, self.example_since))
        assert not problems, problems

    @invariant()
    def every_change_audited(self):
        FIGURES["checks"] += 1  # after the stage and after every step: steps = checks - examples
        after = self._read(lambda s: snapshot(s, self.example_since))
        problems = self._read(lambda s: broken_trail(s, self.trail, after))
        self.trail = after
        assert not problems, problems

    @invariant()
    def model_agrees(self):
        def read(session):
            from sqlalchemy import select

            contracts = dict(session.execute(select(Contract.id, Contract.status).where(
                Contract.id.in_(list(self.contracts)))).all())
            published = dict(session.execute(select(Booking.id, Booking.published).where(
                Booking.id.in_(list(self.bookings)))).all())
            payments = {pid: (confirmed is not None, reversed_ is not None) for pid, confirmed, reversed_ in
                        session.execute(select(Payment.id, Payment.confirmed_at, Payment.reversed_at).where(
                            Payment.id.in_(list(self.payments))))}
            return contracts, published, payments
        contracts, published, payments = self._read(read)
        for contract_id, model in self.contracts.items():
            assert contracts[contract_id] == model["status"], (contract_id, contracts[contract_id], model)
            if model["sealed_terms"] is not None:
                facts = self.db_contract(contract_id)
                now = {k: facts[k] for k in model["sealed_terms"]}
                assert now == model["sealed_terms"], f"sealed contract #{contract_id} changed: {now}"
        for booking_id, model in self.bookings.items():
            assert published[booking_id] == model["published"], (booking_id, model)
        for payment_id, model in self.payments.items():
            assert payments[payment_id] == (model["confirmed"], model["reversed"]), (payment_id, model)


def machine_settings() -> settings:
    return settings(max_examples=EXAMPLES, stateful_step_count=STEPS, deadline=None, database=None,
                    derandomize=not RANDOM,
                    phases=(Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink),
                    suppress_health_check=list(HealthCheck), print_blob=True)


def test_the_rules_hold_whatever_anyone_does(app):
    RecordsMachine.app = app
    RecordsMachine.users = ensure_cast(app)
    RecordsMachine.since = high_water(app)
    FIGURES.update(calls=0, checks=0, examples=0, answers={})
    started = time.perf_counter()
    try:
        run_state_machine_as_test(RecordsMachine, settings=machine_settings())
        with app.app_context():
            problems = all_broken_promises(db.session, RecordsMachine.since)
            db.session.remove()
        assert not problems, problems
    finally:
        elapsed = time.perf_counter() - started
        backend = app.config["SQLALCHEMY_DATABASE_URI"].split(":")[0]
        print(f"\nstate machine on {backend}: {FIGURES['examples']} examples, "
              f"{FIGURES['checks'] - FIGURES['examples']} steps, {FIGURES['calls']} API calls, {elapsed:.1f} s, "
              f"answers {dict(sorted(FIGURES['answers'].items()))}")
