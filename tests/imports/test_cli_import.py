"""The CLI door: `flask import RECORD FILE --as USER ...`, each mode and key, formats, exit codes."""
from openpyxl import load_workbook
from sqlalchemy import select

from app.models import AuditLog, Customer, db

from tests.imports.importkit import code, csv_bytes, uniq, xlsx_bytes


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



def test_update_and_upsert_by_credit_code_count_unchanged(app, write_file, run_cli):
    c1, c2 = code(), code()
    n1 = uniq()
    first = csv_bytes([["Name", "Unified social credit code", "City"], [n1, c1, "深圳"]], encoding="utf-8")
    assert run_cli("customer", write_file(first, "1.csv"), "--as", "manager", "--mode", "create").exit_code == 0
    # Same row again in upsert: unchanged; a second new row: created; update mode on an unknown key fails.
    again = csv_bytes([["名称", "信用代码", "城市"], [n1, c1, "深圳"], [uniq(), c2, "广州"]])
    result = run_cli("customer", write_file(again, "2.csv"), "--as", "manager", "--mode", "upsert")
    assert result.exit_code == 0, result.output
    assert "create 1, update 0, unchanged 1" in result.output
    changed = xlsx_bytes([["单位名称", "统一社会信用代码", "城市"], [n1, c1.lower(), "珠海"]])
    result = run_cli("customer", write_file(changed, "3.xlsx"), "--as", "manager", "--mode", "update")
    assert result.exit_code == 0, result.output
    assert "update 1" in result.output
    assert customer(app, c1).city == "珠海"
    unknown = csv_bytes([["名称", "信用代码", "城市"], ["无此客户", code(), "珠海"]])
    result = run_cli("customer", write_file(unknown, "4.csv"), "--as", "manager", "--mode", "update")
    assert result.exit_code == 1
    assert "row 2" in result.output and "没有您可查看的 统一社会信用代码=" in result.output


def test_update_keyed_by_id_and_by_name(app, write_file, run_cli):
    c1 = code()
    n1 = uniq()
    run_cli("customer", write_file(csv_bytes([["名称", "信用代码"], [n1, c1]]), "a.csv"), "--as", "manager")
    row = customer(app, c1)
    by_id = csv_bytes([["ID", "行业"], [row.id, "印刷"]])
    result = run_cli("customer", write_file(by_id, "b.csv"), "--as", "manager", "--mode", "update", "--key", "id")
    assert result.exit_code == 0, result.output
    assert customer(app, c1).industry == "印刷"
    by_name = csv_bytes([["公司名称", "备注"], [n1, "老客户"]])
    result = run_cli("customer", write_file(by_name, "c.csv"), "--as", "manager", "--mode", "update", "--key", "name")
    assert result.exit_code == 0, result.output
    assert customer(app, c1).notes == "老客户"


def test_map_option_unknown_columns_listed_and_failed_rows_round_trip(app, write_file, run_cli, tmp_path):
    good, bad = code(), "BADCODE"
    n_good, n_bad = uniq(), uniq()
    data = xlsx_bytes([["抬头", "代码", "微信"], [n_good, good, "wx1"], [n_bad, bad, "wx2"]])
    out = tmp_path / "failed.xlsx"
    result = run_cli("customer", write_file(data, "m.xlsx"), "--as", "manager",
                     "--map", "抬头=name,代码=credit_code", "--failed-rows", str(out))
    assert result.exit_code == 1
    assert "unknown columns (not imported): 微信" in result.output
    assert "row 3, column 代码 [BADCODE]" in result.output
    assert customer(app, good) is None  # all-or-nothing: the good row is not written either
    sheet = load_workbook(out, read_only=True).worksheets[0]
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0][1:] == ["抬头", "代码", "微信"] and len(rows) == 2
    assert "代码" in rows[1][0] and rows[1][1:] == [n_bad, "BADCODE", "wx2"]
    # Fix the code in the failed-rows file and upload it again with the good row: both imported.
    fixed_code = code()
    fixed = xlsx_bytes([rows[0], [rows[1][0], n_bad, fixed_code, "wx2"], ["", n_good, good, "wx1"]])
    result = run_cli("customer", write_file(fixed, "fixed.xlsx"), "--as", "manager",
                     "--map", "抬头=name,代码=credit_code,微信=")
    assert result.exit_code == 0, result.output
    assert "create 2" in result.output and "unknown columns" not in result.output
    assert customer(app, fixed_code).name == n_bad and customer(app, good).name == n_good


def test_partial_imports_the_good_rows(app, write_file, run_cli):
    good = code()
    data = csv_bytes([["名称", "信用代码"], [uniq(), good], [uniq(), "X"]])
    result = run_cli("customer", write_file(data, "p.csv"), "--as", "manager", "--partial")
    assert result.exit_code == 1
    assert customer(app, good) is not None


def test_the_same_key_twice_in_one_file_updates_the_row_created_above(app, write_file, run_cli):
    c1 = code()
    name = uniq()
    data = csv_bytes([["名称", "信用代码", "城市"], [name, c1, "深圳"], [name, c1.lower(), "广州"], [name, c1, "广州"]])
    result = run_cli("customer", write_file(data, "twice.csv"), "--as", "sales1")
    assert result.exit_code == 0, result.output
    assert "create 1, update 1, unchanged 1" in result.output
    assert customer(app, c1).city == "广州"
