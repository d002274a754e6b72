"""HTTP front of the Sheets v4 emulator: threads, faults, quotas, log.

Start it, point gspread (via sync.transport.make_client) at ``emu.url``::

    emu = SheetsEmulator().start()
    sid = emu.create_spreadsheet("Adsheet", sheets=["Records"])
    ...
    emu.stop()
"""
from __future__ import annotations

import copy
import json
import random
import socket
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Deque, Dict, List, Optional
from urllib.parse import parse_qs

from . import a1, api, discovery, model
from .model import ApiError
from .batch import apply_batch

_STATUS_TEXT = {400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED",
                404: "NOT_FOUND", 408: "DEADLINE_EXCEEDED", 429: "RESOURCE_EXHAUSTED",
                500: "INTERNAL", 502: "UNAVAILABLE", 503: "UNAVAILABLE",
                504: "DEADLINE_EXCEEDED"}
_MESSAGES = {429: "Quota exceeded for quota metric 'Requests' of service "
                  "'sheets.googleapis.com'.",
             500: "Internal error encountered.",
             503: "The service is currently unavailable.",
             504: "The request timed out. Please try again."}


@dataclass
class LogEntry:
    method: str
    path: str           # raw path, without query string
    query: Dict[str, List[str]]
    kind: str           # "read" | "write"
    method_id: Optional[str]
    body: Any = None
    status: Optional[int] = None  # None when the connection was dropped
    response: Any = None
    fault: Optional[str] = None   # "fail" | "delay" | "drop" | "after" | "quota"


@dataclass
class _Fault:
    action: str                   # "fail" | "delay" | "drop" | "after"
    remaining: int
    kind: Optional[str] = None
    method_id: Optional[str] = None
    status: int = 503
    retry_after: Optional[float] = None
    seconds: float = 0.0
    after_processing: bool = False
    skip: int = 0                 # matching requests to let through first
    during: Optional[Callable[[], Any]] = None  # what a person does meanwhile (see delay_next)

    def matches(self, kind: str, method_id: Optional[str]) -> bool:
        return self.remaining > 0 and self.kind in (None, kind) and \
            self.method_id in (None, method_id)


@dataclass
class _Quota:
    per_minute: Optional[int] = None
    stamps: Deque[float] = field(default_factory=deque)


class SheetsEmulator:
    """In-memory Sheets API v4 served on 127.0.0.1:<ephemeral>.

    ``validate_requests`` rejects bodies/params the official discovery
    document does not allow (like Google does for unknown JSON fields).
    ``enforce_strict_validation`` makes strict ONE_OF_LIST rules reject
    API writes (off by default: real API writes are not validated).
    """

    def __init__(self, *, clock: Callable[[], float] = time.monotonic,
                 validate_requests: bool = True, enforce_strict_validation: bool = False,
                 seed: int = 1234):
        self.clock = clock
        self.rng = random.Random(seed)
        self.books: Dict[str, model.Spreadsheet] = {}
        self.api = api.Api(self.books, self.rng, enforce_strict_validation)
        self.discovery = discovery.load() if validate_requests else None
        self.log: List[LogEntry] = []
        self._faults: List[_Fault] = []
        self._quota = {"read": _Quota(), "write": _Quota()}
        self._lock = threading.RLock()
        self._stopping = threading.Event()
        self._server: Optional[ThreadingHTTPServer] = None
        self._thread: Optional[threading.Thread] = None
        self.url: str = ""

    # -- lifecycle ---------------------------------------------------------
    def start(self) -> "SheetsEmulator":
        handler = type("Handler", (_Handler,), {"emulator": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._server.handle_error = lambda *a: None  # client hang-ups are expected
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,),
                                        name="sheets-emulator", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> "SheetsEmulator":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- fault knobs -------------------------------------------------------
    def fail_next(self, status: int = 503, count: int = 1, *, kind: Optional[str] = None,
                  method_id: Optional[str] = None, retry_after: Optional[float] = None,
                  skip: int = 0, during: Optional[Callable[[], Any]] = None) -> None:
        """Answer the next ``count`` matching requests (after ``skip`` of them) with ``status``;
        ``during()`` runs first, as a person acting while the client waits to retry."""
        with self._lock:
            self._faults.append(_Fault("fail", count, kind, method_id, status, retry_after, skip=skip,
                                       during=during))

    def delay_next(self, seconds: float = 0.0, count: int = 1, *, kind: Optional[str] = None,
                   method_id: Optional[str] = None, drop: bool = False, skip: int = 0,
                   during: Optional[Callable[[], Any]] = None) -> None:
        """Stall before handling (a slow network); the request is still applied afterwards
        (like Google after a client-side timeout) unless ``drop``. ``during()`` runs while the
        request waits, through the same model as HTTP requests: a person inserting, sorting or
        deleting rows (see the human helpers below) before the delayed request lands."""
        with self._lock:
            self._faults.append(_Fault("delay", count, kind, method_id, seconds=seconds,
                                       after_processing=drop, skip=skip, during=during))

    def after_next(self, during: Callable[[], Any], count: int = 1, *, kind: Optional[str] = None,
                   method_id: Optional[str] = None, skip: int = 0) -> None:
        """Handle the next matching request, then run ``during()`` before answering it: a person
        acting right after a read was taken (the client works with what it read meanwhile)."""
        with self._lock:
            self._faults.append(_Fault("after", count, kind, method_id, skip=skip, during=during))

    def drop_next(self, count: int = 1, *, kind: Optional[str] = None,
                  method_id: Optional[str] = None, after_processing: bool = False,
                  skip: int = 0) -> None:
        """Close the socket without a response; ``after_processing`` applies
        the change first (a lost response: retries may then duplicate)."""
        with self._lock:
            self._faults.append(_Fault("drop", count, kind, method_id,
                                       after_processing=after_processing, skip=skip))

    def set_quota(self, reads_per_minute: Optional[int] = None,
                  writes_per_minute: Optional[int] = None) -> None:
        """Per-minute quota (sliding 60 s on ``clock``); None = unlimited."""
        with self._lock:
            self._quota = {"read": _Quota(reads_per_minute), "write": _Quota(writes_per_minute)}

    def reset_faults(self) -> None:
        with self._lock:
            self._faults.clear()
            self.set_quota()

    # -- request log -------------------------------------------------------
    def requests(self, kind: Optional[str] = None, method_id: Optional[str] = None
                 ) -> List[LogEntry]:
        with self._lock:
            return [e for e in self.log if kind in (None, e.kind) and
                    method_id in (None, e.method_id)]

    def count(self, kind: Optional[str] = None, method_id: Optional[str] = None) -> int:
        return len(self.requests(kind, method_id))

    def clear_log(self) -> None:
        with self._lock:
            self.log.clear()

    # -- direct ("human") access, bypassing HTTP, log, faults and quota ------
    def create_spreadsheet(self, title: str = "Untitled spreadsheet", sheets=("Sheet1",),
                           spreadsheet_id: Optional[str] = None) -> str:
        """``sheets``: titles or dicts {title, rows, cols, sheetId}."""
        with self._lock:
            sid = spreadsheet_id or "emu" + "".join(
                self.rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(40))
            self.books[sid] = api.new_spreadsheet(sid, title, list(sheets), self.rng)
            return sid

    def _sheet(self, sid: str, tab: str) -> model.Sheet:
        sheet = self.books[sid].sheet_by_title(tab)
        if sheet is None:
            raise KeyError(tab)
        return sheet

    def batch_update(self, sid: str, requests: List[dict]) -> List[dict]:
        with self._lock:
            work = copy.deepcopy(self.books[sid])
            replies = apply_batch(work, {"requests": requests}, self.rng)
            self.books[sid] = work
            return replies

    def set_values(self, sid: str, range_a1: str, rows: List[list],
                   user_entered: bool = True) -> None:
        """Type into cells like a person (USER_ENTERED by default)."""
        with self._lock:
            work = copy.deepcopy(self.books[sid])
            model.write_values(work, range_a1, rows, None,
                               "USER_ENTERED" if user_entered else "RAW")
            self.books[sid] = work

    def values(self, sid: str, range_a1: str, render: str = "UNFORMATTED_VALUE") -> List[list]:
        with self._lock:
            return model.read_values(self.books[sid], range_a1, None, render).get("values", [])

    def delete_rows(self, sid: str, tab: str, first_row: int, last_row: Optional[int] = None
                    ) -> None:
        """1-based inclusive rows, as a person sees them."""
        sheet_id = self._sheet(sid, tab).sheet_id
        self.batch_update(sid, [{"deleteDimension": {"range": {
            "sheetId": sheet_id, "dimension": "ROWS", "startIndex": first_row - 1,
            "endIndex": last_row or first_row}}}])

    def insert_rows(self, sid: str, tab: str, before_row: int, count: int = 1) -> None:
        sheet_id = self._sheet(sid, tab).sheet_id
        self.batch_update(sid, [{"insertDimension": {"range": {
            "sheetId": sheet_id, "dimension": "ROWS", "startIndex": before_row - 1,
            "endIndex": before_row - 1 + count}}}])

    def sort_tab(self, sid: str, tab: str, column: str = "A", ascending: bool = True,
                 header_rows: int = 1) -> None:
        sheet = self._sheet(sid, tab)
        self.batch_update(sid, [{"sortRange": {
            "range": {"sheetId": sheet.sheet_id, "startRowIndex": header_rows},
            "sortSpecs": [{"dimensionIndex": a1.col_to_index(column),
                           "sortOrder": "ASCENDING" if ascending else "DESCENDING"}]}}])

    def sort_range(self, sid: str, tab: str, range_a1: str, column: str, ascending: bool = True) -> None:
        """Sort a selection like a person (e.g. "E2:I" by "F"): only its cells move, values and notes
        together; columns outside it (the ID column, say) stay where they are."""
        sheet = self._sheet(sid, tab)
        with self._lock:
            w = model.resolve(self.books[sid], f"{a1.quote_title(tab)}!{range_a1}")
        self.batch_update(sid, [{"sortRange": {
            "range": {"sheetId": sheet.sheet_id, "startRowIndex": w.r0, "endRowIndex": w.r1,
                      "startColumnIndex": w.c0, "endColumnIndex": w.c1},
            "sortSpecs": [{"dimensionIndex": a1.col_to_index(column),
                           "sortOrder": "ASCENDING" if ascending else "DESCENDING"}]}}])

    def set_note(self, sid: str, range_a1: str, text: str) -> None:
        """Put a note on one cell, like a person (Insert > Note)."""
        with self._lock:
            w = model.resolve(self.books[sid], range_a1)
            sheet_id = w.sheet.sheet_id
        self.batch_update(sid, [{"updateCells": {
            "range": {"sheetId": sheet_id, "startRowIndex": w.r0, "endRowIndex": w.r0 + 1,
                      "startColumnIndex": w.c0, "endColumnIndex": w.c0 + 1},
            "rows": [{"values": [{"note": text}]}], "fields": "note"}}])

    def rename_tab(self, sid: str, old: str, new: str) -> None:
        sheet_id = self._sheet(sid, old).sheet_id
        self.batch_update(sid, [{"updateSheetProperties": {
            "properties": {"sheetId": sheet_id, "title": new}, "fields": "title"}}])

    def add_tab(self, sid: str, title: str, rows: int = 1000, cols: int = 26) -> int:
        reply = self.batch_update(sid, [{"addSheet": {"properties": {
            "title": title, "gridProperties": {"rowCount": rows, "columnCount": cols}}}}])
        return reply[0]["addSheet"]["properties"]["sheetId"]

    def delete_tab(self, sid: str, tab: str) -> None:
        self.batch_update(sid, [{"deleteSheet": {"sheetId": self._sheet(sid, tab).sheet_id}}])

    def cell(self, sid: str, range_a1: str) -> dict:
        """Stored CellData of one cell ({} when untouched)."""
        with self._lock:
            w = model.resolve(self.books[sid], range_a1)
            return copy.deepcopy(w.sheet.cell(w.r0, w.c0) or {})

    def note(self, sid: str, range_a1: str) -> Optional[str]:
        return self.cell(sid, range_a1).get("note")

    def background(self, sid: str, range_a1: str) -> Optional[dict]:
        return self.cell(sid, range_a1).get("userEnteredFormat", {}).get("backgroundColor")

    def number_format(self, sid: str, range_a1: str) -> Optional[dict]:
        return self.cell(sid, range_a1).get("userEnteredFormat", {}).get("numberFormat")

    def validation(self, sid: str, range_a1: str) -> Optional[dict]:
        return self.cell(sid, range_a1).get("dataValidation")

    def protected_ranges(self, sid: str, tab: str) -> List[dict]:
        with self._lock:
            return copy.deepcopy(self._sheet(sid, tab).protected_ranges)

    def sheet_properties(self, sid: str, tab: str) -> dict:
        with self._lock:
            return copy.deepcopy(self._sheet(sid, tab).properties)

    def tabs(self, sid: str) -> List[str]:
        with self._lock:
            return [s.title for s in self.books[sid].sheets]

    # -- request pipeline (called from handler threads) ----------------------
    def _take_fault(self, kind: str, method_id: Optional[str]) -> Optional[_Fault]:
        with self._lock:
            for f in self._faults:
                if f.matches(kind, method_id):
                    if f.skip:
                        f.skip -= 1
                        continue
                    f.remaining -= 1
                    return f
        return None

    def _over_quota(self, kind: str) -> bool:
        with self._lock:
            q = self._quota[kind]
            if q.per_minute is None:
                return False
            now = self.clock()
            while q.stamps and q.stamps[0] <= now - 60:
                q.stamps.popleft()
            if len(q.stamps) >= q.per_minute:
                return True
            q.stamps.append(now)
            return False

    def _validate(self, method_id: str, query, body) -> None:
        if self.discovery is None:
            return
        errors = self.discovery.validate_params(method_id, query)
        ref = self.discovery.request_schema(method_id)
        if ref and body is not None:
            errors += self.discovery.validate(body, ref, allow_null=True)
        if errors:
            raise ApiError(400, "INVALID_ARGUMENT",
                           "Invalid JSON payload received. " + "; ".join(errors))

    def _execute(self, method_id, params, query, body) -> dict:
        with self._lock:
            return self.api.call(method_id, params, query, body)


def error_body(code: int, message: str, status: Optional[str] = None) -> dict:
    return {"error": {"code": code, "message": message,
                      "status": status or _STATUS_TEXT.get(code, "UNKNOWN")}}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, like Google's front end
    disable_nagle_algorithm = True  # else ~40 ms per request (delayed ACK)
    emulator: SheetsEmulator

    def log_message(self, *args) -> None:  # keep pytest output clean
        pass

    def do_GET(self):
        self._serve("GET")

    def do_POST(self):
        self._serve("POST")

    def do_PUT(self):
        self._serve("PUT")

    def do_DELETE(self):
        self._serve("DELETE")

    def do_PATCH(self):
        self._serve("PATCH")

    def _serve(self, method: str) -> None:
        emu = self.emulator
        raw_path, _, qs = self.path.partition("?")
        query = parse_qs(qs, keep_blank_values=True)
        length = int(self.headers.get("Content-Length") or 0)
        raw_body = self.rfile.read(length) if length else b""
        method_id, params = api.route(method, raw_path)
        kind = "read" if method == "GET" else "write"
        entry = LogEntry(method, raw_path, query, kind, method_id)
        with emu._lock:
            emu.log.append(entry)
        try:
            entry.body = json.loads(raw_body) if raw_body.strip() else None
        except ValueError:
            return self._error(entry, ApiError(400, "INVALID_ARGUMENT",
                                               "Invalid JSON payload received."))
        fault = emu._take_fault(kind, method_id)
        if fault:
            entry.fault = fault.action
            if fault.during is not None and fault.action in ("fail", "delay"):
                fault.during()
            if fault.action == "fail":
                headers = {"Retry-After": str(fault.retry_after)} \
                    if fault.retry_after is not None else None
                return self._error(entry, ApiError(
                    fault.status, _STATUS_TEXT.get(fault.status, "UNKNOWN"),
                    _MESSAGES.get(fault.status, "Injected failure."), headers))
            if fault.action == "delay":
                emu._stopping.wait(fault.seconds)
                if fault.after_processing:  # delay_next(drop=True)
                    return self._drop()
            if fault.action == "drop" and not fault.after_processing:
                return self._drop()
        if method_id is None:
            return self._error(entry, ApiError(404, "NOT_FOUND",
                                               f"Method not found: {method} {raw_path}"))
        if emu._over_quota(kind):
            entry.fault = entry.fault or "quota"
            what = "Read" if kind == "read" else "Write"
            return self._error(entry, ApiError(
                429, "RESOURCE_EXHAUSTED",
                f"Quota exceeded for quota metric '{what} requests' and limit "
                f"'{what} requests per minute per user' of service "
                f"'sheets.googleapis.com'."))
        try:
            emu._validate(method_id, query, entry.body)
            result = emu._execute(method_id, params, query, entry.body)
        except ApiError as e:
            return self._error(entry, e)
        if fault and fault.action == "drop":
            return self._drop()
        if fault and fault.action == "after":
            fault.during()
        self._send(entry, 200, result)

    def _drop(self) -> None:
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _error(self, entry: LogEntry, e: ApiError) -> None:
        self._send(entry, e.code, error_body(e.code, e.message, e.status), e.headers)

    def _send(self, entry: LogEntry, status: int, payload: dict, headers=None) -> None:
        entry.status, entry.response = status, payload
        data = json.dumps(payload).encode("utf-8")
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=UTF-8")
            self.send_header("Content-Length", str(len(data)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)
        except OSError:  # client already gave up (timeout)
            self.close_connection = True


__all__ = ["SheetsEmulator", "LogEntry", "error_body"]
