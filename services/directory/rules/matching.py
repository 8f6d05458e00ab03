"""The searches' filters evaluated on documents in memory (``snapshot.py``), as MongoDB
evaluates them: the few operators ``filters`` writes, nothing else (another one is a
programming error, raised as such). Pure."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class UnsupportedFilter(ValueError):
    """A filter this module does not evaluate: answer it with the database instead."""


def matches(query: dict[str, Any], doc: dict[str, Any]) -> bool:
    """Whether ``doc`` satisfies ``query`` (equality, ``$in``, ``$all``, ``$and``; a list
    field matches an equality or ``$in`` when one of its items does, as in MongoDB)."""
    return compile_filter(query)(doc)


def compile_filter(query: dict[str, Any]) -> Callable[[dict[str, Any]], bool]:
    """``matches`` for one query and many documents: the query read once (its lists as
    sets), each document then checked in a few set operations."""
    checks: list[Callable[[dict[str, Any]], bool]] = []
    for name, condition in query.items():
        if name == "$and":
            checks.extend(compile_filter(part) for part in condition)
        elif name.startswith("$"):
            raise UnsupportedFilter(name)
        elif isinstance(condition, dict):
            checks.extend(_operator(name, op, wanted) for op, wanted in condition.items())
        else:
            checks.append(_equal(name, condition))
    return lambda doc: all(check(doc) for check in checks)


def _operator(name: str, op: str, wanted: list[Any]) -> Callable[[dict[str, Any]], bool]:
    chosen = frozenset(wanted)
    if op == "$in":
        return lambda doc: any(item in chosen for item in _items(doc.get(name)))
    if op == "$all":  # few words, many keywords: each word looked up in the list
        return lambda doc: all(one in _items(doc.get(name)) for one in chosen)
    raise UnsupportedFilter(op)


def _equal(name: str, wanted: Any) -> Callable[[dict[str, Any]], bool]:
    def check(doc: dict[str, Any]) -> bool:
        value = doc.get(name)
        return wanted in value if isinstance(value, list) else value == wanted

    return check


def _items(value: Any) -> list | tuple:
    """A field's values: a list's items, or the one value (none for null)."""
    if isinstance(value, list):
        return value
    return () if value is None else (value,)


def by_cells(query: dict[str, Any]) -> tuple[list[str] | None, dict[str, Any]]:
    """The grid cells to read the documents of (``cells_of``), and the rest of the query to
    check on them (without that cells condition, which they meet by construction)."""
    cells = cells_of(query)
    if cells is None or "cells" not in query:
        return cells, query
    return cells, {name: value for name, value in query.items() if name != "cells"}


def cells_of(query: dict[str, Any]) -> list[str] | None:
    """The grid cells a query asks for (the radius's, or the box's), to read only the
    documents filed under them; None when it names none."""
    condition = query.get("cells")
    if condition is None:
        for part in query.get("$and", ()):
            found = cells_of(part)
            if found is not None:
                return found
        return None
    return list(condition["$in"])


def sort_key(fields: list[tuple[str, int]]):
    """The key ordering documents as ``sort`` (ascending fields only) does: a missing value
    first, as MongoDB orders null before strings."""
    if any(direction != 1 for _, direction in fields):
        raise UnsupportedFilter("descending sort")

    def key(doc: dict[str, Any]) -> tuple:
        return tuple((doc.get(f) is not None, _comparable(doc.get(f))) for f, _ in fields)

    return key


def _comparable(value: Any) -> Any:
    return "" if value is None else value if isinstance(value, str | int | float) else str(value)
