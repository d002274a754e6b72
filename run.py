"""Entry point: `flask --app run ...` and `gunicorn run:app`."""
import gc

from app import create_app

app = create_app()

# The objects built so far (Flask-AppBuilder, SQLAlchemy's mappers, catalogues, views: a few hundred thousand)
# live as long as the process. Moved to the collector's permanent generation, they are no longer walked by
# every full collection a request or a sync cycle triggers. The collector stays on for everything made later
# (requests, tasks, sync cycles): nothing pauses it.
gc.collect()
gc.freeze()
