"""Pure rules of the places: their search words, their slug, their opening hours evaluated
at a moment or on a day, and the search's MongoDB filter. No database here."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import opening_hours

from contracts.directory import PlaceSearch
from services.common.text import fold, keywords

from . import filters

PARIS = ZoneInfo("Europe/Paris")

# Words a visitor types for a kind of place, French first ("trade words"): searching
# "imprimante 3D" or "démarches" finds the fablab or the France Services without the
# coordinator writing those words in the summary.
KIND_WORDS: dict[str, str] = {
    "coworking": "coworking espace de travail partagé bureau télétravail poste",
    "fablab": "fablab atelier fabrication numérique impression 3D makers",
    "france_services": "France Services MSAP maison de services au public démarches "
    "administratives",
    "public_service_point": "point information permanence accueil public PIJ jeunesse",
    "repair_cafe": "repair café réparation réparer",
    "shared_shop": "boutique partagée magasin producteurs créateurs",
    "training_centre": "formation centre de formation cours",
    "cultural": "culture culturel spectacle exposition",
    "food_lab": "cuisine partagée laboratoire culinaire alimentation",
    "digital_mediation": "médiation numérique aide numérique informatique ordinateur",
    "community_hub": "lieu de vie associatif rencontre",
}
EQUIPMENT_WORDS: dict[str, str] = {
    "wifi": "wifi internet",
    "fibre": "fibre internet",
    "printer": "imprimante",
    "visio_kit": "visio visioconférence",
    "printer_3d": "imprimante 3D",
    "laser_cutter": "découpe laser",
    "meeting_room": "salle de réunion",
    "kitchen": "cuisine",
    "computers": "ordinateurs",
    "accessible": "accessible PMR",
    "parking": "parking",
}


def search_words(record: dict[str, Any]) -> list[str]:
    """The place's ``keywords``: its name, commune, summary, networks, kinds and equipment
    (with their trade words), folded and with their prefixes (``services.common.text``)."""
    texts: list[str | None] = [
        record.get("name"),
        record.get("commune"),
        record.get("postal_code"),
        record.get("summary"),
        *(record.get("networks") or ()),
        *(KIND_WORDS.get(k, k) for k in record.get("kinds") or ()),
        *(EQUIPMENT_WORDS.get(e, e) for e in record.get("equipment") or ()),
    ]
    return keywords(texts)


def slug_base(name: str, commune: str) -> str:
    """``"L'Atelier", "Mende"`` → ``"l-atelier-mende"`` (the commune is left out when the
    name already says it)."""
    name_words = fold(name).split()
    commune_words = fold(commune).split()
    joined = " ".join(name_words)
    if " ".join(commune_words) not in joined:
        name_words += commune_words
    return "-".join(name_words)[:80].strip("-") or "lieu"


def folded_list(values: Iterable[str] | None) -> list[str]:
    return sorted({fold(v) for v in values or () if fold(v)})


# -- opening hours ----------------------------------------------------------------------------
def _parsed(expression: str) -> opening_hours.OpeningHours | None:
    try:
        return opening_hours.OpeningHours(expression)
    except (opening_hours.ParserError, SyntaxError, ValueError):
        return None  # stored before validation existed: said unknown, never a crash


def open_at(expression: str | None, moment: datetime) -> bool | None:
    """Open at ``moment`` (any zone; evaluated in Paris wall time); None: hours unknown."""
    parsed = _parsed(expression) if expression else None
    if parsed is None:
        return None
    local = moment.astimezone(PARIS).replace(tzinfo=None)
    return bool(parsed.is_open(local))


def open_on(expression: str | None, day: date) -> bool | None:
    """Open at some time during ``day``; None: hours unknown."""
    parsed = _parsed(expression) if expression else None
    if parsed is None:
        return None
    start = datetime.combine(day, time())
    for lo, hi, state, _comment in parsed.intervals(start, start + timedelta(days=1)):
        if state == opening_hours.State.OPEN and lo < hi:
            return True
    return False


def hours_match(expression: str | None, search: PlaceSearch, now: datetime) -> bool:
    """The hours filters of ``search``: a place without hours never matches them."""
    if search.open_now and not open_at(expression, now):
        return False
    return not (search.open_on is not None and not open_on(expression, search.open_on))


def wants_hours(search: PlaceSearch) -> bool:
    return search.open_now or search.open_on is not None


# -- the search's filter ------------------------------------------------------------------------
def search_query(search: PlaceSearch) -> tuple[dict, list[tuple[str, int]]]:
    """The MongoDB filter of every criterion the database can answer (all but the opening
    hours, see ``hours_match``), and the sort: by name (``name_key``). With a point, the
    caller orders the matches by distance (``filters.distance_km``)."""
    query = filters.merge(
        filters.text(search.q),
        filters.any_of("kinds", [k.value for k in search.kind]),
        filters.all_of("equipment", [e.value for e in search.equipment]),
        filters.any_of("status", [s.value for s in search.status]),
        {"commune_key": fold(search.commune)} if search.commune and fold(search.commune) else {},
        {"network_keys": fold(search.network)} if search.network and fold(search.network) else {},
        filters.within_radius(search.lat, search.lon, search.radius_km),
        filters.inside_box(search.bbox),
    )
    return query, [("name_key", 1), ("_id", 1)]
