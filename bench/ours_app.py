"""Adsheet as `make bench` serves it: `gunicorn bench.ours_app:app` (plus the X-SQL-Count header)."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from app import create_app  # noqa: E402
from bench import sqlcount  # noqa: E402

app = create_app()
with app.app_context():
    from app.models import db

    sqlcount.install(app, db.engine)
