"""Benchmark of the Google Sheets sync (`make bench-sync`): 20,000 customers on one link.

Prints (no assertions, figures only):
* requests of the link step and the first push's largest request payload (must stay < 2 MB);
* requests per idle cycle and per cycle with 100 edits on each side;
* each cycle's wall time divided by the time of a bare gspread batch_get of the same ranges,
  measured in the same process under the same settings (the garbage collector ON for both, as in a
  web worker or task consumer; the sync never pauses it), medians of interleaved runs (bare, cycle,
  bare, cycle...; target <= 1.3), and the time the collector took on each side;
* "API wait" is the time spent in Sheets requests, "beyond it" the rest of the cycle (the cycle
  reads the database while its sheet read waits for the API, so that part is not beyond it);
* peak memory of a cycle (tracemalloc, this process only: the Sheets emulator runs in a child
  process so its memory and CPU are not counted) and the process's max RSS.

    .venv/bin/python bench/sync_bench.py [--customers 20000] [--database-url URL] [--repeat 9] [--profile]

--profile: after the figures, cProfile of idle cycles (top functions by own time, to stderr).
"""
from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)


# --------------------------------------------------------------------------
# the emulator in a child process, driven through a pipe


def _serve(conn) -> None:
    from tests.sheets_emulator import SheetsEmulator

    emu = SheetsEmulator(validate_requests=False).start()
    conn.send(emu.url)
    while True:
        name, args, kwargs = conn.recv()
        if name == "stop":
            emu.stop()
            conn.send(None)
            return
        try:
            if name == "body_sizes":
                result = [len(json.dumps(e.body, ensure_ascii=False).encode("utf-8"))
                          for e in emu.requests(method_id=args[0])]
            else:
                result = getattr(emu, name)(*args, **kwargs)
            conn.send(("ok", result))
        except Exception as exc:  # noqa: BLE001
            conn.send(("error", repr(exc)))


class RemoteEmulator:
    def __init__(self):
        ctx = multiprocessing.get_context("spawn")
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_serve, args=(child,), daemon=True)
        self.process.start()
        self.url = self.conn.recv()

    def __getattr__(self, name):
        def call(*args, **kwargs):
            self.conn.send((name, args, kwargs))
            status, result = self.conn.recv()
            if status == "error":
                raise RuntimeError(result)
            return result

        return call

    def stop(self):
        self.conn.send(("stop", (), {}))
        self.conn.recv()
        self.process.join(5)


# --------------------------------------------------------------------------


def make_app(database_url: str | None, instance: str):
    from flask_migrate import upgrade

    from app import create_app
    from app.cli import ensure_demo_users
    from app.security.roles import sync_roles
    from tests.conftest import compile_catalogues, make_config

    compile_catalogues()
    url = database_url or "sqlite:///" + os.path.join(instance, "bench.db")
    app = create_app(make_config(url, instance, SHEETS_MAX_TRIES=1))
    with app.app_context():
        upgrade()
        sync_roles()
        ensure_demo_users("Bench-pass-2026!")
    return app


def seed(app, n: int) -> str:
    """A fresh Sales user owning n customers, by bulk inserts."""
    from sqlalchemy import insert

    from app.models import Customer, db

    with app.app_context():
        sm = app.appbuilder.sm
        username = f"bench{int(time.time())}"
        user = sm.add_user(username, "基准", "测试", f"{username}@example.com", sm.find_role("Sales"), "Bench-pass-2026!")
        stages = ["lead", "intent", "filed", "signed", "lost"]
        cities = ["深圳", "广州", "东莞", "佛山", "珠海", "上海", "北京"]
        rows = [{"name": f"基准客户{i:05d}有限公司", "short_name": f"基准{i}", "city": cities[i % len(cities)],
                 "industry": "电子", "locality": "local" if i % 3 else "out_of_town", "stage": stages[i % 5],
                 "owner_id": user.id, "notes": "批量导入的客户" if i % 4 == 0 else None} for i in range(n)]
        for start in range(0, n, 5000):
            db.session.execute(insert(Customer), rows[start:start + 5000])
        db.session.commit()
        return username


def timed(fn, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


class GcClock:
    """Seconds spent in the garbage collector (gc.callbacks), and collections per generation."""

    def __init__(self):
        self.seconds, self.collections, self._started = 0.0, [0, 0, 0], None
        self.by_generation = [0.0, 0.0, 0.0]

    def __call__(self, phase, info):
        if phase == "start":
            self._started = time.perf_counter()
        elif self._started is not None:
            took = time.perf_counter() - self._started
            self.seconds += took
            self.collections[info["generation"]] += 1
            self.by_generation[info["generation"]] += took
            self._started = None

    def reset(self):
        self.seconds, self.collections, self.by_generation = 0.0, [0, 0, 0], [0.0, 0.0, 0.0]


def timed_pairs(first, second, repeat: int = 5) -> tuple[float, float, list[float], list[tuple]]:
    """Median times of `first` and `second` run alternately, so that both see the same
    conditions (machine load, the emulator's state) however these drift during the run; also the
    median GC seconds and the collections per generation of each side."""
    import gc

    clock = GcClock()
    gc.callbacks.append(clock)
    times: tuple[list, list] = ([], [])
    gcs: tuple[list, list] = ([], [])
    counts: tuple[list, list] = ([0, 0, 0], [0, 0, 0])
    try:
        for _ in range(repeat):
            for fn, out, gc_out, count in zip((first, second), times, gcs, counts):
                assert gc.isenabled(), "the garbage collector must be on for both sides"
                clock.reset()
                started = time.perf_counter()
                fn()
                out.append(time.perf_counter() - started)
                gc_out.append(clock.seconds)
                for g in range(3):
                    count[g] += clock.collections[g]
                if os.environ.get("BENCH_GC_DETAIL"):
                    print(f"  {getattr(fn, '__name__', fn)}: {out[-1]:.3f} s, GC by generation "
                          + "/".join(f"{t:.3f}" for t in clock.by_generation), file=sys.stderr)
    finally:
        gc.callbacks.remove(clock)
    return (statistics.median(times[0]), statistics.median(times[1]),
            [statistics.median(g) for g in gcs], [tuple(c / repeat for c in count) for count in counts])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--edits", type=int, default=100)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"))
    parser.add_argument("--repeat", type=int, default=9, help="interleaved runs of each side (medians)")
    parser.add_argument("--profile", action="store_true", help="cProfile idle cycles at the end (stderr)")
    args = parser.parse_args()
    import gc

    print(f"garbage collector: {'on' if gc.isenabled() else 'OFF'} for both sides, thresholds {gc.get_threshold()}")

    import gspread  # noqa: F401

    from app.models import Customer, SyncLink, db
    from sync import sheet_side
    from sync.linking import link_spreadsheet
    from sync.runner import sync_link, tab_title
    from sync.transport import make_client

    emu = RemoteEmulator()
    instance = tempfile.mkdtemp(prefix="adsheet-bench-")
    try:
        app = make_app(args.database_url, instance)
        started = time.perf_counter()
        username = seed(app, args.customers)
        print(f"seeded {args.customers} customers in {time.perf_counter() - started:.1f} s "
              f"({app.config['SQLALCHEMY_DATABASE_URI'].split(':')[0]})")
        sid = emu.create_spreadsheet("Bench")
        client = make_client(emu.url, reads_per_minute=None, writes_per_minute=None, max_tries=1, timeout=300)
        waited = [0.0]  # seconds spent waiting for the API (the emulator's share of a cycle)
        real_request = client.http_client.request

        def timed_request(*a, **kw):
            started = time.perf_counter()
            try:
                return real_request(*a, **kw)
            finally:
                waited[0] += time.perf_counter() - started

        client.http_client.request = timed_request

        with app.app_context():
            started = time.perf_counter()
            link, run = link_spreadsheet(sid, username, "sales", client,
                                         push_progress=lambda done, total: None)
            push_time = time.perf_counter() - started
            link_id, tabs = link.id, link.tab_map
            print(f"link + first push: {push_time:.1f} s, {client.stats.total} requests, status {run.status}")
        sizes = emu.body_sizes("sheets.spreadsheets.batchUpdate")[1:]  # the first one sets the tabs up
        print(f"first push: {len(sizes)} spreadsheets:batchUpdate requests, largest payload "
              f"{max(sizes) / 1e6:.2f} MB (limit 2 MB)")
        # The emulator keeps every request and reply in its log, which slows it down as the run
        # goes on (its heap grows): start each measured phase with an empty log.
        emu.clear_log()

        with app.app_context():
            titles = [tabs[r]["title"] for r in ("customer", "contact", "activity", "booking") if r in tabs]
            customer_sheet_id = tabs["customer"]["sheet_id"]
        ranges = [sheet_side.quoted(t) for t in titles]
        bare_client = make_client(emu.url, reads_per_minute=None, writes_per_minute=None, timeout=300)
        book = bare_client.open_by_key(sid)  # metadata read outside the timing

        def bare():
            book.values_batch_get(ranges, params=dict(sheet_side.READ_PARAMS))

        cycle_waits: list[float] = []  # API wait of each cycle

        def cycle():
            before_wait = waited[0]
            with app.app_context():
                run = sync_link(link_id, client)
                assert run.status == "success", run.error
            cycle_waits.append(waited[0] - before_wait)
            return run.requests

        cycle()  # warm up
        bare()
        repeat = args.repeat
        before = client.stats.total
        gc.collect()
        cycle_waits.clear()
        bare_time, idle_time, (bare_gc, idle_gc), (bare_counts, idle_counts) = timed_pairs(bare, cycle, repeat)
        idle_wait = statistics.median(cycle_waits)
        # The same again as the app's processes run: run.py (gunicorn workers, task consumers, flask
        # commands) moves the objects built at start-up to the permanent generation (gc.freeze()),
        # here everything made before this point, for both sides alike; the collector stays on.
        gc.collect()
        gc.freeze()
        fbare_time, fidle_time, (fbare_gc, fidle_gc), (fbare_counts, fidle_counts) = timed_pairs(bare, cycle, repeat)
        gc.unfreeze()
        idle_requests = (client.stats.total - before) / repeat / 2
        emu.clear_log()

        # 100 edits on each side.
        with app.app_context():
            ids = [c for (c,) in db.session.query(Customer.id).join(
                SyncLink, SyncLink.user_id == Customer.owner_id).filter(SyncLink.id == link_id)
                .order_by(Customer.id).limit(2 * args.edits)]
        edit_times, edit_requests, edit_waits = [], [], []
        for round_ in range(3):
            db_side_ids, sheet_ids = ids[:args.edits], ids[args.edits:]
            with app.app_context():
                for cid in db_side_ids:
                    db.session.get(Customer, cid).city = f"应用{round_}"
                db.session.commit()
            grid = emu.values(sid, sheet_side.quoted(tab_title_in(app, tab_title, "customer")),
                              render="FORMATTED_VALUE")
            row_of = {str(r[0]): n for n, r in enumerate(grid, start=1) if r}
            # One helper call for the 100 typed cells (each helper call copies the whole book in the emulator).
            emu.batch_update(sid, [{"updateCells": {
                "range": {"sheetId": customer_sheet_id, "startRowIndex": row_of[str(cid)] - 1,
                          "endRowIndex": row_of[str(cid)], "startColumnIndex": 5, "endColumnIndex": 6},
                "rows": [{"values": [{"userEnteredValue": {"stringValue": f"表格{round_}"}}]}],
                "fields": "userEnteredValue"}} for cid in sheet_ids])
            started, waited[0] = time.perf_counter(), 0.0
            edit_requests.append(cycle())
            edit_waits.append(waited[0])
            edit_times.append(time.perf_counter() - started)
        edit_time = statistics.median(edit_times)
        emu.clear_log()
        bare_time_after = timed(bare)

        tracemalloc.start()
        cycle()
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

        print(f"bare gspread batch_get of the same ranges: {bare_time:.3f} s (median of {repeat}; GC {bare_gc:.3f} s, "
              f"collections per run by generation {fmt_counts(bare_counts)}; after the edits: {bare_time_after:.3f} s)")
        print(f"idle cycle: {idle_requests:.0f} request(s) (must be 1), {idle_time:.3f} s (median of {repeat}; GC "
              f"{idle_gc:.3f} s, collections {fmt_counts(idle_counts)}; API wait {idle_wait:.3f} s, beyond it "
              f"{idle_time - idle_wait:.3f} s; medians of each)")
        print(f"ratio idle cycle / bare batch_get, GC on both sides, nothing frozen: {idle_time / bare_time:.2f}")
        print(f"as run.py runs (GC on, start-up objects frozen, both sides): bare {fbare_time:.3f} s (GC {fbare_gc:.3f} s, "
              f"collections {fmt_counts(fbare_counts)}), idle cycle {fidle_time:.3f} s (GC {fidle_gc:.3f} s, "
              f"collections {fmt_counts(fidle_counts)})")
        print(f"RATIO idle cycle / bare batch_get as run.py runs: {fidle_time / fbare_time:.2f} (target <= 1.3)")
        edit_wait = statistics.median(edit_waits)
        print(f"cycle with {args.edits} edits on each side: {statistics.median(edit_requests):.0f} request(s), "
              f"{edit_time:.3f} s (API wait {edit_wait:.3f} s, beyond it {edit_time - edit_wait:.3f} s), "
              f"ratio {edit_time / bare_time_after:.2f}")
        print(f"peak memory of an idle cycle (tracemalloc, sync process only): {peak / 1e6:.1f} MB (target <= 80); "
              f"process max RSS {rss:.0f} MB")
        if args.profile:
            import cProfile
            import pstats

            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(3):
                cycle()
            profiler.disable()
            pstats.Stats(profiler, stream=sys.stderr).sort_stats("tottime").print_stats(30)
    finally:
        emu.stop()


def fmt_counts(counts) -> str:
    return "/".join(f"{c:.1f}" for c in counts)


def tab_title_in(app, tab_title, record):
    from flask_babel import force_locale

    with app.app_context(), force_locale(app.config["APP_LOCALE"]):
        return tab_title(record)


if __name__ == "__main__":
    main()
