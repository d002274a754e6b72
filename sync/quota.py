"""The project's Sheets quota, shared by every process that talks to Google (web workers, task
consumers on any machine, `flask sheets sync`): one moving window per kind of request.

Storage: the `limits` library's Redis moving window when REDIS_URL is set (the same Redis as the task
queue, so consumers on several machines count together), memory otherwise (one process).

Google's answer counts more than our settings: each 429 is recorded in the same storage, and
- every process waits out a shared back-off (Retry-After, else doubling from 1 s up to 60 s) before its
  next request;
- `slowdown()` (1 + the 429s of the last 10 minutes, at most 8) stretches the period of `--watch` and of
  the periodic enqueueing, so the schedule paces itself from what Google actually refused.
"""
from __future__ import annotations

import threading
import time
from typing import Any, Callable

from limits import RateLimitItemPerSecond
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

NAMESPACE = "adsheet-sheets"
THROTTLE_MEMORY = 600  # seconds of 429s that slow the schedule
MAX_SLOWDOWN = 8
BACKOFF_FIRST, BACKOFF_CAP = 1.0, 60.0


class _MemoryState:
    """Back-off state of one process (no Redis)."""

    def __init__(self):
        self._values: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> float | None:
        with self._lock:
            value, expires = self._values.get(key, (None, 0.0))
            return value if value is not None and expires > time.time() else None

    def set(self, key: str, value: float, ttl: float) -> None:
        with self._lock:
            self._values[key] = (value, time.time() + ttl)


class _RedisState:
    def __init__(self, url: str):
        import redis

        self.client = redis.Redis.from_url(url)

    def get(self, key: str) -> float | None:
        value = self.client.get(key)
        return float(value) if value is not None else None

    def set(self, key: str, value: float, ttl: float) -> None:
        self.client.set(key, repr(value), px=max(1, int(ttl * 1000)))


class ProjectQuota:
    """At most `reads`/`writes` requests per `window` seconds across every process on the storage."""

    def __init__(self, reads: int, writes: int, redis_url: str | None = None, window: int = 60,
                 sleep: Callable[[float], Any] = time.sleep, prefix: str = NAMESPACE):
        self.storage = storage_from_string(redis_url if redis_url else "memory://")
        self.limiter = MovingWindowRateLimiter(self.storage)
        self.items = {"read": RateLimitItemPerSecond(reads, window), "write": RateLimitItemPerSecond(writes, window)}
        self.refused = RateLimitItemPerSecond(10_000, THROTTLE_MEMORY)
        self.state = _RedisState(redis_url) if redis_url else _MemoryState()
        self.sleep, self.prefix = sleep, prefix
        self.waited = 0.0

    def acquire(self, kind: str) -> float:
        """Wait for the shared back-off and a free slot in the window; returns the seconds waited."""
        waited = 0.0
        while True:
            pause = self.backoff_left()
            if pause <= 0:
                item = self.items[kind]
                if self.limiter.hit(item, self.prefix, kind):
                    break
                pause = max(0.01, self.limiter.get_window_stats(item, self.prefix, kind).reset_time - time.time())
            self.sleep(pause)
            waited += pause
        self.waited += waited
        return waited

    def backoff_left(self) -> float:
        until = self.state.get(f"{self.prefix}:backoff-until")
        return max(0.0, until - time.time()) if until else 0.0

    def throttled(self, retry_after: float | None = None) -> float:
        """Record a 429: every process backs off; returns the back-off in seconds."""
        self.limiter.hit(self.refused, self.prefix, "429")
        last = self.state.get(f"{self.prefix}:backoff") or 0.0
        pause = retry_after if retry_after is not None else min(BACKOFF_CAP, max(BACKOFF_FIRST, last * 2))
        self.state.set(f"{self.prefix}:backoff", pause, ttl=max(pause * 4, 60))
        self.state.set(f"{self.prefix}:backoff-until", time.time() + pause, ttl=pause)
        return pause

    def recent_429s(self) -> int:
        stats = self.limiter.get_window_stats(self.refused, self.prefix, "429")
        return self.refused.amount - stats.remaining

    def slowdown(self) -> float:
        """How much slower the schedule runs after the 429s of the last minutes (1 = as configured)."""
        return float(min(MAX_SLOWDOWN, 1 + self.recent_429s()))


_shared: dict[tuple, ProjectQuota] = {}
_shared_lock = threading.Lock()


def project_quota(config) -> ProjectQuota:
    """The process's ProjectQuota for an app config (one per setting combination)."""
    key = (config.get("SHEETS_PROJECT_READS_PER_MINUTE", 300), config.get("SHEETS_PROJECT_WRITES_PER_MINUTE", 300),
           config.get("REDIS_URL") or None, config.get("SHEETS_QUOTA_WINDOW_SECONDS", 60))
    with _shared_lock:
        if key not in _shared:
            _shared[key] = ProjectQuota(key[0], key[1], redis_url=key[2], window=key[3])
        return _shared[key]
