"""The directory's records in memory, for its searches.

Why: SecantusDB reads every candidate document whole, so a search around a point cost
hundreds of times one read by ``_id`` (``docs/benchmarks.md``), however well indexed. A
territory's places are tens to a few thousand, change a few times a day, and are searched on
every page of the map and the list: each directory process keeps a copy of them, indexed by
grid cell (``rules.cells``), and a search reads one small document instead of the candidates.

Freshness, with several instances: every write to a record bumps its collection's counter
(``search_versions``, one document per collection, ``$inc`` after the write: ``bump``); a
search reads that counter by ``_id`` and reloads its copy when it moved. A search between a
write and its bump sees the record as it was; a copy loaded while a write landed is labelled
with the counter read before the load, so the next search reloads it.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from pymongo.collection import Collection

from .rules import matching

COUNTERS = "search_versions"
# Copies kept per process: one per (database, collection); a process serves one territory,
# tests many (each their own database).
KEPT = 8


@dataclass
class Snapshot:
    """A collection's documents (``projection``) as of counter ``key[-1]``."""

    key: tuple[int, str, str, int]
    docs: list[dict[str, Any]]
    by_cell: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    # field -> value -> ids of the documents holding it (built on first use; never changes)
    indexes: dict[str, dict[Any, set[int]]] = field(default_factory=dict)

    def holding(self, name: str, values: Iterable[Any]) -> set[int]:
        """The ids (``id()``) of the documents whose ``name`` holds one of ``values``."""
        index = self.indexes.get(name)
        if index is None:
            index = {}
            for doc in self.docs:
                value = doc.get(name)
                for one in value if isinstance(value, list) else (value,):
                    index.setdefault(one, set()).add(id(doc))
            self.indexes[name] = index
        found: set[int] = set()
        for one in values:
            found |= index.get(one, set())
        return found

    def candidates(self, cells: Iterable[str] | None) -> list[dict[str, Any]]:
        """The documents in any of ``cells``; all when None. A search's cells are tiles of
        one size (``rules.cells``), and a document lies in one tile of each size: none comes
        twice."""
        if cells is None:
            return self.docs
        return [doc for cell in cells for doc in self.by_cell.get(cell, ())]


_copies: OrderedDict[tuple[int, str, str], Snapshot] = OrderedDict()
_loading = threading.Lock()  # green under eventlet's patch: one load at a time


def find(
    collection: Collection,
    projection: dict[str, int],
    query: dict[str, Any],
    indexed: tuple[str, ...] = (),
) -> list[dict[str, Any]]:
    """The documents of the copy matching ``query`` (in load order): those filed under its
    grid cells, narrowed by the ``indexed`` fields it asks for (``$in`` or a value), then
    checked against the rest of it."""
    copy = snapshot(collection, projection)
    cells, rest = matching.by_cells(query)
    narrowed: set[int] | None = None
    for name in indexed:
        condition = rest.get(name)
        if condition is None:
            continue
        values = condition["$in"] if isinstance(condition, dict) else [condition]
        ids = copy.holding(name, values)
        narrowed = ids if narrowed is None else narrowed & ids
    wanted = matching.compile_filter(rest)
    return [
        doc
        for doc in copy.candidates(cells)
        if (narrowed is None or id(doc) in narrowed) and wanted(doc)
    ]


def bump(collection: Collection) -> None:
    """Tell every instance that ``collection`` changed (after the write)."""
    collection.database[COUNTERS].update_one(
        {"_id": collection.name}, {"$inc": {"n": 1}}, upsert=True
    )


def counter(collection: Collection) -> int:
    found = collection.database[COUNTERS].find_one({"_id": collection.name})
    return int(found["n"]) if found else 0


def snapshot(collection: Collection, projection: dict[str, int]) -> Snapshot:
    """The current copy of ``collection``: one read by ``_id`` when nothing changed."""
    # By client too: two clients (tests) may name their databases alike.
    where = (id(collection.database.client), collection.database.name, collection.name)
    key = (*where, counter(collection))
    copy = _copies.get(where)
    if copy is not None and copy.key == key:
        return copy
    with _loading:
        copy = _copies.get(where)
        if copy is None or copy.key != key:
            copy = load(collection, projection, key)
            _copies[where] = copy
            _copies.move_to_end(where)
            while len(_copies) > KEPT:
                _copies.popitem(last=False)
    return copy


def load(collection: Collection, projection: dict[str, int], key: tuple[str, str, int]) -> Snapshot:
    docs = list(collection.find({}, projection))
    by_cell: dict[str, list[dict[str, Any]]] = {}
    for doc in docs:
        for cell in doc.get("cells") or ():
            by_cell.setdefault(cell, []).append(doc)
    return Snapshot(key, docs, by_cell)
