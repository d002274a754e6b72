"""Linking a spreadsheet to a user and a profile: create or repair its tabs (header, protection, shading,
dropdowns, text formats), then push the records with a first sync cycle (sync.runner)."""
from __future__ import annotations

import random
from typing import Callable

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import delete, select

from app.models import SyncBase, SyncLink, SyncRun, db
from app.context import acting_as

from . import core
from .db_side import DbSide
from .profiles import Table, profile
from .runner import LinkError, app_locale, service_account_email, sync_link, tab_title
from .sheet_side import GRID_MARGIN, SheetSide, grid_range

GREY = {"red": 0.9, "green": 0.9, "blue": 0.9}
HEADER_GREY = {"red": 0.8, "green": 0.85, "blue": 0.9}
PROTECTION_TAG = "Adsheet: read-only"


def _setup_requests(table: Table, spec: core.TableSpec, sheet_id: int, email: str | None) -> list[dict]:
    width = len(spec.header)
    requests = [{"updateSheetProperties": {
        "properties": {"sheetId": sheet_id, "gridProperties": {"frozenRowCount": 1}},
        "fields": "gridProperties.frozenRowCount"}}]

    def protect(rng: dict) -> dict:
        protected = {"range": rng, "description": PROTECTION_TAG, "warningOnly": False}
        if email:
            protected["editors"] = {"users": [email]}
        return {"addProtectedRange": {"protectedRange": protected}}

    requests.append(protect(grid_range(sheet_id, 0, 1, 0, width)))
    requests.append({"repeatCell": {
        "range": grid_range(sheet_id, 0, 1, 0, width),
        "cell": {"userEnteredFormat": {"backgroundColor": HEADER_GREY, "textFormat": {"bold": True}}},
        "fields": "userEnteredFormat(backgroundColor,textFormat)"}})
    read_only = [0] + [i for i, name in enumerate(spec.columns, start=1) if name not in spec.editable]
    blocks: list[list[int]] = []
    for i in read_only:
        if blocks and blocks[-1][-1] + 1 == i:
            blocks[-1].append(i)
        else:
            blocks.append([i])
    for block in blocks:
        rng = grid_range(sheet_id, 1, None, block[0], block[-1] + 1)
        requests.append(protect(rng))
        requests.append({"repeatCell": {"range": rng, "cell": {"userEnteredFormat": {"backgroundColor": GREY}},
                                        "fields": "userEnteredFormat.backgroundColor"}})
    from .db_side import enum_labels

    formats = {"code": {"type": "TEXT"}, "date": {"type": "DATE", "pattern": "yyyy-mm-dd"},
               "decimal": {"type": "NUMBER", "pattern": "0.00"}}
    column_kinds = [("code", None)] + [(c.kind, c) for c in table.columns]  # the ID column is text
    for i, (kind, column) in enumerate(column_kinds):
        rng = grid_range(sheet_id, 1, None, i, i + 1)
        if kind in formats:
            requests.append({"repeatCell": {"range": rng, "cell": {"userEnteredFormat": {"numberFormat": formats[kind]}},
                                            "fields": "userEnteredFormat.numberFormat"}})
        if kind == "enum":
            values = [{"userEnteredValue": text} for text in enum_labels(column.enum).values()]
            requests.append({"setDataValidation": {"range": rng, "rule": {
                "condition": {"type": "ONE_OF_LIST", "values": values}, "strict": True, "showCustomUi": True}}})
        elif kind == "bool":
            requests.append({"setDataValidation": {"range": rng, "rule": {
                "condition": {"type": "BOOLEAN"}, "strict": True}}})
    return requests


def link_spreadsheet(spreadsheet_id: str, username: str, profile_name: str, client,
                     progress: Callable[[str], None] = lambda text: None,
                     push_progress: Callable[[int, int], None] | None = None) -> tuple[SyncLink, SyncRun]:
    """Create/repair the tabs of a spreadsheet for a user and a profile, then push (first cycle)."""
    tables = profile(profile_name)
    sm = current_app.appbuilder.sm
    user = sm.find_user(username=username)
    if user is None:
        raise LinkError(f"no user {username!r}")
    if not user.active:
        raise LinkError(f"user {username!r} is deactivated; a sheet acts as its user, so link it to an active one")
    link = db.session.scalar(select(SyncLink).where(SyncLink.spreadsheet_id == spreadsheet_id))
    if link is not None and (link.user_id != user.id or link.profile != profile_name):
        raise LinkError(f"spreadsheet {spreadsheet_id} is already linked to {link.user.username} "
                        f"with profile {link.profile}")
    if link is None:
        link = SyncLink(spreadsheet_id=spreadsheet_id, user_id=user.id, profile=profile_name, state="new", tabs="{}")
        db.session.add(link)
        db.session.commit()

    side = SheetSide(client, spreadsheet_id)
    data = client.http_client.fetch_sheet_metadata(
        spreadsheet_id, params={"fields": "sheets(properties,protectedRanges(protectedRangeId,description))"})
    sheets = {s["properties"]["sheetId"]: s for s in data.get("sheets", [])}
    by_title = {s["properties"]["title"]: s["properties"]["sheetId"] for s in sheets.values()}
    tabs = link.tab_map
    email = service_account_email()
    requests, new_tabs = [], []
    with acting_as(user.id, "sheet"), force_locale(app_locale()):
        dbside = DbSide(db.session, tables)
        for table in tables:
            if not dbside.may(table.record, "read"):
                progress(f"{table.record}: {username} may not read these records; no tab")
                tabs.pop(table.record, None)
                continue
            title = tab_title(table.record)
            spec = dbside.spec(table)
            known = tabs.get(table.record, {}).get("sheet_id")
            sheet_id = known if known in sheets else by_title.get(title)
            if sheet_id is not None and sheets[sheet_id]["properties"]["title"] != title:
                requests.append({"updateSheetProperties": {"properties": {"sheetId": sheet_id, "title": title},
                                                           "fields": "title"}})
            if sheet_id is None or sheet_id != known:
                # Another tab than the one synced so far (it was deleted by hand): its base describes rows
                # this tab never had, which would all be reported as deleted in the sheet.
                _forget_base(link.id, table.record)
            if sheet_id is None:
                sheet_id = _new_sheet_id(sheets)
                rows = GRID_MARGIN + 1  # rows are inserted as the records are pushed
                requests.append({"addSheet": {"properties": {
                    "sheetId": sheet_id, "title": title,
                    "gridProperties": {"rowCount": rows, "columnCount": len(spec.header)}}}})
                sheets[sheet_id] = {"properties": {"sheetId": sheet_id, "title": title,
                                                   "gridProperties": {"rowCount": rows,
                                                                      "columnCount": len(spec.header)}}}
                new_tabs.append(title)
            else:
                for protected in sheets[sheet_id].get("protectedRanges", []):
                    if protected.get("description") == PROTECTION_TAG:
                        requests.append({"deleteProtectedRange": {"protectedRangeId": protected["protectedRangeId"]}})
            requests += _setup_requests(table, spec, sheet_id, email)
            grid = sheets[sheet_id]["properties"].get("gridProperties", {})
            tabs[table.record] = {"sheet_id": sheet_id, "title": title, "rows": grid.get("rowCount", 1000),
                                  "cols": grid.get("columnCount", 26), "deleted": False}
    progress(f"setting up tabs: {', '.join(tab_title(r) for r in tabs)}"
             + (f" (new: {', '.join(new_tabs)})" if new_tabs else ""))
    side.batch_update(requests)
    link.tab_map = tabs
    link.state = "active"
    db.session.commit()
    progress("pushing the records")
    run = sync_link(link.id, client, push_progress, wait=True)
    return link, run


def _forget_base(link_id: int, record: str) -> None:
    db.session.execute(delete(SyncBase).where(SyncBase.link_id == link_id, SyncBase.table_name == record))


def _new_sheet_id(sheets: dict) -> int:
    while True:
        candidate = random.randrange(1, 2**31 - 1)
        if candidate not in sheets:
            return candidate
