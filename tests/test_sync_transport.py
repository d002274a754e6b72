"""sync.transport against the emulator's fault knobs, with fake time."""
from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

import gspread
import pytest
import requests

try:
    from tests.sheets_emulator import SheetsEmulator
except ImportError:  # pragma: no cover
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from tests.sheets_emulator import SheetsEmulator
from sync.transport import (
    RateLimiter,
    SheetsConfigError,
    SheetsUnavailable,
    UnsupportedEndpoint,
    load_credentials,
    make_client,
    request_kind,
)


class FakeTime:
    """sleep() records and advances clock(); nothing really waits."""

    def __init__(self):
        self.now = 1000.0
        self.sleeps = []

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds

    def clock(self):
        return self.now


@pytest.fixture
def fake():
    return FakeTime()


@pytest.fixture
def emu(fake):
    server = SheetsEmulator(clock=fake.clock).start()
    yield server
    server.stop()


@pytest.fixture
def sid(emu):
    sid = emu.create_spreadsheet("Adsheet", sheets=["Records"])
    emu.set_values(sid, "Records!A1", [["id", "name"], [1, "a"]])
    return sid


_OPEN = []


@pytest.fixture(autouse=True)
def _close_clients():
    yield
    while _OPEN:
        _OPEN.pop().close()


def client(emu, fake, **kw):
    gc = make_client(emu.url, sleep=fake.sleep, clock=fake.clock, **kw)
    _OPEN.append(gc)
    return gc


@pytest.fixture
def ws(emu, fake, sid):
    gc = client(emu, fake, max_tries=4)
    ws = gc.open_by_key(sid).sheet1
    emu.clear_log()
    return ws


# -- plumbing ------------------------------------------------------------------

def test_requests_go_to_api_url_and_are_counted(emu, fake, sid):
    gc = client(emu, fake)
    ws = gc.open_by_key(sid).sheet1  # two reads: open_by_key and .sheet1 both fetch
    ws.get("A1")
    ws.batch_get(["A1:B2"])
    ws.update([["x"]], "C1")
    assert (gc.stats.reads, gc.stats.writes, gc.requests_made) == (4, 1, 5)
    assert (emu.count("read"), emu.count("write")) == (4, 1)
    assert gc.http_client.timeout == 30 and fake.sleeps == []


def test_request_kind():
    base = "http://x/v4/spreadsheets/id"
    assert request_kind("GET", base) == "read"
    assert request_kind("get", base + "/values:batchGet?ranges=A1") == "read"
    assert request_kind("POST", base + "/values:batchGet") == "read"
    assert request_kind("POST", base + ":batchUpdate") == "write"
    assert request_kind("PUT", base + "/values/A1") == "write"


def test_drive_endpoints_never_leave_for_google(emu, fake, sid):
    sh = client(emu, fake).open_by_key(sid)
    with pytest.raises(UnsupportedEndpoint):
        sh.get_lastUpdateTime()  # a Drive API call in gspread
    assert emu.count() == 1  # only the open_by_key metadata GET


# -- retries -------------------------------------------------------------------

def test_429_then_success_is_retried(emu, fake, ws):
    emu.fail_next(429)
    assert ws.get("B2") == [["a"]]
    assert len(fake.sleeps) == 1 and 1 <= fake.sleeps[0] <= 2
    assert [e.status for e in emu.requests()] == [429, 200]
    assert ws.client.stats.retries == 1


def test_retry_after_is_honoured(emu, fake, ws):
    emu.fail_next(429, retry_after=7)
    ws.get("A1")
    assert fake.sleeps == [7.0]


def test_persistent_503_raises_after_max_tries(emu, fake, ws):
    emu.fail_next(503, count=100)
    with pytest.raises(SheetsUnavailable) as exc:
        ws.update([["x"]], "A1")
    err = exc.value
    assert (err.status, err.attempts, err.method) == (503, 4, "PUT")
    assert "PUT /v4/spreadsheets/" in str(err) and "4 tries" in str(err)
    assert "HTTP 503" in str(err)
    assert emu.count() == 4 and len(fake.sleeps) == 3
    assert emu.values(ws.spreadsheet_id, "Records!A1") == [["id"]]


def test_client_errors_are_not_retried(emu, fake, ws):
    with pytest.raises(gspread.exceptions.APIError) as exc:
        ws.update([["x"]], "A1001")  # outside the grid: 400
    assert exc.value.code == 400 and emu.count() == 1 and fake.sleeps == []
    emu.fail_next(403)
    with pytest.raises(gspread.exceptions.APIError):
        ws.get("A1")
    assert emu.count() == 2


def test_dropped_connection_is_retried(emu, fake, ws):
    emu.drop_next(kind="write")
    ws.update([["dropped once"]], "C1")
    assert emu.values(ws.spreadsheet_id, "Records!C1") == [["dropped once"]]
    assert [e.fault for e in emu.requests()] == ["drop", None]
    assert len(fake.sleeps) == 1


def test_timeout_is_retried(emu, fake, sid):
    ws = client(emu, fake, timeout=0.2).open_by_key(sid).sheet1
    emu.delay_next(2.0, kind="read")
    assert ws.get("B2") == [["a"]]
    assert len(fake.sleeps) == 1


def test_persistent_timeout_gives_sheets_unavailable(emu, fake, sid):
    ws = client(emu, fake, timeout=0.1, max_tries=2).open_by_key(sid).sheet1
    emu.delay_next(1.0, count=2, kind="read")
    with pytest.raises(SheetsUnavailable) as exc:
        ws.get("A1")
    assert exc.value.status is None
    assert isinstance(exc.value.last_error, requests.Timeout)
    assert "Timeout" in str(exc.value)


def test_backoff_is_exponential_jittered_and_capped(emu, fake, sid):
    first, second = FakeTime(), FakeTime()
    for ft in (first, second):
        ws = client(emu, ft, max_tries=8, backoff_cap=20).open_by_key(sid).sheet1
        emu.fail_next(500, count=7)
        ws.get("A1")
        assert len(ft.sleeps) == 7
        for n, wait in enumerate(ft.sleeps):
            assert min(2 ** n, 20) <= wait <= min(2 ** n + 1, 20)
        assert ft.sleeps[-1] == 20  # capped
    assert first.sleeps != second.sleeps  # jitter


def test_retries_do_not_log_tokens(emu, fake, ws, caplog):
    ws.client.session.headers["Authorization"] = "Bearer sekret-token"
    emu.fail_next(503)
    with caplog.at_level(logging.DEBUG):
        ws.get("A1")
    assert "retrying" in caplog.text and "sekret" not in caplog.text


# -- rate limiting -------------------------------------------------------------

def test_limiter_sleeps_when_over_budget(emu, fake, sid):
    emu.set_quota(reads_per_minute=3, writes_per_minute=2)  # same clock as ours
    gc = client(emu, fake, reads_per_minute=3, writes_per_minute=2)
    ws = gc.open_by_key(sid).sheet1  # reads 1 and 2 at t=1000
    ws.get("A1")  # read 3
    assert fake.sleeps == []
    ws.get("A1")  # 4th read waits for the first to leave the window
    assert fake.sleeps == [60.0]
    for _ in range(2):
        ws.update([["w"]], "C1")  # writes have their own budget
    assert fake.sleeps == [60.0]
    ws.update([["w"]], "C1")
    assert len(fake.sleeps) == 2 and 0 < fake.sleeps[1] <= 60
    assert all(e.status == 200 for e in emu.requests())  # never hit Google's 429
    assert gc.stats.throttled_seconds == pytest.approx(sum(fake.sleeps))


def test_rate_limiter_window():
    ft = FakeTime()
    lim = RateLimiter(2, ft.sleep, ft.clock)
    lim.acquire()
    ft.now += 10
    lim.acquire()
    lim.acquire()  # must wait until t0 + 60
    assert ft.sleeps == [50.0]
    ft.now += 100
    lim.acquire()
    assert ft.sleeps == [50.0]
    stuck = FakeTime()
    stuck.sleep = lambda s: stuck.sleeps.append(s)  # a clock that never moves
    lim = RateLimiter(1, stuck.sleep, stuck.clock)
    for _ in range(3):
        lim.acquire()
    assert stuck.sleeps == [60.0, 120.0]  # virtual timeline, no endless loop


def test_emulator_quota_429_is_retried(emu, fake, sid):
    emu.set_quota(reads_per_minute=2)
    ws = client(emu, fake, reads_per_minute=0, max_tries=8).open_by_key(sid).sheet1
    ws.get("A1")
    ws.get("A1")  # over Google's quota: retried until the minute passes
    assert sum(fake.sleeps) >= 59
    assert emu.requests()[-1].status == 200


# -- credentials ---------------------------------------------------------------

def test_credentials_for_emulator_are_anonymous():
    from google.auth.credentials import AnonymousCredentials

    assert isinstance(load_credentials("http://127.0.0.1:1"), AnonymousCredentials)


def test_google_url_requires_a_key_file(monkeypatch):
    monkeypatch.delenv("GOOGLE_APPLICATION_CREDENTIALS", raising=False)
    with pytest.raises(SheetsConfigError, match="GOOGLE_APPLICATION_CREDENTIALS"):
        make_client("https://sheets.googleapis.com")
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", "/nonexistent/key.json")
    with pytest.raises(SheetsConfigError, match="not found"):
        make_client("https://sheets.googleapis.com")


def test_google_url_uses_service_account(tmp_path, monkeypatch):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from google.oauth2.service_account import Credentials

    pem = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()).decode()
    key = tmp_path / "sa.json"
    key.write_text(json.dumps({
        "type": "service_account", "project_id": "p", "private_key_id": "k",
        "private_key": pem, "client_email": "bot@p.iam.gserviceaccount.com",
        "client_id": "1", "token_uri": "https://oauth2.googleapis.com/token"}))
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(key))
    gc = make_client("https://sheets.googleapis.com")  # no request is made here
    _OPEN.append(gc)
    assert isinstance(gc.http_client.auth, Credentials)
    assert gc.http_client.rewrite("https://sheets.googleapis.com/v4/spreadsheets/x") == \
        "https://sheets.googleapis.com/v4/spreadsheets/x"
    bad = tmp_path / "bad.json"
    bad.write_text("{}")
    with pytest.raises(SheetsConfigError, match="not a valid"):
        make_client("https://sheets.googleapis.com", credentials_file=str(bad))


def test_lost_append_response_duplicates_rows(emu, fake, ws):
    """Documents a trap for the sync: a write whose response is lost is
    retried, and values:append is not idempotent."""
    emu.drop_next(kind="write", after_processing=True)
    ws.append_rows([[2, "b"]], table_range="A1")
    assert emu.values(ws.spreadsheet_id, "Records!A1:B4") == [
        ["id", "name"], [1, "a"], [2, "b"], [2, "b"]]
