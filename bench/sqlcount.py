"""Counts SQL statements per request into an X-SQL-Count header, for the page benchmark only.

Installed by the bench entry points (bench/ours_app.py, bench/bare_app.py) when BENCH_COUNT_SQL=1; a streamed
body (the CSV export) runs its statements after the header is sent, so those count only up to that point.
"""
import os

from flask import g
from sqlalchemy import event


def install(app, engine) -> None:
    if os.environ.get("BENCH_COUNT_SQL") != "1":
        return

    def count(conn, cursor, statement, parameters, context, executemany):
        try:
            g._bench_sql_count = getattr(g, "_bench_sql_count", 0) + 1
        except RuntimeError:  # outside a request (start-up)
            pass

    event.listen(engine, "before_cursor_execute", count)

    @app.after_request
    def add_header(response):
        response.headers["X-SQL-Count"] = str(getattr(g, "_bench_sql_count", 0))
        return response
