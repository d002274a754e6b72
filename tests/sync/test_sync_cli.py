"""`flask sheets link|sync|status` against the emulator."""
import json

import pytest

from app.models import SyncLink, db
from tests import factories as f
from tests.sync.conftest import new_user


@pytest.fixture
def cli(app, emulator, monkeypatch):
    monkeypatch.setitem(app.config, "SHEETS_API_URL", emulator.url)
    monkeypatch.setitem(app.config, "SHEETS_MAX_TRIES", 1)
    runner = app.test_cli_runner()
    return lambda *args: runner.invoke(args=list(args))


@pytest.fixture
def seller(app):
    username = new_user(app, "Sales", prefix="cli")
    with app.app_context():
        owner = f.user(app, username)
        for n in range(30):
            f.customer(owner, short_name=None, industry=None if n % 2 else "广告")  # gaps inside the rows
        db.session.commit()
    return username


def test_link_sync_status_and_a_chunked_first_push_with_progress(app, emulator, cli, seller, monkeypatch):
    import sync.sheet_side as sheet_side

    monkeypatch.setattr(sheet_side, "MAX_PAYLOAD_BYTES", 3000)  # force several requests for the push
    sid = emulator.create_spreadsheet("CLI")
    emulator.clear_log()
    result = cli("sheets", "link", sid, "--as", seller, "--profile", "sales")
    assert result.exit_code == 0, result.output
    assert "linked spreadsheet" in result.output and "success" in result.output
    assert result.output.count("pushed") >= 2  # progress of the long push
    assert "pushed 30/30 rows" in result.output  # rows, whatever the cells of each row
    pushes = [r for r in emulator.requests(method_id="sheets.spreadsheets.batchUpdate")
              if any(q.get("updateCells", {}).get("fields") == "userEnteredValue" for q in r.body["requests"])]
    assert len(pushes) >= 2
    assert all(len(json.dumps(r.body).encode()) <= 3000 for r in pushes)
    assert emulator.count(method_id="sheets.spreadsheets.values.batchUpdate") == 0  # rows are never shifted by value
    result = cli("sheets", "sync")
    assert result.exit_code == 0, result.output
    with app.app_context():
        link_id = db.session.query(SyncLink).filter_by(spreadsheet_id=sid).one().id
    result = cli("sheets", "sync", "--link", str(link_id))
    assert result.exit_code == 0 and "API requests 1" in result.output
    result = cli("sheets", "status")
    assert result.exit_code == 0 and sid in result.output and seller in result.output and "success" in result.output


def test_a_failed_link_makes_the_exit_code_non_zero(app, emulator, cli, seller):
    sid = emulator.create_spreadsheet("CLI fail")
    assert cli("sheets", "link", sid, "--as", seller, "--profile", "sales").exit_code == 0
    with app.app_context():
        link_id = db.session.query(SyncLink).filter_by(spreadsheet_id=sid).one().id
    emulator.fail_next(503, method_id="sheets.spreadsheets.values.batchGet")
    result = cli("sheets", "sync", "--link", str(link_id))
    assert result.exit_code == 1
    assert "failed" in result.output and "503" in result.output


def test_link_refuses_unknown_users_and_profiles(app, emulator, cli):
    sid = emulator.create_spreadsheet("CLI bad")
    result = cli("sheets", "link", sid, "--as", "nobody-here", "--profile", "sales")
    assert result.exit_code != 0 and "nobody-here" in result.output
    assert cli("sheets", "link", sid, "--as", "sales1", "--profile", "hr").exit_code != 0
    assert cli("sheets", "sync", "--link", "999999").exit_code != 0


def test_a_spreadsheet_cannot_be_linked_to_two_users(app, emulator, cli, seller):
    sid = emulator.create_spreadsheet("CLI twice")
    assert cli("sheets", "link", sid, "--as", seller, "--profile", "sales").exit_code == 0
    result = cli("sheets", "link", sid, "--as", "sales2", "--profile", "sales")
    assert result.exit_code != 0 and "already linked" in result.output
    assert cli("sheets", "link", sid, "--as", seller, "--profile", "sales").exit_code == 0  # re-link repairs


def test_settings_parse_quotas():
    import os

    import config

    os.environ["SHEETS_READS_PER_MINUTE"] = "abc"
    try:
        with pytest.raises(config.ConfigError, match="SHEETS_READS_PER_MINUTE"):
            config.from_environment()
        os.environ["SHEETS_READS_PER_MINUTE"] = "0"
        with pytest.raises(config.ConfigError, match="SHEETS_READS_PER_MINUTE"):
            config.from_environment()
        os.environ["SHEETS_READS_PER_MINUTE"] = "30"
        settings = config.from_environment()
        assert settings["SHEETS_READS_PER_MINUTE"] == 30 and settings["SHEETS_PROJECT_WRITES_PER_MINUTE"] == 300
    finally:
        del os.environ["SHEETS_READS_PER_MINUTE"]
