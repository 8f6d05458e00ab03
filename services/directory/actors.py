"""Writes to the local actors: create, update, remove (hide). Each is idempotent by key,
stages its event in the actor's outbox and records its change (``history``).

The permission check is split from the write: ``create_actor`` / ``update_actor`` check who
asks, ``apply_create_actor`` / ``apply_update_actor`` write, so that moderation applies an
approved proposal with the same code (its contributor as ``by``)."""

from __future__ import annotations

from typing import Any

from bson import ObjectId

from contracts.directory import ACTOR_REQUIRED, ActorIn, ActorPatch, ActorStatus
from contracts.errors import ValidationFailed
from contracts.identity import ANONYMOUS, Caller
from services.common.clock import utc_now
from services.common.idempotency import insert_once
from services.common.identity import require
from services.common.lookup import get_or_404
from services.common.outbox import EventStager
from services.common.text import fold
from services.common.validation import fingerprint, parse

from . import history, snapshot
from .models import Actor
from .rules.actors import actor_keywords, is_staff, may_edit
from .rules.cells import cells_of


def _fields(record: dict[str, Any]) -> dict[str, Any]:
    """An ``ActorIn``'s JSON as the document's fields (location as GeoJSON, search words)."""
    fields = {k: v for k, v in record.items() if k != "location"}
    location = record["location"]
    fields["location"] = [location["lon"], location["lat"]]
    fields["cells"] = cells_of(location["lat"], location["lon"])
    fields["commune_key"] = fold(record["commune"])
    fields["keywords"] = actor_keywords(record)
    return fields


# One document, by ``_id``: an upper bound of every actor's service radius (``$max`` before
# each write), so that a point search widens its radius without sorting the actors.
BOUNDS = "directory_bounds"
ACTOR_BOUNDS = "actors"


def widen_service_bound(db, service_radius_km: float | None) -> None:
    """Raise the bound to ``service_radius_km`` (atomic, idempotent; never lowered: a bound
    too wide only reads a few more candidates)."""
    db[BOUNDS].update_one(
        {"_id": ACTOR_BOUNDS},
        {"$max": {"widest_service_km": float(service_radius_km or 0.0)}},
        upsert=True,
    )


def service_bound(db) -> float | None:
    """The bound, or None before the first start has set it (``upgrades``)."""
    found = db[BOUNDS].find_one({"_id": ACTOR_BOUNDS})
    return None if found is None else found["widest_service_km"]


def create_actor(payload: dict, key: str, events: EventStager, who: Caller = ANONYMOUS) -> dict:
    """A coordinator or an admin adds an actor directly (any member proposes one through the
    contributions, which wait for moderation)."""
    require(is_staff(who), who, "add an actor", "actor")
    return apply_create_actor(parse(ActorIn, payload), key, events, who)


def apply_create_actor(
    data: ActorIn,
    key: str,
    events: EventStager,
    by: Caller,
    owner_id: str | None = None,
    contribution_id: str | None = None,
) -> dict:
    """Store a new actor (no permission check: the caller did it). ``owner_id``: the member
    who will edit it without moderation (a contributor proposing their own business)."""
    record = data.model_dump(mode="json")
    digest = fingerprint({**record, "owner_id": owner_id})
    widen_service_bound(Actor._get_db(), record.get("service_radius_km"))

    def build() -> Actor:
        actor = Actor(
            id=ObjectId(),
            **_fields(record),
            owner_id=owner_id,
            status=ActorStatus.listed.value,
            idempotency_key=key,
            fingerprint=digest,
        )
        announced = {
            "actor_id": str(actor.id),
            "name": data.name,
            "trade": data.trade,
            "categories": record["categories"],
            "commune": data.commune,
            "postal_code": data.postal_code,
            "location": record["location"],
            "owner_id": owner_id,
            "contribution_id": contribution_id,
        }
        actor.stage(events.event("actor_created", announced))
        return actor

    actor = insert_once(Actor, key, digest, build, "actor")
    snapshot.bump(Actor._get_collection())  # the searches' copies reload
    events.flush(Actor)
    after = actor.to_dict()
    history.record("actor", after["id"], key, by, "created", {}, after, contribution_id)
    return after


def find_actor(actor_id: str) -> Actor:
    return get_or_404(Actor, actor_id, "actor")


def update_actor(
    actor_id: str, payload: dict, key: str, events: EventStager, who: Caller = ANONYMOUS
) -> dict:
    """Its owner, a coordinator or an admin change an actor: only the fields sent."""
    actor = find_actor(actor_id)
    require(may_edit(who, actor.owner_id), who, "edit this actor", "actor", actor_id)
    changes = parse(ActorPatch, payload).model_dump(mode="json", exclude_unset=True)
    return apply_update_actor(actor_id, changes, key, events, who)


def apply_update_actor(
    actor_id: str,
    changes: dict,
    key: str,
    events: EventStager,
    by: Caller,
    contribution_id: str | None = None,
) -> dict:
    """Write ``changes`` (an ``ActorPatch``'s JSON, only the fields to change) to an actor,
    validated whole with ``ActorIn``. Nothing changed: nothing written, no event."""
    actor = find_actor(actor_id)
    cleared = sorted(f for f in ACTOR_REQUIRED if f in changes and changes[f] is None)
    if cleared:
        raise ValidationFailed("required", field=cleared[0])
    before = actor.to_dict()
    own = {k: v for k, v in before.items() if k in ActorIn.model_fields}
    merged = parse(ActorIn, {**own, **changes}).model_dump(mode="json")
    after = {**before, **merged}
    changed = sorted(k for k in after if after[k] != before[k])
    if not changed:
        return before
    event = events.event(
        "actor_updated",
        {
            "actor_id": actor_id,
            "name": after["name"],
            "changed": changed,
            "contribution_id": contribution_id,
        },
    )
    fields = _fields(merged)
    widen_service_bound(Actor._get_db(), merged.get("service_radius_km"))
    Actor.objects(id=actor.id).update_one(
        **{f"set__{k}": v for k, v in fields.items()},
        set__updated_at=utc_now(),
        **Actor.staging(event),
    )
    snapshot.bump(Actor._get_collection())
    events.flush(Actor)
    history.record("actor", actor_id, key, by, "updated", before, after, contribution_id)
    return after


def remove_actor(actor_id: str, key: str, events: EventStager, who: Caller = ANONYMOUS) -> dict:
    """A coordinator hides an actor from every public read (kept, with its history)."""
    require(is_staff(who), who, "remove an actor", "actor", actor_id)
    actor = find_actor(actor_id)
    before = actor.to_dict()
    event = events.event("actor_removed", {"actor_id": actor_id, "name": actor.name})
    # Conditional: of two removals (or a retry) only one writes and announces.
    Actor.objects(id=actor.id, status=ActorStatus.listed.value).update_one(
        set__status=ActorStatus.removed.value, **Actor.staging(event)
    )
    snapshot.bump(Actor._get_collection())
    events.flush(Actor)
    after = {**before, "status": ActorStatus.removed.value}
    history.record("actor", actor_id, key, who, "removed", before, after)
    return after
