"""One cell of an import read as its field's value: enum labels in Chinese or English, relations by their
display text, credit code or #ID among the rows the importing user may see (never created), usernames."""
from __future__ import annotations

import re

from flask import current_app
from sqlalchemy import select

from app.checks import cleaner
from app.labels import ENUM_LABELS
from app.models import RECORD_MODELS, db
from app.security.ownership import owned_clause, restricted_user_id

from . import mapping as mapping_mod
from .plan import label
from .records import LOCALES
from .values import N_, CellError, cell_text, parse_amount, parse_bool, parse_date

OWNED = frozenset({"customer", "contact", "activity", "contract", "booking", "payment"})
REF_DISPLAY = {"customer": "name", "contract": "number", "publication": "name", "adslot": "name",
               "issue": "number", "contact": "name"}
REF_ID_RE = re.compile(r"^#\s*(\d+)$")


def restrict(stmt, record: str, model):
    """The statement limited to the rows the acting user may see (a Sales rep: their customers' rows)."""
    if record in OWNED:
        user_id = restricted_user_id(record)
        if user_id is not None:
            stmt = stmt.where(owned_clause(model, user_id))
    return stmt


class CellReader:
    def __init__(self, model, columns: dict):
        self.model = model
        self.session = db.session
        self.enum_maps = {c.field: self._enum_map(c.enum) for c in columns.values() if c.kind == "enum"}
        self.ref_cache: dict[tuple[str, str], int | str] = {}
        self.user_cache: dict[str, int | None] = {}

    @staticmethod
    def _enum_map(enum_cls) -> dict[str, str]:
        from flask_babel import force_locale

        out = {}
        for locale in LOCALES:
            with force_locale(locale):
                for value, text in ENUM_LABELS[enum_cls].items():
                    out.setdefault(mapping_mod.fold(str(text)), value)
        for value in ENUM_LABELS[enum_cls]:
            out.setdefault(mapping_mod.fold(value), value)
        return out

    def parse(self, column, raw):
        kind = column.kind
        if kind == "date":
            return parse_date(raw)
        if kind == "decimal":
            return parse_amount(raw)
        if kind == "bool":
            return parse_bool(raw)
        text = cell_text(raw)
        if kind == "enum":
            value = self.enum_maps[column.field].get(mapping_mod.fold(text))
            if value is None:
                with_labels = ", ".join(str(t) for t in ENUM_LABELS[column.enum].values())
                raise CellError("Pick one of: %(choices)s.", choices=with_labels)
            return value
        if kind == "ref":
            return self.find_ref(column.ref, text)
        if kind == "user":
            return self.find_user(text)
        model_column = getattr(self.model, column.attr).property.columns[0]
        length = getattr(model_column.type, "length", None)
        if length and len(text) > length:
            raise CellError("At most %(n)s characters.", n=length)
        return text

    def find_ref(self, record: str, text: str) -> int:
        """The id of the related row named by `text` (display text, credit code for a customer, or #id) among
        the rows the user may see. Unknown or ambiguous: a CellError naming the value."""
        cache_key = (record, text)
        found = self.ref_cache.get(cache_key)
        if found is None:
            found = self._lookup_ref(record, text)
            self.ref_cache[cache_key] = found
        if isinstance(found, str):
            raise CellError(found, value=text, what=label(record if record != "adslot" else "slot"))
        return found

    def _lookup_ref(self, record: str, text: str) -> int | str:
        model = RECORD_MODELS[record]
        match = REF_ID_RE.match(text)
        if match:
            condition = model.id == int(match[1])
        else:
            condition = getattr(model, REF_DISPLAY[record]) == text
            if record == "customer":
                code = cleaner("customer", "credit_code")(text)
                if code and len(code) == 18:
                    condition = condition | (model.credit_code == code)
        stmt = restrict(select(model.id).where(condition), record, model)
        ids = list(self.session.scalars(stmt.limit(2)))
        if not ids:
            return N_("No %(what)s '%(value)s' that you may use; it is not created by an import.")
        if len(ids) > 1:
            return N_("Several records match '%(value)s'; use #ID instead.")
        return ids[0]

    def find_user(self, text: str) -> int:
        if text not in self.user_cache:
            sm = current_app.appbuilder.sm
            found = self.session.scalar(select(sm.user_model.id).where(sm.user_model.username == text))
            self.user_cache[text] = found
        found = self.user_cache[text]
        if found is None:
            raise CellError(N_("No user '%(value)s'."), value=text)
        return found
