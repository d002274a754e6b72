"""Import benchmark (`make bench-import`): a generated customer file of realistic Chinese data (1% invalid
rows), as .xlsx and as GBK CSV; dry run and commit of each through `flask import`, against
`flask demo seed --scale N` measured in the same run on the same database backend.

Prints (figures only, no assertions): wall time of each run, its ratio to the seed's time (target <= 4x),
the rows per second and the peak RSS of the process (target <= 300 MB), and the report's counts.
Each run is its own `flask` process on a fresh copy of a migrated database (SQLite), so the commits create
the customers anew; the seed runs on another copy.

    .venv/bin/python bench/bench_import.py [--rows 100000] [--as sales1] [--keep DIR]
"""
from __future__ import annotations

import argparse
import csv
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

CITIES = ["深圳", "广州", "东莞", "佛山", "珠海", "惠州", "中山", "江门", "上海", "北京", "杭州", "苏州", "成都", "武汉"]
WORDS = ["华", "兴", "达", "通", "鑫", "盛", "源", "泰", "恒", "信", "联", "创", "宏", "远", "博", "科", "智", "海",
         "嘉", "瑞", "安", "隆", "丰", "明", "德", "诚", "新", "星", "金", "宇"]
TRADES = ["电子科技", "五金制品", "塑胶模具", "照明电器", "包装材料", "精密机械", "光电科技", "家具", "服装",
          "食品", "化工", "物流", "印刷", "通讯设备", "新能源"]
INDUSTRIES = ["电子", "五金", "塑胶", "照明", "包装", "机械", "光电", "家具", "服装", "食品", "化工", "物流"]
SOURCES = ["网络搜索", "电话陌拜", "行业杂志", "展会", "客户介绍"]
STAGES = ["潜在", "意向", "报备", "签约", "流失"]
HEADERS = ["公司名称", "简称", "统一社会信用代码", "行业", "城市", "本地/外地", "客户来源", "阶段", "备注"]


def credit_code(rng: random.Random) -> str:
    from app.domain.validation import credit_code_check_char

    body = "91" + f"{rng.choice([4403, 4401, 4419, 4406, 3101, 1101, 3301])}00" + \
        "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(9))
    return body + credit_code_check_char(body)


def rows(n: int, seed: int = 11):
    """n rows; one in a hundred is invalid (a short credit code, an unknown stage, or no name)."""
    rng = random.Random(seed)
    seen = set()
    for i in range(n):
        city = rng.choice(CITIES)
        core = "".join(rng.choice(WORDS) for _ in range(rng.choice((2, 3))))
        trade = rng.choice(TRADES)
        name = f"{city}市{core}{trade}有限公司{i}"
        code = credit_code(rng)
        while code in seen:
            code = credit_code(rng)
        seen.add(code)
        row = [name, f"{core}{trade[:2]}", code, rng.choice(INDUSTRIES), city,
               "本地" if city in ("深圳", "东莞", "惠州") else "外地", rng.choice(SOURCES), rng.choice(STAGES),
               rng.choice(["", "", "老客户介绍", "展会上认识", "有意向投放封底"])]
        if i % 100 == 37:
            problem = (i // 100) % 3
            if problem == 0:
                row[2] = code[:10]
            elif problem == 1:
                row[7] = "待定"
            else:
                row[0] = ""
        yield row


def write_xlsx(path: str, n: int) -> None:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("客户")
    sheet.append(HEADERS)
    for row in rows(n):
        sheet.append(row)
    workbook.save(path)


def write_csv(path: str, n: int) -> None:
    with open(path, "w", encoding="gbk", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADERS)
        writer.writerows(rows(n))


def flask(args, env, check=True):
    """Run `flask --app run ARGS` in its own process: (seconds, peak RSS in MB, exit code, output)."""
    started = time.monotonic()
    process = subprocess.Popen([sys.executable, "-m", "flask", "--app", "run", *args], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    output = process.stdout.read().decode("utf-8", "replace")
    _pid, status, usage = os.wait4(process.pid, 0)
    seconds = time.monotonic() - started
    code = os.waitstatus_to_exitcode(status)
    process.returncode = code
    if check and code not in (0, 1):
        raise RuntimeError(f"flask {' '.join(args)} failed ({code}):\n{output[-3000:]}")
    return seconds, usage.ru_maxrss / 1024, code, output


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--as", dest="username", default="sales1")
    parser.add_argument("--keep", default=None, help="keep the files and databases in this folder")
    parser.add_argument("--runs", default="xlsx-dry,xlsx-commit,csv-dry,csv-commit",
                        help="which runs, comma-separated (default: all four)")
    args = parser.parse_args()
    folder = args.keep or tempfile.mkdtemp(prefix="bench-import-")
    os.makedirs(folder, exist_ok=True)
    base_env = {**os.environ, "APP_ENV": "testing", "SECRET_KEY": "bench-import-secret-key-0123456789",
                "DEMO_PASSWORD": "Bench-pass-2026!", "ROLES_CHECK_AT_START": "false", "TASKS_IMMEDIATE": "true",
                "IMPORT_MAX_ROWS": str(max(args.rows + 10, 200_000)), "IMPORT_MAX_MB": "200"}
    base_env.pop("REDIS_URL", None)

    def env_for(name):
        return {**base_env, "DATABASE_URL": f"sqlite:///{folder}/{name}.db"}

    print(f"rows: {args.rows:,}; database: SQLite; folder: {folder}")
    template = env_for("template")
    for command in (["db", "upgrade"], ["roles", "sync"], ["demo", "users"]):
        flask(command, template)
    t = time.monotonic()
    xlsx_path, csv_path = os.path.join(folder, "customers.xlsx"), os.path.join(folder, "customers-gbk.csv")
    write_xlsx(xlsx_path, args.rows)
    write_csv(csv_path, args.rows)
    print(f"files generated in {time.monotonic() - t:.1f} s: .xlsx {os.path.getsize(xlsx_path) / 1e6:.1f} MB, "
          f"GBK CSV {os.path.getsize(csv_path) / 1e6:.1f} MB")

    def fresh(name):
        shutil.copyfile(f"{folder}/template.db", f"{folder}/{name}.db")
        return env_for(name)

    seed_seconds, seed_rss, _code, _out = flask(["demo", "seed", "--scale", str(args.rows)], fresh("seed"))
    print(f"\nflask demo seed --scale {args.rows}: {seed_seconds:.1f} s, peak RSS {seed_rss:.0f} MB\n")
    print(f"{'run':34} {'seconds':>8} {'x seed':>7} {'rows/s':>8} {'RSS MB':>7}  report")
    runs = {"xlsx-dry": (".xlsx dry run", xlsx_path, ["--dry-run"]),
            "xlsx-commit": (".xlsx commit (--partial)", xlsx_path, ["--partial"]),
            "csv-dry": ("GBK CSV dry run", csv_path, ["--dry-run"]),
            "csv-commit": ("GBK CSV commit (--partial)", csv_path, ["--partial"])}
    for name in args.runs.split(","):
        label, path, flags = runs[name.strip()]
        env = fresh(re.sub(r"\W+", "_", label))
        seconds, rss, code, output = flask(["import", "customer", path, "--as", args.username, *flags], env)
        counts = re.search(r"rows \d+: .*", output)
        print(f"{label:34} {seconds:8.1f} {seconds / seed_seconds:7.2f} {args.rows / seconds:8.0f} {rss:7.0f}  "
              f"{counts.group(0) if counts else output[-300:]} (exit {code})")
    print("\ntargets: each run <= 4x the seed's time, peak RSS <= 300 MB")
    if not args.keep:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
