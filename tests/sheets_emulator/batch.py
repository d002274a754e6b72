"""spreadsheets:batchUpdate request handlers.

Each handler mutates a *copy* of the spreadsheet; the server swaps the copy
in only when every request succeeded, which gives Google's all-or-nothing.
"""
from __future__ import annotations

import copy
import random
from typing import Any, Callable, Dict, Optional

from . import fields
from .model import ApiError, Sheet, Spreadsheet, bad_request, insert_rows
from .values import cell_has_value

SHEET_STAR_KEYS = ("title", "index", "gridProperties", "hidden", "tabColor",
                   "tabColorStyle", "rightToLeft")


def _box(book: Spreadsheet, gr: dict, what: str):
    sheet = book.sheet_by_id(gr.get("sheetId", 0))
    r0, c0 = gr.get("startRowIndex") or 0, gr.get("startColumnIndex") or 0
    r1 = gr.get("endRowIndex", sheet.row_count)
    c1 = gr.get("endColumnIndex", sheet.col_count)
    if r1 is None:
        r1 = sheet.row_count
    if c1 is None:
        c1 = sheet.col_count
    if r1 > sheet.row_count or c1 > sheet.col_count or r0 < 0 or c0 < 0:
        raise bad_request(f"{what}: Range ({sheet.title}) exceeds grid limits. "
                          f"Max rows: {sheet.row_count}, max columns: {sheet.col_count}")
    return sheet, r0, r1, c0, c1


def _clean(obj: Any) -> Any:
    """Drop JSON nulls (gspread sends e.g. "inputMessage": null)."""
    if isinstance(obj, dict):
        return {k: _clean(v) for k, v in obj.items() if v is not None}
    if isinstance(obj, list):
        return [_clean(v) for v in obj]
    return obj


def add_sheet(book: Spreadsheet, req: dict, rng: random.Random) -> dict:
    props = _clean(req.get("properties") or {})
    title = props.get("title")
    if not title:
        n = len(book.sheets) + 1
        while book.sheet_by_title(f"Sheet{n}"):
            n += 1
        title = f"Sheet{n}"
    if book.sheet_by_title(title):
        raise bad_request(f'A sheet with the name "{title}" already exists. '
                          "Please enter another name.")
    sheet_id = props.get("sheetId")
    if sheet_id is None:
        sheet_id = rng.randrange(1, 2**31 - 1)
    elif any(s.sheet_id == sheet_id for s in book.sheets):
        raise bad_request(f"Sheet with id {sheet_id} already exists.")
    gp = {"rowCount": 1000, "columnCount": 26, **props.get("gridProperties", {})}
    new = Sheet({**props, "sheetId": sheet_id, "title": title, "sheetType": "GRID",
                 "gridProperties": gp})
    new.set_row_count(gp["rowCount"])
    index = props.get("index", len(book.sheets))
    book.sheets.insert(min(index, len(book.sheets)), new)
    book.reindex()
    return {"addSheet": {"properties": copy.deepcopy(new.properties)}}


def delete_sheet(book: Spreadsheet, req: dict, rng) -> None:
    sheet = book.sheet_by_id(req.get("sheetId"))
    if len(book.sheets) == 1:
        raise bad_request("You can't remove all the sheets in a document.")
    book.sheets.remove(sheet)
    book.reindex()


def update_sheet_properties(book: Spreadsheet, req: dict, rng) -> None:
    props = _clean(req.get("properties") or {})
    mask = req.get("fields")
    if not mask:
        raise bad_request("At least one field must be updated, but 'fields' was empty.")
    sheet = book.sheet_by_id(props.get("sheetId", 0))
    before = copy.deepcopy(sheet.properties)
    fields.apply(sheet.properties, props, mask, star_keys=SHEET_STAR_KEYS)
    sheet.properties["sheetId"], sheet.properties["sheetType"] = before["sheetId"], "GRID"
    title = sheet.properties.get("title")
    if not title:
        raise bad_request("Sheet title cannot be empty.")
    if any(s is not sheet and s.title.lower() == title.lower() for s in book.sheets):
        raise bad_request(f'A sheet with the name "{title}" already exists. '
                          "Please enter another name.")
    gp = sheet.properties.setdefault("gridProperties", {})
    rows = gp.get("rowCount") or before["gridProperties"]["rowCount"]
    cols = gp.get("columnCount") or before["gridProperties"]["columnCount"]
    gp["rowCount"], gp["columnCount"] = before["gridProperties"]["rowCount"], \
        before["gridProperties"]["columnCount"]
    sheet.set_row_count(rows)
    sheet.set_col_count(cols)
    if gp.get("frozenRowCount", 0) >= rows:
        raise bad_request("You can't freeze all visible rows on the sheet.")
    if "index" in sheet.properties and sheet.properties["index"] != before.get("index"):
        book.sheets.remove(sheet)
        book.sheets.insert(min(sheet.properties["index"], len(book.sheets)), sheet)
    book.reindex()


def add_protected_range(book: Spreadsheet, req: dict, rng) -> dict:
    pr = _clean(req.get("protectedRange") or {})
    gr = pr.get("range") or {}
    sheet, *_ = _box(book, gr, "addProtectedRange")
    pr["protectedRangeId"] = book.next_protected_id
    book.next_protected_id += 1
    pr.setdefault("requestingUserCanEdit", True)
    sheet.protected_ranges.append(pr)
    return {"addProtectedRange": {"protectedRange": copy.deepcopy(pr)}}


def delete_protected_range(book: Spreadsheet, req: dict, rng) -> None:
    pid = req.get("protectedRangeId")
    for sheet in book.sheets:
        for pr in sheet.protected_ranges:
            if pr["protectedRangeId"] == pid:
                sheet.protected_ranges.remove(pr)
                return
    raise bad_request(f"No protected range with id: {pid}")


def set_data_validation(book: Spreadsheet, req: dict, rng) -> None:
    sheet, r0, r1, c0, c1 = _box(book, req.get("range") or {}, "setDataValidation")
    rule = _clean(req.get("rule"))
    if rule and rule.get("condition", {}).get("type") == "ONE_OF_LIST":
        if not rule["condition"].get("values"):
            raise bad_request("Invalid requests: ONE_OF_LIST condition needs values.")
    for r in range(r0, r1):
        for c in range(c0, c1):
            if rule:
                sheet.cell_for_write(r, c)["dataValidation"] = copy.deepcopy(rule)
            elif sheet.cell(r, c):
                sheet.rows[r][c].pop("dataValidation", None)


def _apply_cell(sheet: Sheet, r: int, c: int, src: dict, mask: str) -> None:
    cell = sheet.cell_for_write(r, c)
    fields.apply(cell, _clean(src), mask,
                 star_keys=("userEnteredValue", "userEnteredFormat", "note", "dataValidation"))
    if not cell.get("userEnteredFormat"):
        cell.pop("userEnteredFormat", None)
    if not cell.get("note"):  # proto3: "" is unset, gspread clears notes with ""
        cell.pop("note", None)


def repeat_cell(book: Spreadsheet, req: dict, rng) -> None:
    sheet, r0, r1, c0, c1 = _box(book, req.get("range") or {}, "repeatCell")
    mask = req.get("fields") or ""
    if not mask:
        raise bad_request("repeatCell: 'fields' is required.")
    for r in range(r0, r1):
        for c in range(c0, c1):
            _apply_cell(sheet, r, c, req.get("cell") or {}, mask)


def update_cells(book: Spreadsheet, req: dict, rng) -> None:
    mask = req.get("fields") or ""
    if not mask:
        raise bad_request("updateCells: 'fields' is required.")
    rows = req.get("rows") or []
    if req.get("range"):
        sheet, r0, r1, c0, c1 = _box(book, req["range"], "updateCells")
    else:
        start = req.get("start") or {}
        sheet = book.sheet_by_id(start.get("sheetId", 0))
        r0, c0 = start.get("rowIndex") or 0, start.get("columnIndex") or 0
        r1 = r0 + len(rows)
        c1 = c0 + max((len(rd.get("values") or []) for rd in rows), default=0)
        if r1 > sheet.row_count or c1 > sheet.col_count:
            raise bad_request("updateCells: Range exceeds grid limits.")
    for r in range(r0, r1):
        vals = (rows[r - r0].get("values") or []) if r - r0 < len(rows) else []
        for c in range(c0, c1):
            # Inside an explicit range, cells not covered by rows are cleared.
            src = vals[c - c0] if c - c0 < len(vals) else {}
            _apply_cell(sheet, r, c, src or {}, mask)


def _dim(book: Spreadsheet, rng_: dict, what: str):
    sheet = book.sheet_by_id(rng_.get("sheetId", 0))
    dim = rng_.get("dimension")
    if dim not in ("ROWS", "COLUMNS"):
        raise bad_request(f"{what}: dimension must be ROWS or COLUMNS.")
    count = sheet.row_count if dim == "ROWS" else sheet.col_count
    start = rng_.get("startIndex") or 0
    end = rng_.get("endIndex", count)
    if end is None:
        end = count
    if not 0 <= start < end:
        raise bad_request(f"{what}: Invalid dimension range [{start}, {end}).")
    return sheet, dim, start, end, count


def _shift_protected(sheet: Sheet, dim: str, at: int, delta: int) -> None:
    lo, hi = ("startRowIndex", "endRowIndex") if dim == "ROWS" else \
        ("startColumnIndex", "endColumnIndex")
    for pr in sheet.protected_ranges:
        gr = pr.get("range", {})
        for key in (lo, hi):
            if key in gr and gr[key] >= at:
                gr[key] = max(at, gr[key] + delta)


def insert_dimension(book: Spreadsheet, req: dict, rng) -> None:
    sheet, dim, start, end, count = _dim(book, req.get("range") or {}, "insertDimension")
    if start > count:
        raise bad_request("insertDimension: startIndex is past the end of the sheet.")
    inherit = req.get("inheritFromBefore")
    if inherit and start == 0:
        raise bad_request("insertDimension: cannot inherit from before at index 0.")
    src = start - 1 if inherit else start
    n = end - start
    if dim == "ROWS":
        insert_rows(sheet, start, n, inherit_from=src)
    else:
        for row in sheet.rows:
            if len(row) > start:
                row[start:start] = [None] * n
        sheet.grid["columnCount"] += n
    _shift_protected(sheet, dim, start, n)


def delete_dimension(book: Spreadsheet, req: dict, rng) -> None:
    sheet, dim, start, end, count = _dim(book, req.get("range") or {}, "deleteDimension")
    if end > count:
        raise bad_request("deleteDimension: Range exceeds grid limits.")
    if dim == "ROWS":
        if end - start >= count:
            raise bad_request("You can't delete all the rows on the sheet.")
        frozen = sheet.grid.get("frozenRowCount", 0)
        if frozen and start >= frozen and end - start >= count - frozen:
            raise bad_request("Sorry, it is not possible to delete all non-frozen rows.")
        del sheet.rows[start:end]
        sheet.grid["rowCount"] -= end - start
    else:
        if end - start >= count:
            raise bad_request("You can't delete all the columns on the sheet.")
        for row in sheet.rows:
            del row[start:end]
        sheet.grid["columnCount"] -= end - start
    _shift_protected(sheet, dim, end, -(end - start))


def append_dimension(book: Spreadsheet, req: dict, rng) -> None:
    sheet = book.sheet_by_id(req.get("sheetId", 0))
    length = req.get("length") or 0
    if length <= 0:
        raise bad_request("appendDimension: length must be positive.")
    if req.get("dimension") == "ROWS":
        sheet.set_row_count(sheet.row_count + length)
    elif req.get("dimension") == "COLUMNS":
        sheet.grid["columnCount"] += length
    else:
        raise bad_request("appendDimension: dimension must be ROWS or COLUMNS.")


def _sort_key(cell: Optional[dict], col: int):
    """Numbers < text < booleans, like the Sheets UI."""
    if not cell_has_value(cell):
        return (1, 0, 0)
    ev = cell["userEnteredValue"]
    if "numberValue" in ev:
        return (0, 0, float(ev["numberValue"]))
    if "boolValue" in ev:
        return (0, 2, int(ev["boolValue"]))
    text = ev.get("stringValue", ev.get("formulaValue", ""))
    return (0, 1, text.lower())


def sort_range(book: Spreadsheet, req: dict, rng) -> None:
    sheet, r0, r1, c0, c1 = _box(book, req.get("range") or {}, "sortRange")
    specs = req.get("sortSpecs") or [{"dimensionIndex": c0}]
    block = []
    for r in range(r0, r1):
        row = sheet.rows[r]
        block.append([row[c] if c < len(row) else None for c in range(c0, c1)])
    # Stable multi-key sort: apply keys from last to first; blanks always last.
    for spec in reversed(specs):
        col = spec.get("dimensionIndex", c0) - c0
        desc = spec.get("sortOrder") == "DESCENDING"
        filled = [b for b in block if cell_has_value(b[col])]
        blanks = [b for b in block if not cell_has_value(b[col])]
        filled.sort(key=lambda b: _sort_key(b[col], col), reverse=desc)
        block = filled + blanks
    for i, r in enumerate(range(r0, r1)):
        for j, c in enumerate(range(c0, c1)):
            if block[i][j] is not None or sheet.cell(r, c) is not None:
                sheet.cell_for_write(r, c)
                sheet.rows[r][c] = block[i][j]


def update_spreadsheet_properties(book: Spreadsheet, req: dict, rng) -> None:
    props = req.get("properties") or {}
    if "title" in (req.get("fields") or "") or req.get("fields") == "*":
        book.title = props.get("title") or book.title


HANDLERS: Dict[str, Callable[..., Optional[dict]]] = {
    "addSheet": add_sheet,
    "deleteSheet": delete_sheet,
    "updateSheetProperties": update_sheet_properties,
    "updateSpreadsheetProperties": update_spreadsheet_properties,
    "addProtectedRange": add_protected_range,
    "deleteProtectedRange": delete_protected_range,
    "setDataValidation": set_data_validation,
    "repeatCell": repeat_cell,
    "updateCells": update_cells,
    "insertDimension": insert_dimension,
    "deleteDimension": delete_dimension,
    "appendDimension": append_dimension,
    "sortRange": sort_range,
}


def apply_batch(book: Spreadsheet, body: dict, rng: random.Random) -> list:
    """Apply requests in order to ``book`` (a copy); return the replies."""
    requests = body.get("requests") or []
    if not requests:
        raise bad_request("Must specify at least one request.")
    replies = []
    for i, req in enumerate(requests):
        kinds = [k for k, v in (req or {}).items() if v is not None]
        if len(kinds) != 1:
            raise bad_request(f"Invalid requests[{i}]: exactly one kind of request "
                              "must be set.")
        kind = kinds[0]
        handler = HANDLERS.get(kind)
        if handler is None:
            raise bad_request(f"Invalid requests[{i}].{kind}: the emulator does not "
                              "implement this request kind.")
        try:
            reply = handler(book, req[kind], rng)
        except ApiError as e:
            if e.message.startswith("Invalid requests["):
                raise
            raise ApiError(e.code, e.status, f"Invalid requests[{i}].{kind}: {e.message}")
        replies.append(reply or {})
    return replies
