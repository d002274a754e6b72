"""The mass-change guard (pure): sheet edits of one cycle that no person types.

Google Sheets lets a person sort a selection that leaves out the ID column (say E2:I by city): every
row keeps its ID while its other cells move to other rows, so each record "receives" another record's
values. Read cell by cell, that is a valid edit of every moved row. Two patterns stop a tab instead
(sync.core then applies nothing of that tab's sheet edits and restores the sheet from the database):

* values MOVED between records: over some columns (each alone, or the ones changed in most rows), the
  changed rows hold what other changed rows held before (the same fragments, shuffled): at least
  ``min_moved`` different fragments, and 80% of the rows changed in those columns (a few genuine edits
  in the same cycle do not hide a sort). A fill-down, a paste of new values, a cleared column or a few
  stages swapped by hand is not such a shuffle;
* MANY rows changed: at least ``min_rows`` rows and more than ``share`` of the tab's records.

Only rows whose record was on the sheet at the last cycle count (the base says what they showed).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Sequence


@dataclass(frozen=True)
class MassLimits:
    share: float = 0.5  # more than this share of the tab's records changed in one cycle...
    min_rows: int = 20  # ...and at least this many rows
    min_moved: int = 5  # different values (row fragments) moved between rows


def detect(columns: Sequence[str], changed: Sequence[tuple[tuple[str, ...], tuple[str, ...]]], records: int,
           limits: MassLimits) -> str | None:
    """What no person types in ``changed`` (per changed row: (values the sheet showed at the last cycle,
    values it shows now), both in ``columns`` order), as a sentence; None when it looks typed.
    ``records``: how many records the tab holds."""
    if not changed:
        return None
    moved, moved_columns = _moved(changed, limits.min_moved)
    if moved:
        names = ", ".join(repr(columns[i]) for i in moved_columns)
        return (f"values of {moved} rows moved to other rows in columns {names}, as sorting a range that "
                "leaves out the ID column does")
    if len(changed) >= limits.min_rows and len(changed) > limits.share * records:
        return (f"{len(changed)} of {records} rows changed in one cycle (more than "
                f"{limits.share:.0%} of the tab)")
    return None


def _moved(changed, min_moved: int) -> tuple[int, list[int]]:
    """(how many rows hold what other changed rows held before, in which columns); (0, []) if too few.

    A sorted selection moves a block of columns together, and other rows may be edited in the same cycle:
    each column alone is tried, and the columns changed in the most rows taken together."""
    width = len(changed[0][0])
    counts = [sum(old[i] != new[i] for old, new in changed) for i in range(width)]
    candidates = [[i] for i in range(width) if counts[i]]
    for least in sorted({n for n in counts if n}, reverse=True):
        block = [i for i in range(width) if counts[i] >= least]
        if len(block) > 1:
            candidates.append(block)
    best = (0, [])
    for block in candidates:
        pairs = [(tuple(old[i] for i in block), tuple(new[i] for i in block)) for old, new in changed]
        pairs = [(old, new) for old, new in pairs if old != new]
        shared = Counter(old for old, _ in pairs) & Counter(new for _, new in pairs)
        moved = sum(shared.values())
        # Fragments many rows share (a stage, a yes/no) are swapped by hand now and then: it takes
        # min_moved different fragments, and most of the rows that changed in these columns.
        if len(shared) >= min_moved and moved * 5 >= len(pairs) * 4 and (moved, len(block)) > (best[0], len(best[1])):
            best = (moved, block)
    return best
