"""The pure parts: readers (encodings, delimiters, .xlsx), values (dates, amounts), header matching."""
import io
from datetime import date, datetime
from decimal import Decimal

import pytest
from openpyxl import Workbook

from app.imports import mapping
from app.imports.readers import ReadError, bytes_source, detect_encoding
from app.imports.values import CellError, cell_text, parse_amount, parse_bool, parse_date
from tests.imports.importkit import csv_bytes, xlsx_bytes

ROWS = [["公司名称", "城市", "备注"], ["深圳市甲乙丙科技有限公司", "深圳", "=cmd|' /C calc'!A0"],
        ["广州丁戊有限公司", "广州", "含,逗号"]]


def read_all(data, name, **kw):
    source = bytes_source(data, name)
    try:
        return source, source.headers, list(source.rows)
    finally:
        source.close()


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_csv_encodings_and_delimiters(encoding, delimiter):
    source, headers, rows = read_all(csv_bytes(ROWS, encoding, delimiter), "x.csv")
    assert headers == ROWS[0]
    assert rows == [(2, ROWS[1]), (3, ROWS[2])]
    assert source.delimiter == delimiter


def test_encoding_detection():
    assert detect_encoding("名称".encode("utf-8-sig")) == "utf-8-sig"
    assert detect_encoding("名称,城市\n深圳".encode("gbk")) == "gb18030"
    assert detect_encoding(b"name,city\n") == "utf-8"


def test_blank_rows_skipped_but_numbered_as_in_excel():
    data = csv_bytes([["名称"], ["甲"], [""], ["乙"]])
    _source, _headers, rows = read_all(data, "x.csv")
    assert rows == [(2, ["甲"]), (4, ["乙"])]


def test_xlsx_first_or_named_sheet_formulas_as_values_text_stays_text(tmp_path):
    workbook = Workbook()
    first = workbook.active
    first.title = "说明"
    first.append(["这是说明"])
    sheet = workbook.create_sheet("客户")
    sheet.append(["名称", "金额", "日期"])
    sheet.append(["甲", 1200.5, datetime(2026, 11, 29)])
    cell = sheet.cell(row=3, column=1, value="=cmd|' /C calc'!A0")
    cell.data_type = "s"  # a text that begins with "=" (as typed with a leading apostrophe)
    sheet.cell(row=3, column=2, value="=B2*2")  # a formula: read as its cached value (none here: empty)
    out = io.BytesIO()
    workbook.save(out)
    _s, headers, rows = read_all(out.getvalue(), "x.xlsx")
    assert headers == ["这是说明"]
    source = bytes_source(out.getvalue(), "x.xlsx")
    source.close()
    from app.imports.readers import read_xlsx

    path = tmp_path / "x.xlsx"
    path.write_bytes(out.getvalue())
    named = read_xlsx(str(path), "客户")
    rows = list(named.rows)
    named.close()
    assert named.headers == ["名称", "金额", "日期"]
    assert rows[0] == (2, ["甲", 1200.5, datetime(2026, 11, 29)])
    assert rows[1][1][0] == "=cmd|' /C calc'!A0" and rows[1][1][1] is None
    with pytest.raises(ReadError):
        read_xlsx(str(path), "没有")


def test_unreadable_files():
    with pytest.raises(ReadError):
        bytes_source(b"PK\x03\x04 not a zip", "x.xlsx")
    with pytest.raises(ReadError):
        bytes_source(b"", "x.csv")


@pytest.mark.parametrize("value", ["2026-11-29", "2026/11/29", "2026年11月29日", "２０２６－１１－２９", "2026.11.29",
                                   " 2026/11/29\u200b", datetime(2026, 11, 29, 0, 0), date(2026, 11, 29), 46355,
                                   "46355"])
def test_dates(value):
    assert parse_date(value) == date(2026, 11, 29)


@pytest.mark.parametrize("value", ["2026-02-30", "29/11/2026", "明天", True])
def test_bad_dates(value):
    with pytest.raises(CellError):
        parse_date(value)


@pytest.mark.parametrize("value,expected", [("¥1,234.50", "1234.50"), ("￥12,000", "12000"), ("1234.5", "1234.5"),
                                            ("１，２３４．５０", "1234.50"), ("RMB 300", "300"), ("300元", "300"),
                                            (1200.5, "1200.5"), (7, "7"), ("-50", "-50")])
def test_amounts(value, expected):
    assert parse_amount(value) == Decimal(expected)


@pytest.mark.parametrize("value", ["12,34", "abc", "NaN", "1.2.3", True])
def test_bad_amounts(value):
    with pytest.raises(CellError):
        parse_amount(value)


def test_bools_and_text():
    assert parse_bool("是") is True and parse_bool("否") is False and parse_bool("ＴＲＵＥ") is True
    assert cell_text(13800138000.0) == "13800138000" and cell_text("\u200b 甲 \u3000") == "甲"


def test_header_matching():
    labels = {"name": ["名称", "Name"], "credit_code": ["统一社会信用代码", "Unified social credit code"],
              "mobile": ["手机", "Mobile"], "city": ["城市", "City"]}
    names = mapping.candidates(list(labels), labels)
    headers = ["公司名称", "信用代码（18位）", "手机号", "CITY ", "微信", "名称"]
    assert mapping.auto_map(headers, names) == ["name", "credit_code", "mobile", "city", None, None]
    chosen = mapping.apply_overrides(headers, mapping.auto_map(headers, names), {"微信": "name", "公司名称": ""},
                                     set(labels))
    assert chosen == [None, "credit_code", "mobile", "city", "name", None]
    assert mapping.parse_map_option("源列=name, 其他=") == {"源列": "name", "其他": ""}
    with pytest.raises(ValueError):
        mapping.apply_overrides(headers, chosen, {"无": "name"}, set(labels))
