"""Page benchmark (`make bench`): Adsheet against a bare Flask-AppBuilder app on the same 100,000 customers.

For each backend (SQLite, and PostgreSQL when a URL is given) it starts both apps with gunicorn (1 worker
each, 127.0.0.1 only), signs in as admin in each, then requests every page N times, the two apps
interleaved, and prints per page: median and p95 latency, SQL statements (X-SQL-Count, BENCH_COUNT_SQL=1),
response size and our median / bare median; then each worker's RSS, and the issue-11 targets: the dashboard
(Admin and Manager) within DASHBOARD_TARGET_MS, and a customer-name search by a two-character fragment within
SEARCH_TARGET_RATIO times the unfiltered list. Figures only, no assertions.

    .venv/bin/python bench/bench_pages.py [--requests 20] [--sqlite-url URL] [--postgres-url URL] [--prepare]

--prepare migrates and seeds an empty database first (`flask demo seed --scale 100000`, about 15-35 s).
"""
from __future__ import annotations

import argparse
import os
import re
import socket
import statistics
import subprocess
import sys
import time

import requests

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, ".venv", "bin")
PASSWORD = os.environ.get("DEMO_PASSWORD", "Bench-pass-2026!")
PAGE_BUDGET_S = 40.0  # per page and app: stop repeating a slow page after this (at least 3 requests)
DASHBOARD_TARGET_MS = 300
SEARCH_TARGET_RATIO = 2.0
TIMEOUT_S = 120


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def env_for(database_url: str) -> dict:
    env = dict(os.environ, DATABASE_URL=database_url, APP_ENV="development", BENCH_COUNT_SQL="1",
               RATELIMIT_ENABLED="0", SECRET_KEY="bench-secret-key-not-for-production-0123456789",
               PYTHONPATH=ROOT)
    env.pop("FLASK_DEBUG", None)
    return env


def prepare(database_url: str, scale: int) -> None:
    env = dict(env_for(database_url), DEMO_PASSWORD=PASSWORD)
    flask = [os.path.join(BIN, "flask"), "--app", "run"]
    subprocess.run(flask + ["db", "upgrade"], cwd=ROOT, env=env, check=True)
    subprocess.run(flask + ["roles", "sync"], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    subprocess.run(flask + ["demo", "seed", "--if-empty"], cwd=ROOT, env=env, check=True)
    subprocess.run(flask + ["demo", "seed", "--scale", str(scale)], cwd=ROOT, env=env, check=True)


class Server:
    def __init__(self, module: str, database_url: str):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [os.path.join(BIN, "gunicorn"), "--workers", "1", "--bind", f"127.0.0.1:{self.port}",
             "--timeout", str(TIMEOUT_S), module],
            cwd=ROOT, env=env_for(database_url), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.session = requests.Session()
        self.sessions = {}

    def wait(self) -> None:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(self.process.stderr.read().decode()[-3000:])
            try:
                if self.session.get(self.base + "/login/", timeout=5).status_code == 200:
                    return
            except (requests.ConnectionError, requests.Timeout):  # not listening yet, or still booting
                pass
            time.sleep(0.3)
        raise RuntimeError(f"{self.base} did not start")

    def login(self, username: str = "admin") -> None:
        session = self.session if username == "admin" else requests.Session()
        page = session.get(self.base + "/login/", timeout=TIMEOUT_S).text
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"', page)
        data = {"username": username, "password": PASSWORD}
        if token:
            data["csrf_token"] = token.group(1) or token.group(2)
        response = session.post(self.base + "/login/", data=data, allow_redirects=False, timeout=TIMEOUT_S)
        if response.status_code != 302:
            raise RuntimeError(f"login to {self.base} failed ({response.status_code})")
        self.sessions[username] = session

    def get(self, path: str):
        """GET as admin, or as another signed-in user with the path prefixed "<username>:"."""
        session = self.session
        if ":" in path.split("/")[0]:
            username, path = path.split(":", 1)
            session = self.sessions[username]
        started = time.perf_counter()
        response = session.get(self.base + path, timeout=TIMEOUT_S)
        size = len(response.content)
        elapsed = time.perf_counter() - started
        if response.status_code != 200:
            raise RuntimeError(f"{self.base}{path} answered {response.status_code}")
        return elapsed, size, response.headers.get("X-SQL-Count", "?")

    def worker_rss_mb(self) -> float:
        children = open(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read().split()
        pid = int(children[0]) if children else self.process.pid
        for line in open(f"/proc/{pid}/status"):
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()


def sample_values(database_url: str) -> dict:
    """A contract to edit and a customer-name fragment to search, from the data itself."""
    import sqlalchemy as sa

    engine = sa.create_engine(database_url)
    if engine.dialect.name == "postgresql":  # statistics and visibility map fresh, as autovacuum keeps them
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:  # (SQLite has no
            conn.execute(sa.text("VACUUM ANALYZE"))  # statistics unless someone runs ANALYZE; the app never does)
    with engine.connect() as conn:
        contract_id = conn.execute(sa.text("SELECT min(id) + (max(id) - min(id)) / 2 FROM contract")).scalar()
        name = conn.execute(sa.text("SELECT name FROM customer WHERE id = (SELECT max(id) - 777 FROM customer)")
                            ).scalar()
    engine.dispose()
    # a five-character and a two-character fragment of one customer's name (after its city: "市嘉声影音" / "嘉声")
    return {"contract": contract_id, "term": name[2:7], "term2": name[3:5]}


def pages(values: dict) -> list[tuple[str, str, str | None]]:
    term = requests.utils.quote(values["term"])
    term2 = requests.utils.quote(values["term2"])
    deep = "page_ContractView=3999&psize_ContractView=50"
    # 10,000 contracts: numbers SC-001xxxx-1 (the scale seed numbers contracts SC-<7 digits>-<1|2>).
    export = "_flt_0_number=SC-001&_flt_1_number=-1"
    return [
        ("customers list p1", "/customerview/list/", "/customerview/list/"),
        ("contracts list p1", "/contractview/list/", "/contractview/list/"),
        ("contracts p4000 (x50)", f"/contractview/list/?{deep}", f"/contractview/list/?{deep}"),
        # FAB cannot search customer.name: the bare app searches the contract's party name (same text).
        ("search customer name", f"/contractview/list/?_flt_0_customer_name={term}",
         f"/contractview/list/?_flt_2_party_name={term}"),
        ("customers by 2 chars", f"/customerview/list/?_flt_0_customer_name={term2}",
         f"/customerview/list/?_flt_2_name={term2}"),
        ("contracts by 2 chars", f"/contractview/list/?_flt_0_customer_name={term2}",
         f"/contractview/list/?_flt_2_party_name={term2}"),
        ("contract edit form", f"/contractview/edit/{values['contract']}", f"/contractview/edit/{values['contract']}"),
        ("dashboard / index", "/", "/"),
        ("dashboard (manager)", "manager:/", "/"),
        ("CSV export 10k rows", f"/contractview/export/csv?{export}", None),
    ]


def quantile95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[18] if len(values) >= 2 else values[0]


def report_targets(results: dict, values: dict) -> None:
    """Issue 11's targets against our medians (figures on a busy machine are higher than on an idle one)."""
    def median_ms(name: str) -> float:
        return statistics.median(results[(name, "o")]["times"]) * 1000

    print(f"targets (issue 11), two-character fragment {values['term2']!r}:")
    for name in ("dashboard / index", "dashboard (manager)"):
        ms = median_ms(name)
        verdict = "met" if ms <= DASHBOARD_TARGET_MS else "MISSED"
        print(f"  {name:34} {ms:7.1f} ms  target <= {DASHBOARD_TARGET_MS} ms: {verdict}")
    for search, listing in (("customers by 2 chars", "customers list p1"), ("contracts by 2 chars",
                                                                              "contracts list p1")):
        ratio = median_ms(search) / median_ms(listing)
        verdict = "met" if ratio <= SEARCH_TARGET_RATIO else "MISSED"
        print(f"  {search + ' / ' + listing:34} {ratio:7.2f} x   target <= {SEARCH_TARGET_RATIO:g} x: {verdict}")


def run_backend(label: str, database_url: str, n: int) -> None:
    values = sample_values(database_url)
    ours, bare = Server("bench.ours_app:app", database_url), Server("bench.bare_app:app", database_url)
    try:
        for server in (ours, bare):
            server.wait()
            server.login()
        ours.login("manager")
        plan = pages(values)
        results = {(name, who): {"times": [], "size": 0, "sql": "?"} for name, _o, _b in plan for who in "ob"}
        for name, our_path, bare_path in plan:  # warm-up, once each
            ours.get(our_path)
            if bare_path:
                bare.get(bare_path)
        for _round in range(n):
            for name, our_path, bare_path in plan:
                for who, server, path in (("o", ours, our_path), ("b", bare, bare_path)):
                    slot = results[(name, who)]
                    if path is None or (sum(slot["times"]) > PAGE_BUDGET_S and len(slot["times"]) >= 3):
                        continue
                    elapsed, size, sql = server.get(path)
                    slot["times"].append(elapsed)
                    slot["size"], slot["sql"] = size, sql
        print(f"\n== {label}: {database_url.split('@')[-1]}  (N={n}, term {values['term']!r})")
        header = f"{'page':24} {'ours med':>9} {'p95':>8} {'sql':>4} {'bytes':>10} | {'bare med':>9} {'p95':>8} " \
                 f"{'sql':>4} {'bytes':>10} | {'ours/bare':>9}"
        print(header)
        print("-" * len(header))
        for name, _o, bare_path in plan:
            o, b = results[(name, "o")], results[(name, "b")]
            om, op = statistics.median(o["times"]) * 1000, quantile95(o["times"]) * 1000
            if bare_path:
                bm, bp = statistics.median(b["times"]) * 1000, quantile95(b["times"]) * 1000
                bare_cols = f"{bm:8.1f}ms {bp:6.1f}ms {b['sql']:>4} {b['size']:>10,} | {om / bm:9.3f}"
            else:
                bare_cols = f"{'n/a':>9} {'':>8} {'':>4} {'':>10} | {'':>9}"
            print(f"{name:24} {om:7.1f}ms {op:6.1f}ms {o['sql']:>4} {o['size']:>10,} | {bare_cols}")
        o_rss, b_rss = ours.worker_rss_mb(), bare.worker_rss_mb()
        print(f"worker RSS after the run: ours {o_rss:.1f} MB, bare {b_rss:.1f} MB, ours/bare {o_rss / b_rss:.3f}")
        report_targets(results, values)

    finally:
        ours.stop()
        bare.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=20, help="requests per page and app (default 20)")
    parser.add_argument("--sqlite-url", default=os.environ.get("BENCH_SQLITE_URL", "sqlite:////tmp/perf.db"))
    parser.add_argument("--postgres-url", default=os.environ.get("BENCH_POSTGRES_URL", ""))
    parser.add_argument("--prepare", action="store_true", help="migrate and seed the databases first")
    parser.add_argument("--only", choices=("sqlite", "postgres"), help="run one backend")
    parser.add_argument("--scale", type=int, default=100_000)
    args = parser.parse_args()
    backends = [("SQLite", args.sqlite_url)] + ([("PostgreSQL", args.postgres_url)] if args.postgres_url else [])
    if args.only:
        backends = [b for b in backends if b[0].lower().startswith(args.only[:6])]
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")),
               "?")
    ram = next((int(line.split()[1]) // 1024 for line in open("/proc/meminfo") if line.startswith("MemTotal")), 0)
    print(f"machine: {os.cpu_count()} CPUs, {cpu}, {ram / 1024:.1f} GB RAM; Python {sys.version.split()[0]}")
    for label, url in backends:
        if args.prepare:
            prepare(url, args.scale)
        run_backend(label, url, args.requests)


if __name__ == "__main__":
    main()
