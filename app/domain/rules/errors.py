"""The one error type every rule raises or returns."""
from __future__ import annotations

from typing import Any, Mapping


class RuleViolation(Exception):
    """A business rule refused something.

    ``code`` is stable (the app maps it to a msgid); ``template`` is plain English
    with ``{name}`` placeholders filled from ``params``; ``field`` names the form
    field to highlight, when there is one.
    """

    def __init__(self, code: str, template: str, params: Mapping[str, Any] | None = None,
                 field: str | None = None) -> None:
        self.code = code
        self.template = template
        self.params = dict(params or {})
        self.field = field
        super().__init__(self.message)

    @property
    def message(self) -> str:
        return self.template.format(**self.params)

    # Value semantics so lists of violations compare in tests and callers.
    def __eq__(self, other: object) -> bool:
        if not isinstance(other, RuleViolation):
            return NotImplemented
        return (self.code, self.template, self.params, self.field) == (
            other.code, other.template, other.params, other.field)

    def __hash__(self) -> int:
        return hash((self.code, self.field))

    def __repr__(self) -> str:
        return f"RuleViolation({self.code!r}, {self.message!r}, field={self.field!r})"
