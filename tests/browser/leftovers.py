"""What counts as a leftover of the other language on a page, given the page's text and the data it shows.

On a Chinese page any word of two or more Latin letters is a leftover, and on an English page any Chinese
character, unless it is part of the data shown (a customer's name, an e-mail address, a contract number:
texts people typed, taken from the database) or one of the few names that stay as they are.
"""
import re

import sqlalchemy as sa

# Names that stay as they are in either language: the product, file formats, and in the language menu the
# name of each language in its own language (the way back for someone who cannot read the other one).
KEPT = {"Adsheet", "CSV", "Excel", "ID", "PDF", "PNG", "JPEG", "JPG", "English", "中文", "Chart.js",
        # a file name's extension (a document from before uploaded names were kept is offered as 营业执照-11.pdf)
        "pdf", "png", "jpeg", "jpg", "xlsx", "csv",
        # character encodings are named as they are in either language (the import page: UTF-8, GBK)
        "UTF", "GBK", "GB18030", "BOM"}

LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z]+")
CHINESE = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")

# Columns holding typed text (never enum values, which must be shown as labels).
DATA_COLUMNS = {
    "customer": ("name", "short_name", "credit_code", "industry", "city", "notes", "license_copy",
                 "operating_permit", "license_copy_filename", "operating_permit_filename"),
    "contact": ("name", "title", "mobile", "phone", "email"),
    "activity": ("outcome",),
    "publication": ("name",),
    "issue": ("number",),
    "ad_slot": ("name", "size"),
    "contract": ("number", "party_name", "notes"),
    "booking": ("copy_text", "proof_evidence", "supporting_document", "proof_evidence_filename",
                "supporting_document_filename"),
    "payment": ("notes",),
    "write_off": ("reason",),
    "complaint": ("subject", "details", "resolution"),
    "sensitive_word": ("word", "notes"),
    "contract_transition": ("reason",),
    "slot_price_change": ("reason",),
    "sync_problem": ("sheet_value", "db_value", "message", "cell"),
    "ab_user": ("username", "first_name", "last_name", "email"),
    "sync_link": ("spreadsheet_id",),
}


def data_strings(database_url: str) -> list[str]:
    """Every typed text in the database, longest first (so a name goes before a word inside it)."""
    engine = sa.create_engine(database_url)
    found = set()
    try:
        with engine.connect() as connection:
            for table, columns in DATA_COLUMNS.items():
                for column in columns:
                    found.update(value for (value,) in connection.execute(
                        sa.text(f"SELECT DISTINCT {column} FROM {table} WHERE {column} IS NOT NULL")) if value)
    finally:
        engine.dispose()
    return sorted((str(value) for value in found), key=len, reverse=True)


def without_data(text: str, data: list[str]) -> str:
    for value in data:
        if value in text:
            text = text.replace(value, " ")
        # long texts may be cut short on a page ("…")
        elif len(value) > 30 and value[:30] in text:
            text = text.replace(value[:30], " ")
    return text


def leftovers(text: str, lang: str, data: list[str]) -> list[str]:
    """The other language's words left on a page of ``lang`` (sorted, unique)."""
    rest = without_data(text, data)
    # The next contract number the add form announces (CONTRACT_NUMBER_PATTERN, default HT-2026-0001) is data.
    rest = re.sub(r"\bHT-\d{4}-\d+\b", " ", rest)
    words = LATIN_WORD.findall(rest) if lang == "zh" else CHINESE.findall(rest)
    return sorted({word for word in words if word not in KEPT})
