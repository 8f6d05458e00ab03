"""Writes of contributions: submit, approve, reject (see the package's docstring)."""

from __future__ import annotations

from typing import Any

from bson import ObjectId

from contracts.directory import (
    ContributionAlreadyDecided,
    ContributionIn,
    ContributionStatus,
    RejectContributionIn,
)
from contracts.errors import MaillageError, NotFound
from contracts.identity import Caller
from services.common.clock import utc_now
from services.common.idempotency import insert_once
from services.common.identity import require, require_signed_in
from services.common.lookup import get_or_404
from services.common.outbox import EventStager
from services.common.text import fold
from services.common.validation import fingerprint, parse

from .. import duplicates, history
from ..models import Contribution
from ..rules import moderation
from .records import appliers, stored_record

APPROVING = ContributionStatus.approving.value  # claimed by an approval, being applied


def submit(payload: dict, key: str, events: EventStager, who: Caller) -> dict:
    require_signed_in(who, "propose a change to the directory")
    data = parse(ContributionIn, payload)
    fields = moderation.proposed_fields(data.type, data.target_id, data.fields)
    if data.target_id:
        target = stored_record(data.type, data.target_id)
        if target is None:
            raise NotFound(
                f"no {data.type} {data.target_id}", what=data.type.value, id=data.target_id
            )
        name = fields.get("name") or target.get("name") or ""
    else:
        name = fields["name"]
    digest = fingerprint(data.model_dump(mode="json"))

    def build() -> Contribution:
        found = [] if data.target_id else duplicates.likely(data.type, fields)
        location = fields.get("location")
        contribution = Contribution(
            id=ObjectId(),
            type=data.type.value,
            target_id=data.target_id,
            fields=fields,
            note=data.note,
            status=ContributionStatus.pending.value,
            name=name,
            name_folded=fold(name) if not data.target_id else None,
            location=[location["lon"], location["lat"]] if location else None,
            siret=fields.get("siret"),
            submitted_by=who.member_id,
            email=who.email,
            contributor_name=who.name,
            language=who.language,
            duplicates=found,
            idempotency_key=key,
            fingerprint=digest,
        )
        submitted = {
            "contribution_id": str(contribution.id),
            "type": contribution.type,
            "target_id": contribution.target_id,
            "name": name,
            "submitted_by": who.member_id,
            "duplicates": len(found),
        }
        contribution.stage(events.event("contribution_submitted", submitted))
        return contribution

    contribution = insert_once(Contribution, key, digest, build, "contribution")
    events.flush()
    return contribution.to_dict()


def approve(contribution_id: str, key: str, events: EventStager, who: Caller) -> dict:
    require(moderation.may_moderate(who), who, "approve a proposal", "contribution")
    contribution = get_or_404(Contribution, contribution_id, "contribution")
    if contribution.status == ContributionStatus.approved:
        return contribution.to_dict()
    if contribution.status == ContributionStatus.rejected:
        raise ContributionAlreadyDecided(
            "this proposal was rejected", id=contribution_id, status=contribution.status
        )
    if contribution.status == ContributionStatus.pending:
        claimed = Contribution.objects(id=contribution.id, status="pending").update_one(
            set__status=APPROVING, set__decided_by=who.member_id, set__decided_at=utc_now()
        )
        if not claimed:  # another coordinator decided meanwhile
            settled = _after_race(contribution_id)
            if settled.status != APPROVING:
                return settled.to_dict()
    # Claimed (by us, or by an approval racing us or that died): apply it. The apply is
    # idempotent by its key and only one ``approving → approved`` wins, so two approvals
    # at once apply once, announce once, and both answer ``approved``.
    try:
        return _apply(contribution.reload(), events, who)
    except MaillageError:
        # Refused by the owner's rules (the edited record gone, a value no longer valid):
        # back to pending, for a rejection with the reason or a later approval.
        Contribution.objects(id=contribution.id, status=APPROVING).update_one(
            set__status=ContributionStatus.pending.value, unset__decided_by=True
        )
        raise


def _after_race(contribution_id: str) -> Contribution:
    settled = get_or_404(Contribution, contribution_id, "contribution")
    if settled.status == ContributionStatus.rejected:
        raise ContributionAlreadyDecided(
            "this proposal was rejected", id=contribution_id, status=settled.status
        )
    return settled


def _apply(contribution: Contribution, events: EventStager, who: Caller) -> dict:
    """Apply a claimed proposal through its owner's functions, then mark it approved."""
    cid = str(contribution.id)
    key = f"contribution:{cid}"
    create, update = appliers(contribution.type)
    fields = dict(contribution.fields)
    if contribution.target_id:
        stored = stored_record(contribution.type, contribution.target_id) or {}
        before = {f: _comparable(stored.get(f)) for f in fields}
        record = update(contribution.target_id, fields, key, events, who)
        record_id, action = contribution.target_id, "updated"
    else:
        data = moderation.RECORD_MODELS[contribution.type].model_validate(fields)
        record = create(data, key, events, who)
        record_id, action, before = str(record["id"]), "created", {}
    after = {f: _comparable(record.get(f, fields[f])) for f in fields}
    history.record(contribution.type, record_id, key, who, action, before, after, cid)
    history.tag(contribution.type, record_id, key, cid)
    decided = _decided_event(contribution, record_id)
    event = events.event("contribution_approved", decided)
    moved = Contribution.objects(id=contribution.id, status=APPROVING).update_one(
        set__status=ContributionStatus.approved.value,
        set__record_id=record_id,
        **Contribution.staging(event),
    )
    if moved:
        events.flush()
    return contribution.reload().to_dict()


def _comparable(value: Any) -> Any:
    """A stored value as the API shows it (a GeoJSON point as ``{lat, lon}``)."""
    if isinstance(value, dict) and value.get("type") == "Point":
        lon, lat = value["coordinates"]
        return {"lat": lat, "lon": lon}
    return value


def reject(contribution_id: str, payload: dict, key: str, events: EventStager, who: Caller) -> dict:
    require(moderation.may_moderate(who), who, "reject a proposal", "contribution")
    reason = parse(RejectContributionIn, payload).reason
    contribution = get_or_404(Contribution, contribution_id, "contribution")
    if contribution.status == ContributionStatus.rejected:
        return contribution.to_dict()
    if contribution.status != ContributionStatus.pending:
        raise ContributionAlreadyDecided(
            "this proposal was approved", id=contribution_id, status=ContributionStatus.approved
        )
    contribution.reason = reason
    event = events.event("contribution_rejected", _decided_event(contribution, None))
    moved = Contribution.objects(id=contribution.id, status="pending").update_one(
        set__status=ContributionStatus.rejected.value,
        set__reason=reason,
        set__decided_by=who.member_id,
        set__decided_at=utc_now(),
        **Contribution.staging(event),
    )
    if not moved:
        settled = contribution.reload()
        if settled.status != ContributionStatus.rejected:
            raise ContributionAlreadyDecided(
                "this proposal was approved", id=contribution_id, status=ContributionStatus.approved
            )
        return settled.to_dict()
    events.flush()
    return contribution.reload().to_dict()


def _decided_event(contribution: Contribution, record_id: str | None) -> dict[str, Any]:
    return {
        "contribution_id": str(contribution.id),
        "type": contribution.type,
        "target_id": contribution.target_id,
        "record_id": record_id,
        "name": contribution.name,
        "submitted_by": contribution.submitted_by,
        "email": contribution.email,
        "contributor_name": contribution.contributor_name,
        "language": contribution.language or "fr",
        "reason": contribution.reason,
    }
