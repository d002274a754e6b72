"""The problems log of a cycle: each problem stored once while it is open (SyncProblem), the cell it is
about, the note written on that cell (once), what a held mass change kept back, and the stop of a link
whose user was deactivated. ``work`` is a sync.runner.TabWork."""
from __future__ import annotations

import json
from typing import TYPE_CHECKING

from flask_babel import gettext
from sqlalchemy import select

from app.models import SyncLink, SyncProblem, SyncRun, db
from app.models.base import utcnow

from . import core
from .db_side import label
from .placement import Note
from .profiles import Table
from .sheet_side import quoted

if TYPE_CHECKING:
    from .runner import TabWork

NOTED_KINDS = frozenset({core.REJECTED, core.CONFLICT, core.ROW_DELETED_IN_SHEET})
INACTIVE_USER = "inactive_user"  # problem kind of a link whose user was deactivated


def note_text(problem: core.Problem) -> str:
    stamp = utcnow().strftime("%Y-%m-%d %H:%M")
    typed = problem.sheet_value if problem.sheet_value not in (None, "") else gettext("(empty)")
    if problem.kind == core.CONFLICT:
        head = gettext("Changed in the app and in the sheet at the same time: the app's value was kept. "
                       "You typed: %(typed)s", typed=typed)
    elif problem.kind == core.ROW_DELETED_IN_SHEET:
        head = gettext("This row was deleted in the sheet and has been restored: records are deleted in the app.")
    else:
        head = gettext("Your edit was not applied. You typed: %(typed)s", typed=typed)
    return f"Adsheet {stamp} UTC\n{head}\n{problem.message}"


def problem_cell(work: TabWork, problem: core.Problem) -> tuple[int, int] | None:
    """(row, col) of the cell a problem is about, after this cycle's writes."""
    result = work.result
    row = problem.sheet_row
    if problem.kind == core.ROW_DELETED_IN_SHEET and result is not None:
        ids = [r[0] for r in result.grid]
        if str(problem.record_id) in ids:
            row = ids.index(str(problem.record_id)) + 1
    if row is None:
        return None
    header = list(work.plan.spec.header) if work.plan else []
    col = header.index(problem.column) + 1 if problem.column in header else (1 if problem.record_id else 2)
    return row, col


def store_problems(link: SyncLink, run: SyncRun, works: list[TabWork]) -> int:
    # Open problems, and whether their note may be missing (their run failed, maybe before the sheet write).
    open_keys = {tuple(row[:5]): row[5] != "failed" for row in db.session.execute(
        select(SyncProblem.table_name, SyncProblem.kind, SyncProblem.record_id, SyncProblem.column_name,
               SyncProblem.sheet_value, SyncRun.status)
        .outerjoin(SyncRun, SyncRun.id == SyncProblem.run_id)
        .where(SyncProblem.link_id == link.id, SyncProblem.resolved_at.is_(None)))}
    count = 0
    for work in works:
        problems = list(work.problems) + list(work.result.problems if work.result else
                                              work.plan.problems if work.plan else [])
        for problem in problems:
            count += 1
            key = (work.table.record, problem.kind, problem.record_id, problem.column, problem.sheet_value)
            if problem.kind in NOTED_KINDS and not open_keys.get(key, False):
                work.noted.append(problem)  # a cell's note is written once, not every cycle
            if key in open_keys:
                continue  # the same open problem, seen again: logged once
            open_keys[key] = True
            where = problem_cell(work, problem)
            cell = f"{quoted(work.title)}!{core.column_letter(where[1])}{where[0]}" if where else None
            db.session.add(SyncProblem(
                link_id=link.id, run_id=run.id, table_name=work.table.record, record_id=problem.record_id,
                column_name=problem.column, cell=cell, kind=problem.kind, sheet_value=problem.sheet_value,
                db_value=problem.db_value, message=problem.message, detail=detail_json(work.table, problem)))
    return count


def detail_json(table: Table, problem: core.Problem) -> str | None:
    """What a held problem kept back, by field name (labels change with the locale)."""
    if not problem.detail:
        return None
    fields = {label(c.field): c.field for c in table.columns}
    changes = {str(d.record_id): {fields[col]: [was, now] for col, was, now in d.cells} for d in problem.detail}
    return json.dumps({"fields": list(table.fields), "changes": changes}, ensure_ascii=False)


def note_at(result: core.TabResult, row: int, col: int, text: str) -> Note:
    """A note on (row, col) of the sheet after the cycle, anchored to the row as read or the appended row."""
    origin = result.origins[row - 2] if 2 <= row < len(result.origins) + 2 else None
    if origin is not None:
        return Note(origin, None, col, text)
    kept = sum(1 for o in result.origins if o is not None)
    return Note(None, row - 2 - kept, col, text)


def stop_inactive(link: SyncLink, run: SyncRun) -> None:
    """A link acts as its user: a deactivated user's link reads and writes nothing, and says so."""
    text = (f"user {link.user.username} is deactivated: this link applies and writes nothing until the user "
            "is active again or the spreadsheet is linked to another user")
    seen = db.session.scalar(select(SyncProblem.id).where(
        SyncProblem.link_id == link.id, SyncProblem.kind == INACTIVE_USER, SyncProblem.resolved_at.is_(None)))
    if seen is None:
        db.session.add(SyncProblem(link_id=link.id, run_id=run.id, table_name="link", kind=INACTIVE_USER,
                                   message=text))
    run.problems = 1
    run.status, run.error = "failed", text
