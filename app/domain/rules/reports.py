"""Issue reports: who gets the printed issue and how (seed rule 10). Pure.

Decisions: a customer is on the delivery list of an issue when at least one of its bookings in that issue
is published (once, however many ads). Local customers get it by hand from their Sales owner, every other
customer (out of town) by mail; the address is not modelled, so the list shows the city and the contact.
Hand deliveries come first, grouped by owner; then mail, by city; then by customer name.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from app.domain.enums import Locality

HAND = "hand"
MAIL = "mail"


@dataclass(frozen=True)
class DeliveryFacts:
    customer_id: int
    customer: str
    locality: str | None
    city: str | None = None
    owner: str | None = None
    contact: str | None = None
    phone: str | None = None


def delivery_method(locality: str | None) -> str:
    return MAIL if locality == Locality.OUT_OF_TOWN else HAND


def delivery_list(rows: Iterable[DeliveryFacts]) -> list[tuple[str, DeliveryFacts]]:
    """One entry per customer with its delivery method, in checklist order."""
    unique: dict[int, DeliveryFacts] = {}
    for row in rows:
        unique.setdefault(row.customer_id, row)

    def order(row: DeliveryFacts):
        method = delivery_method(row.locality)
        group = (row.owner or "") if method == HAND else (row.city or "")
        return (method != HAND, group, row.customer, row.customer_id)

    return [(delivery_method(row.locality), row) for row in sorted(unique.values(), key=order)]
