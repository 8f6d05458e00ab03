"""Workshops in the funders' figures, as pure functions: which month a workshop counts in
and a month's totals of the attendance taken."""

from __future__ import annotations

from collections.abc import Iterable


def month_keys(start: str, place_id: str) -> list[str]:
    """The month of a workshop's local start (``2026-12-03T09:00:00+01:00`` → ``2026-12``),
    for the territory and for its place."""
    month = start[:7]
    return [month, f"{month}:{place_id}"]


def totals(counts: Iterable[tuple[int, int, int]]) -> dict[str, int]:
    """``workshops`` with attendance taken, and their registered, present and absent."""
    result = {"workshops": 0, "registered": 0, "present": 0, "absent": 0}
    for registered, present, absent in counts:
        result["workshops"] += 1
        result["registered"] += registered
        result["present"] += present
        result["absent"] += absent
    return result
