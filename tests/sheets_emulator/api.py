"""Routing and per-method logic of the emulated Sheets v4 REST surface.

Pure functions over a dict of spreadsheets, independent of HTTP, so the
server only deals with sockets, faults and quotas.
"""
from __future__ import annotations

import copy
import random
import re
from typing import Any, Dict, List, Optional, Tuple
from urllib.parse import unquote

from . import fields, model
from .model import ApiError, Spreadsheet, bad_request
from .batch import apply_batch

_ROUTES = [
    ("GET", r"/v4/spreadsheets/(?P<id>[^/:]+)", "sheets.spreadsheets.get"),
    ("POST", r"/v4/spreadsheets", "sheets.spreadsheets.create"),
    ("POST", r"/v4/spreadsheets/(?P<id>[^/:]+):batchUpdate", "sheets.spreadsheets.batchUpdate"),
    ("GET", r"/v4/spreadsheets/(?P<id>[^/:]+)/values:batchGet",
     "sheets.spreadsheets.values.batchGet"),
    ("POST", r"/v4/spreadsheets/(?P<id>[^/:]+)/values:batchUpdate",
     "sheets.spreadsheets.values.batchUpdate"),
    ("POST", r"/v4/spreadsheets/(?P<id>[^/:]+)/values:batchClear",
     "sheets.spreadsheets.values.batchClear"),
    ("POST", r"/v4/spreadsheets/(?P<id>[^/:]+)/values/(?P<range>.+):append",
     "sheets.spreadsheets.values.append"),
    ("POST", r"/v4/spreadsheets/(?P<id>[^/:]+)/values/(?P<range>.+):clear",
     "sheets.spreadsheets.values.clear"),
    ("GET", r"/v4/spreadsheets/(?P<id>[^/:]+)/values/(?P<range>[^/]+)",
     "sheets.spreadsheets.values.get"),
    ("PUT", r"/v4/spreadsheets/(?P<id>[^/:]+)/values/(?P<range>[^/]+)",
     "sheets.spreadsheets.values.update"),
]
_COMPILED = [(m, re.compile("^" + p + "$"), mid) for m, p, mid in _ROUTES]
READ_METHODS = {"sheets.spreadsheets.get", "sheets.spreadsheets.values.get",
                "sheets.spreadsheets.values.batchGet"}


def route(method: str, raw_path: str) -> Tuple[Optional[str], Dict[str, str]]:
    for verb, rx, method_id in _COMPILED:
        m = rx.match(raw_path)
        if m and verb == method:
            return method_id, {k: unquote(v) for k, v in m.groupdict().items()}
    return None, {}


def _one(query: Dict[str, List[str]], name: str, default=None):
    vals = query.get(name)
    return vals[-1] if vals else default


def _flag(query, name) -> bool:
    return str(_one(query, name, "false")).lower() == "true"


def new_spreadsheet(spreadsheet_id: str, title: str, sheets, rng: random.Random) -> Spreadsheet:
    book = Spreadsheet(spreadsheet_id, title)
    for i, spec in enumerate(sheets):
        if isinstance(spec, str):
            spec = {"title": spec}
        gp = {"rowCount": spec.get("rows", 1000), "columnCount": spec.get("cols", 26)}
        sheet = model.Sheet({"sheetId": spec.get("sheetId", 0 if i == 0 else
                                                 rng.randrange(1, 2**31 - 1)),
                             "title": spec["title"], "index": i, "sheetType": "GRID",
                             "gridProperties": gp})
        sheet.set_row_count(gp["rowCount"])
        book.sheets.append(sheet)
    return book


def sheet_json(sheet: model.Sheet) -> dict:
    props = copy.deepcopy(sheet.properties)
    gp = props["gridProperties"]
    for key in ("frozenRowCount", "frozenColumnCount"):
        if not gp.get(key):
            gp.pop(key, None)  # proto3 JSON omits zero values
    out = {"properties": props}
    if sheet.protected_ranges:
        out["protectedRanges"] = copy.deepcopy(sheet.protected_ranges)
    return out


def spreadsheet_json(book: Spreadsheet, query: Dict[str, List[str]]) -> dict:
    mask = fields.parse(_one(query, "fields")) if _one(query, "fields") else None
    with_data = (fields.wants(mask, "sheets", "data") if mask is not None
                 else _flag(query, "includeGridData"))
    sheets = []
    ranges = query.get("ranges") or []
    if ranges:
        windows = [model.resolve(book, r) for r in ranges]
        for sheet in book.sheets:
            mine = [w for w in windows if w.sheet is sheet]
            if mine:
                entry = sheet_json(sheet)
                if with_data:
                    entry["data"] = [model.grid_data(sheet, w) for w in mine]
                sheets.append(entry)
    else:
        for sheet in book.sheets:
            entry = sheet_json(sheet)
            if with_data:
                entry["data"] = [model.grid_data(sheet)]
            sheets.append(entry)
    out = {
        "spreadsheetId": book.spreadsheet_id,
        "properties": {"title": book.title, "locale": "en_US", "autoRecalc": "ON_CHANGE",
                       "timeZone": "Etc/GMT"},
        "sheets": sheets,
        "spreadsheetUrl": f"https://docs.google.com/spreadsheets/d/{book.spreadsheet_id}/edit",
    }
    return fields.filter_data(out, mask) if mask is not None else out


def _with_values(book, result: dict, get) -> None:
    """includeValuesInResponse: echo what was written, as values.get would."""
    if str(get("includeValuesInResponse") or "").lower() == "true" and "updatedRange" in result:
        result["updatedData"] = model.read_values(
            book, result["updatedRange"], None, get("responseValueRenderOption"),
            get("responseDateTimeRenderOption"))


class Api:
    """Executes one already-routed call. Writes work on a deep copy that is
    committed only on success (Google applies each call atomically)."""

    def __init__(self, books: Dict[str, Spreadsheet], rng: random.Random,
                 enforce_validation: bool = False):
        self.books, self.rng = books, rng
        self.enforce_validation = enforce_validation
        self._handlers = {
            "sheets.spreadsheets.get": self.spreadsheet_get,
            "sheets.spreadsheets.batchUpdate": self.batch_update,
            "sheets.spreadsheets.values.get": self.values_get,
            "sheets.spreadsheets.values.batchGet": self.values_batch_get,
            "sheets.spreadsheets.values.update": self.values_update,
            "sheets.spreadsheets.values.append": self.values_append,
            "sheets.spreadsheets.values.clear": self.values_clear,
            "sheets.spreadsheets.values.batchClear": self.values_batch_clear,
            "sheets.spreadsheets.values.batchUpdate": self.values_batch_update,
        }

    def call(self, method_id: str, params: Dict[str, str], query: Dict[str, List[str]],
             body: Optional[dict]) -> dict:
        body = body or {}
        if method_id == "sheets.spreadsheets.create":
            return self._create(body)
        sid = params["id"]
        if sid not in self.books:
            raise ApiError(404, "NOT_FOUND", "Requested entity was not found.")
        handler = self._handlers[method_id]
        if method_id in READ_METHODS:
            return handler(self.books[sid], params, query, body)
        work = copy.deepcopy(self.books[sid])
        result = handler(work, params, query, body)
        self.books[sid] = work
        return result

    def _create(self, body: dict) -> dict:
        sid = "emu" + "".join(self.rng.choice("abcdefghijklmnopqrstuvwxyz0123456789")
                              for _ in range(40))
        specs = [{"title": s.get("properties", {}).get("title", f"Sheet{i + 1}")}
                 for i, s in enumerate(body.get("sheets") or [])] or ["Sheet1"]
        title = (body.get("properties") or {}).get("title") or "Untitled spreadsheet"
        self.books[sid] = new_spreadsheet(sid, title, specs, self.rng)
        return spreadsheet_json(self.books[sid], {})

    # -- reads -------------------------------------------------------------
    def spreadsheet_get(self, book, params, query, body):
        return spreadsheet_json(book, query)

    def values_get(self, book, params, query, body):
        return model.read_values(book, params["range"], _one(query, "majorDimension"),
                                 _one(query, "valueRenderOption"),
                                 _one(query, "dateTimeRenderOption"))

    def values_batch_get(self, book, params, query, body):
        out: Dict[str, Any] = {"spreadsheetId": book.spreadsheet_id}
        ranges = query.get("ranges") or []
        if ranges:
            out["valueRanges"] = [
                model.read_values(book, r, _one(query, "majorDimension"),
                                  _one(query, "valueRenderOption"),
                                  _one(query, "dateTimeRenderOption")) for r in ranges]
        return out

    # -- writes (on a copy) --------------------------------------------------
    def batch_update(self, book, params, query, body):
        replies = apply_batch(book, body, self.rng)
        out = {"spreadsheetId": book.spreadsheet_id, "replies": replies}
        if body.get("includeSpreadsheetInResponse"):
            q = {"ranges": body.get("responseRanges") or [],
                 "includeGridData": [str(bool(body.get("responseIncludeGridData"))).lower()]}
            out["updatedSpreadsheet"] = spreadsheet_json(book, q)
        return out

    def values_update(self, book, params, query, body):
        result = model.write_values(book, params["range"], body.get("values") or [],
                                    body.get("majorDimension"), _one(query, "valueInputOption"),
                                    enforce_validation=self.enforce_validation)
        _with_values(book, result, lambda n: _one(query, n))
        return result

    def values_append(self, book, params, query, body):
        result = model.append_values(book, params["range"], body.get("values") or [],
                                     body.get("majorDimension"),
                                     _one(query, "valueInputOption"),
                                     _one(query, "insertDataOption"),
                                     enforce_validation=self.enforce_validation)
        _with_values(book, result["updates"], lambda n: _one(query, n))
        return result

    def values_clear(self, book, params, query, body):
        return {"spreadsheetId": book.spreadsheet_id,
                "clearedRange": model.clear_values(book, params["range"])}

    def values_batch_clear(self, book, params, query, body):
        return {"spreadsheetId": book.spreadsheet_id,
                "clearedRanges": [model.clear_values(book, r) for r in body.get("ranges") or []]}

    def values_batch_update(self, book, params, query, body):
        responses = []
        for vr in body.get("data") or []:
            if not vr.get("range"):
                raise bad_request("Invalid data[]: range is required.")
            res = model.write_values(book, vr["range"], vr.get("values") or [],
                                     vr.get("majorDimension"), body.get("valueInputOption"),
                                     enforce_validation=self.enforce_validation)
            _with_values(book, res, body.get)
            responses.append(res)
        out: Dict[str, Any] = {"spreadsheetId": book.spreadsheet_id}
        if responses:
            out.update(
                totalUpdatedRows=sum(r.get("updatedRows", 0) for r in responses),
                totalUpdatedColumns=sum(r.get("updatedColumns", 0) for r in responses),
                totalUpdatedCells=sum(r.get("updatedCells", 0) for r in responses),
                totalUpdatedSheets=len({r["updatedRange"].rsplit("!", 1)[0]
                                        for r in responses if "updatedCells" in r}),
                responses=responses)
        return out
