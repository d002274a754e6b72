"""The idle shortcut of a cycle (sync.idle) never decides anything the full plan would not.

* Pure: for records of every column kind, the grid the sheet returns when nobody touched the tab
  (each record written typed and read back) matches in any order, and after any single change a
  person could make (a cell, a space, an amount in another form, a blank row, a column beyond the
  header, a repeated or missing row, the header) the shortcut is taken only where the full plan
  (sync.core.plan_tab on the same grid) finds nothing to do either.
* Through the emulator: an untouched cycle takes the shortcut and rewrites no base snapshot; an
  edit made in the sheet afterwards goes through the full plan and reaches the database.
"""
from __future__ import annotations

import random
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.domain import enums
from sync import core, idle
from sync.cells import normalised_rows
from sync.core import Records, TabBase, TableSpec
from sync.profiles import C, Table
from sync.sheet_side import cell_text, sheet_value

from tests import factories as f
from tests.sync.conftest import cycle, new_user

STAGE_LABELS = {"lead": "潜在", "intent": "意向", "filed": "报备", "signed": "签约", "lost": "流失"}
TABLE = Table("t", (C("name"), C("code", "code"), C("stage", "enum", enum=enums.CustomerStage),
                    C("day", "date"), C("amount", "decimal"), C("flag", "bool"), C("notes")))
SPEC = TableSpec("t", ("名称", "代码", "阶段", "日期", "金额", "标记", "备注"),
                 editable=frozenset({"名称", "代码", "阶段", "日期", "金额", "标记", "备注"}), id_column="ID")


class _Side:
    """The part of DbSide the shortcut uses: enum labels."""

    @staticmethod
    def labels(column):
        return STAGE_LABELS if column.kind == "enum" else None


record_values = st.tuples(
    st.sampled_from(["甲公司", "Acme Ltd", "0123", "=1+1", "全角１２３", "a\u200bb"]),
    st.sampled_from(["", "0012345678", "91440300MA5X"]),
    st.sampled_from(list(STAGE_LABELS.values())),
    st.sampled_from(["", "2026-11-29", "2001-02-03"]),
    st.sampled_from(["", "0.00", "36000.00", "1234.50", "0.10", "99999999.99"]),
    st.sampled_from(["TRUE", "FALSE"]),
    st.sampled_from(["", "备注", "two  spaces inside"]),
)


def as_read(values) -> tuple:
    """A record's row as values:batchGet returns it after the cycle wrote it (trailing blanks left out)."""
    cells = [cell_text(sheet_value(column.kind, v)) for column, v in zip(TABLE.columns, values)]
    while cells and cells[-1] == "":
        cells.pop()
    return tuple(cells)


def full_plan(grid, records, base):
    with mock.patch.object(core, "_unchanged_grid", lambda *args: None):
        rows, _ = normalised_rows(TABLE, [list(r) for r in grid[1:]], _Side())
        return core.plan_tab(SPEC, list(grid[0]) if grid else [], rows, records, base)


def does_nothing(plan) -> bool:
    if plan.blocked or plan.updates or plan.creates or plan.problems:
        return False
    result = core.finish(plan, {}, {})
    return not (result.writes or result.deletes or result.appends or result.problems)


def mutations(grid, rnd: random.Random):
    """(name, grid) for single changes a person (or a sheet function) can make."""
    rows = [list(r) for r in grid]
    n = rnd.randrange(1, len(rows))
    c = rnd.randrange(1, len(SPEC.header))

    def changed(fn):
        out = [list(r) for r in rows]
        fn(out)
        return [tuple(r) for r in out]

    def set_cell(out, value):
        row = out[n]
        row += [""] * (c + 1 - len(row))
        row[c] = value

    yield "a cell typed", changed(lambda out: set_cell(out, "改过"))
    yield "a trailing space", changed(lambda out: set_cell(out, (out[n][c] if c < len(out[n]) else "") + " "))
    yield "a cell cleared", changed(lambda out: set_cell(out, ""))
    yield "amount typed as text", changed(lambda out: out[n].__setitem__(slice(5, 6), ["36,000"])
                                          if len(out[n]) > 5 else None)
    yield "enum typed as its value", changed(lambda out: out[n].__setitem__(3, "lead"))
    yield "the ID cleared", changed(lambda out: out[n].__setitem__(0, ""))
    yield "a blank row inserted", changed(lambda out: out.insert(n, []))
    yield "a cell beyond the header", changed(lambda out: out[n].extend([""] * (len(SPEC.header) + 1 - len(out[n]))
                                                                   + ["x"]))
    yield "a row repeated", changed(lambda out: out.append(list(out[n])))
    yield "a row deleted", changed(lambda out: out.pop(n))
    yield "the header renamed", changed(lambda out: out[0].__setitem__(1, "客户"))
    yield "a new row", changed(lambda out: out.append(["", "新客户"]))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(values=st.lists(record_values, min_size=1, max_size=12), seed=st.integers(0, 2**32 - 1))
def test_the_shortcut_is_taken_only_where_the_full_plan_does_nothing(app, values, seed):
    records = Records(SPEC.columns, {rid: v for rid, v in enumerate(values, start=1)})
    base = TabBase(records)
    with app.app_context():
        shortcut = idle.prepare(TABLE, SPEC, records, base, _Side())
        assert shortcut is not None, "records in canonical text read back as themselves"
        rnd = random.Random(seed)
        untouched = [(str(rid), *as_read(v)) for rid, v in records.rows.items()]
        rnd.shuffle(untouched)
        grid = [tuple(SPEC.header), *untouched]
        assert shortcut.matches(grid), "the untouched tab, in any order, takes the shortcut"
        assert does_nothing(full_plan(grid, records, base)), "... and the full plan agrees: nothing to do"
        for name, changed in mutations(grid, rnd):
            if shortcut.matches(changed):
                assert does_nothing(full_plan(changed, records, base)), f"{name}: shortcut taken on a change"
            elif name in ("a cell typed", "a blank row inserted", "a cell beyond the header", "a row repeated",
                          "a row deleted", "the header renamed", "a new row", "the ID cleared"):
                assert not does_nothing(full_plan(changed, records, base)), f"{name}: the full plan sees it"


def test_records_that_would_not_read_back_as_themselves_get_no_shortcut(app):
    with app.app_context():
        spaced = Records(SPEC.columns, {1: (" 甲 ", "", "潜在", "", "", "FALSE", "")})
        assert idle.prepare(TABLE, SPEC, spaced, TabBase(), _Side()) is None
        uncanonical = Records(SPEC.columns, {1: ("甲", "", "潜在", "", "36000", "FALSE", "")})  # not 36000.00
        assert idle.prepare(TABLE, SPEC, uncanonical, TabBase(), _Side()) is None
        unticked = Records(SPEC.columns, {1: ("甲", "", "潜在", "", "", "", "")})  # a blank box reads as FALSE
        assert idle.prepare(TABLE, SPEC, unticked, TabBase(), _Side()) is None


# --------------------------------------------------------------------------
# through the emulator


def test_an_untouched_cycle_takes_the_shortcut_and_an_edit_after_it_is_applied(app, linker, gc):
    from app.models import Customer, SyncBase, db

    rep = new_user(app, "Sales")
    with app.app_context():
        owner = f.user(app, rep)
        for n in range(3):
            f.customer(owner, name=f"闲置客户{n}{rep}", city="深圳")
        db.session.commit()
    link_id, sheet = linker(rep)
    with app.app_context():
        stamps = {b.table_name: b.updated_at for b in db.session.query(SyncBase).filter_by(link_id=link_id)}

    with mock.patch.object(core, "plan_tab", wraps=core.plan_tab) as planned:
        assert cycle(app, gc, link_id) == ("success", None, 1)
    assert planned.call_count == 0, "every tab was read back as left: no full plan"
    with app.app_context():
        again = {b.table_name: b.updated_at for b in db.session.query(SyncBase).filter_by(link_id=link_id)}
        assert again == stamps, "an idle cycle rewrites no base snapshot"
        first = db.session.query(Customer).filter(Customer.name == f"闲置客户0{rep}").one().id

    sheet.type("customer", first, "city", "广州")
    with mock.patch.object(core, "plan_tab", wraps=core.plan_tab) as planned:
        status, error, _ = cycle(app, gc, link_id)
    assert (status, error) == ("success", None)
    assert [c.args[0].name for c in planned.call_args_list] == ["customer"], "only the edited tab is planned"
    with app.app_context():
        assert db.session.get(Customer, first).city == "广州"
