"""Field checks shared by the forms, the REST API and the sheet sync.

Each check takes a value and returns None when it is acceptable or an English
message (a Babel msgid) saying what is wrong. The callers translate the message
and attach it to the field they were validating.
"""
import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from app.domain.normalise import AmountTextError, amount_text, clean_code, clean_credit_code, hidden_characters

# GB 32100-2015: 17 characters from this alphabet, then a check character.
CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
# Deliberately simple: one @, no spaces, a dot in the domain. Deliverability is
# not ours to judge; typos like a missing @ or domain are.
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE_RE = re.compile(r"^[0-9+\-() ]{5,30}$")

MAX_AMOUNT = Decimal("9999999999.99")
CENT = Decimal("0.01")
# Any date a record carries lies in these years (0001-01-01 and 9999-12-31 are typing accidents).
EARLIEST_DATE = date(2000, 1, 1)
LATEST_DATE = date(2099, 12, 31)


def N_(message: str) -> str:
    """Marks a message for the translation catalogue; callers translate it when shown."""
    return message


def credit_code_check_char(first17: str) -> str:
    total = sum(CREDIT_CODE_ALPHABET.index(c) * w for c, w in zip(first17, CREDIT_CODE_WEIGHTS))
    return CREDIT_CODE_ALPHABET[(31 - total % 31) % 31]


def check_credit_code(value: str | None) -> str | None:
    code = clean_credit_code(value)
    if not code:
        return None
    if len(code) != 18:
        return N_("The unified social credit code must have 18 characters.")
    if any(c not in CREDIT_CODE_ALPHABET for c in code):
        return N_("The unified social credit code may only contain digits and capital letters other than I, O, S, V and Z.")
    if credit_code_check_char(code[:17]) != code[17]:
        return N_("The unified social credit code's check character is wrong.")
    return None


def check_mobile(value: str | None) -> str | None:
    value = clean_code(value)
    if not value:
        return None
    if not MOBILE_RE.match(value):
        return N_("A mobile number has 11 digits and starts with 13 to 19.")
    return None


def check_phone(value: str | None) -> str | None:
    value = clean_code(value)
    if not value:
        return None
    if not PHONE_RE.match(value):
        return N_("A phone number may only contain digits, spaces, +, - and brackets.")
    return None


def check_email(value: str | None) -> str | None:
    value = clean_code(value)
    if not value:
        return None
    if not EMAIL_RE.match(value):
        return N_("This is not a valid e-mail address.")
    return None


def parse_amount(value) -> Decimal:
    """Parse a money amount (the one parser of forms, API and sheets: thousands separators, full-width
    characters and a currency sign are accepted, app.domain.normalise.amount_text); raises ValueError with a
    message for bad input."""
    if isinstance(value, bool):
        raise ValueError(N_("An amount must be a number."))
    if isinstance(value, Decimal):
        amount = value
    elif isinstance(value, int):
        amount = Decimal(value)
    else:
        if isinstance(value, float):
            value = repr(value)
        try:
            amount = Decimal(amount_text(value))
        except AmountTextError as exc:
            if exc.kind == "grouping":
                raise ValueError(N_("Thousands separators group three digits, as in 36,000.")) from None
            raise ValueError(N_("An amount must be a number.")) from None
        except InvalidOperation:
            raise ValueError(N_("An amount must be a number.")) from None
    if not amount.is_finite():
        raise ValueError(N_("An amount must be a number."))
    return amount


def check_amount(value) -> str | None:
    if value is None or value == "":
        return None
    try:
        amount = parse_amount(value)
    except ValueError as exc:
        return str(exc)
    if amount < 0:
        return N_("An amount cannot be negative.")
    if amount != amount.quantize(CENT):
        return N_("An amount has at most two decimals.")
    if amount > MAX_AMOUNT:
        return N_("This amount is too large.")
    return None


def check_percent(value) -> str | None:
    if value is None or value == "":
        return None
    message = check_amount(value)
    if message:
        return message
    if parse_amount(value) > 100:
        return N_("A percentage must be between 0 and 100.")
    return None


def check_positive_int(value) -> str | None:
    if value is None or value == "":
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        return N_("This must be a whole number.")
    if number < 0:
        return N_("This must not be negative.")
    return None


def check_date_order(start: date | None, end: date | None) -> str | None:
    if start and end and start > end:
        return N_("The end date must not be before the start date.")
    return None


def check_one_of(allowed):
    allowed = tuple(allowed)

    def check(value) -> str | None:
        if value is None or value == "":
            return None
        if str(value) not in allowed:
            return N_("Not one of the allowed values.")
        return None

    return check


def check_name(value: str | None) -> str | None:
    """Names may not carry invisible characters: a name that looks the same must be the same."""
    if value and hidden_characters(value):
        return N_("The name contains invisible characters (zero-width or direction marks); type it again.")
    return None


def check_sane_date(value) -> str | None:
    if value is None or value == "":
        return None
    day = value.date() if isinstance(value, datetime) else value
    if isinstance(day, date) and not EARLIEST_DATE <= day <= LATEST_DATE:
        return N_("The date must lie between 2000 and 2099.")
    return None


def check_max_length(limit: int, clean):
    """Text no longer than `limit` characters once normalised by `clean` (surrounding blanks and invisible
    characters do not count against it)."""

    def check(value) -> str | None:
        if not isinstance(value, str):
            return None
        if len(clean(value) or "") > limit:
            return N_("The text is longer than this field holds.")
        return None

    return check
