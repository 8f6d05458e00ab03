"""Pure rules of contributions and moderation: what a proposal may hold, who decides, what
counts as a likely duplicate."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ValidationError

from contracts.directory import ActorIn, ContributionType, PlaceIn
from contracts.errors import ValidationFailed
from contracts.identity import Caller, TerritoryRole
from services.common.text import fold
from services.common.validation import parse

from .filters import distance_km

# Two records this close with the same folded name are likely one and the same.
NEARBY_KM = 2.0

RECORD_MODELS: dict[str, type[BaseModel]] = {
    ContributionType.place: PlaceIn,
    ContributionType.actor: ActorIn,
}


def may_moderate(who: Caller) -> bool:
    """Coordinators and admins approve or reject proposals (and see the queue)."""
    return who.admin or who.has_role(TerritoryRole.coordinator)


def may_see_history(record_type: str, record_id: str, who: Caller, owner_id: str | None) -> bool:
    """A record's history: coordinators and admins; a place's managers; an actor's owner."""
    if may_moderate(who):
        return True
    if record_type == ContributionType.place:
        return who.manages_place(record_id)
    return who.member_id is not None and who.member_id == owner_id


def _errors(exc: ValidationError, prefix: str) -> list[dict[str, str]]:
    return [
        {"field": ".".join([prefix, *(str(p) for p in err["loc"])]), "message": err["msg"]}
        for err in exc.errors(include_url=False, include_input=False)
    ]


def partial(model: type[BaseModel], fields: dict[str, Any]) -> dict[str, Any]:
    """The fields of an edit, each validated as ``model`` validates it (with its own
    validators: an OSM opening_hours expression is parsed), JSON-ready. Unknown fields and
    emptied required fields are refused."""
    errors: list[dict[str, str]] = []
    clean: dict[str, Any] = {}
    shell = model.model_construct()
    for name, value in fields.items():
        info = model.model_fields.get(name)
        if info is None:
            errors.append({"field": f"fields.{name}", "message": "unknown field"})
            continue
        if value is None and info.is_required():
            errors.append({"field": f"fields.{name}", "message": "may not be emptied"})
            continue
        try:
            model.__pydantic_validator__.validate_assignment(shell, name, value)
        except ValidationError as exc:
            errors.extend(_errors(exc, "fields"))
            continue
        clean[name] = shell.model_dump(mode="json", include={name})[name]
    if errors:
        raise ValidationFailed("invalid data", errors=errors)
    return clean


def proposed_fields(
    record_type: ContributionType, target_id: str | None, fields: dict[str, Any]
) -> dict[str, Any]:
    """What a proposal holds once validated: a whole new record (``PlaceIn``/``ActorIn``,
    only the fields given) or the fields of an edit."""
    model = RECORD_MODELS[record_type]
    if target_id:
        return partial(model, fields)
    try:
        record = parse(model, fields)
    except ValidationFailed as exc:
        prefixed = [
            {**err, "field": f"fields.{err['field']}"} for err in exc.params.get("errors", [])
        ]
        raise ValidationFailed("invalid data", errors=prefixed) from None
    return record.model_dump(mode="json", exclude_unset=True)


def same_name(a: str | None, b: str | None) -> bool:
    return bool(a and b) and fold(a) == fold(b)


def point_of(document: dict[str, Any]) -> tuple[float, float] | None:
    """(lat, lon) of a stored GeoJSON point or a ``Location`` dict."""
    location = document.get("location")
    if not location:
        return None
    if isinstance(location, dict) and "coordinates" in location:
        lon, lat = location["coordinates"]
        return lat, lon
    if isinstance(location, dict):
        return location["lat"], location["lon"]
    lon, lat = location
    return lat, lon


def duplicate_reason(
    proposal: dict[str, Any], candidate: dict[str, Any], nearby_km: float = NEARBY_KM
) -> str | None:
    """Why ``candidate`` is likely the record ``proposal`` proposes: ``same_siret``, or
    ``same_name_nearby`` (same folded name within ``nearby_km``); None when it is not."""
    siret = proposal.get("siret")
    if siret and candidate.get("siret") == siret:
        return "same_siret"
    if not same_name(proposal.get("name"), candidate.get("name")):
        return None
    here, there = point_of(proposal), point_of(candidate)
    if here is None or there is None:
        return None
    return "same_name_nearby" if distance_km(*here, *there) <= nearby_km else None
