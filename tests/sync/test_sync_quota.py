"""The project's Sheets quota is shared by every process through Redis, and 429s slow everyone down."""
import json
import subprocess
import sys
import time
import uuid

import pytest

from sync.quota import ProjectQuota
from tests.test_tasks import REDIS_URL, ROOT, redis_or_skip

SCRIPT = """
import json, sys, time
from sync.quota import ProjectQuota
quota = ProjectQuota(reads=5, writes=5, redis_url=sys.argv[1], window=2, prefix=sys.argv[2])
start = float(sys.argv[3])
time.sleep(max(0.0, start - time.time()))  # both processes start together
stamps = []
for _ in range(5):
    quota.acquire("read")
    stamps.append(time.time())
print(json.dumps(stamps))
"""


@pytest.fixture
def redis_prefix():
    client = redis_or_skip()
    prefix = f"adsheet-test-{uuid.uuid4().hex[:8]}"
    yield prefix
    for key in client.scan_iter(f"*{prefix}*"):
        client.delete(key)


@pytest.mark.slow
def test_two_processes_share_the_project_quota_through_redis(redis_prefix):
    start = time.time() + 3
    procs = [subprocess.Popen([sys.executable, "-c", SCRIPT, REDIS_URL, redis_prefix, repr(start)], cwd=ROOT,
                              stdout=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [p.communicate(timeout=60)[0] for p in procs]
    assert all(p.returncode == 0 for p in procs)
    stamps = sorted(s for out in outputs for s in json.loads(out))
    assert len(stamps) == 10
    # 5 requests per 2 s for both together: the 6th waits for the 1st to leave the window
    assert all(stamps[i + 5] - stamps[i] >= 1.9 for i in range(5)), stamps
    assert stamps[-1] - stamps[0] >= 1.9


def test_a_429_seen_by_one_process_makes_the_others_back_off(redis_prefix):
    seen_by_one = ProjectQuota(100, 100, redis_url=REDIS_URL, prefix=redis_prefix)
    other_sleeps = []
    other = ProjectQuota(100, 100, redis_url=REDIS_URL, prefix=redis_prefix, sleep=other_sleeps.append)
    assert other.slowdown() == 1.0
    assert seen_by_one.throttled(retry_after=None) == 1.0  # doubling from 1 s
    assert seen_by_one.throttled(retry_after=None) == 2.0
    assert other.recent_429s() == 2 and other.slowdown() == 3.0
    other.sleep = lambda s: (other_sleeps.append(s), time.sleep(s))
    other.acquire("read")
    assert other_sleeps and 1.0 <= sum(other_sleeps) <= 2.5  # waited out the shared back-off


def test_without_redis_the_quota_counts_in_this_process_and_waits_for_the_window():
    class Waited(Exception):
        pass

    def sleep(seconds):
        assert 0 < seconds <= 60
        raise Waited

    quota = ProjectQuota(2, 2, window=60, sleep=sleep, prefix=uuid.uuid4().hex)
    assert quota.acquire("write") == 0.0 and quota.acquire("write") == 0.0
    assert quota.acquire("read") == 0.0  # reads and writes apart
    with pytest.raises(Waited):
        quota.acquire("write")  # the third write in the minute waits


def test_429s_from_the_api_slow_the_watch_pace(app, emulator, monkeypatch):
    import sync.quota as quota_module
    from sync.runner import make_client, pace

    monkeypatch.setattr(quota_module, "_shared", {})  # a fresh process-wide quota for this test
    monkeypatch.setitem(app.config, "SHEETS_API_URL", emulator.url)
    monkeypatch.setitem(app.config, "SHEETS_MAX_TRIES", 3)
    sid = emulator.create_spreadsheet("quota")
    with app.app_context():
        before = pace(1, 10)
        emulator.fail_next(429, count=1, retry_after=0.1)
        with make_client() as client:
            client.open_by_key(sid)
            assert client.stats.retries == 1
        quota = quota_module.project_quota(app.config)
        assert quota.recent_429s() == 1
        assert pace(1, 10) == 2 * before
