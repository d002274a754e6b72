"""Accepting a mass change an admin recognises as meant (sync.mass_change held it back).

The problem kept what the sheet changed (SyncProblem.detail: per record, field -> [value the sheet showed
before, value it showed then]). Accepting applies those changes now, acting as the link's user through
the same DbSide.update as a cycle (permissions, validation, business rules, audit as channel "sheet"),
one record at a time and each record whole: a record no longer visible to that user, or one of whose
fields is read-only for them or has changed in the database since, is refused with the reason. The next
cycle then writes the accepted values to the sheet (the tab was restored from the database meanwhile).

Call it outside a request (app.views.sync runs it in a worker thread): inside one, the signed-in admin
would be the actor, not the link's user.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field

from flask import current_app
from flask_babel import force_locale

from app.models import SyncProblem, db
from app.models.base import utcnow
from app.context import acting_as

from . import core
from .db_side import DbSide, label
from .locks import link_lock
from .profiles import profile


class NotAcceptable(Exception):
    """The problem cannot be accepted; the message says why."""


@dataclass
class Accepted:
    applied: list[int] = field(default_factory=list)  # record ids
    refused: list[str] = field(default_factory=list)  # one line per refused record


def accept_held_changes(problem_id: int, admin_id: int | None) -> Accepted:
    from .runner import app_locale

    problem = db.session.get(SyncProblem, problem_id)
    if problem is None:
        raise NotAcceptable(f"no sync problem {problem_id}")
    if problem.kind != core.MASS_CHANGE or not problem.detail:
        raise NotAcceptable(f"problem {problem_id} is a {problem.kind!r} problem; only held mass changes can be "
                            "accepted")
    if problem.resolved_at is not None:
        raise NotAcceptable(f"problem {problem_id} was already resolved")
    link = problem.link
    if not link.user.active:
        raise NotAcceptable(f"user {link.user.username} is deactivated: nothing is applied as them")
    table = next((t for t in profile(link.profile) if t.record == problem.table_name), None)
    if table is None:
        raise NotAcceptable(f"profile {link.profile!r} has no table {problem.table_name!r}")
    changes = json.loads(problem.detail)["changes"]
    done = Accepted()
    with link_lock(db.engine, link.id, current_app.instance_path, wait=True):
        with acting_as(link.user_id, "sheet"), force_locale(app_locale()):
            dbside = DbSide(db.session, (table,))
            spec = dbside.spec(table)
            now = dbside.read(table)
            for rid_text, fields in sorted(changes.items(), key=lambda item: int(item[0])):
                rid = int(rid_text)
                reason = _refusal(rid, fields, spec, now)
                if reason is None:
                    outcome = dbside.update(table, rid, {label(f): typed for f, (_, typed) in fields.items()})
                    reason = outcome.reason if isinstance(outcome, core.Refused) else None
                if reason is None:
                    done.applied.append(rid)
                else:
                    done.refused.append(f"record {rid}: {reason}")
            problem.resolved_at, problem.resolved_by_id = utcnow(), admin_id
            db.session.commit()
    return done


def _refusal(rid: int, fields: dict, spec: core.TableSpec, now) -> str | None:
    if rid not in now:
        return "no longer visible to the link's user"
    current = now[rid]
    for name, (was, _) in fields.items():
        column = label(name)
        if column not in spec.editable:
            return f"{column!r} is read-only for the link's user"
        if (current.get(column) or "").strip() != was:
            return f"{column!r} changed in the database since"
    return None
