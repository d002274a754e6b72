"""The text of sheet rows and records as the sync compares them: trimmed, padded to a table's width, in
its column order (shared by the plan, sync.core, and its outcomes, sync.outcomes)."""
from __future__ import annotations

from typing import Mapping, Sequence

from .plan_types import Records, TableSpec


def norm(value: str | None) -> str:
    return (value or "").strip()


def padded(cells: Sequence[str], width: int) -> tuple[str, ...]:
    if len(cells) >= width:
        return tuple(cells[:width])
    return (*cells, *("",) * (width - len(cells)))


def trimmed(cells: Sequence[str]) -> tuple[str, ...]:
    """Every cell in norm form; str.strip through map is several times faster per cell."""
    try:
        return tuple(map(str.strip, cells))
    except TypeError:  # a None cell
        return tuple(norm(c) for c in cells)


def value_tuples(spec: TableSpec, records: Mapping) -> Mapping[int, tuple]:
    """{id: raw values in spec.columns order} (no copy when already Records in that order)."""
    if isinstance(records, Records) and records.columns == spec.columns:
        return records.rows
    return {rid: tuple(map(values.get, spec.columns)) for rid, values in records.items()}



def kept(records: Mapping) -> Mapping:
    # A plan keeps its own copy of the caller's dict; Records are not copied (one dict per
    # record would be built) - the adapter hands them over.
    return records if isinstance(records, Records) else dict(records)


def strip_trailing_blanks(cells: Sequence[str]) -> list[str]:
    stripped = [norm(c) for c in cells]
    while stripped and stripped[-1] == "":
        stripped.pop()
    return stripped


def record_values(spec: TableSpec, record: Mapping[str, str]) -> tuple[str, ...]:
    return tuple(norm(record.get(c)) for c in spec.columns)




def filled(spec: TableSpec, values: Sequence[str]) -> str:
    return ", ".join(f"{c}={v!r}" for c, v in zip(spec.columns, values) if v)
