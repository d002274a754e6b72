"""`flask import RECORD FILE --as USER ...`: the import from the command line (app.imports.engine)."""
from __future__ import annotations

import os

import click
from flask import current_app
from flask.cli import with_appcontext

from .records import MODES, RECORDS


def find_user(username: str):
    user = current_app.appbuilder.sm.find_user(username=username)
    if user is None or not user.is_active:
        raise click.ClickException(f"no active user {username!r}")
    return user


def check_size(path: str) -> None:
    limit = current_app.config.get("IMPORT_MAX_MB", 20)
    if os.path.getsize(path) > limit * 1024 * 1024:
        raise click.ClickException(f"the file is larger than IMPORT_MAX_MB={limit} MB")


def echo_report(report, verbose_errors: int = 50) -> None:
    plan = report.plan
    if plan is not None:
        mapped = ", ".join(f"{h}={f}" for h, f in zip(plan.headers, plan.fields) if f)
        click.echo(f"columns: {mapped}")
        if plan.unknown:
            click.echo(f"unknown columns (not imported): {', '.join(plan.unknown)}", err=True)
        click.echo(f"key: {','.join(plan.key)}")
    click.echo(f"rows {report.rows}: create {report.create}, update {report.update}, "
               f"unchanged {report.unchanged}, failed {report.failed}")
    for error in report.errors[:verbose_errors]:
        where = f"row {error['row']}" + (f", column {error['column']}" if error["column"] else "")
        value = f" [{error['value']}]" if error["value"] else ""
        click.echo(f"  {where}{value}: {error['message']}", err=True)
    if len(report.errors) > verbose_errors:
        click.echo(f"  ... {len(report.errors) - verbose_errors} more", err=True)
    if report.dry_run:
        click.echo("dry run: nothing was written")
    elif report.committed:
        click.echo("committed")
    else:
        click.echo("nothing was written (a row failed; --partial imports the others)", err=True)


@click.command("import")
@with_appcontext
@click.argument("record", type=click.Choice(RECORDS))
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--as", "username", required=True, help="The user the rows are imported as (their permissions).")
@click.option("--mode", type=click.Choice(MODES), default="upsert", show_default=True)
@click.option("--key", default=None, help="Key field(s), comma-separated (default: the record's natural key).")
@click.option("--map", "mapping", default="", help='Column choices: "源列=field,其他列=" (empty: ignore).')
@click.option("--sheet", default=None, help="The .xlsx sheet to read (default: the first).")
@click.option("--dry-run", is_flag=True, help="Check every row, write nothing.")
@click.option("--partial", is_flag=True, help="Import the good rows even when some fail.")
@click.option("--failed-rows", "failed_out", type=click.Path(dir_okay=False), default=None,
              help="Write the failed rows (reason first) to this .xlsx.")
def import_command(record, file, username, mode, key, mapping, sheet, dry_run, partial, failed_out):
    """Import RECORD rows from FILE (.csv or .xlsx). Exit 0 when every row was imported or unchanged, 1 when a
    row failed."""
    from .engine import ImportError_, Options, run_import
    from .files import failed_rows_bytes
    from .mapping import parse_map_option
    from .readers import ReadError, open_source

    user = find_user(username)
    check_size(file)
    try:
        overrides = parse_map_option(mapping)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    options = Options(mode=mode, key=tuple(k.strip() for k in key.split(",")) if key else None,
                      overrides=overrides, dry_run=dry_run, partial=partial,
                      max_rows=current_app.config.get("IMPORT_MAX_ROWS", 200_000))
    try:
        source = open_source(file, sheet=sheet)
    except ReadError as exc:
        raise click.ClickException(str(exc)) from None
    try:
        report = run_import(record, source, user, options)
    except ImportError_ as exc:
        raise click.ClickException(str(exc)) from None
    echo_report(report)
    if failed_out and report.failed:
        with open(failed_out, "wb") as handle:
            handle.write(failed_rows_bytes(report))
        click.echo(f"failed rows written to {failed_out}")
    if report.failed_path:
        os.unlink(report.failed_path)
    raise SystemExit(1 if report.failed else 0)
