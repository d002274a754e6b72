"""The one declaration of what a linked spreadsheet shows: profiles, their tables and columns.

A profile is an ordered list of tables (one tab each, titled with the record's label in the app
locale). Each table lists its data columns (the record ID always comes first, added by the core),
with a kind that decides how values are shown and read back:

    text      free text
    code      text that must stay text: phone numbers, credit codes (no leading-zero loss)
    enum      an enum value, shown as its translated label, dropdown (ONE_OF_LIST, strict); the enum is the
              one declared on the model's column (app.models.base.enum_column)
    date      yyyy-mm-dd
    decimal   money / percentages, 2 decimals
    bool      TRUE / FALSE (checkbox)
    ref       another record, shown as its display text (customer name, contract number...);
              typed back as that exact text or as "#<id>"
    user      a staff member, shown as the username (always read-only)
    datetime  yyyy-mm-dd HH:MM (always read-only)

`editable=False` columns are read-only for everybody; the others are editable for a linked user
whose roles may edit the record (app.security.matrix). Relations to records the rules derive
(booking.customer, payment.customer) and workflow fields (contract status, proofs,
confirmations) are read-only here: the workflow has its own actions for them.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from app.models import RECORD_MODELS
from app.models.base import column_enum

KINDS = ("text", "code", "enum", "date", "decimal", "bool", "ref", "user", "datetime")
ALWAYS_READ_ONLY = frozenset({"user", "datetime"})


@dataclass(frozen=True)
class Column:
    field: str  # record field, also the FIELD_LABELS key
    kind: str = "text"
    enum: type | None = None
    ref: str | None = None  # record name of the target of a "ref"
    editable: bool = True
    required: bool = False  # a new row must fill it

    @property
    def attr(self) -> str:
        """The model attribute holding the value (the foreign key for ref/user columns)."""
        return f"{self.field}_id" if self.kind in ("ref", "user") else self.field

    @property
    def writable(self) -> bool:
        return self.editable and self.kind not in ALWAYS_READ_ONLY


@dataclass(frozen=True)
class Table:
    record: str  # matrix record name; also the core TableSpec name
    columns: tuple[Column, ...]

    def __post_init__(self) -> None:
        # An enum column's value set comes from the model (declared once, on the column).
        columns = tuple(replace(c, enum=column_enum(RECORD_MODELS[self.record], c.field))
                        if c.kind == "enum" and c.enum is None else c for c in self.columns)
        object.__setattr__(self, "columns", columns)

    def column(self, field: str) -> Column:
        return next(c for c in self.columns if c.field == field)

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(c.field for c in self.columns)


def C(field, kind="text", **kw) -> Column:
    return Column(field, kind, **kw)


# Display text of each record that a ref column can point at: record -> model attribute.
REF_DISPLAY = {
    "customer": "name",
    "contact": "name",
    "contract": "number",
    "publication": "name",
    "adslot": "name",
    "issue": "number",
}

CUSTOMER = Table("customer", (
    C("name", required=True),
    C("short_name"),
    C("credit_code", "code"),
    C("industry"),
    C("city"),
    C("locality", "enum"),
    C("source", "enum"),
    C("stage", "enum"),
    C("owner", "user", editable=False),
    C("notes"),
))

CONTACT = Table("contact", (
    C("customer", "ref", ref="customer", required=True),
    C("name", required=True),
    C("title"),
    C("mobile", "code"),
    C("phone", "code"),
    C("email"),
    C("is_ad_responsible", "bool"),
))

ACTIVITY = Table("activity", (
    C("customer", "ref", ref="customer", required=True),
    C("kind", "enum", required=True),
    C("happened_on", "date", required=True),
    C("outcome"),
    C("next_follow_up", "date"),
    C("user", "user", editable=False),
))

BOOKING = Table("booking", (
    C("contract", "ref", ref="contract", required=True),
    C("customer", "ref", ref="customer", editable=False),
    C("slot", "ref", ref="adslot", required=True),
    C("issue", "ref", ref="issue"),
    C("web_start", "date"),
    C("web_end", "date"),
    C("price", "decimal"),
    C("copy_text"),
    C("copy_received", "bool"),
    C("proof_status", "enum", editable=False),
    C("published", "bool", editable=False),
))

CONTRACT = Table("contract", (
    C("number", "code", required=True),
    C("customer", "ref", ref="customer", required=True),
    C("party_name", required=True),
    C("publication", "ref", ref="publication", required=True),
    C("kind", "enum"),
    C("start_date", "date", required=True),
    C("end_date", "date", required=True),
    C("amount", "decimal", required=True),
    C("discount_pct", "decimal"),
    C("payment_terms", "enum"),
    C("settle_date", "date"),
    C("status", "enum", editable=False),
    C("copy_finance", "bool"),
    C("copy_department", "bool"),
    C("copy_customer", "bool"),
    C("notes"),
))

PAYMENT = Table("payment", (
    C("contract", "ref", ref="contract", required=True),
    C("customer", "ref", ref="customer", editable=False),
    C("amount", "decimal", required=True),
    C("kind", "enum"),
    C("method", "enum"),
    C("collected_on", "date", required=True),
    C("collected_by", "user", editable=False),
    C("confirmed_at", "datetime", editable=False),
    C("notes"),
))

PROFILES: dict[str, tuple[Table, ...]] = {
    "sales": (CUSTOMER, CONTACT, ACTIVITY, BOOKING),
    "finance": (CONTRACT, PAYMENT),
}


def profile(name: str) -> tuple[Table, ...]:
    try:
        return PROFILES[name]
    except KeyError:
        raise ValueError(f"unknown profile {name!r}; choose one of: {', '.join(PROFILES)}") from None
