"""The plan of an import (which column feeds which field, the key) and its report; the options of a run.

No database here: `make_plan` needs only the record's labels (an app context for the catalogues).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field

from flask_babel import gettext

from app.labels import FIELD_LABELS

from . import mapping as mapping_mod
from .records import LOCALES, MODES, default_key, field_labels, importable

PREVIEW_ROWS = 500


class ImportError_(ValueError):
    """The whole import is refused (no permission, unreadable file, too many rows); message translated."""


@dataclass
class Options:
    mode: str = "upsert"
    key: tuple[str, ...] | None = None
    overrides: dict[str, str] = field(default_factory=dict)  # header -> field ('' ignores the column)
    dry_run: bool = False
    partial: bool = False
    batch_size: int = 500
    max_rows: int = 200_000
    preview: int = PREVIEW_ROWS


@dataclass
class Plan:
    """How the file's columns are read: the field of each header (None: not imported)."""
    record: str
    headers: list[str]
    fields: list[str | None]
    unknown: list[str]  # headers matching no field and not chosen to be ignored
    key: tuple[str, ...]

    def as_dict(self) -> dict:
        return {"record": self.record, "headers": self.headers, "fields": self.fields, "unknown": self.unknown,
                "key": list(self.key)}


@dataclass
class Report:
    record: str
    rows: int = 0
    create: int = 0
    update: int = 0
    unchanged: int = 0
    failed: int = 0
    errors: list[dict] = field(default_factory=list)
    outcomes: list[dict] = field(default_factory=list)  # the first rows, for a preview
    committed: bool = False
    dry_run: bool = False
    partial: bool = False
    plan: Plan | None = None
    failed_path: str | None = None  # JSON lines: [row, reason, cells]
    job: int | None = None

    def as_dict(self, outcomes: bool = False) -> dict:
        out = {"rows": self.rows, "create": self.create, "update": self.update, "unchanged": self.unchanged,
               "failed": self.failed, "errors": self.errors, "job": self.job, "committed": self.committed,
               "dry_run": self.dry_run, "partial": self.partial}
        if self.plan is not None:
            out["unknown_columns"] = self.plan.unknown
            out["mapping"] = {h: f for h, f in zip(self.plan.headers, self.plan.fields) if h}
            out["key"] = list(self.plan.key)
        if outcomes:
            out["outcomes"] = self.outcomes
        return out

    def failed_rows(self):
        """(row, reason, cells) of every failed row, in file order."""
        if not self.failed_path:
            return
        with open(self.failed_path, encoding="utf-8") as handle:
            for line in handle:
                yield json.loads(line)


class RowFailed(Exception):
    def __init__(self, errors: list[dict]):
        super().__init__(errors[0]["message"] if errors else "")
        self.errors = errors


def label(name: str) -> str:
    return str(FIELD_LABELS.get(name, name))


# --------------------------------------------------------------------------------------------------------
# the plan


def make_plan(record: str, headers: list[str], options: Options) -> Plan:
    if options.mode not in MODES:
        raise ImportError_(gettext("Mode must be one of: %(modes)s.", modes=", ".join(MODES)))
    columns = importable(record)
    fields = ["id"] + [c.field for c in columns]
    names = mapping_mod.candidates(fields, field_labels(record))
    mapped = mapping_mod.auto_map(headers, names)
    # The reason column of a failed-rows file is never data.
    reason = {mapping_mod.fold(t) for t in reason_headers()}
    try:
        mapped = mapping_mod.apply_overrides(headers, mapped, options.overrides, set(fields))
    except ValueError as exc:
        raise ImportError_(str(exc)) from None
    ignored = {h for h, f in options.overrides.items() if not f}
    unknown = [h for h, f in zip(headers, mapped)
               if f is None and h and h not in ignored and mapping_mod.fold(h) not in reason]
    present = [f for f in mapped if f]
    key = tuple(options.key) if options.key else default_key(record, present)
    bad = [k for k in key if k not in fields]
    if bad:
        raise ImportError_(gettext("Unknown key field: %(fields)s.", fields=", ".join(bad)))
    if options.mode != "create" and not set(key) <= set(present):
        missing = ", ".join(label(k) for k in key if k not in present)
        raise ImportError_(gettext("The file has no column for the key: %(fields)s.", fields=missing))
    return Plan(record, headers, mapped, unknown, key)


def reason_headers() -> list[str]:
    from flask_babel import force_locale

    out = []
    for locale in LOCALES:
        with force_locale(locale):
            out.append(gettext("Why this row was not imported"))
    return out
