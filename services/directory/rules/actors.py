"""Pure rules of the local actors: their search words, what a reader may see of them, and
whether a searched point is within their reach."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from contracts.directory import ActorCategory
from contracts.identity import Caller, TerritoryRole
from services.common.text import keywords

# The words a category is searched by, in French and English ("dormir" finds the gîtes).
CATEGORY_WORDS: dict[str, str] = {
    ActorCategory.sleep: "dormir hébergement gîte sleep accommodation",
    ActorCategory.eat: "manger restaurant restauration eat food",
    ActorCategory.go_out: "sortir loisirs culture go out leisure",
    ActorCategory.childcare: "garde enfants crèche childcare",
    ActorCategory.it_services: "informatique dépannage numérique it computer",
    ActorCategory.coworking: "coworking bureau télétravail desk",
    ActorCategory.crafts: "artisan artisanat crafts",
    ActorCategory.food_products: "produits locaux producteur local products",
    ActorCategory.health: "santé soins health",
    ActorCategory.transport: "transport taxi mobilité",
    ActorCategory.association: "association",
    ActorCategory.services: "services",
}


def actor_keywords(record: dict[str, Any]) -> list[str]:
    """The keywords an actor is found by: its name, trade, tags, summary, commune and the
    words of its categories."""
    texts: list[str | None] = [
        record.get("name"),
        record.get("trade"),
        record.get("summary"),
        record.get("commune"),
        *(record.get("tags") or ()),
        *(CATEGORY_WORDS.get(c, c) for c in record.get("categories") or ()),
    ]
    return keywords(texts)


def is_staff(who: Caller) -> bool:
    return who.admin or who.has_role(TerritoryRole.coordinator)


def may_edit(who: Caller, owner_id: str | None) -> bool:
    """Its owner, a coordinator or an admin edit an actor without moderation."""
    return is_staff(who) or (owner_id is not None and who.member_id == owner_id)


def public_view(record: dict[str, Any], who: Caller) -> dict[str, Any]:
    """The actor as ``who`` may read it: email and phone only when the actor opted in
    (``show_contact``), or for its owner and territory staff."""
    if record.get("show_contact") or may_edit(who, record.get("owner_id")):
        return dict(record)
    return {**record, "email": None, "phone": None}


def within_reach(distance_km: float, radius_km: float, service_radius_km: float | None) -> bool:
    """A searched point finds an actor within ``radius_km`` of it, or one whose service
    area (``service_radius_km`` around its own location) covers the point."""
    return distance_km <= max(radius_km, service_radius_km or 0.0)


def prefilter_radius(radius_km: float, widest_service_km: float | None) -> float:
    """The radius the database searches before ``within_reach`` decides: the searched one,
    or the widest service area of any listed actor when that is larger."""
    return max(radius_km, widest_service_km or 0.0)


def page_of(items: list[Any], page: int, per_page: int) -> list[Any]:
    start = (page - 1) * per_page
    return items[start : start + per_page]


def categories_in(values: Iterable[str]) -> list[str]:
    return [c for c in values if c in ActorCategory.__members__]
