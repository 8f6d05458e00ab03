"""What a place page shows of the place itself: its hours in words and "open now", its
kinds and equipment in words, its seats, its status date, its clubs, the edit link."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import opening_hours
from fastapi import Request

from ... import i18n
from ...deps import Services
from ...i18n import N_, gettext
from ...rpc_client import RemoteError, ServiceUnavailable
from ..rule_words import rule_words
from ..site import place_path
from .labels import EDIT_SUFFIX, EQUIPMENT_LABELS, KIND_LABELS, may_edit


# --- what a place page shows of the place -------------------------------------------------------
def open_now(expression: str | None, now: datetime | None = None) -> bool | None:
    """Open at this moment by the place's OSM hours (Paris time); None: unknown."""
    if not expression:
        return None
    try:
        parsed = opening_hours.OpeningHours(expression)
    except (opening_hours.ParserError, SyntaxError, ValueError):
        return None
    moment = (now or datetime.now(i18n.PARIS)).astimezone(i18n.PARIS).replace(tzinfo=None)
    return bool(parsed.is_open(moment))


SEAT_WORDS = (
    ("resident", N_("%(n)s résidents")),
    ("drop_in", N_("%(n)s de passage")),
    ("training", N_("%(n)s en formation")),
)


def seats_words(seats: dict, language: str) -> str:
    """« 6 résidents, 8 de passage »: the kinds of seats the place has."""
    parts = [gettext(language, text) % {"n": seats[k]} for k, text in SEAT_WORDS if seats.get(k)]
    return ", ".join(parts)


def since_words(since: str | None, language: str) -> str | None:
    """« jeudi 31 décembre 2026 »: the day the place's status began."""
    try:
        return i18n.format_day(date.fromisoformat(since), language, with_year=True)
    except (TypeError, ValueError):
        return None


def place_details(
    request: Request, services: Services, place: dict, running: dict[str, bool]
) -> dict[str, Any]:
    """What ``place.html`` shows of the place itself: its hours (in words, open now), its
    kinds and equipment in words, its clubs (when clubs runs), and the edit link."""
    language = i18n.page_language(request)
    hours = place.get("opening_hours")
    clubs: list[dict] | None = None
    if running.get("clubs"):
        try:
            clubs = services.call("clubs", "list_clubs", place["id"])
        except (ServiceUnavailable, RemoteError):
            clubs = None  # the place page stands without its clubs
    return {
        "hours_words": rule_words(hours, language) if hours else None,
        "open_now": open_now(hours),
        "kind_labels": [gettext(language, KIND_LABELS.get(k, k)) for k in place.get("kinds", [])],
        "equipment_labels": [
            gettext(language, EQUIPMENT_LABELS.get(e, e)) for e in place.get("equipment", [])
        ],
        "seats_words": seats_words(place.get("seats") or {}, language),
        "status_since_words": since_words(place.get("status_since"), language),
        "clubs": clubs,
        "edit_link": place_path(place["id"]) + EDIT_SUFFIX
        if may_edit(services.caller, place["id"])
        else None,
    }
