"""`flask sheets adopt`: a team's own tab imported through the import engine, then the spreadsheet linked;
the team's tab is never modified."""
import pytest
from sqlalchemy import select

from app.models import Customer, SyncLink, db
from tests.imports.importkit import code, uniq
from tests.sync.conftest import new_user


@pytest.fixture
def cli(app, emulator, monkeypatch):
    monkeypatch.setitem(app.config, "SHEETS_API_URL", emulator.url)
    monkeypatch.setitem(app.config, "SHEETS_MAX_TRIES", 1)
    runner = app.test_cli_runner()
    return lambda *args: runner.invoke(args=list(args))


def test_adopt_dry_run_then_import_and_link(app, emulator, cli):
    seller = new_user(app, "Sales", prefix="adopt")
    codes = [code(), code()]
    names = [uniq("老表客户"), uniq("老表客户")]
    team_rows = [["客户名称", "信用代码", "所在城市", "跟进人备注"],
                 [names[0], codes[0], "深圳", "老客户"],
                 [names[1], codes[1], "广州", "=1+1"]]
    sid = emulator.create_spreadsheet("团队客户表", sheets=("我们的客户",))
    emulator.set_values(sid, "'我们的客户'!A1", team_rows, user_entered=False)
    before = emulator.values(sid, "'我们的客户'", render="FORMATTED_VALUE")

    result = cli("sheets", "adopt", sid, "--tab", "我们的客户", "--record", "customer", "--as", seller,
                 "--profile", "sales", "--map", "跟进人备注=notes", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "create 2" in result.output and "not linked" in result.output
    with app.app_context():
        assert db.session.scalar(select(Customer).where(Customer.credit_code.in_(codes))) is None
        assert db.session.scalar(select(SyncLink).where(SyncLink.spreadsheet_id == sid)) is None

    result = cli("sheets", "adopt", sid, "--tab", "我们的客户", "--record", "customer", "--as", seller,
                 "--profile", "sales", "--map", "跟进人备注=notes")
    assert result.exit_code == 0, result.output
    with app.app_context():
        rows = db.session.scalars(select(Customer).where(Customer.credit_code.in_(codes))).all()
        assert sorted(r.name for r in rows) == sorted(names)
        assert {r.owner.username for r in rows} == {seller}
        assert db.session.scalar(select(SyncLink).where(SyncLink.spreadsheet_id == sid)).state == "active"
    assert emulator.values(sid, "'我们的客户'", render="FORMATTED_VALUE") == before  # untouched
    customers = emulator.values(sid, "'客户'", render="FORMATTED_VALUE")  # the managed tab holds them now
    assert {names[0], names[1]} <= {cell for row in customers for cell in row}


def test_adopt_refuses_a_tab_with_a_managed_title(app, emulator, cli):
    seller = new_user(app, "Sales", prefix="adopt")
    sid = emulator.create_spreadsheet("团队客户表", sheets=("客户",))
    result = cli("sheets", "adopt", sid, "--tab", "客户", "--record", "customer", "--as", seller,
                 "--profile", "sales")
    assert result.exit_code != 0 and "managed tab" in result.output
