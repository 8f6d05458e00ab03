"""A club's meetings: a series on a rule, its occurrences written a year ahead (extended by
a timer), each moved, cancelled or given an agenda on its own.

Every occurrence asks for the host place's meeting room by event (``meeting_scheduled``,
``meeting_moved``, ``meeting_cancelled``, staged in the occurrence's own write: outbox);
booking answers by events (``room_answers.py``). Nothing here waits for an answer, so
meetings work the same when booking is not deployed (the room stays ``requested``).

Idempotent: a series is inserted once per key; an occurrence's ``_id`` is its series and
original local date, so a retry or the timer racing a creation writes it once; a change is
a conditional update on the occurrence's ``sequence`` that records its key.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from bson import ObjectId
from mongoengine.errors import NotUniqueError

from contracts.clubs import (
    MAX_MEETINGS_LISTED,
    MEETING_HORIZON_DAYS,
    MeetingPatch,
    MeetingSeriesIn,
    NoMeetingDate,
)
from contracts.errors import NotFound
from contracts.identity import Caller
from services.common.idempotency import insert_once
from services.common.identity import require
from services.common.outbox import EventStager
from services.common.validation import fingerprint, parse

from .membership import club_or_404, may_manage
from .models import MEMBER, Club, Meeting, MeetingSeries, Membership
from .rules import meetings as rules
from .rules import recurrence


# -- writes ---------------------------------------------------------------------------------
def create_series(
    club_id: str,
    payload: dict,
    key: str,
    events: EventStager,
    who: Caller,
    now: datetime | None = None,
) -> dict:
    """Plan a club's meetings (its managers only); answers the series and its occurrences."""
    club = _managed(club_id, who, "plan the club's meetings")
    data = parse(MeetingSeriesIn, payload)
    now = now or datetime.now(UTC)
    request = data.model_dump(mode="json")
    last = _last_date(data, now)
    # From today: a series begun earlier writes (and asks rooms for) no past meeting.
    since = max(data.first_date, now.astimezone(ZoneInfo(data.timezone)).date())
    if not recurrence.dates(*_spec(data), since, last):
        raise NoMeetingDate("the rule gives no date", field="rule")
    digest = fingerprint({"club_id": club_id, **request})

    def build() -> MeetingSeries:
        series = MeetingSeries(
            id=ObjectId(),
            club_id=club_id,
            place_id=club.place_id,
            title=data.title,
            request=request,
            open=data.until is None or data.until > last,
            idempotency_key=f"{club_id}:{key}",
            fingerprint=digest,
        )
        first = recurrence.dates(*_spec(data), since, last)[0]
        series.stage(
            events.event(
                "meeting_series_created",
                {
                    "series_id": str(series.id),
                    "club_id": club_id,
                    "place_id": club.place_id,
                    "title": data.title,
                    "rrule": recurrence.rrule_text(
                        data.rule, data.first_date, data.start_time, data.until, data.timezone
                    ),
                    "first_start": first.start.isoformat(),
                    "timezone": data.timezone,
                },
            )
        )
        return series

    series = insert_once(MeetingSeries, f"{club_id}:{key}", digest, build, "meeting series")
    _schedule(series, data, since, last, events)
    events.flush()
    return series_dict(series, now)


def extend(now: datetime, events: EventStager) -> int:
    """Write the occurrences of open series up to a year ahead (a daily timer; an occurrence
    written already is kept as it is). Returns how many were written."""
    written = 0
    for series in MeetingSeries.objects(open=True):
        data = MeetingSeriesIn.model_validate(series.request)
        last = _last_date(data, now)
        since = series.scheduled_until or data.first_date
        if since >= last:
            continue
        written += _schedule(series, data, since, last, events)
        if data.until is not None and data.until <= last:
            MeetingSeries.objects(id=series.id).update_one(set__open=False)
    events.flush()
    return written


def update(
    club_id: str,
    occurrence_id: str,
    payload: dict,
    key: str,
    events: EventStager,
    who: Caller,
    now: datetime | None = None,
) -> dict:
    """Move, cancel or write the agenda of one occurrence (the club's managers)."""
    club = _managed(club_id, who, "change the club's meetings")
    meeting = _meeting(club_id, occurrence_id)
    if key in (meeting.change_keys or []):  # a retry of a change made already
        return meeting_dict(meeting)
    data = parse(MeetingPatch, payload)
    now = now or datetime.now(UTC)
    changes: dict = {"push__change_keys": key}
    if data.agenda is not None:
        changes["set__agenda"] = data.agenda or None
    if data.status == "cancelled" or data.start is not None:
        start = meeting.start.replace(tzinfo=UTC)
        rules.check_changeable(meeting.status, start, now, occurrence_id)
        if data.start is not None:
            rules.check_new_time(data.start, now)
        changes.update(_rescheduled(meeting, data, events, _told(club, who)))
    won = Meeting.objects(
        id=occurrence_id, sequence=meeting.sequence, change_keys__ne=key
    ).update_one(**changes)
    if not won:  # changed meanwhile: answer what it is now (a racing retry, or refuse)
        return update(club_id, occurrence_id, payload, key, events, who, now)
    events.flush(Meeting)
    return meeting_dict(Meeting.objects(id=occurrence_id).first())


def _told(club: Club, who: Caller) -> dict:
    """Who hears of a moved or cancelled meeting: the club's members but the one changing it."""
    members = Membership.objects(club_id=str(club.id), status=MEMBER).only("member_id")
    told = sorted(m.member_id for m in members if m.member_id != who.member_id)
    return {"club_name": club.name, "member_ids": told}


def _rescheduled(meeting: Meeting, data: MeetingPatch, events: EventStager, told: dict) -> dict:
    """The update and event of a move or a cancellation (the sequence goes up by one)."""
    sequence = meeting.sequence + 1
    tz = ZoneInfo(meeting.timezone)
    fields = {**_event_fields(meeting, sequence), **told}
    if data.status == "cancelled":
        event = events.event("meeting_cancelled", fields)
        return {
            "set__status": "cancelled",
            "set__sequence": sequence,
            **Meeting.staging(event),
        }
    start, end = data.start.astimezone(tz), data.end.astimezone(tz)
    event = events.event(
        "meeting_moved",
        {
            **fields,
            "start": start.isoformat(),
            "end": end.isoformat(),
            "previous_start": fields["start"],
            "previous_end": fields["end"],
        },
    )
    return {
        "set__start": start.astimezone(UTC),
        "set__end": end.astimezone(UTC),
        "set__moved": True,
        "set__sequence": sequence,
        "set__room_state": rules.initial_room_state(meeting.room_wanted),
        "set__room": {},
        **Meeting.staging(event),
    }


def _schedule(
    series: MeetingSeries, data: MeetingSeriesIn, since: date, until: date, events: EventStager
) -> int:
    """Write the series' occurrences in ``[since, until]``, each with its ``meeting_scheduled``
    (one insert each, by ``_id``: one written already is left alone)."""
    written = 0
    for found in recurrence.dates(*_spec(data), since, until):
        meeting = Meeting(
            id=f"{series.id}:{found.day.isoformat()}",
            club_id=series.club_id,
            series_id=str(series.id),
            place_id=series.place_id,
            title=data.title,
            start=found.start.astimezone(UTC),
            end=found.end.astimezone(UTC),
            timezone=data.timezone,
            agenda=data.agenda,
            room_wanted=data.room,
            room_state=rules.initial_room_state(data.room),
        )
        meeting.stage(events.event("meeting_scheduled", _event_fields(meeting, 1)))
        try:
            meeting.save(force_insert=True)
            written += 1
        except NotUniqueError:
            continue
    MeetingSeries.objects(id=series.id, scheduled_until__not__gte=until).update_one(
        set__scheduled_until=until
    )
    series.scheduled_until = max(series.scheduled_until or until, until)
    return written


# -- reads ----------------------------------------------------------------------------------
def list_meetings(
    club_id: str, include_past: bool = False, now: datetime | None = None
) -> list[dict]:
    """A club's coming meetings (cancelled ones too, said so), at most
    ``MAX_MEETINGS_LISTED``; with ``include_past`` the past ones first. Anyone may read."""
    club_or_404(club_id)
    now = now or datetime.now(UTC)
    # One indexed equality (club_id, start): the time is filtered here (SecantusDB scans a
    # collection for an equality mixed with a range).
    found = Meeting.objects(club_id=club_id).order_by("start")
    shown = [m for m in found if include_past or m.end.replace(tzinfo=UTC) > now]
    return [meeting_dict(m) for m in shown[:MAX_MEETINGS_LISTED]]


def series_dict(series: MeetingSeries, now: datetime) -> dict:
    data = MeetingSeriesIn.model_validate(series.request)
    return {
        "id": str(series.id),
        "club_id": series.club_id,
        "title": series.title,
        "rule": data.rule.model_dump(mode="json", exclude_none=True),
        "start_time": data.start_time.isoformat(),
        "end_time": data.end_time.isoformat(),
        "timezone": data.timezone,
        "first_date": data.first_date.isoformat(),
        "until": data.until.isoformat() if data.until else None,
        "scheduled_until": (series.scheduled_until or data.first_date).isoformat(),
        "occurrences": [
            meeting_dict(m)
            for m in Meeting.objects(series_id=str(series.id)).order_by("start")
            if m.end.replace(tzinfo=UTC) > now
        ][:MAX_MEETINGS_LISTED],
    }


def meeting_dict(meeting: Meeting) -> dict:
    tz = ZoneInfo(meeting.timezone)
    return {
        "id": meeting.id,
        "club_id": meeting.club_id,
        "series_id": meeting.series_id,
        "title": meeting.title,
        "start": meeting.start.replace(tzinfo=UTC).astimezone(tz).isoformat(),
        "end": meeting.end.replace(tzinfo=UTC).astimezone(tz).isoformat(),
        "status": meeting.status,
        "moved": bool(meeting.moved),
        "agenda": meeting.agenda,
        "room": {"state": meeting.room_state, **(meeting.room or {})},
    }


# -- helpers --------------------------------------------------------------------------------
def _managed(club_id: str, who: Caller, action: str) -> Club:
    club = club_or_404(club_id)
    require(may_manage(club, who), who, action, "club", club_id)
    return club


def _meeting(club_id: str, occurrence_id: str) -> Meeting:
    meeting = Meeting.objects(id=occurrence_id).first()
    if meeting is None or meeting.club_id != club_id:
        raise NotFound(f"no meeting {occurrence_id}", what="meeting", id=occurrence_id)
    return meeting


def _spec(data: MeetingSeriesIn) -> tuple:
    return data.rule, data.first_date, data.start_time, data.end_time, data.timezone


def _last_date(data: MeetingSeriesIn, now: datetime) -> date:
    today = now.astimezone(ZoneInfo(data.timezone)).date()
    last = recurrence.horizon(max(today, data.first_date), MEETING_HORIZON_DAYS)
    return min(last, data.until) if data.until else last


def _event_fields(meeting: Meeting, sequence: int) -> dict:
    tz = ZoneInfo(meeting.timezone)
    return {
        "occurrence_id": meeting.id,
        "series_id": meeting.series_id,
        "club_id": meeting.club_id,
        "place_id": meeting.place_id,
        "title": meeting.title,
        "start": meeting.start.replace(tzinfo=UTC).astimezone(tz).isoformat(),
        "end": meeting.end.replace(tzinfo=UTC).astimezone(tz).isoformat(),
        "sequence": sequence,
        "room": bool(meeting.room_wanted),
    }
