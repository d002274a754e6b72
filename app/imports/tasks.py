"""The import job as a task of the queue (app.tasks, Huey). Importing this module fails with ImportError
while the queue is not in the build; app.imports.jobs.start_job then runs the job in a thread."""
from app.tasks import task  # noqa: F401  (ImportError without the queue)

from .jobs import run_job


@task()
def import_task(job_id: int) -> None:
    run_job(job_id)
