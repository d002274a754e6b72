"""Text as the rules see it: one normalisation, applied before any check or comparison in every door.

Pure (stdlib only). The write guard (app.workflow.prepare) runs it on every changed text field of every
record, whichever door the write came through; the field checks and the rules compare through it.

Decisions (the issue and the seed are silent on the details):
- Invisible characters are the Unicode format characters (category Cf: zero-width space and joiners, word
  joiner, bidi marks, embeddings and isolates, BOM, soft hyphen...) and control characters other than tab
  and newline. They are removed from stored text, and refused in names and codes: two names that look the
  same must be the same.
- Surrounding blanks (ASCII, full-width and other Unicode spaces) are stripped; blank optional text is
  stored as NULL, never as '' (an empty credit code stored as '' collides with the next one).
- Codes (credit codes, phone numbers, e-mail addresses, contract and issue numbers) are stored in NFKC, so
  full-width digits and letters become ASCII; credit codes are upper-cased.
- Names and prose keep their characters as typed (NFC only): Chinese legal names use full-width brackets and
  Chinese prose full-width punctuation, and those are what people expect to see. They are compared
  in NFKC (``name_key``, ``match_key``), so full-width and half-width forms compare equal.
- Sensitive words are matched on ``match_key``: NFKC, case-folded, with every space, punctuation mark,
  symbol and invisible character removed on both sides, so 最\u200b佳, 最 佳 and 最.佳 all contain 最佳.
  The price: a word can match across punctuation (个性，感觉 contains 性感); supporting documents clear it.
- A reason is real text when, cleaned, it holds at least one letter or digit of any script ("." and
  "\u200b" are not reasons).
"""
from __future__ import annotations

import re
import unicodedata

KEEP_CONTROLS = frozenset("\n\t")


def is_invisible(char: str) -> bool:
    category = unicodedata.category(char)
    return category == "Cf" or (category == "Cc" and char not in KEEP_CONTROLS)


def hidden_characters(text: str | None) -> list[str]:
    """The invisible characters of ``text``, as U+XXXX codes, once each in order."""
    found: dict[str, None] = {}
    for char in text or "":
        if is_invisible(char):
            found.setdefault(f"U+{ord(char):04X}")
    return list(found)


def strip_invisible(text: str) -> str:
    return "".join(char for char in text if not is_invisible(char))


def clean_text(value: str | None) -> str | None:
    """Stored form of free text: NFC, invisible characters removed, stripped; blank -> None."""
    if value is None:
        return None
    text = unicodedata.normalize("NFC", strip_invisible(str(value))).strip()
    return text or None


def clean_code(value: str | None) -> str | None:
    """Stored form of a code (phone, e-mail, number): NFKC, invisible characters removed, stripped."""
    if value is None:
        return None
    text = unicodedata.normalize("NFKC", strip_invisible(str(value))).strip()
    return text or None


def clean_credit_code(value: str | None) -> str | None:
    code = clean_code(value)
    return code.upper() if code else None


def name_key(value: str | None) -> str:
    """A name as compared: NFKC, invisible characters removed, inner runs of blanks made one space."""
    text = unicodedata.normalize("NFKC", strip_invisible(value or ""))
    return " ".join(text.split())


def _ignored_in_match(char: str) -> bool:
    category = unicodedata.category(char)
    return category[0] in "ZPSC" or char.isspace()


def match_key(value: str | None) -> str:
    """Text as sensitive words are matched: NFKC, case-folded, spaces, punctuation, symbols and
    invisible characters removed."""
    folded = unicodedata.normalize("NFKC", value or "").casefold()
    return "".join(char for char in folded if not _ignored_in_match(char))


def is_real_text(value: str | None) -> bool:
    """At least one letter or digit once cleaned (reasons, subjects)."""
    text = unicodedata.normalize("NFKC", strip_invisible(value or ""))
    return any(unicodedata.category(char)[0] in "LN" for char in text)


# -- amounts -------------------------------------------------------------------------------------------------
# One parser for money typed by people, used by the forms, the REST API and the sheet sync
# (app.domain.validation.parse_amount): "36000", "36,000", "36，000" (full-width comma), "¥36,000", "￥36,000.50",
# "RMB 36,000", "36,000元". Thousands separators must group three digits ("3,6000" is refused, not guessed).
AMOUNT_PREFIXES = ("¥", "RMB", "CNY")  # NFKC makes ￥ (U+FFE5) the yen/yuan sign ¥ (U+00A5)
AMOUNT_SUFFIXES = ("元",)
_PLAIN_NUMBER = re.compile(r"^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$")
_GROUPED_NUMBER = re.compile(r"^-?\d{1,3}(,\d{3})+(\.\d*)?$")


class AmountTextError(ValueError):
    """`kind` is "number" (not a number) or "grouping" (separators not in threes)."""

    def __init__(self, kind: str):
        super().__init__(kind)
        self.kind = kind


def amount_text(value: str) -> str:
    """Typed money text as a plain decimal string ("¥36,000.5" -> "36000.5"); AmountTextError otherwise."""
    text = unicodedata.normalize("NFKC", strip_invisible(str(value)))
    text = text.strip()
    for prefix in AMOUNT_PREFIXES:
        if text.upper().startswith(prefix):
            text = text[len(prefix):].lstrip()  # "RMB 36,000"; blanks between digits stay refused
            break
    if text.startswith("-¥"):
        text = "-" + text[2:]
    for suffix in AMOUNT_SUFFIXES:
        if text.endswith(suffix):
            text = text[: -len(suffix)].rstrip()
    if _PLAIN_NUMBER.match(text):
        return text
    if _GROUPED_NUMBER.match(text):
        return text.replace(",", "")
    if "," in text and _PLAIN_NUMBER.match(text.replace(",", "")):
        raise AmountTextError("grouping")
    raise AmountTextError("number")
