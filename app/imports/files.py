"""Files the import produces, written only through app.spreadsheets (formula-safe): the failed-rows file and
the template of a record."""
from __future__ import annotations

from flask_babel import gettext

from app.spreadsheets import xlsx_bytes

from .engine import Report, label
from .records import importable

# record -> one example row (field -> text) for the template.
EXAMPLES = {
    "customer": {"name": "深圳市示例科技有限公司", "short_name": "示例科技", "credit_code": "91440300MA5EXAMPL0",
                 "industry": "电子", "city": "深圳", "locality": "本地", "source": "网络搜索", "stage": "潜在",
                 "owner": "sales1", "notes": ""},
    "contact": {"customer": "深圳市示例科技有限公司", "name": "王芳", "title": "市场部经理", "mobile": "13800138000",
                "phone": "0755-88886666", "email": "wangfang@example.cn", "is_ad_responsible": "FALSE"},
    "activity": {"customer": "深圳市示例科技有限公司", "kind": "电话", "happened_on": "2026-11-29",
                 "outcome": "有意向，下周拜访", "next_follow_up": "2026-12-05"},
    "contract": {"number": "HT-2026-0001", "customer": "深圳市示例科技有限公司", "party_name": "深圳市示例科技有限公司",
                 "publication": "某某商情广告", "kind": "广告合同", "start_date": "2026-12-01",
                 "end_date": "2027-11-30", "amount": "¥12,000.00", "discount_pct": "0", "payment_terms": "预收"},
    "booking": {"contract": "HT-2026-0001", "slot": "封底", "issue": "2026-12", "price": "5000", "copy_text": ""},
    "payment": {"contract": "HT-2026-0001", "amount": "6,000.00", "kind": "广告费", "method": "转账",
                "collected_on": "2026年12月1日", "notes": ""},
    "adslot": {"publication": "某某商情广告", "name": "封底", "medium": "印刷", "size": "210x285mm",
               "list_price": "20000", "active": "TRUE"},
}


def template_bytes(record: str) -> bytes:
    """An .xlsx with the record's importable columns as headers (current language) and one example row."""
    columns = importable(record)
    example = EXAMPLES.get(record, {})
    return xlsx_bytes([[label(c.field) for c in columns], [example.get(c.field, "") for c in columns]])


def failed_rows_bytes(report: Report) -> bytes:
    """The failed rows as they were in the file, the reason first: fix them and upload the file again."""
    headers = report.plan.headers if report.plan is not None else []

    def rows():
        yield [gettext("Why this row was not imported"), *headers]
        for _number, reason, cells in report.failed_rows():
            yield [reason, *cells]

    return xlsx_bytes(rows())
