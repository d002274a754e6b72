"""Base snapshots of a link's tabs: what the sheet and the database agreed on after the last cycle.

Stored by field name, so a locale change cannot corrupt them. Shape:
{"fields": [field, ...], "ids": [id, ...], "rows": [[value per field], ...], "pending": {key: id},
"issued": [id, ...]}. Lists rather than one object per record: 20,000 records decode and encode
several times faster. Snapshots of the first shape ({"records": {id: {field: value}}}) still load.
"""
from __future__ import annotations

import json

from sqlalchemy import select

from app.models import SyncBase, db
from app.models.base import utcnow

from . import core
from .db_side import label
from .profiles import Table


def _base_row(link_id: int, record: str) -> SyncBase | None:
    return db.session.scalar(select(SyncBase).where(SyncBase.link_id == link_id, SyncBase.table_name == record))


def _labels(table: Table) -> tuple[str, ...]:
    return tuple(label(c.field) for c in table.columns)


def _decode_rows(table: Table, data: dict) -> dict:
    fields = list(table.fields)
    if "records" in data:  # the first shape
        return {int(rid): tuple(vals.get(f, "") for f in fields) for rid, vals in data["records"].items()}
    rows = dict(zip(data.get("ids", []), map(tuple, data.get("rows", []))))
    stored = data.get("fields", fields)
    if stored != fields:  # the profile's columns changed since: pick ours by name, '' if new
        where = [stored.index(f) if f in stored else None for f in fields]
        rows = {rid: tuple("" if i is None else vals[i] for i in where) for rid, vals in rows.items()}
    return rows


class StoredRecords(core.Records):
    """The records of a stored base snapshot, decoded only when a value is needed.

    An idle cycle asks a base only which IDs it holds (read from the snapshot's "ids" list alone)
    and whether the records to save equal it (compared as the text save_base would write): the
    20,000 rows of a large tab then build no list or tuple, which keeps the garbage collector's
    work per cycle down (it stays on: see _cycle)."""

    __slots__ = ("text", "_table", "_ids", "_decoded")

    def __init__(self, table: Table, text: str):
        self.columns, self._sheet_rows = _labels(table), None
        self.text, self._table, self._ids, self._decoded = text, table, None, None

    @property
    def rows(self) -> dict:
        if self._decoded is None:
            self._decoded = _decode_rows(self._table, json.loads(self.text))
        return self._decoded

    def ids(self) -> frozenset:
        if self._ids is None:
            if self._decoded is not None:
                self._ids = frozenset(self._decoded)
            else:
                self._ids = frozenset(_snapshot_ids(self.text))
        return self._ids

    def __contains__(self, record_id) -> bool:
        return record_id in self.ids()

    def __iter__(self):
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.ids())


def _snapshot_ids(text: str) -> list[int]:
    """The "ids" list of a snapshot as save_base writes it (its second key), without decoding the rows."""
    head = '{"fields":'
    if text.startswith(head):
        fields_end = text.find('],"ids":[')
        if fields_end > 0:
            start = fields_end + len('],"ids":')
            end = text.find("]", start)
            return json.loads(text[start:end + 1])
    data = json.loads(text)
    return [int(rid) for rid in data["records"]] if "records" in data else list(data.get("ids", []))


def load_base(link_id: int, table: Table) -> core.TabBase:
    row = _base_row(link_id, table.record)
    if row is None:
        return core.TabBase()
    text = row.snapshot or "{}"
    data = _base_extras(text)
    return core.TabBase(StoredRecords(table, text), data["pending"], frozenset(data["issued"]))


def _base_extras(text: str) -> dict:
    """The snapshot's "pending" and "issued" (written after the rows: read from the end)."""
    tail = text.rfind(',"pending":')
    if tail > 0:
        try:
            extras = json.loads("{" + text[tail + 1:])
            return {"pending": dict(extras.get("pending", {})), "issued": extras.get("issued", [])}
        except ValueError:
            pass
    data = json.loads(text)
    return {"pending": dict(data.get("pending", {})), "issued": data.get("issued", [])}


def base_text(table: Table, base: core.TabBase) -> str:
    """The snapshot of a base, as stored."""
    records = base.records
    labels = _labels(table)
    if isinstance(records, core.Records) and records.columns == labels:
        rows = records.rows
    else:
        rows = {rid: tuple((vals.get(name) or "") for name in labels) for rid, vals in records.items()}
    return _encode(table, list(rows), list(rows.values()), base)


def _encode(table: Table, ids: list, rows: list, base: core.TabBase) -> str:
    data = {"fields": list(table.fields), "ids": ids, "rows": rows,
            "pending": dict(base.pending), "issued": sorted(base.issued)}
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def save_base(link_id: int, table: Table, base: core.TabBase, text: str | None = None) -> None:
    row = _base_row(link_id, table.record)
    if row is None:
        row = SyncBase(link_id=link_id, table_name=table.record)
        db.session.add(row)
    row.snapshot = text if text is not None else base_text(table, base)
    row.updated_at = utcnow()


def same_base(a: core.TabBase, b: core.TabBase, table: Table | None = None, text_of_a: str | None = None) -> str | bool:
    """True when `a` would be stored as `b` is; else False, or (given the table) the text to store.
    `text_of_a`: a's snapshot text when the caller has it already (encoding 20,000 rows takes a while)."""
    def text() -> str:
        return text_of_a if text_of_a is not None else base_text(table, a)

    if a.pending != b.pending or a.issued != b.issued:
        return False if table is None else text()
    if a.records is b.records:
        return True
    if isinstance(b.records, StoredRecords) and b.records._decoded is None and table is not None:
        own = text()
        return True if own == b.records.text else own
    return a.records == b.records or (False if table is None else text())
