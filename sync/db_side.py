"""The database side of a link: what the linked user may see, as strings, and their writes.

Everything here runs inside `app.context.acting_as(user_id, "sheet")` in an app context, so
`acting_user()`, the row-level rules (`owned_clause`, `check_write`), the write guard and the
audit log all see the linked user and the "sheet" channel, exactly like a browser request.
Writes go through the one write guard (`app.workflow.guards.check_record_write`): its
write-preparation step sets the "set by whoever acts" defaults of new rows, as for every door.

Values cross to the core as strings (see sync.profiles for the kinds): dates yyyy-mm-dd,
decimals with 2 places, booleans TRUE/FALSE, enums as their translated label, relations as the
related record's display text. `parse` turns a sheet string back into a Python value or raises
`BadValue` with a translated message.
"""
from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from flask_appbuilder.security.sqla.models import User
from flask_babel import gettext
from sqlalchemy import String, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import aliased
from sqlalchemy.orm.exc import StaleDataError

from app.checks import DATE_RANGES, record_errors
from app.domain.validation import parse_amount
from app.domain.rules.editable import ever_editable
from app.domain.rules.errors import RuleViolation
from app.labels import ENUM_LABELS, FIELD_LABELS, RECORD_LABELS
from app.models import Activity, AdSlot, Booking, Contact, Contract, Customer, Issue, Payment, Publication
from app.security import authority
from app.security.ownership import RefusedWrite, acting_user, current_role_names, owned_clause, restricted_user_id
from app.workflow.concurrency import lock_for_update

from . import core
from .profiles import REF_DISPLAY, Column, Table

MODELS = {
    "customer": Customer, "contact": Contact, "activity": Activity, "publication": Publication,
    "issue": Issue, "adslot": AdSlot, "contract": Contract, "booking": Booking, "payment": Payment,
}
# Records whose rows are bounded by the customer's owner (the others are shared reference data).
OWNED = frozenset({"customer", "contact", "activity", "contract", "booking", "payment"})
TRUE_WORDS = frozenset({"true", "yes", "y", "1", "是", "√", "✓", "x"})
FALSE_WORDS = frozenset({"false", "no", "n", "0", "否", ""})
DATE_RE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")
REF_ID_RE = re.compile(r"^#\s*(\d+)$")
# Kinds whose text depends on the value only (equal values, equal text): converted once per value.
MEMO_KINDS = frozenset({"enum", "bool", "date", "decimal"})


class BadValue(ValueError):
    """A sheet value that cannot be read; the message is translated."""


def label(field: str) -> str:
    return str(FIELD_LABELS.get(field, field))


def guard(record: str, item) -> None:
    """The one write guard, exactly as the views and the API run it before saving a row."""
    from app.workflow.guards import check_record_write

    check_record_write(record, item)


def refusal_text(exc: BaseException) -> str:
    if isinstance(exc, RuleViolation):
        from app.workflow.messages import translate

        return translate(exc)
    if isinstance(exc, RefusedWrite):
        return str(exc.description)
    return str(exc)


# --------------------------------------------------------------------------
# python value <-> sheet text


def enum_labels(enum_cls) -> dict[str, str]:
    """value -> translated label (current locale)."""
    return {value: str(text) for value, text in ENUM_LABELS[enum_cls].items()}


def decimal_text(value) -> str:
    return f"{Decimal(value):.2f}"


def to_text(column: Column, value, labels: dict | None = None) -> str:
    """A Python value (or a ref's display text) as the sheet shows it; `labels`: the enum's
    value -> label map, precomputed by the caller (translating per cell is slow)."""
    if value is None or value == "":
        return ""
    kind = column.kind
    if kind == "enum":
        return (labels or enum_labels(column.enum)).get(value, str(value))
    if kind == "date":
        return value.isoformat() if isinstance(value, date) else str(value)
    if kind == "datetime":
        return value.strftime("%Y-%m-%d %H:%M") if isinstance(value, datetime) else str(value)
    if kind == "decimal":
        return decimal_text(value)
    if kind == "bool":
        return "TRUE" if value else "FALSE"
    return str(value)


def normalise(column: Column, text: str, labels: dict | None = None) -> str:
    """A sheet cell in canonical form when it means the same value (2026/1/5 -> 2026-01-05,
    1234.5 -> 1234.50, true -> TRUE, an enum value -> its label); anything else unchanged so
    that the core sees it as an edit and the DB side can refuse it with a reason."""
    text = (text or "").strip()
    if not text:
        return text
    try:
        if column.kind == "decimal":
            amount = parse_amount(text)  # the one money parser (app.domain.validation)
            if amount.is_finite() and amount == amount.quantize(Decimal("0.01")):
                return decimal_text(amount)
        elif column.kind == "date":
            return parse_date(text).isoformat()
        elif column.kind == "bool":
            return "TRUE" if parse_bool(text) else "FALSE"
        elif column.kind == "enum":
            labels = labels or enum_labels(column.enum)
            if text in labels.values():  # already a label: the usual case
                return text
            return labels.get(enum_value(column, text, labels), text)
    except (BadValue, InvalidOperation, ValueError):
        pass
    return text


def parse_date(text: str) -> date:
    match = DATE_RE.match(text.strip())
    if not match:
        raise BadValue(gettext("Use a date like 2026-12-31."))
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        raise BadValue(gettext("This date does not exist.")) from None


def parse_bool(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in TRUE_WORDS:
        return True
    if lowered in FALSE_WORDS:
        return False
    raise BadValue(gettext("Use TRUE or FALSE (tick or untick the box)."))


def enum_value(column: Column, text: str, labels: dict | None = None) -> str:
    labels = labels or enum_labels(column.enum)
    if text in labels:
        return text
    by_label = {v.lower(): k for k, v in labels.items()}
    if text.lower() in by_label:
        return by_label[text.lower()]
    choices = ", ".join(labels.values())
    raise BadValue(gettext("Pick one of: %(choices)s.", choices=choices))


# --------------------------------------------------------------------------
# the adapter


class DbSide:
    """One link-cycle's view of the database, as the linked user."""

    def __init__(self, session, tables: tuple[Table, ...]):
        self.session = session
        self.tables = {t.record: t for t in tables}
        self.linked_user = acting_user()  # the linked user: permissions come from FAB's tables, like the browser's
        self.roles = current_role_names()  # what the declaration of editable fields is keyed by
        # record -> {id: version} as read at the start of the cycle: an edit planned on that read is refused
        # if the row changed in the meantime (see update).
        self.versions: dict[str, dict[int, int]] = {}
        # Enum labels translated once per cycle (value -> label).
        self.enum_maps = {c.enum: enum_labels(c.enum) for t in tables for c in t.columns if c.kind == "enum"}

    def labels(self, column: Column) -> dict | None:
        return self.enum_maps.get(column.enum) if column.kind == "enum" else None

    # -- permissions -------------------------------------------------------
    def may(self, record: str, operation: str) -> bool:
        return authority.may(self.linked_user, operation, record)

    def spec(self, table: Table, profile_editable: bool = True) -> core.TableSpec:
        """The core's view of a tab: columns are the translated labels shown in row 1."""
        may_write = self.may(table.record, "edit") or self.may(table.record, "add")
        # Greyed out as well: fields the declaration never lets these roles change (app.domain.rules.editable).
        editable = frozenset(label(c.field) for c in table.columns
                             if c.writable and may_write and ever_editable(table.record, c.field, self.roles))
        return core.TableSpec(table.record, tuple(label(c.field) for c in table.columns), editable,
                              creatable=self.may(table.record, "add"), id_column=label("id"))

    def _restrict(self, stmt, record: str, model):
        if record in OWNED:
            user_id = restricted_user_id(record)
            if user_id is not None:
                stmt = stmt.where(owned_clause(model, user_id))
        return stmt

    # -- reading -----------------------------------------------------------
    def read(self, table: Table) -> core.Records:
        """Every row the user may read, as Records: {id: texts in column order}, read as
        {id: {label: text}} (empty if the role may not read)."""
        labels = tuple(label(c.field) for c in table.columns)
        if not self.may(table.record, "read"):
            return core.Records(labels, {})
        model = MODELS[table.record]
        selected, joins = [model.id, model.version], []
        for column in table.columns:
            if column.kind == "ref":
                target = aliased(MODELS[column.ref])
                selected += [getattr(target, REF_DISPLAY[column.ref]), getattr(model, column.attr)]
                joins.append((target, getattr(model, column.attr) == target.id))
            elif column.kind == "user":
                target = aliased(User)
                selected.append(target.username)
                joins.append((target, getattr(model, column.attr) == target.id))
            else:
                selected.append(getattr(model, column.attr))
        stmt = select(*selected).select_from(model)
        for target, on in joins:
            stmt = stmt.outerjoin(target, on)
        stmt = self._restrict(stmt, table.record, model).order_by(model.id)
        # Plain rows through the session's connection (same transaction): the ORM's result
        # layer adds nothing for a select of columns but time.
        by_column = _columns(self.session.connection().execute(stmt), len(selected))
        if not by_column[0]:
            self.versions[table.record] = {}
            return core.Records(labels, {})
        # Column by column: one conversion loop per column instead of a dispatch per cell.
        self.versions[table.record] = dict(zip(by_column[0], by_column[1]))
        texts, i = [], 2
        for column in table.columns:
            if column.kind == "ref":
                texts.append([self._ref_text(display, ref_id) for display, ref_id in zip(by_column[i], by_column[i + 1])])
                i += 2
            else:
                texts.append(self._texts(column, by_column[i]))
                i += 1
        return core.Records(labels, dict(zip(by_column[0], zip(*texts))))

    def _texts(self, column: Column, values) -> list[str]:
        """One column's values as the sheet shows them."""
        if column.kind not in MEMO_KINDS:
            return [v if v.__class__ is str else "" if v is None else to_text(column, v) for v in values]
        # Few distinct values (enum, flag, date, amount): each converted once.
        labels, seen = self.labels(column), {}
        return [seen[v] if v in seen else seen.setdefault(v, to_text(column, v, labels)) for v in values]

    @staticmethod
    def _ref_text(display, ref_id) -> str:
        if ref_id is None:
            return ""
        return str(display) if display not in (None, "") else f"#{ref_id}"

    def item_values(self, table: Table, item) -> dict[str, str]:
        """One ORM row as the sheet shows it (after a write: DB-side normalisation included)."""
        out = {}
        for column in table.columns:
            if column.kind == "ref":
                target = getattr(item, column.field)
                ref_id = target.id if target is not None else getattr(item, column.attr)
                display = getattr(target, REF_DISPLAY[column.ref]) if target is not None else None
                out[label(column.field)] = self._ref_text(display, ref_id)
            elif column.kind == "user":
                target = getattr(item, column.field)
                out[label(column.field)] = target.username if target is not None else ""
            else:
                out[label(column.field)] = to_text(column, getattr(item, column.attr), self.labels(column))
        return out

    # -- parsing -----------------------------------------------------------
    def parse(self, table: Table, column: Column, text: str):
        """Sheet text -> the value to set on the model attribute (a related object for refs)."""
        text = (text or "").strip()
        if not text:
            if column.kind == "bool":
                return False
            return None
        kind = column.kind
        if kind == "enum":
            return enum_value(column, text, self.labels(column))
        if kind == "date":
            return parse_date(text)
        if kind == "decimal":
            try:
                return parse_amount(text)  # the one money parser: "36,000", "¥36，000" (app.domain.validation)
            except ValueError as exc:
                raise BadValue(gettext(str(exc))) from None
        if kind == "bool":
            return parse_bool(text)
        if kind == "ref":
            return self.find_ref(column, text)
        model_column = getattr(MODELS[table.record], column.attr).property.columns[0]
        length = getattr(model_column.type, "length", None) if isinstance(model_column.type, String) else None
        if length and len(text) > length:
            raise BadValue(gettext("At most %(n)s characters.", n=length))
        return text

    def find_ref(self, column: Column, text: str):
        """The related record named by `text` (its exact display text, or #id) that the user may see."""
        model = MODELS[column.ref]
        match = REF_ID_RE.match(text)
        if match:
            stmt = select(model).where(model.id == int(match[1]))
        else:
            stmt = select(model).where(getattr(model, REF_DISPLAY[column.ref]) == text)
        stmt = self._restrict(stmt, column.ref, model)
        found = list(self.session.scalars(stmt.limit(2)))
        what = label(column.field)
        if not found:
            raise BadValue(gettext("No %(what)s '%(text)s' that you may use; type its exact name or #ID.",
                                   what=what, text=text))
        if len(found) > 1:
            raise BadValue(gettext("Several records match '%(text)s'; type #ID instead.", text=text))
        return found[0]

    def _parse_changes(self, table: Table, changes: dict[str, str]) -> dict[Column, object]:
        by_label = {label(c.field): c for c in table.columns}
        parsed, errors = {}, []
        for name, text in changes.items():
            column = by_label[name]
            try:
                parsed[column] = self.parse(table, column, text)
            except BadValue as exc:
                errors.append(f"{name}: {exc}")
        if errors:
            raise BadValue("; ".join(errors))
        return parsed

    def _check(self, table: Table, item, parsed: dict[Column, object], creating: bool) -> None:
        """Field checks (app.checks, same as forms and API) on the changed fields."""
        changed = {c.attr for c in parsed}
        values = {}
        for column in table.columns:
            if column.kind in ("ref", "user"):
                continue
            values[column.attr] = parsed[column] if column in parsed else getattr(item, column.attr, None)
        errors = record_errors(table.record, values)
        ranges = {end: start for start, end in DATE_RANGES.get(table.record, ())}
        messages = []
        for field, field_errors in errors.items():
            if field in changed or ranges.get(field) in changed:
                messages += [f"{label(field)}: {gettext(m)}" for m in field_errors]
        if creating:
            for column in table.columns:
                if column.required and parsed.get(column) in (None, ""):
                    messages.append(gettext("%(field)s is required.", field=label(column.field)))
        if messages:
            raise BadValue("; ".join(messages))

    @staticmethod
    def _assign(item, parsed: dict[Column, object]) -> None:
        for column, value in parsed.items():
            if column.kind == "ref":
                setattr(item, column.field, value)  # the relationship, so ownership checks see it
            else:
                setattr(item, column.attr, value)

    # -- writing (inside the cycle's transaction) --------------------------
    def update(self, table: Table, record_id: int, changes: dict[str, str]) -> core.UpdateOutcome:
        if not self.may(table.record, "edit"):
            return core.Refused(gettext("You may not edit these records."))
        item = self.session.get(MODELS[table.record], record_id)
        if item is None:
            return core.Refused(gettext("The record no longer exists."))
        parsed: dict[Column, object] = {}
        try:
            if not self._still_as_read(table.record, item):
                return core.Refused(changed_meanwhile_text())
            parsed = self._parse_changes(table, changes)
            self._check(table, item, parsed, creating=False)
            with self.session.begin_nested():
                self._assign(item, parsed)
                with self.session.no_autoflush:
                    guard(table.record, item)
                self.session.flush()
        except (BadValue, RefusedWrite, RuleViolation) as exc:
            self.session.expire(item)
            return core.Refused(refusal_text(exc))
        except StaleDataError:
            self.session.expire(item)
            return core.Refused(changed_meanwhile_text())
        except SQLAlchemyError as exc:
            self.session.expire(item)
            return core.Refused(self._db_refusal(table, exc, parsed, record_id))
        return core.Applied(self.item_values(table, item))

    def _still_as_read(self, record: str, item) -> bool:
        """Lock the row and compare its version with the cycle's read (rows not read this cycle pass)."""
        read = self.versions.get(record, {}).get(item.id)
        if read is None:
            return True
        lock_for_update(item)
        return item.version == read

    def create(self, table: Table, values: dict[str, str], actor_id: int | None = None) -> core.CreateOutcome:
        """A new row from the sheet (`actor_id` is unused: the write guard sets who acted, as for every door)."""
        if not self.may(table.record, "add"):
            return core.Refused(gettext("You may not add these records."))
        model = MODELS[table.record]
        parsed: dict[Column, object] = {}
        try:
            parsed = self._parse_changes(table, {k: v for k, v in values.items()})
            item = model()
            self._check(table, item, parsed, creating=True)
            with self.session.begin_nested():
                self._assign(item, {c: v for c, v in parsed.items() if v is not None})
                self.session.add(item)
                with self.session.no_autoflush:
                    guard(table.record, item)
                self.session.flush()
        except (BadValue, RefusedWrite, RuleViolation) as exc:
            return core.Refused(refusal_text(exc))
        except SQLAlchemyError as exc:
            return core.Refused(self._db_refusal(table, exc, parsed, None))
        return core.Created(item.id, self.item_values(table, item))

    def _db_refusal(self, table: Table, exc: SQLAlchemyError, parsed: dict, record_id: int | None) -> str:
        """Why the database refused a write. A value another record already holds is named with that
        record only if the linked user may see it: the refusal never tells a Sales rep that a colleague's
        hidden customer holds this credit code."""
        if not is_unique_violation(exc):
            return db_error_text(exc)
        model = MODELS[table.record]
        for column, value in parsed.items():
            attr = getattr(model, column.attr, None)
            if value is None or attr is None or not getattr(attr.property.columns[0], "unique", False):
                continue
            stmt = select(model.id).where(attr == value, model.id != (record_id or 0))
            if self.session.scalar(stmt.limit(1)) is None:
                continue
            seen = self.session.scalar(self._restrict(stmt, table.record, model).limit(1))
            if seen is not None:
                return gettext("%(field)s: %(record)s #%(id)s already has this value.", field=label(column.field),
                               record=RECORD_LABELS[table.record], id=seen)
            return gettext("%(field)s: this value cannot be saved here; ask a manager.", field=label(column.field))
        return gettext("This value cannot be saved here; ask a manager.")


def is_unique_violation(exc: SQLAlchemyError) -> bool:
    text = str(getattr(exc, "orig", exc)).lower()
    return "unique" in text or "duplicate" in text


def changed_meanwhile_text() -> str:
    return gettext("This record was changed by someone else since this sync cycle read it; the edit was not "
                   "applied. Your value is kept in this note: check the record and type it again.")


def db_error_text(exc: SQLAlchemyError) -> str:
    if is_unique_violation(exc):
        return gettext("This value cannot be saved here; ask a manager.")
    return gettext("The database refused the change (%(error)s).", error=type(getattr(exc, "orig", exc)).__name__)


def _columns(result, width: int, batch: int = 1000) -> list[list]:
    """The rows of a result as one list per column. Fetched a batch at a time, so that a few
    thousand row objects live at once instead of every row of a large tab: those would outlive
    the garbage collector's young generations and make its full collections more frequent."""
    columns: list[list] = [[] for _ in range(width)]
    for part in result.partitions(batch):
        for values, column in zip(zip(*part), columns):
            column.extend(values)
    return columns
