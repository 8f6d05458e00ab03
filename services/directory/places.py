"""What the directory writes about places: create, update (the status included). Each write
is idempotent by key, stages its events in the same document write and records its change
(``history``). The permission check (``create_place``, ``update_place``) is apart from the
write (``apply_create``, ``apply_update``), which moderation calls for an approved proposal.
"""

from __future__ import annotations

from typing import Any

from bson import ObjectId

from contracts.directory import (
    REQUIRED_PLACE_FIELDS,
    PlaceCreated,
    PlaceIn,
    PlacePatch,
    PlaceStatus,
)
from contracts.errors import Conflict, IdempotencyMismatch, ValidationFailed
from contracts.identity import ANONYMOUS, Caller, TerritoryRole
from services.common.clock import utc_now
from services.common.idempotency import insert_once
from services.common.identity import require
from services.common.lookup import get_or_404
from services.common.outbox import EventStager
from services.common.text import fold
from services.common.validation import fingerprint, parse

from . import history, snapshot
from .models import Place, place_dict
from .rules import places as rules
from .rules.cells import cells_of

KEPT_KEYS = 50  # the last writes' idempotency keys a place remembers
ATTEMPTS = 5  # concurrent writes to one place: each retried on a newer version


def may_create_place(who: Caller) -> bool:
    """A coordinator or a territory admin adds places directly (proposals by any member wait
    for the directory's moderation)."""
    return who.admin or who.has_role(TerritoryRole.coordinator)


def may_edit_place(who: Caller, place_id: str) -> bool:
    """A coordinator, a territory admin, or a manager of this place edits it directly."""
    return may_create_place(who) or who.manages_place(place_id)


def create_place(payload: dict, key: str, events: EventStager, who: Caller = ANONYMOUS) -> dict:
    require(may_create_place(who), who, "create a place", "place")
    return apply_create(parse(PlaceIn, payload), key, events, who)


def update_place(
    place_id: str, payload: dict, key: str, events: EventStager, who: Caller = ANONYMOUS
) -> dict:
    require(may_edit_place(who, place_id), who, "edit this place", "place", place_id)
    return apply_update(place_id, payload, key, events, who)


def _stored(data: dict[str, Any]) -> dict[str, Any]:
    """The document's fields for a record's values (JSON form), search fields included."""
    fields = {k: v for k, v in data.items() if k != "location"}
    if "location" in data:
        fields["location"] = [data["location"]["lon"], data["location"]["lat"]]
        fields["cells"] = cells_of(data["location"]["lat"], data["location"]["lon"])
    return fields


def _search_fields(record: dict[str, Any]) -> dict[str, Any]:
    return {
        "keywords": rules.search_words(record),
        "name_key": fold(record["name"]),
        "commune_key": fold(record["commune"]),
        "network_keys": rules.folded_list(record.get("networks")),
    }


def _free_slug(name: str, commune: str, place_id: ObjectId) -> str:
    """The name's slug, or with the id's end when another place has it already."""
    base = rules.slug_base(name, commune)
    taken = Place.objects(slug=base).only("id").first()
    return base if taken is None or taken.id == place_id else f"{base}-{str(place_id)[-6:]}"


def apply_create(data: PlaceIn, key: str, events: EventStager, by: Caller) -> dict:
    """Store a new place (no permission check: the caller's or moderation's)."""
    record = data.model_dump(mode="json")
    digest = fingerprint(record)
    since = record.get("status_since") or utc_now().date().isoformat()
    record["status_since"] = since

    def build() -> Place:
        place_id = ObjectId()
        slug = _free_slug(data.name, data.commune, place_id)
        place = Place(
            id=place_id,
            slug=slug,
            status_history=[
                {"from": None, "to": data.status.value, "since": since, "by": by.member_id}
            ],
            version=1,
            idempotency_key=key,
            fingerprint=digest,
            **_stored(record),
            **_search_fields(record),
        )
        announced = {k: record.get(k) for k in PlaceCreated.model_fields if k in record}
        event = {"place_id": str(place_id), **announced, "slug": slug, "version": 1}
        place.stage(events.event("place_created", event))
        return place

    place = insert_once(Place, key, digest, build, "place")
    snapshot.bump(Place._get_collection())  # the searches' copies reload
    events.flush()
    created = place.to_dict()
    history.record("place", created["id"], key, by, "created", {}, _public(created))
    return created


def _public(record: dict[str, Any]) -> dict[str, Any]:
    """What the history compares: the record without its id and write counter."""
    return {k: v for k, v in record.items() if k not in ("id", "version")}


def apply_update(place_id: str, changes: dict, key: str, events: EventStager, by: Caller) -> dict:
    """Change the given fields of a place (no permission check): a conditional write on the
    version read, so two edits never lose one another; a status change keeps its history
    and emits ``place_status_changed``, other changes ``place_updated``."""
    patch = parse(PlacePatch, changes)
    given = patch.model_dump(mode="json", exclude_unset=True)
    cleared = [f for f in REQUIRED_PLACE_FIELDS if f in given and given[f] is None]
    if cleared:
        raise ValidationFailed("this field may not be emptied", field=cleared[0])
    digest = fingerprint({"place_id": place_id, **given})
    for _attempt in range(ATTEMPTS):
        place = get_or_404(Place, place_id, "place")
        done = _already_applied(place, key, digest)
        if done is not None:
            return done
        before = place.to_dict()
        after = {**before, **given}
        new_values = {f: v for f, v in given.items() if before.get(f) != v}
        if not new_values:  # nothing changes: the key is still remembered as applied
            if _write(place, {}, key, digest, events, by, before, after):
                return _current(place_id)
            continue
        if _write(place, new_values, key, digest, events, by, before, after):
            updated = _current(place_id)
            history.record("place", place_id, key, by, "updated", _public(before), _public(updated))
            return updated
    raise Conflict("this place is being edited by someone else; please try again")


def _already_applied(place: Place, key: str, digest: str) -> dict | None:
    if key not in (place.update_keys or []):
        return None
    if f"{key} {digest}" not in (place.update_prints or []):
        raise IdempotencyMismatch(
            "this Idempotency-Key was used for a different place edit", what="place"
        )
    return place.to_dict()


def _write(
    place: Place,
    new_values: dict[str, Any],
    key: str,
    digest: str,
    events: EventStager,
    by: Caller,
    before: dict[str, Any],
    after: dict[str, Any],
) -> bool:
    """One conditional write: on the version read, once per key. False: another write came
    first (read again and retry)."""
    version = before["version"] + 1 if new_values else before["version"]
    sets: dict[str, Any] = _stored(new_values)
    if new_values:
        sets.update(_search_fields(after), version=version, updated_at=utc_now())
    pushes: dict[str, Any] = {
        "update_keys": {"$each": [key], "$slice": -KEPT_KEYS},
        "update_prints": {"$each": [f"{key} {digest}"], "$slice": -KEPT_KEYS},
    }
    staged = []
    status = new_values.get("status")
    if status is not None:
        since = new_values.get("status_since") or utc_now().date().isoformat()
        sets["status_since"] = since
        after["status_since"] = since
        pushes["status_history"] = {
            "from": before["status"],
            "to": status,
            "since": since,
            "by": by.member_id,
        }
        staged.append(
            events.event(
                "place_status_changed",
                {
                    "place_id": before["id"],
                    "version": version,
                    "status": PlaceStatus(status).value,
                    "previous": before["status"],
                    "since": since,
                },
            )
        )
    others = {f: v for f, v in new_values.items() if f not in ("status", "status_since")}
    if others:
        staged.append(
            events.event(
                "place_updated",
                {
                    "place_id": before["id"],
                    "version": version,
                    "changes": others,
                    "name": after["name"],
                    "commune": after["commune"],
                    "location": after["location"],
                    "opening_hours": after.get("opening_hours"),
                },
            )
        )
    if staged:
        pushes["outbox"] = {"$each": staged}
        sets["outbox_pending"] = True
    update: dict[str, Any] = {"$push": pushes}
    if sets:
        update["$set"] = sets
    guard = {"_id": place.id, "version": place.version, "update_keys": {"$ne": key}}
    if not place.version:
        guard["version"] = {"$in": [0, None]}  # earlier places have no counter yet
    written = Place._get_collection().update_one(guard, update).modified_count == 1
    if written:
        snapshot.bump(Place._get_collection())
        events.flush()
    return written


def _current(place_id: str) -> dict:
    return place_dict(Place._get_collection().find_one({"_id": ObjectId(place_id)}))
