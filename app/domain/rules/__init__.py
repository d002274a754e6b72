"""Adsheet's business rules as pure functions (stdlib only, no I/O).

Modules by area: ``dates`` (deadlines, renewals, ageing), ``contracts`` (the
approval chain), ``bookings`` (publication checks, sensitive words), ``money``
(receivables, write-offs, cash handover) and ``kpi`` (sales activity counts).
Every refusal is a :class:`RuleViolation` with a stable ``code`` the app maps
to its translations.
"""
from app.domain.rules.errors import RuleViolation

__all__ = ["RuleViolation"]
