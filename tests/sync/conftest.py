"""Fixtures of the sheet-sync tests: the Sheets API emulator, a gspread client, fresh users and links."""
import itertools

import pytest
from flask_babel import force_locale

from tests.sheets_emulator import SheetsEmulator

_seq = itertools.count(1)


@pytest.fixture(scope="session")
def emulator():
    emu = SheetsEmulator().start()
    yield emu
    emu.stop()


@pytest.fixture(autouse=True)
def _clean_faults(request):
    """No injected fault or quota outlives its test."""
    yield
    if "emulator" in request.fixturenames:
        request.getfixturevalue("emulator").reset_faults()


@pytest.fixture
def gc(emulator):
    """A gspread client on the emulator that does not retry: a fault ends the cycle."""
    from sync.transport import make_client

    client = make_client(emulator.url, reads_per_minute=None, writes_per_minute=None, max_tries=1,
                         sleep=lambda seconds: None, timeout=10)
    yield client
    client.close()


def new_user(app, role: str, prefix: str = "sheet") -> str:
    """A fresh user of the role (tests share one database: a fresh owner gives a known set of rows)."""
    with app.app_context():
        sm = app.appbuilder.sm
        username = f"{prefix}{role.lower()}{next(_seq)}"
        user = sm.add_user(username, "表", "测试", f"{username}@example.com", sm.find_role(role), "Sheet-pass-2026!")
        assert user, username
        return username


def title(app, record: str) -> str:
    from app.labels import RECORD_LABELS

    with app.app_context(), force_locale(app.config["APP_LOCALE"]):
        return str(RECORD_LABELS[record])


def header(app, fields) -> list[str]:
    from app.labels import FIELD_LABELS

    with app.app_context(), force_locale(app.config["APP_LOCALE"]):
        return [str(FIELD_LABELS["id"])] + [str(FIELD_LABELS[f]) for f in fields]


class Sheet:
    """The human's view of one linked spreadsheet (through the emulator's direct helpers)."""

    def __init__(self, app, emu, sid):
        self.app, self.emu, self.sid = app, emu, sid

    def title(self, record):
        return title(self.app, record)

    def rows(self, record, render="FORMATTED_VALUE"):
        return self.emu.values(self.sid, f"'{self.title(record)}'", render=render)

    def row_of(self, record, record_id) -> int:
        for n, row in enumerate(self.rows(record), start=1):
            if row and str(row[0]) == str(record_id):
                return n
        raise AssertionError(f"record {record_id} not on tab {record}")

    def col_of(self, record, field) -> str:
        from sync.core import column_letter
        from app.labels import FIELD_LABELS

        with self.app.app_context(), force_locale(self.app.config["APP_LOCALE"]):
            wanted = str(FIELD_LABELS[field])
        head = self.rows(record)[0]
        return column_letter(head.index(wanted) + 1)

    def cell_ref(self, record, record_id, field) -> str:
        return f"'{self.title(record)}'!{self.col_of(record, field)}{self.row_of(record, record_id)}"

    def value(self, record, record_id, field):
        return self.emu.values(self.sid, self.cell_ref(record, record_id, field), render="FORMATTED_VALUE")[0][0] \
            if self.emu.values(self.sid, self.cell_ref(record, record_id, field)) else ""

    def type(self, record, record_id, field, text, user_entered=True):
        self.emu.set_values(self.sid, self.cell_ref(record, record_id, field), [[text]], user_entered=user_entered)

    def append(self, record, values: list, user_entered=True):
        n = len([r for r in self.rows(record) if any(str(c).strip() for c in r)]) + 1
        self.emu.set_values(self.sid, f"'{self.title(record)}'!A{n}", [values], user_entered=user_entered)
        return n

    def note(self, record, record_id, field):
        return self.emu.note(self.sid, self.cell_ref(record, record_id, field))

    def by_id(self, record) -> dict:
        rows = self.rows(record)
        return {str(r[0]): r for r in rows[1:] if r and str(r[0]).strip()}


@pytest.fixture
def linker(app, emulator, gc):
    """linker(username, profile) -> (link_id, Sheet) for a new spreadsheet, linked and pushed."""
    def make(username, profile="sales"):
        from sync.linking import link_spreadsheet

        sid = emulator.create_spreadsheet(f"Adsheet {username}")
        with app.app_context():
            link, run = link_spreadsheet(sid, username, profile, gc)
            assert run.status == "success", run.error
            return link.id, Sheet(app, emulator, sid)

    return make


def cycle(app, gc, link_id):
    """One sync cycle; returns (status, error, requests) of its run."""
    from sync.runner import sync_link

    with app.app_context():
        run = sync_link(link_id, gc)
        return run.status, run.error, run.requests


def problems(app, link_id, **filters):
    from app.models import SyncProblem, db

    with app.app_context():
        query = db.session.query(SyncProblem).filter_by(link_id=link_id, **filters).order_by(SyncProblem.id)
        return [{c: getattr(p, c) for c in ("kind", "table_name", "record_id", "column_name", "cell",
                                               "sheet_value", "db_value", "message", "resolved_at")}
                for p in query]
