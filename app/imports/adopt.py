"""`flask sheets adopt SPREADSHEET_ID --tab TITLE --record customer --as USER --profile sales [--map ...]
[--dry-run] [--partial]`: bring a team's own tab in through the import engine, then link the spreadsheet.

The tab is read once (its values as shown, formulas as their results) and never written: no cell, format or
title of it changes, and it is not deleted. The rows go through the same engine as a file import (mapping,
keys, relations among the user's rows, the one write guard, audit channel `import`). After a committed import,
the spreadsheet is linked (sync.linking) to the user and profile, so the records continue in the managed tabs
the link creates next to the team's tab. A dry run only reports; a failed row stops the link unless --partial.
"""
from __future__ import annotations

import click
from flask.cli import with_appcontext

from .records import MODES, RECORDS


def read_tab(client, spreadsheet_id: str, title: str) -> list[list[str]]:
    spreadsheet = client.open_by_key(spreadsheet_id)
    worksheet = spreadsheet.worksheet(title)
    return worksheet.get_values()  # values as the team sees them; read only


@click.command("adopt")
@click.argument("spreadsheet_id")
@click.option("--tab", "tab", required=True, help="Title of the team's tab to import (it is not modified).")
@click.option("--record", type=click.Choice(RECORDS), required=True)
@click.option("--as", "username", required=True, help="The app user the rows are imported as and linked to.")
@click.option("--profile", type=click.Choice(["sales", "finance"]), required=True)
@click.option("--mode", type=click.Choice(MODES), default="upsert", show_default=True)
@click.option("--key", default=None, help="Key field(s), comma-separated (default: the record's natural key).")
@click.option("--map", "mapping", default="", help='Column choices: "源列=field,其他列=" (empty: ignore).')
@click.option("--dry-run", is_flag=True, help="Check every row; write nothing and do not link.")
@click.option("--partial", is_flag=True, help="Import the good rows even when some fail, then link.")
@with_appcontext
def adopt_command(spreadsheet_id, tab, record, username, profile, mode, key, mapping, dry_run, partial):
    """Import a team's existing tab (read only) through the import engine, then link the spreadsheet so the
    records continue in managed tabs. Exit 0 when every row was imported (and the link succeeded), else 1."""
    from flask_babel import force_locale

    from sync.linking import link_spreadsheet
    from sync.profiles import profile as profile_tables
    from sync.runner import LinkError, app_locale, make_client, tab_title
    from sync.transport import SheetsConfigError

    from .cli import echo_report, find_user
    from .engine import ImportError_, Options, run_import
    from .mapping import parse_map_option
    from .readers import ReadError, read_rows

    user = find_user(username)
    with force_locale(app_locale()):
        managed = {tab_title(t.record) for t in profile_tables(profile)}
    if tab in managed:
        raise click.ClickException(
            f"the tab {tab!r} has the title of a managed tab of the {profile} profile; linking would take it over. "
            "Copy the team's tab under another title (or rename it) and adopt that one")
    try:
        overrides = parse_map_option(mapping)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    options = Options(mode=mode, key=tuple(k.strip() for k in key.split(",")) if key else None,
                      overrides=overrides, dry_run=dry_run, partial=partial)
    try:
        with make_client() as client:
            try:
                rows = read_tab(client, spreadsheet_id, tab)
            except Exception as exc:  # gspread's WorksheetNotFound, APIError...
                raise click.ClickException(f"cannot read tab {tab!r}: {type(exc).__name__}: {exc}") from None
            click.echo(f"read {max(len(rows) - 1, 0)} rows from tab {tab!r}")
            try:
                report = run_import(record, read_rows(rows), user, options)
            except (ImportError_, ReadError) as exc:
                raise click.ClickException(str(exc)) from None
            echo_report(report)
            if report.failed_path:
                import os

                os.unlink(report.failed_path)
            if dry_run:
                click.echo("dry run: not linked")
                raise SystemExit(1 if report.failed else 0)
            if not report.committed:
                click.echo("not linked: nothing was imported", err=True)
                raise SystemExit(1)
            link, run = link_spreadsheet(spreadsheet_id, username, profile, client,
                                         progress=lambda text: click.echo(text))
    except (LinkError, SheetsConfigError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"linked spreadsheet {spreadsheet_id} as link {link.id} ({username}, {profile}): {run.status}; "
               f"the tab {tab!r} was left as it was")
    raise SystemExit(1 if report.failed or run.status != "success" else 0)
