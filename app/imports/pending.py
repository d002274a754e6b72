"""Rows of an import that passed the guard and wait to be written with their batch (app.imports.engine)."""
from __future__ import annotations


class PendingWrites:
    """The checked rows of one batch, in the savepoint they are written in, and the key and unique values they
    hold: a later row sharing one of those is only looked up after they are written."""

    def __init__(self, savepoint):
        self.savepoint = savepoint
        self.rows: list[tuple[int, list, dict]] = []  # (row number, cells, outcome) in file order
        self.items: dict[int, tuple[object, object]] = {}  # id(outcome) of a creation -> (new item, its known key)
        self.marks: set = set()  # (field, value as stored)

    def add(self, marks: set) -> None:
        self.marks |= marks

    def created(self, item, outcome: dict, known) -> None:
        self.items[id(outcome)] = (item, known)

    def shares(self, marks: set) -> bool:
        return not self.marks.isdisjoint(marks)
