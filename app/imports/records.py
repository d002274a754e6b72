"""What can be imported: per record, its columns (the sheet profiles' declaration, sync/profiles.py, reused)
and its natural keys.

The columns and kinds are the same as the linked spreadsheets': a file exported from a linked tab imports as
it is. Import adds the customer's owner (a username: a Manager assigns owners in a column; the write guard
decides who may) and the ad slots (Admin).
"""
from __future__ import annotations

from dataclasses import replace

from flask_babel import force_locale

from sync.profiles import ACTIVITY, BOOKING, CONTACT, CONTRACT, CUSTOMER, PAYMENT, C, Table

ADSLOT = Table("adslot", (
    C("publication", "ref", ref="publication", required=True),
    C("name", required=True),
    C("medium", "enum"),
    C("size"),
    C("list_price", "decimal", required=True),
    C("active", "bool"),
))

CUSTOMER_IMPORT = Table("customer", tuple(
    replace(c, editable=True) if c.field == "owner" else c for c in CUSTOMER.columns))

TABLES: dict[str, Table] = {
    "customer": CUSTOMER_IMPORT, "contact": CONTACT, "activity": ACTIVITY, "contract": CONTRACT,
    "booking": BOOKING, "payment": PAYMENT, "adslot": ADSLOT,
}
RECORDS = tuple(TABLES)

# record -> the natural keys offered (the first is the default); "id" is always possible.
KEYS: dict[str, tuple[tuple[str, ...], ...]] = {
    "customer": (("credit_code",), ("name",)),
    "contact": (("customer", "name", "mobile"),),
    "activity": (("id",),),
    "contract": (("number",),),
    "booking": (("contract", "slot", "issue"),),
    "payment": (("contract", "collected_on", "amount", "method"),),
    "adslot": (("publication", "name"),),
}
MODES = ("create", "update", "upsert")
LOCALES = ("zh", "en")


def table(record: str) -> Table:
    try:
        return TABLES[record]
    except KeyError:
        raise ValueError(f"unknown record {record!r}; choose one of: {', '.join(RECORDS)}") from None


def importable(record: str) -> list:
    """The columns a file may fill: the editable ones (the customer's owner included, a username)."""
    return [c for c in table(record).columns if c.editable and c.kind != "datetime"]


def default_key(record: str, mapped_fields) -> tuple[str, ...]:
    """The record's first natural key whose fields the file has, else the ID (if mapped), else the first key."""
    mapped = set(mapped_fields)
    if "id" in mapped:
        return ("id",)
    for key in KEYS[record]:
        if set(key) <= mapped:
            return key
    partial = tuple(f for f in KEYS[record][0] if f in mapped)  # e.g. a payment file without the method
    return partial if len(partial) > 1 else KEYS[record][0]


def field_labels(record: str) -> dict[str, list[str]]:
    """field -> its label in each UI language (needs an app context for the catalogues)."""
    from app.labels import FIELD_LABELS

    fields = ["id"] + [c.field for c in table(record).columns]
    out: dict[str, list[str]] = {f: [] for f in fields}
    for locale in LOCALES:
        with force_locale(locale):
            for f in fields:
                if f in FIELD_LABELS:
                    out[f].append(str(FIELD_LABELS[f]))
    return out
