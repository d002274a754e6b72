"""The Sheets v4 emulator, driven by the real gspread client over HTTP.

Every test's traffic is also checked against Google's discovery document
(request bodies/params and response bodies), see ``_conformance``.
"""
from __future__ import annotations

import sys
from pathlib import Path

import gspread
import pytest
import requests
from gspread.utils import ValidationConditionType

try:  # run from the repo root (python -m pytest) or with tests/ on sys.path
    from tests.sheets_emulator import SheetsEmulator, discovery
except ImportError:  # pragma: no cover
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from tests.sheets_emulator import SheetsEmulator, discovery
from sync.transport import make_client

DISCOVERY = discovery.load()


def _conformance(emu: SheetsEmulator) -> list:
    """Errors of every logged exchange against the discovery document."""
    errors = []
    for e in emu.requests():
        if e.method_id is None or e.status is None:
            continue
        where = f"{e.method} {e.path}"
        errors += [f"{where} params: {x}" for x in DISCOVERY.validate_params(e.method_id, e.query)]
        ref = DISCOVERY.request_schema(e.method_id)
        if ref and e.body is not None:
            errors += [f"{where} request: {x}"
                       for x in DISCOVERY.validate(e.body, ref, allow_null=True)]
        if e.status == 200:
            ref = DISCOVERY.response_schema(e.method_id)
            errors += [f"{where} response: {x}" for x in DISCOVERY.validate(e.response, ref)]
        else:
            err = e.response["error"]
            if set(err) != {"code", "message", "status"} or err["code"] != e.status:
                errors.append(f"{where}: bad error shape {e.response}")
    return errors


@pytest.fixture
def emu():
    server = SheetsEmulator().start()
    yield server
    server.stop()
    if DISCOVERY is not None:
        assert _conformance(server) == []


@pytest.fixture
def sid(emu):
    return emu.create_spreadsheet("Adsheet", sheets=["Records", "It's here"])


@pytest.fixture
def gc(emu):
    with make_client(emu.url, sleep=lambda s: None) as client:
        yield client


@pytest.fixture
def sh(gc, sid):
    return gc.open_by_key(sid)


@pytest.fixture
def ws(sh):
    return sh.worksheet("Records")


def _error(exc: gspread.exceptions.APIError) -> dict:
    return exc.response.json()["error"]


# -- metadata and tabs -------------------------------------------------------

def test_open_by_key_and_worksheets(sh, sid, gc):
    assert sh.id == sid and sh.title == "Adsheet"
    tabs = sh.worksheets()
    assert [(w.title, w.index, w.row_count, w.col_count) for w in tabs] == [
        ("Records", 0, 1000, 26), ("It's here", 1, 1000, 26)]
    assert tabs[0].id == 0
    with pytest.raises(gspread.WorksheetNotFound):
        sh.worksheet("Nope")
    with pytest.raises(gspread.SpreadsheetNotFound):
        gc.open_by_key("missing")


def test_add_and_delete_worksheet(sh, emu, sid):
    new = sh.add_worksheet("Bookings", rows=50, cols=8)
    assert (new.title, new.row_count, new.col_count) == ("Bookings", 50, 8)
    assert emu.tabs(sid) == ["Records", "It's here", "Bookings"]
    with pytest.raises(gspread.exceptions.APIError) as exc:
        sh.add_worksheet("bookings", rows=5, cols=5)
    assert _error(exc.value)["status"] == "INVALID_ARGUMENT"
    assert "already exists" in _error(exc.value)["message"]
    sh.del_worksheet(new)
    assert emu.tabs(sid) == ["Records", "It's here"]


# -- values: input options and rendering -------------------------------------

def test_raw_keeps_text_user_entered_parses(ws):
    ws.update([["0123", "=1+1", "2024-01-05", "TRUE", "12%"]], "A1", raw=True)
    ws.update([["0123", "=1+1", "2024-01-05", "TRUE", "12%"]], "A2", raw=False)
    assert ws.get("A1:E2") == [["0123", "=1+1", "2024-01-05", "TRUE", "12%"],
                               ["123", "=1+1", "2024-01-05", "TRUE", "12%"]]
    unformatted = ws.get("A1:E2", value_render_option="UNFORMATTED_VALUE")
    assert unformatted[0] == ["0123", "=1+1", "2024-01-05", "TRUE", "12%"]
    assert unformatted[1] == [123, "=1+1", 45296, True, 0.12]
    assert ws.get("C2", value_render_option="UNFORMATTED_VALUE",
                  date_time_render_option="FORMATTED_STRING") == [["2024-01-05"]]
    assert ws.get("B2", value_render_option="FORMULA") == [["=1+1"]]


def test_numbers_and_empty_strings(ws):
    ws.update([[1.5, 42, "", None, "x"]], "A1")
    assert ws.get("A1:E1", value_render_option="UNFORMATTED_VALUE") == [[1.5, 42, "", "", "x"]]
    ws.update([["", None]], "E1")  # "" clears, null leaves untouched
    assert ws.row_values(1) == ["1.5", "42"]


def test_a1_notation_variants(sh, ws, emu, sid):
    emu.set_values(sid, "Records!A1", [["a", "b", "c"], ["d", "e", "f"], ["g", "h", "i"]])
    emu.set_values(sid, "'It''s here'!B2", [["quoted"]])
    other = sh.worksheet("It's here")
    assert other.get("B2") == [["quoted"]]
    assert sh.values_get("'It''s here'!B2")["range"] == "'It''s here'!B2"
    assert sh.values_get("Records")["range"] == "Records!A1:Z1000"
    assert sh.values_get("Records!A:B")["values"] == [["a", "b"], ["d", "e"], ["g", "h"]]
    assert sh.values_get("Records!A:B")["range"] == "Records!A1:B1000"
    assert sh.values_get("Records!B2:Z")["values"] == [["e", "f"], ["h", "i"]]
    assert sh.values_get("Records!C3")["values"] == [["i"]]
    assert sh.values_get("B1:C1")["range"] == "Records!B1:C1"  # no tab: first tab
    with pytest.raises(gspread.exceptions.APIError) as exc:
        sh.values_get("Missing!A1")
    assert _error(exc.value)["message"] == "Unable to parse range: Missing!A1"


def test_get_columns_and_trimming(ws):
    ws.update([["a", "", "c"], ["", "", ""], ["g", "", ""]], "A1")
    assert ws.get("A1:D5") == [["a", "", "c"], [], ["g"]]
    assert ws.get("A1:D5", major_dimension="COLUMNS") == [["a", "", "g"], [], ["c"]]


def test_batch_get_and_batch_update_and_clear(ws, sh):
    ws.batch_update([{"range": "A1:B1", "values": [["id", "name"]]},
                     {"range": "A2", "values": [["007", "Bond"]]}], raw=False)
    got = ws.batch_get(["A1:B1", "A2:B2"], value_render_option="UNFORMATTED_VALUE")
    assert [list(r) for r in got] == [[["id", "name"]], [[7, "Bond"]]]
    assert got[1].range == "Records!A2:B2"
    ws.batch_clear(["B1:B2"])
    assert ws.get_all_values() == [["id"], ["7"]]
    sh.values_clear("Records!A1:A1")
    assert ws.get_all_values() == [[""], ["7"]]


def test_write_outside_grid_or_range_is_rejected(sh, ws):
    with pytest.raises(gspread.exceptions.APIError) as exc:
        ws.update([["x"]], "A1001")
    assert "exceeds grid limits" in _error(exc.value)["message"]
    with pytest.raises(gspread.exceptions.APIError):
        ws.update([["x", "y"]], "A1:A1")


# -- append --------------------------------------------------------------------

def test_append_rows_after_table(ws, emu, sid):
    emu.set_values(sid, "Records!A1", [["id", "name"], [1, "a"], [2, "b"]])
    emu.set_values(sid, "Records!A6", [["stray"]])
    res = ws.append_rows([[3, "c"], [4, "d"]], table_range="A1")
    assert res["tableRange"] == "Records!A1:B3"
    assert res["updates"]["updatedRange"] == "Records!A4:B5"
    assert emu.values(sid, "Records!A1:B6") == [
        ["id", "name"], [1, "a"], [2, "b"], [3, "c"], [4, "d"], ["stray"]]


def test_append_insert_rows_shifts_and_empty_sheet(ws, emu, sid):
    res = ws.append_rows([["h1", "h2"]], table_range="A1")
    assert "tableRange" not in res and res["updates"]["updatedRange"] == "Records!A1:B1"
    emu.set_values(sid, "Records!A3", [["below"]])
    ws.append_rows([["r1", "x"]], table_range="A1", insert_data_option="INSERT_ROWS")
    assert emu.values(sid, "Records!A1:B4") == [["h1", "h2"], ["r1", "x"], [], ["below"]]
    assert emu.sheet_properties(sid, "Records")["gridProperties"]["rowCount"] == 1001


def test_append_grows_grid(sh, emu, sid):
    small = sh.add_worksheet("Small", rows=2, cols=2)
    small.append_rows([["a", "b", "c"]] * 3, table_range="A1")
    props = emu.sheet_properties(sid, "Small")["gridProperties"]
    assert (props["rowCount"], props["columnCount"]) == (3, 3)


# -- rows and batchUpdate requests ---------------------------------------------

def test_insert_and_delete_rows(ws, emu, sid):
    emu.set_values(sid, "Records!A1", [["h"], ["1"], ["2"]])
    ws.insert_rows([["new"]], row=2)
    assert emu.values(sid, "Records!A1:A4") == [["h"], ["new"], [1], [2]]
    ws.delete_rows(3)
    assert emu.values(sid, "Records!A1:A4") == [["h"], ["new"], [2]]
    assert emu.sheet_properties(sid, "Records")["gridProperties"]["rowCount"] == 1000


def test_batch_update_requests(sh, ws, emu, sid):
    r = sh.batch_update({"requests": [
        {"addSheet": {"properties": {"title": "Log", "gridProperties": {
            "rowCount": 10, "columnCount": 3, "frozenRowCount": 1}}}},
        {"updateSheetProperties": {"properties": {
            "sheetId": 0, "title": "Clients", "gridProperties": {"frozenRowCount": 1}},
            "fields": "title,gridProperties.frozenRowCount"}},
        {"addProtectedRange": {"protectedRange": {
            "range": {"sheetId": 0, "startColumnIndex": 0, "endColumnIndex": 1},
            "description": "ids", "warningOnly": True}}},
        {"setDataValidation": {"range": {"sheetId": 0, "startRowIndex": 1, "endRowIndex": 5,
                                         "startColumnIndex": 2, "endColumnIndex": 3},
                               "rule": {"condition": {"type": "ONE_OF_LIST", "values": [
                                   {"userEnteredValue": "yes"}, {"userEnteredValue": "no"}]},
                                   "strict": True, "showCustomUi": True}}},
        {"repeatCell": {"range": {"sheetId": 0, "startRowIndex": 0, "endRowIndex": 1},
                        "cell": {"userEnteredFormat": {
                            "backgroundColor": {"red": 0.9, "green": 0.9, "blue": 0.9},
                            "numberFormat": {"type": "TEXT"}}},
                        "fields": "userEnteredFormat(backgroundColor,numberFormat)"}},
        {"updateCells": {"start": {"sheetId": 0, "rowIndex": 0, "columnIndex": 0},
                         "rows": [{"values": [{"userEnteredValue": {"stringValue": "id"},
                                               "note": "do not edit"}]}],
                         "fields": "userEnteredValue,note"}},
    ]})
    log_id = r["replies"][0]["addSheet"]["properties"]["sheetId"]
    pr_id = r["replies"][2]["addProtectedRange"]["protectedRange"]["protectedRangeId"]
    assert r["replies"][1] == {} and emu.tabs(sid) == ["Clients", "It's here", "Log"]
    assert emu.sheet_properties(sid, "Clients")["gridProperties"]["frozenRowCount"] == 1
    assert emu.sheet_properties(sid, "Log")["sheetId"] == log_id
    assert emu.protected_ranges(sid, "Clients")[0]["description"] == "ids"
    assert emu.validation(sid, "Clients!C3")["condition"]["values"][1] == {"userEnteredValue": "no"}
    assert emu.validation(sid, "Clients!C6") is None
    assert emu.background(sid, "Clients!Z1") == {"red": 0.9, "green": 0.9, "blue": 0.9}
    assert emu.number_format(sid, "Clients!B1") == {"type": "TEXT"}
    assert emu.note(sid, "Clients!A1") == "do not edit"
    assert emu.values(sid, "Clients!A1") == [["id"]]
    ws = sh.worksheet("Clients")
    assert ws.get_note("A1") == "do not edit" and ws.get_notes()[0][0] == "do not edit"
    assert [p["protectedRangeId"] for p in sh.list_protected_ranges(0)] == [pr_id]
    sh.batch_update({"requests": [{"deleteProtectedRange": {"protectedRangeId": pr_id}},
                                  {"deleteSheet": {"sheetId": log_id}}]})
    assert emu.protected_ranges(sid, "Clients") == [] and "Log" not in emu.tabs(sid)


def test_gspread_helpers_map_to_requests(ws, emu, sid):
    ws.format("A1:B1", {"backgroundColor": {"red": 1.0}})
    ws.update_note("B2", "check")
    ws.add_validation("C2:C4", ValidationConditionType.one_of_list, ["y", "n"], strict=True)
    ws.freeze(rows=1)
    ws.resize(rows=20, cols=5)
    assert emu.background(sid, "Records!B1") == {"red": 1.0}
    assert emu.note(sid, "Records!B2") == "check"
    assert emu.validation(sid, "Records!C4")["strict"] is True
    gp = emu.sheet_properties(sid, "Records")["gridProperties"]
    assert gp == {"rowCount": 20, "columnCount": 5, "frozenRowCount": 1}
    ws.clear_note("B2")
    assert emu.note(sid, "Records!B2") is None


def test_dimension_requests_and_sort(sh, emu, sid):
    emu.set_values(sid, "Records!A1", [["name", "n"], ["b", 2], ["", 9], ["a", 10], ["c", 1]])
    sh.batch_update({"requests": [
        {"sortRange": {"range": {"sheetId": 0, "startRowIndex": 1},
                       "sortSpecs": [{"dimensionIndex": 0, "sortOrder": "ASCENDING"}]}},
        {"insertDimension": {"range": {"sheetId": 0, "dimension": "COLUMNS",
                                       "startIndex": 0, "endIndex": 1}}},
        {"appendDimension": {"sheetId": 0, "dimension": "ROWS", "length": 5}},
        {"deleteDimension": {"range": {"sheetId": 0, "dimension": "ROWS",
                                       "startIndex": 1, "endIndex": 2}}},
    ]})
    assert emu.values(sid, "Records!A1:C5") == [
        ["", "name", "n"], ["", "b", 2], ["", "c", 1], ["", "", 9]]
    gp = emu.sheet_properties(sid, "Records")["gridProperties"]
    assert (gp["rowCount"], gp["columnCount"]) == (1004, 27)


def test_batch_update_is_atomic(sh, emu, sid):
    with pytest.raises(gspread.exceptions.APIError) as exc:
        sh.batch_update({"requests": [
            {"addSheet": {"properties": {"title": "Temp"}}},
            {"deleteSheet": {"sheetId": 424242}},
        ]})
    err = _error(exc.value)
    assert err["code"] == 400 and err["status"] == "INVALID_ARGUMENT"
    assert err["message"].startswith("Invalid requests[1].deleteSheet")
    assert emu.tabs(sid) == ["Records", "It's here"]


def test_unknown_requests_get_google_errors(sh, emu, sid):
    with pytest.raises(gspread.exceptions.APIError) as exc:
        sh.batch_update({"requests": [{"frobnicate": {}}]})
    assert _error(exc.value)["status"] == "INVALID_ARGUMENT"
    # Known to Google but not emulated: still a clear 400, nothing applied.
    with pytest.raises(gspread.exceptions.APIError) as exc:
        sh.batch_update({"requests": [{"mergeCells": {"range": {"sheetId": 0},
                                                      "mergeType": "MERGE_ALL"}}]})
    assert "does not implement" in _error(exc.value)["message"]
    with pytest.raises(gspread.exceptions.APIError):
        sh.values_update("Records!A1", params={"valueInputOption": "SIDEWAYS"},
                         body={"values": [["x"]]})
    emu.clear_log()  # those bodies were invalid on purpose


def test_fields_mask_and_grid_data(sh, emu, sid):
    emu.set_values(sid, "Records!A1", [["x", 5]])
    meta = sh.fetch_sheet_metadata(params={"fields": "sheets(properties(title))"})
    assert meta == {"sheets": [{"properties": {"title": "Records"}},
                               {"properties": {"title": "It's here"}}]}
    full = sh.fetch_sheet_metadata(params={"includeGridData": "true", "ranges": "Records!B1"})
    assert len(full["sheets"]) == 1
    cell = full["sheets"][0]["data"][0]["rowData"][0]["values"][0]
    assert cell["effectiveValue"] == {"numberValue": 5} and cell["formattedValue"] == "5"
    assert full["sheets"][0]["data"][0]["startColumn"] == 1


# -- helpers acting as a human ---------------------------------------------------

def test_human_helpers_are_seen_by_gspread(sh, emu, sid):
    emu.set_values(sid, "Records!A1", [["id", "name"], [2, "b"], [1, "a"], [3, "c"]])
    emu.sort_tab(sid, "Records", "A")
    emu.delete_rows(sid, "Records", 3)
    emu.rename_tab(sid, "Records", "People")
    ws = sh.worksheet("People")
    assert ws.get_all_records() == [{"id": 1, "name": "a"}, {"id": 3, "name": "c"}]
    emu.insert_rows(sid, "People", 2)
    assert ws.col_values(1) == ["id", "", "1", "3"]
    emu.add_tab(sid, "Extra")
    emu.delete_tab(sid, "Extra")
    assert emu.tabs(sid) == ["People", "It's here"]


def test_strict_validation_knob():
    with SheetsEmulator(enforce_strict_validation=True) as emu:
        sid = emu.create_spreadsheet(sheets=["S"])
        gc = make_client(emu.url)
        ws = gc.open_by_key(sid).sheet1
        ws.add_validation("A1:A5", ValidationConditionType.one_of_list, ["yes", "no"],
                          strict=True)
        ws.update([["yes"]], "A1")
        with pytest.raises(gspread.exceptions.APIError):
            ws.update([["maybe"]], "A2")
        assert emu.values(sid, "S!A1:A2") == [["yes"]]
        gc.close()


# -- discovery-document conformance --------------------------------------------

needs_discovery = pytest.mark.skipif(DISCOVERY is None,
                                     reason="google-api-python-client not installed")


@needs_discovery
def test_conformance_checker_is_not_vacuous():
    assert DISCOVERY.validate({"spreadsheetId": "x", "bogus": 1}, "Spreadsheet") == [
        "bogus: unknown field"]
    assert DISCOVERY.validate({"sheets": [{"properties": {"index": "0"}}]}, "Spreadsheet") == [
        "sheets[0].properties.index: expected integer, got '0'"]
    assert DISCOVERY.validate_params("sheets.spreadsheets.values.get",
                                     {"valueRenderOption": ["PRETTY"]})


@needs_discovery
def test_emulator_rejects_fields_unknown_to_google(emu, sh):
    with pytest.raises(gspread.exceptions.APIError) as exc:
        sh.values_update("Records!A1", params={"valueInputOption": "RAW"},
                         body={"values": [["x"]], "colour": "red"})
    assert "colour: unknown field" in _error(exc.value)["message"]
    emu.clear_log()  # invalid on purpose


@needs_discovery
def test_every_exchange_conforms(emu, sh, ws):
    ws.update([["a", "1"]], "A1", include_values_in_response=True)
    ws.append_rows([["b", "2"]], table_range="A1", include_values_in_response=True)
    ws.batch_get(["A1:B2"])
    sh.values_batch_update({"valueInputOption": "USER_ENTERED",
                            "data": [{"range": "Records!C1", "values": [["3"]]}]})
    sh.values_batch_clear(body={"ranges": ["Records!C1"]})
    sh.fetch_sheet_metadata(params={"includeGridData": "true"})
    sh.batch_update({"requests": [{"addSheet": {}}], "includeSpreadsheetInResponse": True})
    with pytest.raises(gspread.exceptions.APIError):
        sh.values_get("Nope!A1")
    assert {e.method_id for e in emu.requests()} >= {
        "sheets.spreadsheets.get", "sheets.spreadsheets.values.update",
        "sheets.spreadsheets.values.append", "sheets.spreadsheets.values.batchGet",
        "sheets.spreadsheets.values.batchUpdate", "sheets.spreadsheets.values.batchClear",
        "sheets.spreadsheets.batchUpdate", "sheets.spreadsheets.values.get"}
    assert _conformance(emu) == []


@needs_discovery
def test_official_client_library_works_against_emulator(emu, sid):
    """googleapiclient builds URLs from the discovery doc, not gspread's."""
    from google.auth.credentials import AnonymousCredentials
    from googleapiclient.discovery import build

    service = build("sheets", "v4", credentials=AnonymousCredentials(),
                    client_options={"api_endpoint": emu.url}, static_discovery=True)
    values = service.spreadsheets().values()
    values.update(spreadsheetId=sid, range="'It''s here'!A1:B1", valueInputOption="RAW",
                  body={"values": [["k", "v"]]}).execute()
    got = values.batchGet(spreadsheetId=sid, ranges=["'It''s here'!A1:B1", "Records!A1"]
                          ).execute()
    service.close()
    assert got["valueRanges"][0]["values"] == [["k", "v"]]
    assert "values" not in got["valueRanges"][1]


# -- fault knobs, quota and request log (raw HTTP, no retries) -----------------

def _get(emu, sid, rng="Records!A1", **kw):
    with requests.Session() as session:
        return session.get(f"{emu.url}/v4/spreadsheets/{sid}/values/{rng}", **kw)


def test_injected_failures_have_google_shape(emu, sid):
    emu.fail_next(503, count=2, retry_after=3)
    for _ in range(2):
        r = _get(emu, sid)
        assert r.status_code == 503 and r.headers["Retry-After"] == "3"
        assert r.json()["error"]["status"] == "UNAVAILABLE"
    assert _get(emu, sid).status_code == 200
    emu.fail_next(500, kind="write")
    assert _get(emu, sid).status_code == 200  # reads unaffected
    r = requests.post(f"{emu.url}/v4/spreadsheets/{sid}/values/Records!A1:clear")
    assert r.json() == {"error": {"code": 500, "message": "Internal error encountered.",
                                  "status": "INTERNAL"}}
    assert [e.fault for e in emu.requests()] == ["fail", "fail", None, None, "fail"]


def test_drop_and_delay(emu, sid):
    emu.drop_next()
    with pytest.raises(requests.ConnectionError):
        _get(emu, sid)
    emu.delay_next(1.0)
    with pytest.raises(requests.Timeout):
        _get(emu, sid, timeout=0.2)
    assert _get(emu, sid).status_code == 200


def test_drop_after_processing_applies_the_write(emu, sid):
    emu.drop_next(after_processing=True)
    with pytest.raises(requests.ConnectionError):
        requests.put(f"{emu.url}/v4/spreadsheets/{sid}/values/Records!A1",
                     params={"valueInputOption": "RAW"}, json={"values": [["lost reply"]]})
    assert emu.values(sid, "Records!A1") == [["lost reply"]]


def test_quota_counts_reads_and_writes_apart():
    now = [0.0]
    with SheetsEmulator(clock=lambda: now[0]) as emu:
        sid = emu.create_spreadsheet(sheets=["Records"])
        emu.set_quota(reads_per_minute=2, writes_per_minute=1)
        assert [_get(emu, sid).status_code for _ in range(3)] == [200, 200, 429]
        clear = f"{emu.url}/v4/spreadsheets/{sid}/values/Records!A1:clear"
        assert [requests.post(clear).status_code for _ in range(2)] == [200, 429]
        err = _get(emu, sid).json()["error"]
        assert err["status"] == "RESOURCE_EXHAUSTED" and "Read requests" in err["message"]
        now[0] = 60.0
        assert _get(emu, sid).status_code == 200
        assert emu.count("read") == 5 and emu.count("write") == 2
        assert emu.count(method_id="sheets.spreadsheets.values.clear") == 2


def test_request_log_records_kind_and_method(emu, sh, ws):
    emu.clear_log()
    ws.get("A1")
    ws.batch_get(["A1"])
    ws.update([["x"]], "A1")
    assert [(e.method, e.kind, e.method_id.rsplit(".", 1)[-1]) for e in emu.requests()] == [
        ("GET", "read", "get"), ("GET", "read", "batchGet"), ("PUT", "write", "update")]
    assert emu.requests()[-1].body == {"values": [["x"]], "majorDimension": None}


# -- a person acting while a request is under way ---------------------------

def _values_write(emu, sid, a1, value):
    return requests.post(f"{emu.url}/v4/spreadsheets/{sid}/values:batchUpdate",
                         json={"valueInputOption": "RAW", "data": [{"range": a1, "values": [[value]]}]})


def test_a_person_acts_while_a_delayed_write_waits_and_the_write_lands_after(emu, sid):
    emu.set_values(sid, "Records!A1", [["id"], [1], [2]])
    emu.delay_next(0.05, method_id="sheets.spreadsheets.values.batchUpdate",
                   during=lambda: emu.insert_rows(sid, "Records", 2))
    assert _values_write(emu, sid, "Records!B3", "meant for 2").status_code == 200
    # the row of 2 moved down while the write waited: the write hit the row of 1
    assert emu.values(sid, "Records!A1:B4") == [["id"], [], [1, "meant for 2"], [2]]
    assert [e.fault for e in emu.requests()] == ["delay"]


def test_a_person_acts_right_after_a_read_was_taken(emu, sid):
    emu.set_values(sid, "Records!A1", [["id"], [1], [2]])
    emu.after_next(lambda: emu.delete_rows(sid, "Records", 2), method_id="sheets.spreadsheets.values.batchGet")
    read = requests.get(f"{emu.url}/v4/spreadsheets/{sid}/values:batchGet", params={"ranges": "Records"})
    assert read.json()["valueRanges"][0]["values"] == [["id"], ["1"], ["2"]]  # as it was when read
    assert emu.values(sid, "Records") == [["id"], [2]]  # then the person deleted row 2


def test_a_person_acts_while_a_failed_request_waits_for_its_retry_and_skip_picks_the_request(emu, sid):
    emu.set_values(sid, "Records!A1", [["id"], [1]])
    done = []
    emu.fail_next(503, method_id="sheets.spreadsheets.values.batchGet", skip=1, during=lambda: done.append(1))
    assert _get(emu, sid).status_code == 200  # the first one is let through
    first = requests.get(f"{emu.url}/v4/spreadsheets/{sid}/values:batchGet", params={"ranges": "Records"})
    second = requests.get(f"{emu.url}/v4/spreadsheets/{sid}/values:batchGet", params={"ranges": "Records"})
    assert (first.status_code, second.status_code, done) == (200, 503, [1])


def test_notes_formats_and_values_move_with_their_rows(emu, sid):
    emu.set_values(sid, "Records!A1", [["id", "city"], [1, "Paris"], [2, "Rome"], [3, "Oslo"]])
    emu.set_note(sid, "Records!B3", "about Rome")
    emu.batch_update(sid, [{"repeatCell": {"range": {"sheetId": 0, "startRowIndex": 2, "endRowIndex": 3},
                                           "cell": {"userEnteredFormat": {"backgroundColor": {"red": 1}}},
                                           "fields": "userEnteredFormat.backgroundColor"}}])
    emu.insert_rows(sid, "Records", 2)
    assert emu.note(sid, "Records!B4") == "about Rome" and emu.background(sid, "Records!A4") == {"red": 1}
    emu.delete_rows(sid, "Records", 3)  # the row of 1
    assert emu.values(sid, "Records!A3") == [[2]] and emu.note(sid, "Records!B3") == "about Rome"
    emu.sort_tab(sid, "Records", column="B", ascending=False)  # Rome, Oslo, then the blank row
    assert emu.values(sid, "Records!A2:B3") == [[2, "Rome"], [3, "Oslo"]]
    assert emu.note(sid, "Records!B2") == "about Rome"


def test_a_range_sorted_without_its_first_column_moves_only_its_cells(emu, sid):
    emu.set_values(sid, "Records!A1", [["id", "city", "n"], [1, "Rome", 1], [2, "Oslo", 2], [3, "Bern", 3]])
    emu.set_note(sid, "Records!B2", "about Rome")
    emu.sort_range(sid, "Records", "B2:C", "B")
    assert emu.values(sid, "Records!A2:C4") == [[1, "Bern", 3], [2, "Oslo", 2], [3, "Rome", 1]]
    assert emu.note(sid, "Records!B4") == "about Rome"  # the note went with its cell, the ID stayed


def test_insert_dimension_inherits_the_row_above_and_update_cells_writes_typed_values(sh, emu, sid):
    emu.set_values(sid, "Records!A1", [["id", "ok"], [1, "TRUE"]])
    emu.batch_update(sid, [{"setDataValidation": {"range": {"sheetId": 0, "startRowIndex": 1, "endRowIndex": 2,
                                                            "startColumnIndex": 1, "endColumnIndex": 2},
                                                  "rule": {"condition": {"type": "BOOLEAN"}, "strict": True}}}])
    sh.batch_update({"requests": [
        {"insertDimension": {"range": {"sheetId": 0, "dimension": "ROWS", "startIndex": 2, "endIndex": 3},
                             "inheritFromBefore": True}},
        {"updateCells": {"start": {"sheetId": 0, "rowIndex": 2, "columnIndex": 0},
                         "rows": [{"values": [{"userEnteredValue": {"stringValue": "007"}},
                                              {"userEnteredValue": {"boolValue": False}}]}],
                         "fields": "userEnteredValue"}},
    ]})
    assert emu.values(sid, "Records!A3:B3") == [["007", False]]  # text stays text
    assert emu.validation(sid, "Records!B3")["condition"]["type"] == "BOOLEAN"
