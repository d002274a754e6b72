"""The import engine: rows of a file applied as the importing user, through the one write guard.

    report = run_import("customer", source, user, Options(mode="upsert", dry_run=True))

Everything runs inside `app.context.acting_as(user.id, "import")`: the permissions (app.security.authority),
the row scope (app.security.ownership), the write preparation and guard (app.workflow.guards) and the audit
log (channel `import`) see the importing user, exactly as for the browser, the API and the sheet sync.

Per row: cells parsed (app.imports.values), relations resolved by display text among the rows the user may
see (never created), the row found by its key (among the rows the user may see: a key held by a row the user
may not see is not revealed), then create / update / unchanged / error. Each row is applied in a savepoint, so
a refused row leaves nothing behind; rows of records whose rules read no other row (BATCHED) are checked one by
one but written to the database together, a batch in one savepoint, and when the database refuses that batch
its rows are applied again one at a time, so the refusal lands on its own row. At the end the transaction is committed, unless this is a dry run, or a
row failed and `partial` was not asked for: then it is rolled back and nothing is written (all-or-nothing).
Rows are read from the source as a stream and the session forgets the imported rows after each batch, so the
memory stays bounded whatever the file's size.
"""
from __future__ import annotations

import json
import re
from bisect import insort
import tempfile
from collections.abc import Callable
from contextlib import nullcontext
from decimal import Decimal

from flask import current_app
from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm.exc import StaleDataError

from app.checks import cleaner
from app.context import acting_as
from app.labels import ENUM_LABELS
from app.models import RECORD_MODELS, db
from app.security import authority
from app.security.ownership import RefusedWrite

from app.workflow.duplicates import unique_columns

from .pending import PendingWrites
from .plan import (  # noqa: F401  (re-exported: the doors import them from here)
    ImportError_, Options, Plan, Report, RowFailed, label, make_plan, reason_headers,
)
from .lookups import REF_DISPLAY, CellReader, restrict
from .readers import ReadError, Source
from .records import importable, table
from .values import N_, CellError, cell_text, folded

MAX_ERRORS = 10_000
# Records whose rules read no other row (app.workflow.record_rules has none for them: the guard checks the row's
# own fields, the user's rights and unique values): their checked rows can be written together. The others
# (a payment counts its contract's other payments, a contact the customer's other contacts...) are written
# row by row, so that each row's rules see the rows before it.
BATCHED = frozenset({"customer"})


class Importer:
    def __init__(self, record: str, user, options: Options):
        self.record = record
        self.table = table(record)
        self.model = RECORD_MODELS[record]
        self.user = user
        self.options = options
        self.session = db.session
        self.columns = {c.field: c for c in importable(record)}
        self.cells = CellReader(self.model, self.columns)
        self.known_key: tuple[str, ...] | None = None  # the single-field key read a batch at a time
        self.known: dict = {}  # its value (as stored) -> ids among the rows the user may see
        self.pending: PendingWrites | None = None  # checked rows not yet written (BATCHED records)
        self.batching = record in BATCHED

    # -- rows -------------------------------------------------------------------------------------------
    def read_row(self, plan: Plan, number: int, cells: list) -> tuple[dict, dict[str, str], list[dict]]:
        """(field -> value, field -> header, errors) of one row: blank cells are 'not given'."""
        values, headers, errors = {}, {}, []
        for index, name in enumerate(plan.fields):
            if not name:
                continue
            raw = cells[index] if index < len(cells) else None
            text = cell_text(raw)
            if text == "":
                continue
            headers[name] = plan.headers[index]
            try:
                if name == "id":
                    if not re.fullmatch(r"#?\d+", folded(text)):
                        raise CellError(N_("An ID is a whole number."))
                    values["id"] = int(folded(text).lstrip("#"))
                else:
                    values[name] = self.cells.parse(self.columns[name], raw)
            except CellError as exc:
                errors.append(self.error(number, plan.headers[index], name, text,
                                         gettext(exc.message, **exc.params)))
        return values, headers, errors

    @staticmethod
    def error(row: int, column: str | None, name: str | None, value, message: str) -> dict:
        return {"row": row, "column": column, "field": name, "value": cell_text(value), "message": message}

    def find_existing(self, plan: Plan, values: dict):
        """The row the key names among the rows the user may see: (item, None), (None, None) when there is
        none, or (None, message) when the key is missing or ambiguous."""
        key = plan.key
        if self.record == "customer" and key == ("credit_code",) and "credit_code" not in values \
                and "name" in values and not self.options.key:
            key = ("name",)  # no credit code in this row: the exact licence name
        if not set(key) <= set(values):
            return None, "missing"
        if key == self.known_key:
            ids = self.known.get(self.key_text(key[0], values[key[0]]))
            if ids is not None:  # read with the batch (or created by an earlier row): no query
                if len(ids) > 1:
                    return None, gettext("Several records have this key; add a column with the ID.")
                return (self.session.get(self.model, ids[0]) if ids else None), None
        stmt = select(self.model)
        for name in key:
            value = values[name]
            if name == "id":
                stmt = stmt.where(self.model.id == value)
                continue
            column = self.columns[name]
            attr = getattr(self.model, column.attr)
            if column.kind in ("text", "code") and value is not None:
                value = cleaner(self.record, name)(value)
            stmt = stmt.where(attr.is_(None) if value is None else attr == value)
        stmt = restrict(stmt, self.record, self.model)
        found = list(self.session.scalars(stmt.limit(2)))
        if len(found) > 1:
            return None, gettext("Several records have this key; add a column with the ID.")
        return (found[0] if found else None), None

    def key_text(self, name: str, value):
        """A single-field key's value as stored (text cleaned as the guard will store it)."""
        if name == "id" or value is None:
            return value
        if self.columns[name].kind in ("text", "code") and isinstance(value, str):
            return cleaner(self.record, name)(value)
        return value

    def prefetched_rows(self, plan: Plan, rows):
        """The rows, read a batch at a time; for a key of one text field (credit code, number, name) or the ID,
        the rows the batch names are looked up with one query per batch instead of one per row."""
        from itertools import islice

        name = plan.key[0] if len(plan.key) == 1 else None
        usable = name == "id" or (name in self.columns and self.columns[name].kind in ("text", "code"))
        index = plan.fields.index(name) if usable and name in plan.fields else None
        self.known_key = plan.key if index is not None else None
        while True:
            batch = list(islice(rows, self.options.batch_size))
            if not batch:
                return
            if index is not None:
                self.prefetch(name, index, batch)
            yield from batch

    def prefetch(self, name: str, index: int, batch) -> None:
        wanted = set()
        for _number, cells in batch:
            text = cell_text(cells[index]) if index < len(cells) else ""
            if not text:
                continue
            if name == "id":
                if re.fullmatch(r"#?\d+", folded(text)):
                    wanted.add(int(folded(text).lstrip("#")))
            else:
                wanted.add(self.key_text(name, text))
        wanted.discard(None)
        found: dict = {value: [] for value in wanted}
        attr = self.model.id if name == "id" else getattr(self.model, self.columns[name].attr)
        values = sorted(wanted, key=str)
        for start in range(0, len(values), 500):
            stmt = select(self.model.id, attr).where(attr.in_(values[start:start + 500]))
            for row_id, value in self.session.execute(restrict(stmt, self.record, self.model)):
                found.setdefault(value, []).append(row_id)
        self.known = found

    def diff(self, item, values: dict) -> dict[str, list]:
        """field -> [old, new] for the values that differ from the stored ones (text as compared once stored)."""
        out = {}
        for name, value in values.items():
            if name == "id":
                continue
            column = self.columns[name]
            old = getattr(item, column.attr)
            new = value
            if column.kind in ("text", "code") and isinstance(value, str):
                new = cleaner(self.record, name)(value)
            if column.kind == "decimal" and old is not None and new is not None:
                if Decimal(old) == Decimal(new):
                    continue
            elif old == new:
                continue
            out[name] = [self.shown(column, old), self.shown(column, value)]
        return out

    def shown(self, column, value) -> str:
        if value is None:
            return ""
        if column.kind in ("ref", "user"):
            if column.kind == "user":
                sm = current_app.appbuilder.sm
                user = self.session.get(sm.user_model, value)
                return user.username if user is not None else f"#{value}"
            model = RECORD_MODELS[column.ref]
            target = self.session.get(model, value)
            return str(getattr(target, REF_DISPLAY[column.ref])) if target is not None else f"#{value}"
        if column.kind == "enum":
            return str(ENUM_LABELS[column.enum].get(value, value))
        if column.kind == "decimal":
            return f"{Decimal(value):.2f}"
        if column.kind == "bool":
            return "TRUE" if value else "FALSE"
        return cell_text(value)

    def assign(self, item, values: dict) -> None:
        for name, value in values.items():
            if name == "id":
                continue
            column = self.columns[name]
            if column.kind == "ref":
                setattr(item, column.field, self.session.get(RECORD_MODELS[column.ref], value))
            elif column.kind == "user":
                setattr(item, column.field, self.session.get(current_app.appbuilder.sm.user_model, value))
            else:
                setattr(item, column.attr, value)

    def refusal(self, number: int, headers: dict[str, str], values: dict, exc: Exception) -> dict:
        from app.workflow.messages import RuleRefused

        name = None
        if isinstance(exc, RuleRefused):
            name = exc.violation.field
            message = str(exc.description)
        elif isinstance(exc, RefusedWrite):
            message = str(exc.description)
        elif isinstance(exc, StaleDataError):
            message = gettext("This record was changed by someone else during the import.")
        else:
            text = str(getattr(exc, "orig", exc)).lower()
            if "unique" in text or "duplicate" in text:
                message = gettext("This value cannot be saved here; ask a manager.")
            else:
                message = gettext("The database refused the change (%(error)s).",
                                  error=type(getattr(exc, "orig", exc)).__name__)
        if name and name.endswith("_id"):
            name = name[:-3]
        column = headers.get(name) if name else None
        return self.error(number, column, name, "" if name is None else values.get(name, ""), message)

    def apply(self, plan: Plan, number: int, cells: list) -> dict:
        """One row: its outcome {"row", "action", "id", "changes"}; raises RowFailed with its errors."""
        from app.workflow.guards import check_record_write

        values, headers, errors = self.read_row(plan, number, cells)
        if errors:
            raise RowFailed(errors)
        if not any(k != "id" for k in values):
            raise RowFailed([self.error(number, None, None, "", gettext("The row has no value to import."))])
        marks = self.marks(plan, values)
        if self.pending is not None and self.pending.shares(marks):
            self.write_pending()  # this row names a row not yet written: write those first, then look it up
        mode = self.options.mode
        item, problem = (None, None)
        if mode != "create" or set(plan.key) <= set(values):
            item, problem = self.find_existing(plan, values)
        if problem and problem != "missing":
            raise RowFailed([self.error(number, None, None, "", problem)])
        if problem == "missing" and mode == "update":
            names = ", ".join(label(k) for k in plan.key)
            raise RowFailed([self.error(number, None, None, "", gettext("The key (%(fields)s) is empty.",
                                                                         fields=names))])
        if item is not None:
            if mode == "create":
                raise RowFailed([self.error(number, None, None, "", gettext(
                    "%(record)s #%(id)s already has this key; use update or upsert.",
                    record=label(self.record), id=item.id))])
            changes = self.diff(item, values)
            if not changes:
                return {"row": number, "action": "unchanged", "id": item.id, "changes": {}}
            if not authority.may(self.user, "edit", self.record):
                raise RowFailed([self.error(number, None, None, "", gettext("You may not edit these records."))])
            self._write(item, {k: values[k] for k in changes}, number, headers, values, check_record_write,
                        marks=marks)
            return {"row": number, "action": "update", "id": item.id, "changes": changes}
        if mode == "update":
            keys = ", ".join(f"{label(k)}={cell_text(values.get(k))}" for k in plan.key)
            raise RowFailed([self.error(number, None, None, "", gettext(
                "No record with %(key)s that you may see.", key=keys))])
        if not authority.may(self.user, "add", self.record):
            raise RowFailed([self.error(number, None, None, "", gettext("You may not add these records."))])
        missing = [c for c in self.columns.values() if c.required and c.field not in values]
        if missing:
            raise RowFailed([self.error(number, None, c.field, "", gettext("%(field)s is required.",
                                                                          field=label(c.field))) for c in missing])
        item = self.model()
        values.pop("id", None)
        self._write(item, values, number, headers, values, check_record_write, new=True, marks=marks)
        changes = {k: ["", self.shown(self.columns[k], v)] for k, v in values.items()}
        outcome = {"row": number, "action": "create", "id": item.id, "changes": changes}
        known = self.known_text(values)
        if self.pending is not None:
            self.pending.created(item, outcome, known)  # id and known key once written
        elif known is not None:
            self.known[known] = [item.id]
        return outcome

    def marks(self, plan: Plan, values: dict) -> set:
        """(field, value as stored) of the row's key and unique fields: two rows sharing one are written in order."""
        names = set(plan.key) | set(unique_columns(self.model)) | ({"name"} if self.record == "customer" else set())
        return {(name, self.key_text(name, values[name])) for name in names if name in values}

    def known_text(self, values: dict):
        if self.known_key and len(self.known_key) == 1 and self.known_key[0] in values:
            return self.key_text(self.known_key[0], values[self.known_key[0]])
        return None

    def _write(self, item, changed: dict, number, headers, values, check, new: bool = False,
               marks: set | None = None) -> None:
        try:
            if self.batching:
                # Checked now, written with the batch (write_pending): inside the batch's savepoint.
                if self.pending is None:
                    self.pending = PendingWrites(self.session.begin_nested())
                self.assign(item, changed)
                if new:
                    self.session.add(item)
                check(self.record, item)  # the run holds autoflush off while batching
                self.pending.add(marks or set())
                return
            with self.session.begin_nested():
                self.assign(item, changed)
                if new:
                    self.session.add(item)
                with self.session.no_autoflush:
                    check(self.record, item)
                self.session.flush()
        except (RefusedWrite, StaleDataError, SQLAlchemyError) as exc:
            if not new:
                self.session.expire(item)
            elif item in self.session:
                self.session.expunge(item)
            raise RowFailed([self.refusal(number, headers, values, exc)]) from None

    def write_pending(self) -> None:
        """Write the checked rows of the batch in one flush. If the database refuses it (a unique value taken
        meanwhile, a record changed by someone else), the batch's savepoint is rolled back and its rows are
        applied again one at a time, each in its own savepoint: the refusal lands on its row."""
        pending, self.pending = self.pending, None
        if pending is None:
            return
        try:
            self.session.flush()
            pending.savepoint.commit()
        except (StaleDataError, SQLAlchemyError):
            pending.savepoint.rollback()  # the batch's new rows leave the session, its updates are expired
            self.batching = False
            try:
                for entry in pending.rows:
                    self.settle(*entry, again=True)
            finally:
                self.batching = True
            return
        for number, cells, outcome in pending.rows:
            if outcome is not None and outcome["action"] == "create":
                item, known = pending.items[id(outcome)]
                outcome["id"] = item.id
                if known is not None:
                    self.known[known] = [item.id]
            self.settle(number, cells, outcome)

    def settle(self, number: int, cells: list, outcome: dict | None = None, again: bool = False) -> None:
        """Apply one row (unless its outcome is known) and count it in the report; a row checked but not yet
        written waits for its batch (write_pending)."""
        report, options = self.report, self.options
        if outcome is None or again:
            try:
                with self.session.no_autoflush if self.batching else nullcontext():
                    outcome = self.apply(self.plan, number, cells)
            except RowFailed as failed:
                report.failed += 1
                if len(report.errors) < MAX_ERRORS:
                    report.errors.extend(failed.errors)
                reason = "; ".join((f"{e['column']}: " if e["column"] else "") + e["message"] for e in failed.errors)
                self.failed_file.write(json.dumps([number, reason, [cell_text(c) for c in cells]],
                                                  ensure_ascii=False) + "\n")
                outcome = {"row": number, "action": "error", "id": None, "changes": {}, "errors": failed.errors}
                self._show(outcome)
                return
            if self.batching and self.pending is not None and outcome["action"] in ("create", "update"):
                self.pending.rows.append((number, cells, outcome))  # counted once written
                return
        setattr(report, outcome["action"], getattr(report, outcome["action"]) + 1)
        self._show(outcome)

    def _show(self, outcome: dict) -> None:
        """Keep the outcomes of the first rows for the preview (in file order: a batch is counted after the
        rows refused within it)."""
        outcomes, preview = self.report.outcomes, self.options.preview
        if len(outcomes) < preview or outcome["row"] < outcomes[-1]["row"]:
            insort(outcomes, outcome, key=lambda o: o["row"])
            del outcomes[preview:]

    def forget_batch(self) -> None:
        """Let the session drop the rows imported so far (they stay in the transaction)."""
        for obj in list(self.session.identity_map.values()):
            if isinstance(obj, self.model):
                self.session.expunge(obj)

    # -- the run ----------------------------------------------------------------------------------------
    def run(self, source: Source, progress: Callable[[int], None] | None = None) -> Report:
        options = self.options
        report = Report(self.record, dry_run=options.dry_run, partial=options.partial)
        operation = {"create": ("add",), "update": ("edit",), "upsert": ("add", "edit")}[options.mode]
        if not any(authority.may(self.user, op, self.record) for op in operation):
            raise ImportError_(gettext("You may not import these records."))
        plan = make_plan(self.record, source.headers, options)
        report.plan = plan
        begin_transaction(self.session)
        failed_file = tempfile.NamedTemporaryFile("w", encoding="utf-8", suffix=".jsonl", delete=False)
        report.failed_path = failed_file.name
        try:
            self.report, self.plan, self.failed_file = report, plan, failed_file
            for number, cells in self.prefetched_rows(plan, source.rows):
                report.rows += 1
                if report.rows > options.max_rows:
                    raise ImportError_(gettext("The file has more than %(n)s rows; split it.", n=options.max_rows))
                self.settle(number, cells)
                if report.rows % options.batch_size == 0:
                    self.write_pending()
                    self.forget_batch()
                    if progress is not None:
                        progress(report.rows)
            self.write_pending()
            failed_file.close()
            if options.dry_run or (report.failed and not options.partial):
                self.session.rollback()
            else:
                self.session.commit()
                report.committed = True
        except BaseException:
            failed_file.close()
            self.session.rollback()
            raise
        finally:
            source.close()
        if progress is not None:
            progress(report.rows)
        return report


def begin_transaction(session) -> None:
    """Open the database transaction the rows' savepoints nest in. pysqlite begins one only before a write:
    a SAVEPOINT outside a transaction would start one that its RELEASE commits, so a dry run or a refused
    import would leave its first rows behind. On SQLite, BEGIN is sent first."""
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        raw = connection.connection.driver_connection
        if not raw.in_transaction:
            connection.exec_driver_sql("BEGIN")


def run_import(record: str, source: Source, user, options: Options,
               progress: Callable[[int], None] | None = None) -> Report:
    """Import the source's rows as `user` (see the module). Raises ImportError_ when the whole import is
    refused; row problems are in the report."""
    table(record)
    with acting_as(user.id, "import"):
        try:
            return Importer(record, user, options).run(source, progress)
        except ReadError as exc:
            raise ImportError_(gettext(exc.message, **exc.params)) from None
