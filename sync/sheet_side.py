"""The spreadsheet side of a link, on the gspread client of sync.transport.

Only the low-level calls of gspread's HTTP client are used (gspread's Spreadsheet/Worksheet
objects re-read the metadata on every worksheet() call and build ranges from titles):

* one values:batchGet per cycle for every tab (whole-tab ranges by title, titles from the
  metadata cached on the link by sheet id), UNFORMATTED_VALUE with dates as FORMATTED_STRING:
  text stays text ("0123"), numbers come as numbers, dates as yyyy-mm-dd;
* a cycle that changes the sheet reads again just before writing (sync.sheet_writes: the ID column
  and the rows it touches, or whole tabs when rows moved) and writes everything in ONE
  spreadsheets:batchUpdate: rows deleted and inserted (deleteDimension / insertDimension), cells
  (updateCells with typed values: text is never parsed into numbers or dates) and notes; a push
  bigger than MAX_PAYLOAD_BYTES is split into several, each one atomic;
* metadata (spreadsheets.get, properties only) is read at link time and when a range fails.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from itertools import chain
from typing import Iterable

from gspread.exceptions import APIError


# Google recommends at most 2 MB per request; stay well below it.
MAX_PAYLOAD_BYTES = 1_500_000
READ_PARAMS = {"valueRenderOption": "UNFORMATTED_VALUE", "dateTimeRenderOption": "FORMATTED_STRING",
               "majorDimension": "ROWS"}
GRID_MARGIN = 100  # blank rows a new tab starts with below its header (records are inserted above them)
TEXT_ONLY = frozenset({str})


def quoted(title: str) -> str:
    return "'" + title.replace("'", "''") + "'"


def cell_text(value) -> str:
    """A value of an UNFORMATTED_VALUE read as the core's string."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    return str(value)


def sheet_value(kind: str, text: str):
    """A core string as written (RAW): decimals as numbers, booleans as booleans, else text."""
    if text == "":
        return ""
    if kind == "decimal":
        try:
            number = Decimal(text)
        except InvalidOperation:
            return text
        return float(number) if number.is_finite() else text
    if kind == "bool" and text in ("TRUE", "FALSE"):
        return text == "TRUE"
    return text


@dataclass
class TabMeta:
    sheet_id: int
    title: str
    rows: int
    cols: int


class SheetSide:
    def __init__(self, client, spreadsheet_id: str):
        self.client = client
        self.http = client.http_client
        self.spreadsheet_id = spreadsheet_id

    # -- reads ---------------------------------------------------------------
    def metadata(self) -> dict[int, TabMeta]:
        """Every tab by sheet id (one read)."""
        data = self.http.fetch_sheet_metadata(self.spreadsheet_id, params={"fields": "sheets.properties"})
        out = {}
        for sheet in data.get("sheets", []):
            props = sheet["properties"]
            grid = props.get("gridProperties", {})
            out[props["sheetId"]] = TabMeta(props["sheetId"], props["title"], grid.get("rowCount", 0),
                                            grid.get("columnCount", 0))
        return out

    def read(self, titles: list[str]) -> list[list[tuple[str, ...]]]:
        """The grid of each tab (one values:batchGet), cells as strings."""
        return self.read_ranges([quoted(t) for t in titles])

    def read_ranges(self, ranges: list[str]) -> list[list[tuple[str, ...]]]:
        """The cells of each A1 range (one values:batchGet), as strings; rows start at the range's top."""
        if not ranges:
            return []
        params = dict(READ_PARAMS)
        data = self.http.values_batch_get(self.spreadsheet_id, ranges, params=params)
        grids = []
        for value_range in data.get("valueRanges", []):
            rows = value_range.get("values", [])
            # Each row becomes a tuple: the JSON's lists would stay tracked by the garbage collector
            # for the whole cycle (promoted, making full collections more frequent); tuples of
            # strings are dropped from its lists. Numbers and booleans become text.
            if set(map(type, chain.from_iterable(rows))) <= TEXT_ONLY:
                rows = list(map(tuple, rows))
            else:
                rows = [tuple(row) if set(map(type, row)) <= TEXT_ONLY else tuple(map(cell_text, row))
                        for row in rows]
            grids.append(rows)
        while len(grids) < len(ranges):
            grids.append([])
        return grids

    # -- writes --------------------------------------------------------------
    def batch_update(self, requests: list[dict]) -> list[dict]:
        if not requests:
            return []
        replies = []
        for chunk in _chunks(requests, lambda r: r):
            body = self.http.batch_update(self.spreadsheet_id, {"requests": chunk})
            replies += body.get("replies", [])
        return replies

    def send_once(self, requests: list[dict]) -> list[dict]:
        """ONE spreadsheets:batchUpdate (applied by Google all or nothing), tried once: the caller decides
        whether and where to send it again (sync.sheet_writes re-checks the rows first)."""
        http = self.http
        tries, http.max_tries = http.max_tries, 1
        try:
            return http.batch_update(self.spreadsheet_id, {"requests": requests}).get("replies", [])
        finally:
            http.max_tries = tries


def _size(item) -> int:
    return len(json.dumps(item, ensure_ascii=False).encode("utf-8")) + 1


def _chunks(items: list, key) -> Iterable[list]:
    chunk, size = [], 2048  # envelope
    for item in items:
        n = _size(key(item))
        if chunk and size + n > MAX_PAYLOAD_BYTES:
            yield chunk
            chunk, size = [], 2048
        chunk.append(item)
        size += n
    if chunk:
        yield chunk


def is_range_error(exc: Exception) -> bool:
    """A 400 about a range: a tab was renamed or deleted, or the grid is smaller than we thought."""
    if not isinstance(exc, APIError) or exc.code != 400:
        return False
    message = str(exc.error.get("message", "")).lower()
    return "range" in message or "grid" in message or "sheet" in message


# --------------------------------------------------------------------------
# batchUpdate request builders


def grid_range(sheet_id: int, r0=None, r1=None, c0=None, c1=None) -> dict:
    out = {"sheetId": sheet_id}
    for key, value in (("startRowIndex", r0), ("endRowIndex", r1), ("startColumnIndex", c0),
                       ("endColumnIndex", c1)):
        if value is not None:
            out[key] = value
    return out


def note_request(sheet_id: int, row: int, col: int, text: str) -> dict:
    """Set the note of one cell (1-based row/col)."""
    return {"updateCells": {"range": grid_range(sheet_id, row - 1, row, col - 1, col),
                            "rows": [{"values": [{"note": text}]}], "fields": "note"}}


def delete_rows_request(sheet_id: int, first: int, last: int) -> dict:
    """Remove rows ``first``..``last`` (1-based, inclusive): the rows below move up with their notes."""
    return {"deleteDimension": {"range": {"sheetId": sheet_id, "dimension": "ROWS", "startIndex": first - 1,
                                          "endIndex": last}}}


def insert_rows_request(sheet_id: int, before: int, count: int) -> dict:
    """Insert ``count`` blank rows before row ``before`` (1-based), formatted like the data row above."""
    return {"insertDimension": {"range": {"sheetId": sheet_id, "dimension": "ROWS", "startIndex": before - 1,
                                          "endIndex": before - 1 + count}, "inheritFromBefore": before > 2}}


def cell_data(value) -> dict:
    """A typed value (sheet_value) as CellData: written like values RAW, so text stays text."""
    if value == "" or value is None:
        return {}
    if isinstance(value, bool):
        return {"userEnteredValue": {"boolValue": value}}
    if isinstance(value, (int, float)):
        return {"userEnteredValue": {"numberValue": value}}
    return {"userEnteredValue": {"stringValue": str(value)}}


def cells_request(sheet_id: int, row: int, col: int, rows: list[list]) -> dict:
    """Set the values of a block of cells whose top left is (row, col), 1-based; '' clears a cell."""
    return {"updateCells": {"start": {"sheetId": sheet_id, "rowIndex": row - 1, "columnIndex": col - 1},
                            "rows": [{"values": [cell_data(v) for v in values]} for values in rows],
                            "fields": "userEnteredValue"}}
