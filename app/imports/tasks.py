"""The import job as a task of the queue (app.tasks, Huey): runs in an app context, outside any request."""
from app.tasks import task

from .jobs import run_job


@task()
def import_task(job_id: int) -> None:
    run_job(job_id)
