"""Headers to fields: a file's own column names matched to the record's fields.

Pure: no Flask. The caller passes the labels of each field (in every UI language, see app.imports.records)
and this module adds the synonyms people use in their own spreadsheets. A header matches a field when, folded
(full-width to half-width, case, blanks, "*" and bracketed hints removed), it equals one of the field's names.
Headers that match nothing are listed as unknown: never silently dropped.
"""
from __future__ import annotations

import re
import unicodedata

# field -> other names seen in teams' sheets (any record that has the field).
SYNONYMS: dict[str, tuple[str, ...]] = {
    "id": ("id", "编号", "序号id", "记录id", "系统编号"),
    "name": ("公司名称", "客户名称", "单位名称", "企业名称", "公司全称", "客户全称", "营业执照名称", "执照名称",
             "名称", "姓名", "联系人姓名", "company", "company name", "customer name", "full name"),
    "short_name": ("简称", "公司简称", "客户简称", "short name", "abbreviation"),
    "credit_code": ("信用代码", "统一社会信用代码", "社会信用代码", "统一代码", "税号", "uscc", "credit code",
                    "unified social credit code"),
    "industry": ("行业", "所属行业", "industry"),
    "city": ("城市", "所在城市", "地区", "city"),
    "locality": ("本地外地", "本地/外地", "本地或外地", "local/out of town"),
    "source": ("来源", "客户来源", "source"),
    "stage": ("阶段", "客户阶段", "状态", "stage"),
    "owner": ("负责人", "业务员", "销售", "客户经理", "所属销售", "owner", "sales rep"),
    "notes": ("备注", "说明", "notes", "remarks", "remark", "comment"),
    "customer": ("客户", "公司", "单位", "客户名称", "公司名称", "单位名称", "customer", "company"),
    "title": ("职务", "职位", "title", "position"),
    "mobile": ("手机", "手机号", "手机号码", "移动电话", "mobile", "cell", "cellphone"),
    "phone": ("电话", "座机", "固定电话", "办公电话", "phone", "tel", "telephone"),
    "email": ("邮箱", "电子邮箱", "电子邮件", "email", "e-mail", "mail"),
    "is_ad_responsible": ("广告负责人", "是否广告负责人", "ad responsible"),
    "kind": ("类型", "方式", "种类", "type", "kind"),
    "happened_on": ("日期", "时间", "拜访日期", "联系日期", "date"),
    "outcome": ("结果", "内容", "跟进内容", "沟通内容", "outcome", "result"),
    "next_follow_up": ("下次跟进", "下次联系", "下次跟进日期", "next follow-up", "next follow up"),
    "number": ("编号", "合同编号", "合同号", "期号", "number", "no", "no."),
    "party_name": ("签约方", "签约单位", "合同主体", "甲方", "party", "contracting party"),
    "publication": ("媒体", "刊物", "媒体名称", "publication", "media"),
    "start_date": ("开始日期", "起始日期", "生效日期", "start", "start date"),
    "end_date": ("结束日期", "截止日期", "到期日期", "end", "end date"),
    "amount": ("金额", "合同金额", "收款金额", "amount", "sum"),
    "discount_pct": ("折扣", "折扣率", "discount"),
    "payment_terms": ("付款方式", "结算方式", "payment terms"),
    "settle_date": ("结算日期", "约定结算日", "settle date"),
    "contract": ("合同", "合同编号", "合同号", "contract", "contract number"),
    "slot": ("版位", "广告版位", "slot", "ad slot"),
    "issue": ("期刊", "期号", "期次", "issue"),
    "web_start": ("网络开始", "上线日期", "web start"),
    "web_end": ("网络结束", "下线日期", "web end"),
    "price": ("价格", "刊登价格", "price"),
    "copy_text": ("稿件", "广告内容", "广告稿", "ad copy"),
    "copy_received": ("已收稿", "稿件已收", "copy received"),
    "method": ("收款方式", "付款方式", "支付方式", "method"),
    "collected_on": ("收款日期", "到账日期", "日期", "collected on", "date"),
    "medium": ("媒介", "类别", "medium"),
    "size": ("尺寸", "规格", "size"),
    "list_price": ("刊例价", "报价", "价格", "list price", "price"),
    "active": ("启用", "有效", "active"),
    "copy_finance": ("财务存档", "finance copy"),
    "copy_department": ("部门存档", "department copy"),
    "copy_customer": ("客户存档", "customer copy"),
}

_BRACKETS = re.compile(r"[(\[（【].*?[)\]）】]")


def fold(header: str) -> str:
    """A header as compared: NFKC, case-folded, hints in brackets, '*' and blanks removed."""
    text = unicodedata.normalize("NFKC", header or "")
    text = _BRACKETS.sub("", text)
    text = re.sub(r"[\s*:：_]+", "", text)
    return text.casefold()


def candidates(fields: list[str], labels: dict[str, list[str]]) -> dict[str, str]:
    """folded name -> field: the field's own name, its labels in every language, then synonyms.
    A name two fields claim goes to the one whose label it is (labels are listed before synonyms)."""
    out: dict[str, str] = {}
    for field in fields:
        for name in [field, *labels.get(field, ())]:
            out.setdefault(fold(name), field)
    for field in fields:
        for name in SYNONYMS.get(field, ()):
            out.setdefault(fold(name), field)
    return out


def auto_map(headers: list[str], names: dict[str, str]) -> list[str | None]:
    """The field of each header (None when nothing matches, or when an earlier header already took it)."""
    taken: set[str] = set()
    out: list[str | None] = []
    for header in headers:
        field = names.get(fold(header))
        if field is None or field in taken:
            out.append(None)
            continue
        taken.add(field)
        out.append(field)
    return out


def parse_map_option(text: str) -> dict[str, str]:
    """`--map "源列=field,..."` -> {header: field}; an empty field means: ignore this column."""
    out = {}
    for part in re.split(r"[,，\n]", text or ""):
        if not part.strip():
            continue
        if "=" not in part:
            raise ValueError(f"--map entries look like 'Column=field', not {part!r}")
        header, field = part.rsplit("=", 1)
        out[header.strip()] = field.strip()
    return out


def apply_overrides(headers: list[str], mapped: list[str | None], overrides: dict[str, str],
                    fields: set[str]) -> list[str | None]:
    """The user's choices win over the automatic ones (a header -> field, or '' to ignore the column)."""
    result = list(mapped)
    by_fold = {fold(h): i for i, h in enumerate(headers)}
    for header, field in overrides.items():
        index = headers.index(header) if header in headers else by_fold.get(fold(header))
        if index is None:
            raise ValueError(f"no column {header!r} in the file")
        if field and field not in fields:
            raise ValueError(f"unknown field {field!r}; choose one of: {', '.join(sorted(fields))}")
        if field:
            result = [None if f == field and i != index else f for i, f in enumerate(result)]
        result[index] = field or None
    return result
