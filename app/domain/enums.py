"""The closed value sets of the domain, stored as their string values."""
from enum import StrEnum


class CustomerStage(StrEnum):
    LEAD = "lead"  # 潜在
    INTENT = "intent"  # 意向
    FILED = "filed"  # 报备
    SIGNED = "signed"  # 签约
    LOST = "lost"  # 流失


class CustomerSource(StrEnum):
    WEB_SEARCH = "web_search"  # 网络搜索
    COLD_CALL = "cold_call"  # 电话陌拜
    TRADE_MAGAZINE = "trade_magazine"  # 行业杂志
    EXHIBITION = "exhibition"  # 展会
    REFERRAL = "referral"  # 客户介绍


class Locality(StrEnum):
    LOCAL = "local"  # 本地
    OUT_OF_TOWN = "out_of_town"  # 外地


class ActivityKind(StrEnum):
    CALL = "call"
    VISIT = "visit"
    EMAIL = "email"
    FAX = "fax"
    EXHIBITION = "exhibition"


class Medium(StrEnum):
    PRINT = "print"
    WEB = "web"


class ContractKind(StrEnum):
    AD = "ad"  # 广告合同
    MEMBERSHIP = "membership"  # 入网合同


class ContractStatus(StrEnum):
    DRAFT = "draft"
    STAMPED = "stamped"  # customer stamped
    REVIEWED = "reviewed"  # supervisor reviewed
    APPROVED = "approved"  # manager approved and signed
    SEALED = "sealed"  # company seal: in force
    CANCELLED = "cancelled"


class PaymentTerms(StrEnum):
    PREPAID = "prepaid"  # 预收
    SETTLE_ON_DATE = "settle_on_date"  # settle on an agreed date


class ProofStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"


class ProofMethod(StrEnum):
    IN_PERSON = "in_person"
    EMAIL = "email"
    FAX = "fax"


class PaymentKind(StrEnum):
    AD_FEE = "ad_fee"
    MEMBERSHIP_FEE = "membership_fee"
    MISC = "misc"


class PaymentMethod(StrEnum):
    CASH = "cash"
    CHEQUE = "cheque"
    TRANSFER = "transfer"


def values(enum_cls) -> list[str]:
    return [member.value for member in enum_cls]


class ComplaintStatus(StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"


class AuditAction(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    TRANSITION = "transition"
