"""The CLI door: `flask import RECORD FILE --as USER ...`, each mode and key, formats, exit codes."""
from openpyxl import load_workbook
from sqlalchemy import select

from app.models import AuditLog, Customer, db

from .conftest import code, csv_bytes, uniq, xlsx_bytes


def customer(app, credit):
    with app.app_context():
        row = db.session.scalar(select(Customer).where(Customer.credit_code == credit))
        if row is not None:
            db.session.expunge(row)
        return row


def test_create_from_gbk_csv_with_chinese_headers(app, write_file, run_cli):
    c1, c2 = code(), code()
    n1, n2 = uniq(), uniq()
    data = csv_bytes([["公司名称", "统一社会信用代码", "城市", "客户来源", "阶段"],
                      [n1, c1, "深圳", "展会", "意向"], [n2, c2, "广州", "网络搜索", "潜在"]], encoding="gbk")
    result = run_cli("customer", write_file(data, "客户.csv"), "--as", "sales1", "--mode", "create")
    assert result.exit_code == 0, result.output
    assert "create 2" in result.output
    row = customer(app, c1)
    assert row.name == n1 and row.city == "深圳" and row.source == "exhibition" and row.stage == "intent"
    with app.app_context():
        owner = db.session.get(app.appbuilder.sm.user_model, row.owner_id)
        assert owner.username == "sales1"  # a Sales rep's new customer is theirs
        entry = db.session.scalar(select(AuditLog).where(AuditLog.record == "customer",
                                                         AuditLog.record_id == row.id))
        assert entry.channel == "import" and entry.actor_name == "sales1"


def test_dry_run_writes_nothing_and_reports(app, write_file, run_cli):
    c1 = code()
    data = csv_bytes([["客户名称", "信用代码"], [uniq(), c1]])
    result = run_cli("customer", write_file(data, "a.csv"), "--as", "manager", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "create 1" in result.output and "dry run" in result.output
    assert customer(app, c1) is None

