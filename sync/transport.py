"""How the app builds its gspread Client.

* Talks to ``api_url`` (SHEETS_API_URL) instead of sheets.googleapis.com by
  rewriting the URL prefix in ``HTTPClient.request`` - gspread's URL
  constants stay untouched, so other clients in the process are unaffected.
* Client-side rate limit (reads and writes apart, sliding 60 s window) so
  we stay under Google's per-minute quotas instead of collecting 429s.
* Retries 429 / 408 / 5xx / connection errors / timeouts with jittered
  exponential backoff, honouring Retry-After, then raises SheetsUnavailable.
* Counts the HTTP requests made (every try counts: each one uses quota).
"""
from __future__ import annotations

import email.utils
import logging
import os
import random
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Any, Callable, Deque, Optional
from urllib.parse import urlsplit

import gspread
import requests
from gspread.exceptions import APIError
from gspread.http_client import HTTPClient
from gspread.urls import SPREADSHEETS_API_V4_BASE_URL

log = logging.getLogger(__name__)

GOOGLE_SHEETS_URL = "https://sheets.googleapis.com"
_GOOGLE_PREFIX = SPREADSHEETS_API_V4_BASE_URL[: -len("/v4/spreadsheets")]
SCOPES = ["https://www.googleapis.com/auth/spreadsheets"]
RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
RETRY_EXCEPTIONS = (requests.ConnectionError, requests.Timeout,
                    requests.exceptions.ChunkedEncodingError)


class SheetsUnavailable(Exception):
    """The Sheets API kept failing after every allowed try."""

    def __init__(self, message: str, *, status: Optional[int], method: str, url: str,
                 attempts: int, last_error: Optional[BaseException] = None):
        super().__init__(message)
        self.status, self.method, self.url = status, method, url
        self.attempts, self.last_error = attempts, last_error


class SheetsConfigError(ValueError):
    """Missing/invalid credentials or endpoint settings."""


class UnsupportedEndpoint(RuntimeError):
    """gspread wanted a non-Sheets Google API (Drive) while pointed elsewhere."""


def is_google(api_url: str) -> bool:
    return (urlsplit(api_url).hostname or "").lower() == "sheets.googleapis.com"


def request_kind(method: str, url: str) -> str:
    """'read' for GETs and values:batchGet, 'write' for everything else."""
    path = urlsplit(url).path
    if method.upper() == "GET" or path.endswith("/values:batchGet"):
        return "read"
    return "write"


class RateLimiter:
    """At most ``per_minute`` acquisitions in any 60 s window.

    Sliding window rather than token bucket: Google counts per minute, and a
    full bucket plus refill could allow up to 2x the quota in one minute.
    """

    def __init__(self, per_minute: Optional[int], sleep: Callable[[float], Any],
                 clock: Callable[[], float], window: float = 60.0):
        self.per_minute, self.sleep, self.clock, self.window = per_minute, sleep, clock, window
        self._stamps: Deque[float] = deque()
        self._lock = threading.Lock()
        self.waited = 0.0  # total seconds slept, for reporting

    def acquire(self) -> float:
        if not self.per_minute:
            return 0.0
        with self._lock:
            now = self.clock()
            while self._stamps and self._stamps[0] <= now - self.window:
                self._stamps.popleft()
            wait = 0.0
            if len(self._stamps) >= self.per_minute:
                wait = self._stamps[0] + self.window - now
                self.sleep(wait)
                self.waited += wait
                self._stamps.popleft()
                # Trust the sleep rather than re-reading the clock, so a fake
                # clock that does not advance cannot loop forever.
                now = max(self.clock(), now + wait)
            self._stamps.append(now)
            return wait


@dataclass
class RequestStats:
    reads: int = 0
    writes: int = 0
    retries: int = 0
    throttled_seconds: float = 0.0

    @property
    def total(self) -> int:
        return self.reads + self.writes


def _retry_after(response: Optional[requests.Response]) -> Optional[float]:
    value = response.headers.get("Retry-After") if response is not None else None
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        parsed = email.utils.parsedate_to_datetime(value)
        return max(0.0, parsed.timestamp() - time.time()) if parsed else None


class SheetsHTTPClient(HTTPClient):
    """gspread HTTPClient with endpoint rewrite, limiter, retries, counters."""

    def __init__(self, auth: Any, session: Optional[requests.Session] = None, *,
                 api_url: str = GOOGLE_SHEETS_URL, reads_per_minute: Optional[int] = 60,
                 writes_per_minute: Optional[int] = 60, timeout: float = 30,
                 max_tries: int = 6, backoff_cap: float = 64,
                 sleep: Callable[[float], Any] = time.sleep,
                 clock: Callable[[], float] = time.monotonic,
                 rand: Callable[[], float] = random.random, project: Any = None):
        super().__init__(auth, session)
        self.project = project  # sync.quota.ProjectQuota shared by every process, or None
        self.api_url = api_url.rstrip("/")
        self.max_tries, self.backoff_cap = max(1, max_tries), backoff_cap
        self.sleep, self.rand = sleep, rand
        self.limiters = {"read": RateLimiter(reads_per_minute, sleep, clock),
                         "write": RateLimiter(writes_per_minute, sleep, clock)}
        self.stats = RequestStats()
        self._stats_lock = threading.Lock()
        self.set_timeout(timeout)

    def rewrite(self, endpoint: str) -> str:
        if endpoint.startswith(_GOOGLE_PREFIX + "/"):
            return self.api_url + endpoint[len(_GOOGLE_PREFIX):]
        if not is_google(self.api_url):
            # Drive/Docs URLs would silently reach Google from tests.
            raise UnsupportedEndpoint(
                f"{endpoint.split('?')[0]} is not a Sheets v4 endpoint; only the Sheets API "
                f"is available at {self.api_url}")
        return endpoint

    def backoff(self, attempt: int) -> float:
        """Google's recommended min(2**n + random(0..1), cap), n from 0."""
        return min(2.0 ** attempt + self.rand(), self.backoff_cap)

    def request(self, method: str, endpoint: str, *args: Any, **kwargs: Any
                ) -> requests.Response:
        url = self.rewrite(endpoint)
        kind = request_kind(method, url)
        what = f"{method.upper()} {urlsplit(url).path}"
        status: Optional[int] = None
        last: Optional[BaseException] = None
        for attempt in range(self.max_tries):
            waited = self.limiters[kind].acquire()
            if self.project is not None:
                waited += self.project.acquire(kind)
            with self._stats_lock:
                self.stats.throttled_seconds += waited
                if kind == "read":
                    self.stats.reads += 1
                else:
                    self.stats.writes += 1
                if attempt:
                    self.stats.retries += 1
            retry_after = None
            try:
                return super().request(method, url, *args, **kwargs)
            except APIError as e:
                status, last = e.code, e
                if status not in RETRY_STATUSES:
                    raise
                retry_after = _retry_after(e.response)
                if status == 429 and self.project is not None:
                    shared = self.project.throttled(retry_after)  # every process slows down
                    retry_after = max(retry_after or 0.0, shared)
                reason = f"HTTP {status} {e.error.get('status', '')}".strip()
            except RETRY_EXCEPTIONS as e:
                status, last = None, e
                reason = type(e).__name__
            if attempt + 1 >= self.max_tries:
                break
            wait = retry_after if retry_after is not None else self.backoff(attempt)
            log.warning("Sheets %s failed (%s), try %d/%d; retrying in %.1fs",
                        what, reason, attempt + 1, self.max_tries, wait)
            self.sleep(wait)
        detail = f"HTTP {status}" if status is not None else type(last).__name__
        raise SheetsUnavailable(
            f"Google Sheets unavailable: {what} failed after {self.max_tries} tries "
            f"(last error: {detail}: {_short(last)})",
            status=status, method=method.upper(), url=url, attempts=self.max_tries,
            last_error=last)


def _short(exc: Optional[BaseException]) -> str:
    if isinstance(exc, APIError):
        return str(exc.error.get("message", ""))[:200]
    return str(exc)[:200]


class SheetsClient(gspread.Client):
    """gspread.Client exposing the request counters of its HTTP client."""

    http_client: SheetsHTTPClient

    @property
    def stats(self) -> RequestStats:
        return self.http_client.stats

    @property
    def requests_made(self) -> int:
        return self.http_client.stats.total

    def close(self) -> None:
        """Release pooled keep-alive connections."""
        self.http_client.session.close()

    def __enter__(self) -> "SheetsClient":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def load_credentials(api_url: str, credentials_file: Optional[str] = None):
    """Anonymous for emulators/proxies; a service account for Google."""
    from google.auth.credentials import AnonymousCredentials

    path = credentials_file
    if is_google(api_url):
        path = path or os.environ.get("GOOGLE_APPLICATION_CREDENTIALS")
        if not path:
            raise SheetsConfigError(
                "Google Sheets credentials missing: set GOOGLE_APPLICATION_CREDENTIALS "
                "(or pass credentials_file) to a service-account JSON key file.")
    if not path:
        return AnonymousCredentials()
    if not os.path.isfile(path):
        raise SheetsConfigError(f"Google Sheets credentials file not found: {path}")
    from google.oauth2.service_account import Credentials

    try:
        return Credentials.from_service_account_file(path, scopes=SCOPES)
    except (ValueError, KeyError) as e:  # message names the file, never key material
        raise SheetsConfigError(
            f"{path} is not a valid service-account key file ({type(e).__name__})") from None


def make_client(api_url: str, credentials_file: Optional[str] = None,
                reads_per_minute: int = 60, writes_per_minute: int = 60,
                timeout: float = 30, max_tries: int = 6, backoff_cap: float = 64,
                sleep: Callable[[float], Any] = time.sleep,
                clock: Callable[[], float] = time.monotonic,
                rand: Callable[[], float] = random.random, project: Any = None) -> SheetsClient:
    """A gspread Client for ``api_url`` (e.g. settings.SHEETS_API_URL); ``project``: the quota shared
    with every other process (sync.quota.ProjectQuota)."""
    credentials = load_credentials(api_url, credentials_file)

    def http_client(auth: Any, session: Optional[requests.Session]) -> SheetsHTTPClient:
        return SheetsHTTPClient(
            auth, session, api_url=api_url, reads_per_minute=reads_per_minute,
            writes_per_minute=writes_per_minute, timeout=timeout, max_tries=max_tries,
            backoff_cap=backoff_cap, sleep=sleep, clock=clock, rand=rand, project=project)

    return SheetsClient(auth=credentials, http_client=http_client)  # type: ignore[arg-type]
