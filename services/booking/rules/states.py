"""The booking state machine, as data and pure functions.

::

    held ─────────────► confirmed ◄─► cancelled (restored by the place before the start)
     │ │ │                  ▲   │
     │ │ └─► awaiting_approval ──► rejected | cancelled
     │ └───► waitlisted ──► held (promoted) | rejected | cancelled
     └─────► rejected          └──► checked_in ⇄ no_show ⇄ excused  (the outcome)

    waitlisted ──► held ──► confirmed | awaiting_approval   (auto promotion)
                    │  └──► offered ──► confirmed | awaiting_approval  (accepted)
                    │           └─────► waitlisted | rejected (lapsed) | cancelled (left)
                    └─────► waitlisted  (the freed seats did not fit: wait again)

``waitlisted``: no seats, the person asked to wait (services/booking/waitlist.py). A release
claims the first in line by moving it ``waitlisted → held`` (one conditional update: two
releases cannot claim one booking), then holds its seats by the same capacity rule as any
booking; what did not fit goes back to ``waitlisted``. ``offered``: the seats are held for
the person until ``offer_expires_at``; they accept (``→ confirmed``) or the offer lapses
(seats released, the next in line tried; the booking waits again at the end of the line, or
leaves it, ``→ rejected``, once it had its three messages).

``held``: a request in flight is taking its seats. Only a held booking can be abandoned (its
worker died before settling it), so it is the only state the sweep reads; every other state
belongs to a person or a facilitator and waits for them, however old it is.

``checked_in`` (the person came: "seen"), ``no_show`` and ``excused`` are the outcome the
place records once the booking has begun; the facilitator may correct it (any of the three to
another). They keep their seats: the period was used (or lost) as it was, and history stays
true for the funders' figures.

Every change of status is a conditional update on ``{_id, status: <from>}`` checked against
``TRANSITIONS`` first (``commands.move``): two writers racing on one booking cannot both win,
and none can take it along a path this table does not draw.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from types import MappingProxyType

HELD = "held"
AWAITING_APPROVAL = "awaiting_approval"
WAITLISTED = "waitlisted"
CONFIRMED = "confirmed"
REJECTED = "rejected"
CANCELLED = "cancelled"
# The outcome, recorded by the place from the start on (services/booking/desk.py).
CHECKED_IN = "checked_in"
NO_SHOW = "no_show"
EXCUSED = "excused"
# Seats freed for someone on the waitlist, held for them until they accept or it lapses.
OFFERED = "offered"
OUTCOMES = frozenset({CHECKED_IN, NO_SHOW, EXCUSED})
# What versions before the state machine stored for ``held`` (then also used for "in flight,
# released after 5 minutes"). Documents may still carry it: it reads as ``held`` everywhere,
# and nothing writes it any more.
LEGACY_PENDING = "pending"

TRANSITIONS = MappingProxyType(
    {
        # seats taken: confirmed, or waiting for the place's approval; none left: waitlisted
        # (the person asked to wait) or rejected; also rejected when swept as abandoned. A
        # promoted waitlisted booking, once its seats are held, may be offered them instead.
        HELD: frozenset({CONFIRMED, AWAITING_APPROVAL, WAITLISTED, REJECTED, OFFERED}),
        # accepted; lapsed (back to the end of the line, or off it: rejected); or left
        OFFERED: frozenset({CONFIRMED, AWAITING_APPROVAL, WAITLISTED, REJECTED, CANCELLED}),
        # the facilitator approves or refuses; the person may withdraw
        AWAITING_APPROVAL: frozenset({CONFIRMED, REJECTED, CANCELLED}),
        # a seat freed up: promoted to held, which takes the seats again; rejected when the
        # period begins without a seat; the person may withdraw
        WAITLISTED: frozenset({HELD, REJECTED, CANCELLED}),
        CONFIRMED: frozenset({CANCELLED}) | OUTCOMES,
        # a facilitator corrects a mistaken outcome
        CHECKED_IN: OUTCOMES - {CHECKED_IN},
        NO_SHOW: OUTCOMES - {NO_SHOW},
        EXCUSED: OUTCOMES - {EXCUSED},
        REJECTED: frozenset(),
        # the place undoes a cancellation before the start (services/booking/restore.py),
        # taking the seats again by the capacity rule: a mistaken click, or the person
        # called back; the person is told and their calendar gets the event back
        CANCELLED: frozenset({CONFIRMED}),
    }
)

STATES = frozenset(TRANSITIONS)
# Every status a stored booking may carry.
STORED = STATES | {LEGACY_PENDING}
FINAL = frozenset(state for state, targets in TRANSITIONS.items() if not targets)
# A booking in these states holds (or, held, may hold part of) its seats in ``capacity_days``.
HOLDS_SEATS = frozenset({HELD, LEGACY_PENDING, AWAITING_APPROVAL, CONFIRMED, OFFERED}) | OUTCOMES
# The only statuses the sweep reads: requests in flight.
SWEPT = frozenset({HELD, LEGACY_PENDING})

# A booking held for longer than this was abandoned by a worker that died mid-way.
ABANDONED_AFTER = timedelta(minutes=5)


class IllegalTransition(ValueError):
    """A status change the table does not allow: a bug in the command asking for it."""


def canonical(status: str) -> str:
    """The state a stored status stands for (``pending`` from earlier versions is ``held``)."""
    return HELD if status == LEGACY_PENDING else status


def allowed(source: str, target: str) -> bool:
    """Whether a booking in ``source`` may move to ``target`` (never to a legacy status)."""
    return target in TRANSITIONS.get(canonical(source), frozenset())


def check(source: str, target: str) -> None:
    if not allowed(source, target):
        raise IllegalTransition(f"a booking cannot go from {source!r} to {target!r}")


def releases_seats(source: str, target: str) -> bool:
    """Whether moving ``source`` → ``target`` must give the booking's seats back."""
    return source in HOLDS_SEATS and target not in HOLDS_SEATS


def is_abandoned(status: str, held_since: datetime, now: datetime) -> bool:
    """A request in flight for longer than ``ABANDONED_AFTER``; any other state never is."""
    return status in SWEPT and held_since <= now - ABANDONED_AFTER
