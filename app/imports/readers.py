"""Files to rows: CSV in any encoding a Chinese office produces, and .xlsx streamed read-only.

Pure: no Flask. `open_source(path, filename, sheet=None)` gives a `Source` with the header row and an iterator
of (row number as the spreadsheet shows it, cells). Nothing is evaluated: an .xlsx formula cell is read as the
value the program that saved it computed; a text beginning with `=` stays that text.
"""
from __future__ import annotations

import codecs
import csv
import os
from collections.abc import Iterator
from dataclasses import dataclass, field

from .values import N_, cell_text

SAMPLE_BYTES = 64 * 1024
DELIMITERS = ",;\t|"
CSV_SUFFIXES = (".csv", ".txt", ".tsv")
XLSX_SUFFIXES = (".xlsx", ".xlsm")

csv.field_size_limit(10 * 1024 * 1024)


class ReadError(ValueError):
    """The file cannot be read as a table; `message` is an English msgid, `params` its values."""

    def __init__(self, message: str, **params):
        super().__init__(message % params if params else message)
        self.message = message
        self.params = params


@dataclass
class Source:
    headers: list[str]
    rows: Iterator[tuple[int, list]]  # (row number as the user sees it, cells), blank rows left out
    header_row: int = 1
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    close: callable = field(default=lambda: None)


def detect_encoding(sample: bytes) -> str:
    """utf-8-sig (BOM), utf-8, gb18030 (GBK and GB2312 are subsets), else what charset-normalizer finds."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    for encoding in ("utf-8", "gb18030"):
        try:
            codecs.getincrementaldecoder(encoding)().decode(sample, final=len(sample) < SAMPLE_BYTES)
            return encoding
        except UnicodeDecodeError:
            continue
    from charset_normalizer import from_bytes

    best = from_bytes(sample).best()
    if best is None:
        raise ReadError(N_("The file's text encoding is not recognised; save it as UTF-8 CSV or .xlsx."))
    return best.encoding


def sniff_delimiter(text: str) -> str:
    lines = [line for line in text.splitlines()[:50] if line.strip()]
    if not lines:
        return ","
    try:
        return csv.Sniffer().sniff("\n".join(lines), delimiters=DELIMITERS).delimiter
    except csv.Error:
        header = lines[0]
        counts = {d: header.count(d) for d in DELIMITERS}
        best = max(counts, key=counts.get)
        return best if counts[best] else ","


def _numbered(rows, start: int = 1) -> Iterator[tuple[int, list]]:
    for number, row in enumerate(rows, start):
        if any(cell_text(v) for v in row):
            yield number, list(row)


def _split_header(numbered: Iterator[tuple[int, list]]) -> tuple[int, list[str]]:
    for number, row in numbered:
        headers = [cell_text(v) for v in row]
        while headers and not headers[-1]:
            headers.pop()
        return number, headers
    raise ReadError(N_("The file has no header row."))


def read_csv(path: str) -> Source:
    with open(path, "rb") as raw:
        sample = raw.read(SAMPLE_BYTES)
    encoding = detect_encoding(sample)
    text_sample = sample.decode(encoding, errors="ignore")
    delimiter = "\t" if path.lower().endswith(".tsv") else sniff_delimiter(text_sample)
    handle = open(path, encoding=encoding, newline="", errors="strict")
    reader = csv.reader(handle, delimiter=delimiter)

    def rows():
        try:
            yield from _numbered(reader)
        except UnicodeDecodeError:
            raise ReadError(N_("The file's text encoding is not recognised; save it as UTF-8 CSV or .xlsx.")) from None
        except csv.Error as exc:
            raise ReadError(N_("Row %(row)s cannot be read as CSV: %(error)s"), row=reader.line_num, error=str(exc)) \
                from None

    iterator = rows()
    header_row, headers = _split_header(iterator)
    return Source(headers, iterator, header_row, encoding=encoding, delimiter=delimiter, close=handle.close)


def sheet_names(path: str) -> list[str]:
    from openpyxl import load_workbook

    workbook = load_workbook(path, read_only=True)
    try:
        return list(workbook.sheetnames)
    finally:
        workbook.close()


def read_xlsx(path: str, sheet: str | None = None) -> Source:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception:  # zipfile.BadZipFile, KeyError, InvalidFileException...
        raise ReadError(N_("The file is not a readable .xlsx workbook.")) from None
    if sheet:
        if sheet not in workbook.sheetnames:
            workbook.close()
            raise ReadError(N_("The workbook has no sheet named %(sheet)s."), sheet=sheet)
        worksheet = workbook[sheet]
    else:
        worksheet = workbook.worksheets[0]
    iterator = _numbered(worksheet.iter_rows(values_only=True))
    header_row, headers = _split_header(iterator)
    return Source(headers, iterator, header_row, sheet=worksheet.title, close=workbook.close)


def read_rows(rows: list[list]) -> Source:
    """Rows already in memory (a Google Sheets tab): the first non-blank row is the header."""
    iterator = _numbered(rows)
    header_row, headers = _split_header(iterator)
    return Source(headers, iterator, header_row)


def open_source(path: str, filename: str | None = None, sheet: str | None = None) -> Source:
    """The table in the file, told apart by its name's suffix (or its first bytes)."""
    name = (filename or path).lower()
    with open(path, "rb") as raw:
        magic = raw.read(4)
    if name.endswith(XLSX_SUFFIXES) or magic == b"PK\x03\x04":
        return read_xlsx(path, sheet)
    if name.endswith(".xls"):
        raise ReadError(N_("Old .xls workbooks are not read; save the file as .xlsx or CSV."))
    if name.endswith(CSV_SUFFIXES) or "." not in os.path.basename(name):
        return read_csv(path)
    raise ReadError(N_("Use a .csv or .xlsx file."))


def bytes_source(data: bytes, filename: str) -> Source:
    """For tests: the same as open_source on a temporary copy of the bytes."""
    import tempfile

    suffix = os.path.splitext(filename)[1] or ".csv"
    handle = tempfile.NamedTemporaryFile(suffix=suffix, delete=False)
    handle.write(data)
    handle.close()
    source = open_source(handle.name, filename)
    inner = source.close

    def close():
        inner()
        os.unlink(handle.name)

    source.close = close
    return source


