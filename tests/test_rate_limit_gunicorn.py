"""The sign-in limit through `make run` itself: the commands `make -n run` prints (migrate, roles, demo data,
then gunicorn with the Makefile's worker count and no extra settings), on a fresh SQLite database and a free
port. Wrong sign-ins from one address, through the form and the JWT login, across both workers: the first 10
(the documented default, LOGIN_MAX_FAILURES) are refused as wrong, the 11th is refused with 429; an office
signing in many times from that address in between is never limited.
"""
import os
import re
import shlex
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest
import requests

from tests.conftest import DEMO_PASSWORD, compile_catalogues, csrf_token

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_LIMIT = 10  # README: LOGIN_MAX_FAILURES
WRONG = "Wrong-pass-2026"
STAFF = ["admin", "manager", "sales1", "sales2", "finance", "service"]

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def make_run_commands(port: int) -> list[str]:
    """What `make run` would run here, without running it (install steps, if any were due, are left out)."""
    printed = subprocess.run(["make", "-n", "run", "HOST=127.0.0.1", f"PORT={port}"], cwd=ROOT, check=True,
                             capture_output=True, text=True).stdout.replace("\\\n", " ")
    commands = []
    for line in printed.splitlines():
        if "/gunicorn " in line:  # the last step starts a task consumer beside gunicorn in one shell line
            assert "tasks worker" in line, line
            commands.append("APP_ENV=${APP_ENV:-demo} " + line[line.index(".venv/bin/gunicorn"):].strip())
        elif line.startswith("APP_ENV="):
            commands.append(line)
    return commands


@pytest.fixture(scope="module")
def make_run(tmp_path_factory):
    compile_catalogues()
    folder = tmp_path_factory.mktemp("make-run")
    port = free_port()
    commands = make_run_commands(port)
    server = [c for c in commands if "/gunicorn " in c]
    assert len(server) == 1, commands
    workers = int(re.search(r"--workers (\d+)", server[0]).group(1))
    assert workers >= 2, "make run is meant to start several workers"
    env = {name: value for name, value in os.environ.items()
           if not name.startswith(("LOGIN_", "RATELIMIT_", "TRUSTED_PROXIES", "APP_ENV", "DATABASE_URL"))}
    # Our own database and key (make run would use instance/ in the working tree); nothing else is set.
    env.update(DATABASE_URL=f"sqlite:///{folder}/make-run.db", SECRET_KEY="make-run-test-secret-key-0123456789",
               DEMO_PASSWORD=DEMO_PASSWORD, PYTHONUNBUFFERED="1", SHEETS_API_URL="http://127.0.0.1:9")
    for command in commands:
        if command in server:
            continue
        subprocess.run(command, shell=True, cwd=ROOT, env=env, check=True, capture_output=True, timeout=300)
    log = open(folder / "gunicorn.log", "w")
    process = subprocess.Popen(shlex.split(server[0].replace("APP_ENV=${APP_ENV:-demo} ", "")),
                               cwd=ROOT, env={**env, "APP_ENV": "demo"}, stdout=log, stderr=subprocess.STDOUT,
                               start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(f"{base}/login/", process)
        yield {"base": base, "workers": workers, "log": folder / "gunicorn.log"}
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
        log.close()


def wait_for(url: str, process, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}")
        try:
            if requests.get(url, timeout=5).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {seconds} s")


def form_login(base: str, username: str, password: str) -> requests.Response:
    with requests.Session() as browser:  # cookies only: gunicorn's sync workers close every connection
        token = csrf_token(browser.get(f"{base}/login/", timeout=30).text)
        return browser.post(f"{base}/login/", data={"username": username, "password": password, "csrf_token": token},
                            allow_redirects=False, timeout=30)


def jwt_login(base: str, username: str, password: str) -> requests.Response:
    return requests.post(f"{base}/api/v1/security/login", timeout=30,
                         json={"username": username, "password": password, "provider": "db"})


def outcome(response) -> str:
    if response.status_code == 429:
        return "limited"
    if response.status_code == 302:
        return "wrong" if "/login" in response.headers["Location"] else "ok"
    return {200: "ok", 401: "wrong"}[response.status_code]


def test_make_run_refuses_the_attempt_after_the_tenth_failure_and_never_an_office(make_run):
    base = make_run["base"]
    # An office behind one address: 24 sign-ins, form and JWT, more than twice the limit.
    for n in range(24):
        login = form_login if n % 2 else jwt_login
        assert outcome(login(base, STAFF[n % len(STAFF)], DEMO_PASSWORD)) == "ok", n
    # Ten wrong passwords from that address, on several accounts (none reaches its own limit), both doors,
    # with colleagues signing in between: each is an ordinary refusal.
    for n in range(DEFAULT_LIMIT):
        login = jwt_login if n % 2 else form_login
        assert outcome(jwt_login(base, STAFF[3 + n % 3], DEMO_PASSWORD)) == "ok"
        assert outcome(login(base, STAFF[n % 3], WRONG)) == "wrong", f"failure {n + 1}"
    # The 11th attempt from the address is refused, right password or not, through either door.
    refused = form_login(base, "finance", DEMO_PASSWORD)
    assert refused.status_code == 429
    assert 0 < int(refused.headers["Retry-After"]) <= 5 * 60
    assert jwt_login(base, "service", DEMO_PASSWORD).status_code == 429
    assert jwt_login(base, "sales2", WRONG).status_code == 429
    log = make_run["log"].read_text()
    assert log.count("Booting worker") >= make_run["workers"], log
    assert "Traceback" not in log
