"""The contract page's header: what people look for first (number, customer, status, the money, the time
left), read from the contract's derived totals (app.models.derived): no payment is summed for it."""
from datetime import date

from flask_babel import gettext, ngettext

from app.domain.enums import ContractStatus
from app.domain.rules import money as rules
from app.domain.rules.money import PaymentFacts
from app.labels import enum_label

from .display import money_text

STATUS_STYLES = {
    ContractStatus.DRAFT: "default", ContractStatus.STAMPED: "info", ContractStatus.REVIEWED: "info",
    ContractStatus.APPROVED: "primary", ContractStatus.SEALED: "success", ContractStatus.CANCELLED: "danger",
}


def days_to_end_text(end: date | None, today: date) -> tuple[str, bool]:
    """("12 days", False), ("ends today", False) or ("ended 3 days ago", True)."""
    if end is None:
        return "", False
    days = (end - today).days
    if days > 0:
        return ngettext("%(num)s day", "%(num)s days", days), False
    if days == 0:
        return gettext("Ends today"), False
    return ngettext("Ended %(num)s day ago", "Ended %(num)s days ago", -days), True


def contract_header(contract, today: date | None = None) -> dict:
    today = today or date.today()
    net = contract.net_amount if contract.net_amount is not None else rules.amount_after_discount(
        contract.amount or 0, contract.discount_pct)
    paid = contract.paid_total or 0
    outstanding = rules.receivable(contract.amount or 0, contract.discount_pct, [PaymentFacts(paid, True)],
                                   [contract.written_off_total or 0])
    days_text, ended = days_to_end_text(contract.end_date, today)
    return {
        "number": contract.number, "customer": contract.customer.name if contract.customer else "",
        "customer_id": contract.customer_id, "party_name": contract.party_name,
        "status_label": enum_label(ContractStatus, contract.status),
        "status_style": STATUS_STYLES.get(contract.status, "default"),
        "net": money_text(net), "paid": money_text(paid), "outstanding": money_text(outstanding),
        "owing": outstanding > 0, "days_to_end": days_text, "ended": ended,
        "period": f"{contract.start_date} – {contract.end_date}",
    }
