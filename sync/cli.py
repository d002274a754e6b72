"""`flask sheets link|sync|status`: the Google Sheets sync from the command line."""
from __future__ import annotations

import sys

import click
from flask.cli import AppGroup
from sqlalchemy import select

from app.models import SyncLink, SyncRun, db

sheets_cli = AppGroup("sheets", help="Two-way Google Sheets sync.")


def _run_line(run: SyncRun) -> str:
    text = (f"link {run.link_id}: {run.status}; rows read {run.rows_read}, to database {run.to_db}, "
            f"to sheet {run.to_sheet}, problems {run.problems}, API requests {run.requests}")
    if run.error:
        text += "\n  " + run.error.replace("\n", "\n  ")
    return text


def _echo_run(run: SyncRun) -> None:
    click.echo(_run_line(run), err=run.status == "failed")


def _push_progress(done: int, total: int) -> None:
    click.echo(f"  pushed {done}/{total} rows", err=True)


@sheets_cli.command("link")
@click.argument("spreadsheet_id")
@click.option("--as", "username", required=True, help="The app user whose view the sheet mirrors.")
@click.option("--profile", type=click.Choice(["sales", "finance"]), required=True)
def link_command(spreadsheet_id, username, profile):
    """Create the tabs, headers, protection and dropdowns, then push the records."""
    from .linking import link_spreadsheet
    from .runner import LinkError, make_client
    from .transport import SheetsConfigError

    try:
        with make_client() as client:
            link, run = link_spreadsheet(spreadsheet_id, username, profile, client,
                                         progress=lambda text: click.echo(text), push_progress=_push_progress)
    except (LinkError, SheetsConfigError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"linked spreadsheet {spreadsheet_id} as link {link.id} ({username}, {profile})")
    _echo_run(run)
    sys.exit(exit_code([run.status]))


# Exit codes of `flask sheets sync` and `flask sheets link`, for cron and monitoring.
EXIT_SUCCESS, EXIT_FAILED, EXIT_INCOMPLETE = 0, 1, 2
EXIT_CODES = {"success": EXIT_SUCCESS, "failed": EXIT_FAILED, "interrupted": EXIT_FAILED,
              "partial": EXIT_INCOMPLETE, "skipped": EXIT_INCOMPLETE}


def exit_code(statuses) -> int:
    """1 if any run failed (or was interrupted), else 2 if any was partial or skipped, else 0."""
    codes = {EXIT_CODES.get(s, EXIT_FAILED) for s in statuses}
    return EXIT_FAILED if EXIT_FAILED in codes else EXIT_INCOMPLETE if EXIT_INCOMPLETE in codes else EXIT_SUCCESS


@sheets_cli.command("sync")
@click.option("--link", "link_ids", type=int, multiple=True, help="Only this link (repeatable).")
@click.option("--watch", "watch_seconds", type=click.FloatRange(min=1), default=None,
              help="Keep cycling, each link about every SECONDS (spread to stay under the project quota).")
@click.option("--enqueue", is_flag=True,
              help="Queue the cycles for the task consumers (`flask tasks worker`) instead of running them here.")
def sync_command(link_ids, watch_seconds, enqueue):
    """Run one cycle of every active link (or --link). Exit code: 0 all succeeded, 2 some link was
    partly done or skipped (locked by another process), 1 some link failed or was interrupted."""
    from .runner import active_link_ids, make_client, reap_interrupted, sync_link, watch

    ids = list(link_ids) or active_link_ids()
    unknown = [i for i in ids if db.session.get(SyncLink, i) is None]
    if unknown:
        raise click.ClickException(f"no link {', '.join(map(str, unknown))}")
    reap_interrupted(ids)
    if watch_seconds:
        clients: dict = {}
        try:
            watch(watch_seconds, list(link_ids) or None, clients, _echo_run, enqueue=enqueue)
        except KeyboardInterrupt:
            click.echo("stopped")
        return
    if enqueue:
        from .tasks import enqueue_sync

        for link_id, run_id in zip(ids, enqueue_sync(ids)):
            click.echo(f"link {link_id}: queued as run {run_id}")
        return
    statuses = []
    with make_client() as client:
        for link_id in ids:
            run = sync_link(link_id, client, _push_progress)
            _echo_run(run)
            statuses.append(run.status)
    if not ids:
        click.echo("no linked spreadsheets; link one with `flask sheets link`")
    code = exit_code(statuses)
    if code == EXIT_FAILED:
        click.echo(f"{sum(EXIT_CODES.get(s, 1) == 1 for s in statuses)} link(s) failed", err=True)
    elif code == EXIT_INCOMPLETE:
        click.echo("some link(s) were partly done or skipped", err=True)
    sys.exit(code)


@sheets_cli.command("status")
@click.option("--runs", type=click.IntRange(min=1), default=3, help="Runs shown per link.")
def status_command(runs):
    """Print the links and their last runs (runs whose process died are marked interrupted first)."""
    from .runner import reap_interrupted

    reap_interrupted()
    links = db.session.scalars(select(SyncLink).order_by(SyncLink.id)).all()
    if not links:
        click.echo("no linked spreadsheets")
    for link in links:
        click.echo(f"link {link.id}: {link.spreadsheet_id} as {link.user.username}, profile {link.profile}, "
                   f"{link.state}; last run {link.last_run_at or '-'} {link.last_status or ''}".rstrip())
        recent = db.session.scalars(select(SyncRun).where(SyncRun.link_id == link.id)
                                    .order_by(SyncRun.id.desc()).limit(runs)).all()
        for run in recent:
            click.echo(f"  run {run.id} {run.started_at:%Y-%m-%d %H:%M:%S}: " + _run_line(run).split(": ", 1)[1])
