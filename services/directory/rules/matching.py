"""The searches' filters evaluated on documents in memory (``snapshot.py``), as MongoDB
evaluates them: the few operators ``filters`` writes, nothing else (another one is a
programming error, raised as such). Pure."""

from __future__ import annotations

from typing import Any


class UnsupportedFilter(ValueError):
    """A filter this module does not evaluate: answer it with the database instead."""


def matches(query: dict[str, Any], doc: dict[str, Any]) -> bool:
    """Whether ``doc`` satisfies ``query`` (equality, ``$in``, ``$all``, ``$and``; a list
    field matches an equality or ``$in`` when one of its items does, as in MongoDB)."""
    for name, condition in query.items():
        if name == "$and":
            if not all(matches(part, doc) for part in condition):
                return False
            continue
        if name.startswith("$"):
            raise UnsupportedFilter(name)
        value = doc.get(name)
        if isinstance(condition, dict):
            if not all(_operator(op, wanted, value) for op, wanted in condition.items()):
                return False
        elif not _holds(value, condition):
            return False
    return True


def _operator(op: str, wanted: Any, value: Any) -> bool:
    if op == "$in":
        return any(_holds(value, one) for one in wanted)
    if op == "$all":
        return all(_holds(value, one) for one in wanted)
    raise UnsupportedFilter(op)


def _holds(value: Any, wanted: Any) -> bool:
    if isinstance(value, list):
        return wanted in value or value == wanted
    return value == wanted


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
