"""Command-line tools: `flask roles sync|check`, `flask demo users|seed`, `flask tasks worker|info`."""
import os
import time

import click
from flask import current_app
from flask.cli import AppGroup

from app.models import db

roles_cli = AppGroup("roles", help="Role and permission set-up.")
demo_cli = AppGroup("demo", help="Demo users and data.")

# username -> (role, full name, job title). FAB shows "first last": Chinese names go whole in the first.
DEMO_USERS = {
    "admin": ("Admin", "赵敏", "管理员"),
    "manager": ("Manager", "王建国", "经理"),
    "sales1": ("Sales", "李丽", "销售"),
    "sales2": ("Sales", "张强", "销售"),
    "finance": ("Finance", "陈静", "财务"),
    "service": ("Service", "刘洋", "客服"),
}


@roles_cli.command("sync")
def roles_sync_command():
    """Write the role matrix declared in app.security.matrix into the database."""
    from app.security.roles import sync_roles

    counts = sync_roles()
    for role, count in counts.items():
        click.echo(f"{role}: {count} permissions")


@roles_cli.command("check")
def roles_check_command():
    """Compare the roles in the database with the declaration; exit 1 if they differ."""
    from app.security.roles import role_differences

    differences = role_differences()
    if not differences:
        click.echo("The roles in the database match app/security/matrix.py.")
        return
    for line in differences:
        click.echo(line)
    raise click.exceptions.Exit(1)


def ensure_demo_users(password: str | None) -> tuple[dict, str | None]:
    """Create the missing demo users; returns them and the password if it was generated."""
    from app.security.passwords import generate_password, policy_problems

    sm = current_app.appbuilder.sm
    generated = None
    if password is not None and policy_problems(password, DEMO_USERS):
        raise click.ClickException("DEMO_PASSWORD breaks the password policy: "
                                   + " ".join(policy_problems(password, DEMO_USERS)))
    users = {}
    for username, (role_name, first, last) in DEMO_USERS.items():
        user = sm.find_user(username=username)
        if user is None:
            if password is None:
                password = generated = generate_password()  # passes the password policy
            role = sm.find_role(role_name)
            if role is None:
                raise click.ClickException("Roles are missing: run `flask roles sync` first.")
            user = sm.add_user(username, first, last, f"{username}@example.com", role, password)
            if not user:
                raise click.ClickException(f"Could not create demo user {username}.")
        users[username] = user
    return users, generated


def missing_demo_users() -> list[str]:
    sm = current_app.appbuilder.sm
    return [username for username in DEMO_USERS if sm.find_user(username=username) is None]


def report_demo_users(created: list[str], generated: str | None) -> None:
    """Name the demo users just created and say where their password comes from (never echoing a password
    the operator chose)."""
    if not created:
        return
    names = ", ".join(f"{username} ({DEMO_USERS[username][0]})" for username in created)
    click.echo(f"Demo users created: {names}.")
    if generated:
        click.echo(f"Their password (shown once): {generated}")
    else:
        click.echo("Their password is the one in DEMO_PASSWORD.")


@demo_cli.command("users")
def demo_users_command():
    """Create the demo users (password from DEMO_PASSWORD, or generated and printed once)."""
    created = missing_demo_users()
    _users, generated = ensure_demo_users(os.environ.get("DEMO_PASSWORD") or None)
    report_demo_users(created, generated)


@demo_cli.command("seed")
@click.option("--scale", type=click.IntRange(min=1), default=None,
              help="Make N customers with about 2N contracts and 3N payments (benchmarks).")
@click.option("--if-empty", is_flag=True, help="Do nothing when customers already exist.")
def demo_seed_command(scale, if_empty):
    """Create demo users and realistic Chinese demo data."""
    from app.demo.seed import seed_demo_data, seed_scale_data
    from app.models import Customer

    if if_empty and db.session.query(Customer.id).first() is not None:
        click.echo("Demo data already present; nothing to do.")
        return
    created = missing_demo_users()
    users, generated = ensure_demo_users(os.environ.get("DEMO_PASSWORD") or None)
    started = time.monotonic()
    if scale:
        counts = seed_scale_data(db.session, users, scale, progress=click.echo)
    else:
        counts = seed_demo_data(db.session, users)
    summary = ", ".join(f"{count} {name}" for name, count in counts.items())
    click.echo(f"Seeded {summary} in {time.monotonic() - started:.1f} s.")
    report_demo_users(created, generated)


tasks_cli = AppGroup("tasks", help="Background tasks (Huey): the consumer.")


@tasks_cli.command("worker")
@click.option("--workers", type=click.IntRange(min=1), default=2, show_default=True,
              help="Worker threads in this consumer process.")
@click.option("--no-periodic", is_flag=True, help="Do not run the periodic tasks here (another consumer does).")
def tasks_worker_command(workers, no_periodic):
    """Run a task consumer until Ctrl-C / SIGTERM (REDIS_URL: consumers on several machines share the queue)."""
    from app.tasks import kind, run_consumer

    click.echo(f"task consumer: {workers} worker(s), storage {kind()}", err=True)
    try:
        run_consumer(current_app._get_current_object(), workers=workers, periodic=not no_periodic)
    except RuntimeError as exc:
        raise click.ClickException(str(exc)) from None


@tasks_cli.command("info")
def tasks_info_command():
    """Print where tasks are queued and how many wait."""
    from app.tasks import huey, kind

    pending = "-" if huey.immediate else huey.pending_count()
    click.echo(f"storage {kind()}; pending {pending}; scheduled {'-' if huey.immediate else huey.scheduled_count()}")


@tasks_cli.command("ping")
@click.option("--timeout", type=float, default=10.0, show_default=True, help="Seconds to wait for a consumer.")
def tasks_ping_command(timeout):
    """Enqueue a ping and wait for a consumer to answer (exit 1 if none does in time)."""
    from huey.exceptions import ResultTimeout

    from app.tasks import ping

    try:
        answer = ping().get(blocking=True, timeout=timeout)
    except ResultTimeout:
        answer = None
    if answer is None:
        raise click.ClickException("no consumer answered")
    click.echo(f"answered by process {answer['pid']}")
