"""In-memory spreadsheets and the spreadsheets.values.* operations."""
from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

from . import a1
from .values import cell_has_value, effective_value, parse_input, render


class ApiError(Exception):
    """Becomes Google's {"error": {code, message, status}} body."""

    def __init__(self, code: int, status: str, message: str, headers=None):
        super().__init__(message)
        self.code, self.status, self.message = code, status, message
        self.headers = headers or {}


def bad_request(message: str) -> ApiError:
    return ApiError(400, "INVALID_ARGUMENT", message)


@dataclass
class Sheet:
    properties: dict
    rows: List[list] = field(default_factory=list)  # ragged: rows[r][c] -> cell|None
    protected_ranges: List[dict] = field(default_factory=list)

    @property
    def title(self) -> str:
        return self.properties["title"]

    @property
    def sheet_id(self) -> int:
        return self.properties["sheetId"]

    @property
    def grid(self) -> dict:
        return self.properties["gridProperties"]

    @property
    def row_count(self) -> int:
        return self.grid["rowCount"]

    @property
    def col_count(self) -> int:
        return self.grid["columnCount"]

    def cell(self, r: int, c: int) -> Optional[dict]:
        if r < len(self.rows) and c < len(self.rows[r]):
            return self.rows[r][c]
        return None

    def cell_for_write(self, r: int, c: int) -> dict:
        row = self.rows[r]
        if len(row) <= c:
            row.extend([None] * (c + 1 - len(row)))
        if row[c] is None:
            row[c] = {}
        return row[c]

    def set_row_count(self, n: int) -> None:
        if n < len(self.rows):
            del self.rows[n:]
        else:
            self.rows.extend([] for _ in range(n - len(self.rows)))
        self.grid["rowCount"] = n

    def set_col_count(self, n: int) -> None:
        for row in self.rows:
            del row[n:]
        self.grid["columnCount"] = n


@dataclass
class Spreadsheet:
    spreadsheet_id: str
    title: str
    sheets: List[Sheet] = field(default_factory=list)
    next_protected_id: int = 1_000_001

    def sheet_by_title(self, title: str) -> Optional[Sheet]:
        for s in self.sheets:
            if s.title == title:
                return s
        for s in self.sheets:  # Google matches titles case-insensitively
            if s.title.lower() == title.lower():
                return s
        return None

    def sheet_by_id(self, sheet_id: Any) -> Sheet:
        for s in self.sheets:
            if s.sheet_id == sheet_id:
                return s
        raise bad_request(f"No grid with id: {sheet_id}")

    def reindex(self) -> None:
        for i, s in enumerate(self.sheets):
            s.properties["index"] = i


@dataclass
class Window:
    """A resolved A1 range: sheet plus bounded box (end exclusive)."""
    sheet: Sheet
    r0: int
    r1: int
    c0: int
    c1: int
    single: bool = False
    open_rows: bool = False

    def a1(self) -> str:
        return a1.format_range(self.sheet.title, self.r0, max(self.r1, self.r0 + 1),
                               self.c0, max(self.c1, self.c0 + 1))


def resolve(book: Spreadsheet, text: str) -> Window:
    """A1 text -> Window clipped to the grid (Google clips reads)."""
    err = bad_request(f"Unable to parse range: {text}")
    try:
        title, ref = a1.split_sheet(text)
    except a1.A1Error:
        raise err
    if title is None:
        sheet = book.sheet_by_title(text)
        if sheet is not None:  # bare tab title means the whole tab
            ref = None
        else:
            sheet = book.sheets[0]
    else:
        sheet = book.sheet_by_title(title)
        if sheet is None:
            raise err
    if ref is None:
        return Window(sheet, 0, sheet.row_count, 0, sheet.col_count, open_rows=True)
    try:
        b = a1.parse_cells(ref)
    except a1.A1Error:
        raise err
    return Window(sheet, b.r0, b.r1 if b.r1 is not None else sheet.row_count,
                  b.c0, b.c1 if b.c1 is not None else sheet.col_count,
                  single=b.single, open_rows=b.r1 is None)


def clipped(w: Window) -> Window:
    s = w.sheet
    return Window(s, min(w.r0, s.row_count), min(w.r1, s.row_count),
                  min(w.c0, s.col_count), min(w.c1, s.col_count), w.single, w.open_rows)


def _trim(matrix: List[list]) -> List[list]:
    out = []
    for row in matrix:
        while row and row[-1] == "":
            row = row[:-1]
        out.append(row)
    while out and not out[-1]:
        out.pop()
    return out


def read_values(book: Spreadsheet, text: str, major: Optional[str] = None,
                value_render: Optional[str] = None, date_render: Optional[str] = None) -> dict:
    w = clipped(resolve(book, text))
    vr = value_render or "FORMATTED_VALUE"
    dr = date_render or "SERIAL_NUMBER"
    # Only walk the populated part; the rest would be trimmed anyway.
    r_end = min(w.r1, max((i + 1 for i, row in enumerate(w.sheet.rows) if row), default=0))
    c_end = min(w.c1, max((len(row) for row in w.sheet.rows), default=0))
    grid = [[render(w.sheet.cell(r, c), vr, dr) for c in range(w.c0, c_end)]
            for r in range(w.r0, r_end)]
    major = major or "ROWS"
    if major == "COLUMNS":
        grid = [list(col) for col in zip(*grid)] if grid else []
    out: Dict[str, Any] = {"range": w.a1(), "majorDimension": major}
    values = _trim(grid)
    if values:
        out["values"] = values
    return out


def _orient(values: List[list], major: Optional[str]) -> List[list]:
    if major == "COLUMNS":
        width = max((len(v) for v in values), default=0)
        return [[col[i] if i < len(col) else None for col in values] for i in range(width)]
    return values


def _check_validation(cell: Optional[dict], ev: Optional[dict], where: str) -> None:
    rule = (cell or {}).get("dataValidation")
    if not rule or not rule.get("strict") or ev is None:
        return
    cond = rule.get("condition", {})
    if cond.get("type") == "ONE_OF_LIST":
        allowed = [str(v.get("userEnteredValue", "")) for v in cond.get("values", [])]
        shown = next(iter(ev.values()))
        if isinstance(shown, float) and shown.is_integer():
            shown = int(shown)
        if str(shown) not in allowed:
            raise bad_request(f"Invalid value at {where}: input must be one of {allowed}")


def write_values(book: Spreadsheet, text: str, values: List[list], major: Optional[str],
                 input_option: Optional[str], *, grow: bool = False,
                 enforce_validation: bool = False, at: Optional[Tuple[int, int]] = None) -> dict:
    """Write a 2-D array; ``at`` overrides the start cell (used by append)."""
    if input_option not in ("RAW", "USER_ENTERED"):
        raise bad_request("Invalid valueInputOption: INPUT_VALUE_OPTION_UNSPECIFIED")
    w = resolve(book, text)
    rows = _orient(values or [], major)
    r0, c0 = at if at else (w.r0, w.c0)
    height = len(rows)
    width = max((len(r) for r in rows), default=0)
    if at is None and not w.single:
        if height > w.r1 - w.r0 and not w.open_rows or width > w.c1 - w.c0:
            raise bad_request(
                f"Requested writing within range [{text}], but tried writing "
                f"{height} rows and {width} columns")
    s = w.sheet
    if grow and r0 + height > s.row_count:
        s.set_row_count(r0 + height)
    if grow and c0 + width > s.col_count:
        s.set_col_count(c0 + width)
    if (height and r0 + height > s.row_count) or (width and c0 + width > s.col_count):
        raise bad_request(
            f"Range ({a1.quote_title(s.title)}!{a1.cell_name(r0, c0)}:"
            f"{a1.cell_name(r0 + max(height, 1) - 1, c0 + max(width, 1) - 1)}) exceeds grid "
            f"limits. Max rows: {s.row_count}, max columns: {s.col_count}")
    updated = 0
    user = input_option == "USER_ENTERED"
    for i, row in enumerate(rows):
        for j, raw in enumerate(row):
            if raw is None:  # Google: null values are skipped
                continue
            ev, auto_fmt = parse_input(raw, user)
            existing = s.cell(r0 + i, c0 + j)
            if enforce_validation:
                _check_validation(existing, ev, a1.cell_name(r0 + i, c0 + j))
            updated += 1
            if ev is None and existing is None:
                continue
            cell = s.cell_for_write(r0 + i, c0 + j)
            if ev is None:
                cell.pop("userEnteredValue", None)
                continue
            cell["userEnteredValue"] = ev
            fmt = cell.setdefault("userEnteredFormat", {})
            if auto_fmt and "numberFormat" not in fmt:
                fmt["numberFormat"] = auto_fmt
            if not fmt:
                del cell["userEnteredFormat"]
    out: Dict[str, Any] = {"spreadsheetId": book.spreadsheet_id}
    if height and width:
        out.update(updatedRange=a1.format_range(s.title, r0, r0 + height, c0, c0 + width),
                   updatedRows=sum(1 for r in rows if any(v is not None for v in r)),
                   updatedColumns=width, updatedCells=updated)
    else:
        out["updatedRange"] = w.a1()
    return out


def clear_values(book: Spreadsheet, text: str) -> str:
    w = clipped(resolve(book, text))
    for r in range(w.r0, w.r1):
        for c in range(w.c0, w.c1):
            cell = w.sheet.cell(r, c)
            if cell:
                cell.pop("userEnteredValue", None)
    return w.a1()


def _row_empty(sheet: Sheet, r: int, c0: int, c1: int) -> bool:
    return not any(cell_has_value(sheet.cell(r, c)) for c in range(c0, c1))


def append_values(book: Spreadsheet, text: str, values: List[list], major: Optional[str],
                  input_option: Optional[str], insert_option: Optional[str],
                  enforce_validation: bool = False) -> dict:
    """values:append with Google-like table detection.

    Single-cell range: the table starts at that row only if the row has data;
    otherwise data go right there (gspread's insert_rows relies on this).
    Larger ranges: the table is the first non-empty run of rows inside them.
    """
    w = resolve(book, text)
    s = w.sheet
    scan_c1 = s.col_count if w.single else min(w.c1, s.col_count)
    start = None
    if w.single:
        if w.r0 < s.row_count and not _row_empty(s, w.r0, w.c0, scan_c1):
            start = w.r0
    else:
        for r in range(w.r0, min(w.r1, s.row_count)):
            if not _row_empty(s, r, w.c0, scan_c1):
                start = r
                break
    out: Dict[str, Any] = {"spreadsheetId": book.spreadsheet_id}
    if start is None:
        target = w.r0
    else:
        end = start
        while end < s.row_count and not _row_empty(s, end, w.c0, scan_c1):
            end += 1
        target = end
        last_col = max((c + 1 for r in range(start, end) for c in range(w.c0, scan_c1)
                        if cell_has_value(s.cell(r, c))), default=w.c0 + 1)
        out["tableRange"] = a1.format_range(s.title, start, end, w.c0, last_col)
    rows = _orient(values or [], major)
    if insert_option == "INSERT_ROWS" and rows and target < s.row_count:
        insert_rows(s, target, len(rows))
    out["updates"] = write_values(book, a1.quote_title(s.title), rows, None, input_option,
                                  grow=True, enforce_validation=enforce_validation,
                                  at=(target, w.c0))
    return out


def insert_rows(sheet: Sheet, at: int, count: int, inherit_from: Optional[int] = None) -> None:
    """Blank rows before row index ``at``; the rows below move down with everything in their cells
    (values, formats, notes). New rows take the format and validation of row ``inherit_from``."""
    pattern = []
    if inherit_from is not None and inherit_from < len(sheet.rows):
        pattern = [{k: v for k, v in (c or {}).items() if k in ("userEnteredFormat", "dataValidation")} or None
                   for c in sheet.rows[inherit_from]]
    sheet.rows[at:at] = [copy.deepcopy(pattern) for _ in range(count)]
    sheet.grid["rowCount"] += count


def grid_data(sheet: Sheet, w: Optional[Window] = None) -> dict:
    """GridData for spreadsheets.get with grid data."""
    w = clipped(w) if w else Window(sheet, 0, sheet.row_count, 0, sheet.col_count)
    row_data = []
    for r in range(w.r0, w.r1):
        cells = []
        for c in range(w.c0, w.c1):
            cell = sheet.cell(r, c)
            out = copy.deepcopy(cell) if cell else {}
            if cell_has_value(cell):
                ev = effective_value(cell)
                out["effectiveValue"] = ev
                if "numberValue" in out["userEnteredValue"]:
                    num = out["userEnteredValue"]["numberValue"]
                    out["userEnteredValue"]["numberValue"] = (
                        int(num) if float(num).is_integer() else num)
                out["formattedValue"] = str(render(cell, "FORMATTED_VALUE", "SERIAL_NUMBER"))
            if cell and cell.get("userEnteredFormat"):
                out["effectiveFormat"] = copy.deepcopy(cell["userEnteredFormat"])
            cells.append(out)
        while cells and not cells[-1]:
            cells.pop()
        row_data.append({"values": cells} if cells else {})
    while row_data and not row_data[-1]:
        row_data.pop()
    out: Dict[str, Any] = {}
    if w.r0:
        out["startRow"] = w.r0
    if w.c0:
        out["startColumn"] = w.c0
    if row_data:
        out["rowData"] = row_data
    return out
