"""Google field masks: "a.b,c(d,e)", "a/b", "*".

Used both to filter GET responses (``fields=``) and to apply the
``fields`` of updateSheetProperties / repeatCell / updateCells.
"""
from __future__ import annotations

import copy
from typing import Any, Dict, List, Optional

Tree = Dict[str, Optional["Tree"]]  # None == "everything below"


class MaskError(ValueError):
    pass


def parse(mask: str) -> Tree:
    tree: Tree = {}
    pos = _parse_list(mask.replace(" ", ""), 0, tree)
    if pos != len(mask.replace(" ", "")):
        raise MaskError(mask)
    return tree


def _parse_list(text: str, pos: int, tree: Tree) -> int:
    while pos < len(text):
        start = pos
        while pos < len(text) and text[pos] not in ",()":
            pos += 1
        path = [p for p in text[start:pos].replace("/", ".").split(".") if p]
        if not path:
            raise MaskError(text)
        node = tree
        for name in path[:-1]:
            nxt = node.get(name, {})
            if nxt is None:  # already "all"
                nxt = None
                break
            node[name] = nxt
            node = nxt
        else:
            leaf = path[-1]
            if pos < len(text) and text[pos] == "(":
                sub = node.get(leaf, {}) if node.get(leaf, {}) is not None else None
                inner: Tree = {}
                pos = _parse_list(text, pos + 1, inner)
                if pos >= len(text) or text[pos] != ")":
                    raise MaskError(text)
                pos += 1
                if sub is not None:
                    sub.update(inner)
                    node[leaf] = sub
            else:
                node[leaf] = None
        if pos < len(text) and text[pos] == ",":
            pos += 1
            continue
        break
    return pos


def filter_data(data: Any, tree: Optional[Tree]) -> Any:
    """Keep only the parts of ``data`` named by the mask tree."""
    if tree is None or "*" in tree:
        return data
    if isinstance(data, list):
        return [filter_data(x, tree) for x in data]
    if not isinstance(data, dict):
        return data
    out = {}
    for key, sub in tree.items():
        if key in data:
            out[key] = filter_data(data[key], sub)
    return out


def wants(tree: Optional[Tree], *path: str) -> bool:
    """Does the mask ask for anything under ``path``?"""
    node = tree
    for name in path:
        if node is None or "*" in node:
            return True
        if name not in node:
            return False
        node = node[name]
    return True


def paths(tree: Tree, prefix: tuple = ()) -> List[tuple]:
    out = []
    for key, sub in tree.items():
        if sub is None or not sub:
            out.append(prefix + (key,))
        else:
            out.extend(paths(sub, prefix + (key,)))
    return out


def apply(dst: dict, src: dict, mask: str, star_keys=None) -> None:
    """Copy the masked paths from src to dst; absent in src means clear."""
    for path in paths(parse(mask)):
        if path == ("*",):
            keys = star_keys if star_keys is not None else list(src)
            for k in keys:
                if src.get(k) is not None:
                    dst[k] = copy.deepcopy(src[k])
                else:
                    dst.pop(k, None)
            continue
        s: Any = src
        for name in path:
            s = s.get(name) if isinstance(s, dict) else None
        d = dst
        for name in path[:-1]:
            d = d.setdefault(name, {})
        if s is None:
            d.pop(path[-1], None)
        else:
            d[path[-1]] = copy.deepcopy(s)
