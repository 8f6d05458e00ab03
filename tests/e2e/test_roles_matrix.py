"""Every ``/api`` route × every kind of caller, on the real platform (issue 7, roles).

The routes come from the gateway's own OpenAPI document (``GET /openapi.json``): a route
added later without its row in ``MATRIX`` fails ``test_every_api_route_has_a_row``. Each row
says, for each caller, the status expected: 2xx/3xx allowed; 401 (no one signed in), 403 (a
right missing), 404 (nothing there, or a one-time link that is the credential itself)
refused. Public reads answer everyone the same.

The callers: anonymous; a plain member (not the owner of the booking); the booking's owner;
the manager of its place (named through ``PUT /api/admin/roles``); the manager of another
place; a territory coordinator; a territory admin (a member granted ``admin`` through
``PUT /api/admin/roles`` by the operator); the operator's token (``MAILLAGE_ADMIN_TOKEN``).

Then: a direct RPC without any caller is refused by the services themselves; a coordinator
names a manager whose existing token works at once and no longer after the role is removed,
both acts in the audit log under the coordinator's id.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from contracts.errors import remote_error
from gateway.rpc_client import RemoteError, RpcClient

from .helpers import (
    OPERATOR,
    PASSWORD,
    PLACE,
    add_resource,
    confirmation_token,
    create_place,
    day,
    is_problem,
    member,
)

pytestmark = pytest.mark.e2e

CALLERS = (
    "anonymous",
    "member",
    "owner",
    "manager",
    "other manager",
    "coordinator",
    "admin",
    "operator",
)
MEMBERS = CALLERS[1:-1]  # the callers with an account behind them


@dataclass
class Who:
    kind: str
    headers: dict
    email: str | None = None  # a member's address (password: helpers.PASSWORD)
    grants: list[dict] = field(default_factory=list)  # given by the operator


@dataclass
class World:
    platform: object
    place: str  # the place the booking is in ("manager" manages it)
    other_place: str  # the one "other manager" manages
    resource: str  # a resource of ``place``, many seats
    booking: str  # the owner's booking, on ``resource``
    owner_email: str
    probes: dict[str, str]  # route → the address of a member whose credentials it uses
    grantee: str  # a member roles are granted to and removed from
    callers: dict[str, Who]
    approval_resource: str = ""  # made on first use (approval_resource below)

    @property
    def url(self) -> str:
        return self.platform.url


def send(world: World, method: str, path: str, headers: dict, **options) -> httpx.Response:
    """One request on a client of its own: no cookie carried from one call to the next."""
    with httpx.Client(base_url=world.url, timeout=30, follow_redirects=False) as client:
        return client.request(method, path, headers=headers, **options)


def operator_call(world: World, method: str, path: str, **options) -> httpx.Response:
    return send(world, method, path, OPERATOR, **options)


def token_of(world: World, email: str) -> tuple[dict, str]:
    """Another bearer token of a member: (headers, its id)."""
    issued = send(world, "POST", "/api/auth/token", {}, json={"email": email, "password": PASSWORD})
    assert issued.status_code == 200, issued.text
    body = issued.json()
    return {"Authorization": f"Bearer {body['access_token']}"}, body["token_id"]


def grant(world: World, method: str, body: dict) -> None:
    """As the operator: PUT (grant) or DELETE (remove) a role."""
    response = operator_call(world, method, "/api/admin/roles", json=body)
    assert response.status_code == 200, response.text


def booking_body(world: World, **person) -> dict:
    return {"resource_id": world.resource, "start": day(5, 9), "end": day(5, 10), **person}


def owners_booking(world: World) -> str:
    owner = world.callers["owner"]
    made = send(world, "POST", "/api/bookings", owner.headers, json=booking_body(world))
    assert made.status_code == 201, made.text
    return made.json()["id"]


@pytest.fixture(scope="module")
def world(verdon) -> World:
    with httpx.Client(base_url=verdon.url, timeout=30) as api:
        place = create_place(api, name=f"Matrice {uuid.uuid4().hex[:6]}")["id"]
        other_place = create_place(api, name=f"Ailleurs {uuid.uuid4().hex[:6]}")["id"]
        body = {"name": "Salle commune", "kind": "meeting_room", "seats": 500}
        resource = add_resource(api, place, body)["id"]
        people = {kind: member(verdon, api, kind.title()) for kind in MEMBERS}
        probes = {route: member(verdon, api, "Sonde").email for route in ("token", "session")}
        probes["link"] = probes["token"]
        grantee = member(verdon, api, "Bénéficiaire").email
    roles = {
        "manager": [{"role": "manager", "scope": f"place:{place}"}],
        "other manager": [{"role": "manager", "scope": f"place:{other_place}"}],
        "coordinator": [{"role": "coordinator", "scope": "territory"}],
        "admin": [{"role": "admin", "scope": "territory"}],
    }
    callers = {"anonymous": Who("anonymous", {}), "operator": Who("operator", OPERATOR)}
    for kind, (email, headers) in people.items():
        callers[kind] = Who(kind, headers, email, roles.get(kind, []))
    world = World(
        verdon,
        place,
        other_place,
        resource,
        "",
        people["owner"].email,
        probes,
        grantee,
        callers,
    )
    for who in callers.values():
        for held in who.grants:
            grant(world, "PUT", {"email": who.email, **held})
    world.booking = owners_booking(world)
    return world


# --- what each route does for a caller ----------------------------------------------------------
Row = Callable[[World, Who], httpx.Response]


def get(path: str) -> Row:
    return lambda world, who: send(world, "GET", path.format(w=world), who.headers)


def sign_up(world: World, who: Who) -> httpx.Response:
    address = f"inscription.{uuid.uuid4().hex[:8]}@example.org"
    body = {"email": address, "password": PASSWORD, "name": "Nouvelle"}
    return send(world, "POST", "/api/auth/signup", who.headers, json=body)


def confirm(world: World, who: Who) -> httpx.Response:
    """A fresh sign-up's emailed link, followed by this caller: the link is the credential."""
    address = f"confirmation.{uuid.uuid4().hex[:8]}@example.org"
    body = {"email": address, "password": PASSWORD, "name": "Nouvelle"}
    assert send(world, "POST", "/api/auth/signup", {}, json=body).status_code == 202
    token = confirmation_token(world.platform, address)
    return send(world, "GET", "/api/auth/confirm", who.headers, params={"token": token})


def credentials(route: str) -> Row:
    def call(world: World, who: Who) -> httpx.Response:
        body = {"email": world.probes[route], "password": PASSWORD}
        return send(world, "POST", f"/api/auth/{route}", who.headers, json=body)

    return call


def ask_link(route: str) -> Row:
    def call(world: World, who: Who) -> httpx.Response:
        body = {"email": world.probes["link"]}
        return send(world, "POST", f"/api/auth/{route}", who.headers, json=body)

    return call


UNKNOWN_LINK = "lien-inconnu-" + "x" * 20


def new_password(world: World, who: Who) -> httpx.Response:
    body = {"token": UNKNOWN_LINK, "password": PASSWORD}
    return send(world, "POST", "/api/auth/password", who.headers, json=body)


def sign_out(world: World, who: Who) -> httpx.Response:
    """A member signs out a token of their own made for this (their main one stays)."""
    headers = token_of(world, who.email)[0] if who.email else who.headers
    return send(world, "POST", "/api/auth/signout", headers)


def sign_out_all(world: World, who: Who) -> httpx.Response:
    response = send(world, "POST", "/api/auth/signout-all", who.headers)
    if who.email and response.status_code == 204:
        who.headers = token_of(world, who.email)[0]  # every token went: a new one
    return response


def revoke_token(world: World, who: Who) -> httpx.Response:
    token_id = token_of(world, who.email)[1] if who.email else "0" * 24
    return send(world, "DELETE", f"/api/auth/tokens/{token_id}", who.headers)


def patch_me(world: World, who: Who) -> httpx.Response:
    return send(world, "PATCH", "/api/me", who.headers, json={"commune": "Riez"})


def set_email_preferences(world: World, who: Who) -> httpx.Response:
    """Each member their own (notifications, by the address the gateway vouches for)."""
    body = {"kinds": {"digests": True}}
    return send(world, "PUT", "/api/me/email-preferences", who.headers, json=body)


def change_email(world: World, who: Who) -> httpx.Response:
    """Asks only: the address changes when the emailed link is followed (not here)."""
    body = {"email": f"ailleurs-{uuid.uuid4().hex[:8]}@example.org", "password": PASSWORD}
    return send(world, "POST", "/api/me/email", who.headers, json=body)


def erase_me(world: World, who: Who) -> httpx.Response:
    """Each member kind erases a twin of theirs (same roles; the owner's twin owns a booking):
    the matrix's callers stay."""
    headers = who.headers
    if who.email:
        with httpx.Client(base_url=world.url, timeout=30) as api:
            twin = member(world.platform, api, f"Double {who.kind}")
        for held in who.grants:
            grant(world, "PUT", {"email": twin.email, **held})
        if who.kind == "owner":
            made = send(world, "POST", "/api/bookings", twin.headers, json=booking_body(world))
            assert made.status_code == 201, made.text
        headers = twin.headers
    return send(world, "DELETE", "/api/me", headers)


def calendar_link(method: str) -> Row:
    return lambda world, who: send(world, method, "/api/me/calendar-token", who.headers)


def calendar_feed(world: World, who: Who) -> httpx.Response:
    """Each member reads the feed of a link of their own, with the link alone (a calendar
    app sends no header); no one else has a link: a made-up token is an unknown address."""
    token = "mcal_" + "x" * 43
    if who.email:
        made = send(world, "POST", "/api/me/calendar-token", who.headers)
        token = made.json()["url"].split("token=", 1)[1]
    return send(world, "GET", "/api/me/calendar.ics", {}, params={"token": token})


def new_place(world: World, who: Who) -> httpx.Response:
    body = {**PLACE, "name": f"Nouveau lieu {uuid.uuid4().hex[:6]}"}
    return send(world, "POST", "/api/places", who.headers, json=body)


def edit_place(world: World, who: Who) -> httpx.Response:
    body = {"summary": f"Résumé {uuid.uuid4().hex[:6]}"}
    return send(world, "PATCH", f"/api/places/{world.place}", who.headers, json=body)


def new_resource(world: World, who: Who) -> httpx.Response:
    body = {"name": f"Poste {uuid.uuid4().hex[:6]}", "kind": "desk_pool", "seats": 2}
    return send(world, "POST", f"/api/places/{world.place}/resources", who.headers, json=body)


def patch_resource(world: World, who: Who) -> httpx.Response:
    """A rule nothing else here depends on (the managers' notice), set again and again."""
    body = {"notify_managers": True}
    return send(world, "PATCH", f"/api/resources/{world.resource}", who.headers, json=body)


def import_closures(world: World, who: Who) -> httpx.Response:
    """An address on this machine, which the platform refuses to fetch (a private address):
    allowed callers get that refusal (422 ``calendar_unreadable``), after the rights check."""
    body = {"url": "http://127.0.0.1:9/vacances.ics"}
    path = f"/api/resources/{world.resource}/closures/import"
    response = send(world, "POST", path, who.headers, json=body)
    assert response.status_code != 422 or response.json()["code"] == "calendar_unreadable"
    return response


# -- local actors and contact requests (dir-actors) ----------------------------------------
ACTOR = {
    "name": "Gîte de la Matrice",
    "trade": "gîte",
    "categories": ["sleep"],
    "commune": "Riez",
    "postal_code": "04500",
    "location": {"lat": 43.82, "lon": 6.095},
    "email": "gite.matrice@example.org",
}
_actors: dict[str, str] = {}


def world_actor(world: World) -> str:
    """An actor the rows read, edit and write to (made once per platform by the operator)."""
    if world.url not in _actors:
        made = operator_call(world, "POST", "/api/actors", json=ACTOR)
        assert made.status_code == 201, made.text
        _actors[world.url] = made.json()["id"]
    return _actors[world.url]


def new_actor(world: World, who: Who) -> httpx.Response:
    body = {**ACTOR, "name": f"Acteur {uuid.uuid4().hex[:6]}"}
    return send(world, "POST", "/api/actors", who.headers, json=body)


def read_actor(world: World, who: Who) -> httpx.Response:
    return send(world, "GET", f"/api/actors/{world_actor(world)}", who.headers)


def patch_actor(world: World, who: Who) -> httpx.Response:
    body = {"summary": "Trois chambres au calme."}
    return send(world, "PATCH", f"/api/actors/{world_actor(world)}", who.headers, json=body)


def remove_actor(world: World, who: Who) -> httpx.Response:
    """Each caller removes an actor of its own (made by the operator)."""
    made = operator_call(world, "POST", "/api/actors", json={**ACTOR, "name": "À retirer"})
    return send(world, "DELETE", f"/api/actors/{made.json()['id']}", who.headers)


def contact_actor(world: World, who: Who) -> httpx.Response:
    body = {
        "target_type": "actor",
        "target_id": world_actor(world),
        "name": "Véronique",
        "email": f"contact.{uuid.uuid4().hex[:8]}@example.org",
        "message": "Bonjour, avez-vous une chambre libre en mars ?",
    }
    return send(world, "POST", "/api/contact-requests", who.headers, json=body)


def book(**person) -> Row:
    def call(world: World, who: Who) -> httpx.Response:
        return send(world, "POST", "/api/bookings", who.headers, json=booking_body(world, **person))

    return call


def cancel(world: World, who: Who) -> httpx.Response:
    """A booking of the owner's made for this caller, cancelled by them; it is cancelled
    exactly when the answer is 200."""
    booking_id = owners_booking(world)
    why = {"reason": "Fermeture exceptionnelle"}  # staff cancelling someone's booking say why
    response = send(world, "POST", f"/api/bookings/{booking_id}/cancel", who.headers, json=why)
    owner = world.callers["owner"].headers
    status = send(world, "GET", f"/api/bookings/{booking_id}", owner).json()["status"]
    assert status == ("cancelled" if response.status_code == 200 else "confirmed"), who.kind
    return response


def series_body(world: World, **person) -> dict:
    """The booking of ``booking_body``, on its weekday two weeks running."""
    rule = {"freq": "weekly", "count": 2}
    return {**booking_body(world, **person), "recurrence": rule}


def owners_series(world: World) -> str:
    owner = world.callers["owner"]
    key = {**owner.headers, "Idempotency-Key": uuid.uuid4().hex}
    made = send(world, "POST", "/api/bookings", key, json=series_body(world))
    assert made.status_code == 201, made.text
    return made.json()["series_id"]


def book_series(world: World, who: Who) -> httpx.Response:
    return send(world, "POST", "/api/bookings", who.headers, json=series_body(world))


def preview(world: World, who: Who) -> httpx.Response:
    return send(world, "POST", "/api/bookings/preview", who.headers, json=series_body(world))


def see_series(world: World, who: Who) -> httpx.Response:
    return send(world, "GET", f"/api/series/{owners_series(world)}", who.headers)


def cancel_series(world: World, who: Who) -> httpx.Response:
    """The owner's series, cancelled by this caller: cancelled exactly when the answer is 200."""
    series_id = owners_series(world)
    body = {"reason": "La salle est fermée ces jours-là"}
    response = send(world, "POST", f"/api/series/{series_id}/cancel", who.headers, json=body)
    owner = world.callers["owner"].headers
    shown = send(world, "GET", f"/api/series/{series_id}", owner).json()
    statuses = {b["status"] for b in shown["bookings"]}
    assert statuses == ({"cancelled"} if response.status_code == 200 else {"confirmed"}), who.kind
    return response


# --- the facilitator's desk: each caller acts on a booking of the owner's made for them ------
def approval_resource(world: World) -> str:
    """A resource of the place booked on its managers' approval (made once, by the operator)."""
    if not world.approval_resource:
        body = {"name": "Salle sur accord", "kind": "meeting_room", "seats": 500}
        made = operator_call(
            world,
            "POST",
            f"/api/places/{world.place}/resources",
            json={**body, "approval_required": True},
        )
        assert made.status_code == 201, made.text
        world.approval_resource = made.json()["id"]
    return world.approval_resource


def owners_request(world: World) -> str:
    owner = world.callers["owner"]
    body = {**booking_body(world), "resource_id": approval_resource(world)}
    made = send(world, "POST", "/api/bookings", owner.headers, json=body)
    assert made.status_code == 201 and made.json()["status"] == "awaiting_approval", made.text
    return made.json()["id"]


def status_for_owner(world: World, booking_id: str) -> str | None:
    """The booking's status as its owner reads it; None once rejected (no longer shown)."""
    shown = send(world, "GET", f"/api/bookings/{booking_id}", world.callers["owner"].headers)
    return shown.json()["status"] if shown.status_code == 200 else None


def begun_booking(world: World) -> str:
    """A booking of the owner's begun in this quarter hour (a quarter hour back is allowed)."""
    now = datetime.now(UTC)
    start = now.replace(minute=now.minute - now.minute % 15, second=0, microsecond=0)
    body = {**booking_body(world), "start": start.isoformat()}
    body["end"] = (start + timedelta(hours=1)).isoformat()
    made = send(world, "POST", "/api/bookings", world.callers["owner"].headers, json=body)
    assert made.status_code == 201, made.text
    return made.json()["id"]


def owners_cancelled_booking(world: World) -> str:
    """A booking of the owner's, cancelled by the owner (for the place to restore)."""
    booking_id = owners_booking(world)
    owner = world.callers["owner"].headers
    cancelled = send(world, "POST", f"/api/bookings/{booking_id}/cancel", owner)
    assert cancelled.status_code == 200, cancelled.text
    return booking_id


def desk(action: str, body: dict | None, made: Callable[[World], str], after: str | None) -> Row:
    """A booking of the owner's (``made``), acted on by each caller: it changes to ``after``
    exactly when the answer is 200, and otherwise stays as it was."""

    def call(world: World, who: Who) -> httpx.Response:
        booking_id = made(world)
        before = status_for_owner(world, booking_id)
        path = f"/api/bookings/{booking_id}/{action}"
        response = send(world, "POST", path, who.headers, json=body)
        expected = after if response.status_code == 200 else before
        assert status_for_owner(world, booking_id) == expected, who.kind
        return response

    return call


def offered_booking(world: World) -> str:
    """A booking of the owner's offered a seat from the waitlist: a one-seat room (made by
    the operator) booked by "member", the owner waiting, then "member" cancelling."""
    body = {"name": "Petite salle", "kind": "meeting_room", "seats": 1}
    made = operator_call(world, "POST", f"/api/places/{world.place}/resources", json=body)
    assert made.status_code == 201, made.text
    room = {**booking_body(world), "resource_id": made.json()["id"]}
    taken = send(world, "POST", "/api/bookings", world.callers["member"].headers, json=room)
    assert taken.status_code == 201, taken.text
    owner = world.callers["owner"].headers
    waiting = send(world, "POST", "/api/bookings", owner, json={**room, "waitlist": True})
    assert waiting.status_code == 201 and waiting.json()["status"] == "waitlisted", waiting.text
    path = f"/api/bookings/{taken.json()['id']}/cancel"
    assert send(world, "POST", path, world.callers["member"].headers).status_code == 200
    assert status_for_owner(world, waiting.json()["id"]) == "offered"
    return waiting.json()["id"]


def accept_offer(world: World, who: Who) -> httpx.Response:
    """Signed in, only the owner takes the seats offered to them (with no token)."""
    booking_id = offered_booking(world)
    response = send(world, "POST", f"/api/bookings/{booking_id}/accept", who.headers)
    expected = "confirmed" if response.status_code == 200 else "offered"
    assert status_for_owner(world, booking_id) == expected, who.kind
    return response


# A permanence of the world's place, open all week, whose group motif holds everyone who books.
PERMANENCES: dict[int, str] = {}
MOTIF = {"code": "atelier", "label": "Atelier", "duration_minutes": 60, "modes": ["in_person",
         "phone"], "capacity": 100}  # fmt: skip


def new_permanence(world: World, headers: dict) -> httpx.Response:
    body = {"agent_name": "Paul", "organisation": "Aide numérique",
            "rule": "Mo-Su 09:00-18:00", "motifs": [MOTIF]}  # fmt: skip
    return send(world, "POST", f"/api/places/{world.place}/permanences", headers, json=body)


def permanence_of(world: World) -> str:
    """The world's permanence, made once by the operator."""
    if id(world) not in PERMANENCES:
        made = new_permanence(world, OPERATOR)
        assert made.status_code == 201, made.text
        PERMANENCES[id(world)] = made.json()["id"]
    return PERMANENCES[id(world)]


# --- clubs: each write on a club of its own, made by the operator at ``world.place`` (the place
# acts as president: its manager manages it), so that no caller's act changes another's row.
CLUB_IDS: dict[str, str] = {}


def new_club(world: World, policy: str = "open") -> str:
    body = {"name": f"Club {uuid.uuid4().hex[:6]}", "place_id": world.place, "join_policy": policy}
    made = operator_call(world, "POST", "/api/clubs", json=body)
    assert made.status_code == 201, made.text
    return made.json()["id"]


def club_of(world: World) -> str:
    """The world's club, made once (read-only rows use it)."""
    if id(world) not in CLUB_IDS:
        CLUB_IDS[id(world)] = new_club(world)
    return CLUB_IDS[id(world)]


def member_id(world: World, who: Who) -> str:
    return send(world, "GET", "/api/me", who.headers).json()["id"]


def club_with_member(world: World, policy: str = "open") -> tuple[str, str]:
    """A new club the "member" caller joined (or asked to join): (club id, their id)."""
    club = new_club(world, policy)
    plain = world.callers["member"]
    joined = send(world, "POST", f"/api/clubs/{club}/members", plain.headers)
    assert joined.status_code == 200, joined.text
    return club, member_id(world, plain)


def on_club(method: str, suffix: str = "", body: dict | None = None) -> Row:
    def call(world: World, who: Who) -> httpx.Response:
        path = f"/api/clubs/{club_of(world)}{suffix}"
        return send(world, method, path, who.headers, json=body)

    return call


def create_club(world: World, who: Who) -> httpx.Response:
    body = {"name": f"Club {uuid.uuid4().hex[:6]}", "place_id": world.place}
    return send(world, "POST", "/api/clubs", who.headers, json=body)


def on_fresh_club(method: str, suffix: str, body: dict | None = None) -> Row:
    """``suffix`` on a club of its own (``{m}``: the "member" caller's id, a member of it)."""

    def call(world: World, who: Who) -> httpx.Response:
        policy = "approval" if "join-requests" in suffix else "open"
        club, member = club_with_member(world, policy)
        body_now = {k: v.format(m=member) for k, v in (body or {}).items()}
        path = f"/api/clubs/{club}{suffix.format(m=member)}"
        return send(world, method, path, who.headers, json=body_now or None)

    return call


def join_club(world: World, who: Who) -> httpx.Response:
    return send(world, "POST", f"/api/clubs/{new_club(world)}/members", who.headers)


def create_permanence(world: World, who: Who) -> httpx.Response:
    return new_permanence(world, who.headers)


def on_permanence(method: str, suffix: str = "", body: dict | None = None) -> Row:
    def call(world: World, who: Who) -> httpx.Response:
        path = f"/api/permanences/{permanence_of(world)}{suffix}"
        return send(world, method, path, who.headers, json=body)

    return call


def close_permanence(world: World, who: Who) -> httpx.Response:
    """A permanence made for this caller by the operator, closed by them."""
    made = new_permanence(world, OPERATOR)
    assert made.status_code == 201, made.text
    return send(world, "POST", f"/api/permanences/{made.json()['id']}/close", who.headers)


def appointment(**person) -> Row:
    def call(world: World, who: Who) -> httpx.Response:
        body = {"motif": "atelier", "start": day(5, 9), **person}
        path = f"/api/permanences/{permanence_of(world)}/appointments"
        return send(world, "POST", path, who.headers, json=body)

    return call


def meeting_series(start: str = "09:00", days: int = 9) -> dict:
    first = (datetime.now(UTC) + timedelta(days=days)).date().isoformat()
    return {"title": "Réunion", "rule": {"freq": "weekly"}, "first_date": first,
            "until": first, "start_time": start, "end_time": "10:00", "room": False}  # fmt: skip


def plan_meetings(world: World, who: Who) -> httpx.Response:
    path = f"/api/clubs/{club_of(world)}/meetings"
    return send(world, "POST", path, who.headers, json=meeting_series())


def change_meeting(world: World, who: Who) -> httpx.Response:
    """A meeting planned by the operator, its agenda written by this caller."""
    path = f"/api/clubs/{club_of(world)}/meetings"
    made = send(world, "POST", path, OPERATOR, json=meeting_series("08:00", 10))
    assert made.status_code == 201, made.text
    occurrence = made.json()["occurrences"][0]["id"]
    return send(world, "PATCH", f"{path}/{occurrence}", who.headers, json={"agenda": "1. Café"})


def role_change(method: str, role: str) -> Row:
    """Grant (PUT) or remove (DELETE) a role of the grantee, from the opposite state."""

    def call(world: World, who: Who) -> httpx.Response:
        scope = f"place:{world.place}" if role == "manager" else "territory"
        body = {"email": world.grantee, "role": role, "scope": scope}
        grant(world, "DELETE" if method == "PUT" else "PUT", body)
        return send(world, method, "/api/admin/roles", who.headers, json=body)

    return call


def lift_suspension(world: World, who: Who) -> httpx.Response:
    body = {"email": f"nobody.{uuid.uuid4().hex[:8]}@example.org"}
    return send(world, "POST", "/api/admin/suspensions/lift", who.headers, json=body)


def admin_post(path: str) -> Row:
    return lambda world, who: send(world, "POST", path, who.headers)


_POOLS: dict[str, str] = {}  # the world's place → its desk pool with resident seats


def pool_of(world: World) -> str:
    if world.place not in _POOLS:
        body = {"name": "Espace résidents", "kind": "desk_pool", "seats": 60, "resident_seats": 50}
        made = operator_call(world, "POST", f"/api/places/{world.place}/resources", json=body)
        assert made.status_code == 201, made.text
        _POOLS[world.place] = made.json()["id"]
    return _POOLS[world.place]


def subscription_body() -> dict:
    email = f"resident.{uuid.uuid4().hex[:8]}@example.org"
    return {"name": "Résidente", "email": email, "start": "2031-01", "months": 1}


def subscribe(world: World, who: Who) -> httpx.Response:
    path = f"/api/resources/{pool_of(world)}/subscriptions"
    return send(world, "POST", path, who.headers, json=subscription_body())


def list_subscriptions(world: World, who: Who) -> httpx.Response:
    return send(world, "GET", f"/api/resources/{pool_of(world)}/subscriptions", who.headers)


def cancel_subscription(world: World, who: Who) -> httpx.Response:
    """A subscription made by the operator, cancelled by this caller."""
    path = f"/api/resources/{pool_of(world)}/subscriptions"
    made = operator_call(world, "POST", path, json=subscription_body())
    assert made.status_code == 201, made.text
    return send(world, "POST", f"/api/subscriptions/{made.json()['id']}/cancel", who.headers)


# Workshops and events (clubs, issue 10): made by the operator at the world's place.
_WORKSHOPS: dict[tuple[str, str], str] = {}


def workshop_of(world: World, when: str = "future") -> str:
    """A workshop at the world's place, starting in a week (``future``) or an hour ago
    (``started``: attendance may be taken)."""
    if (world.place, when) not in _WORKSHOPS:
        start = datetime.now(UTC) + (timedelta(days=7) if when == "future" else -timedelta(hours=1))
        body = {
            "title": "Atelier compost",
            "place_id": world.place,
            "start": start.isoformat(),
            "end": (start + timedelta(hours=3)).isoformat(),
            "capacity": 50,
        }
        made = operator_call(world, "POST", "/api/events", json=body)
        assert made.status_code == 201, made.text
        _WORKSHOPS[world.place, when] = made.json()["id"]
    return _WORKSHOPS[world.place, when]


def event_call(
    method: str, suffix: str = "", body: dict | None = None, when: str = "future"
) -> Row:
    def call(world: World, who: Who) -> httpx.Response:
        path = f"/api/events/{workshop_of(world, when)}{suffix}"
        return send(world, method, path, who.headers, **({"json": body} if body else {}))

    return call


def new_event(world: World, who: Who) -> httpx.Response:
    start = datetime.now(UTC) + timedelta(days=9)
    body = {
        "title": "Portes ouvertes",
        "place_id": world.place,
        "start": start.isoformat(),
        "end": (start + timedelta(hours=2)).isoformat(),
        "capacity": 20,
    }
    return send(world, "POST", "/api/events", who.headers, json=body)


def cancel_event(world: World, who: Who) -> httpx.Response:
    """A workshop of its own per caller: cancelling it is this caller's act."""
    made = new_event(world, world.callers["operator"])
    assert made.status_code == 201, made.text
    return send(world, "POST", f"/api/events/{made.json()['id']}/cancel", who.headers)


def cancel_my_rsvp(world: World, who: Who) -> httpx.Response:
    """The caller answers, then cancels their answer."""
    path = f"/api/events/{workshop_of(world)}/rsvps"
    send(world, "POST", path, who.headers)
    return send(world, "DELETE", f"{path}/mine", who.headers)


# --- the matrix --------------------------------------------------------------------------------
#   callers:  anonymous, member, owner, manager, other manager, coordinator, admin, operator


# --- contributions, moderation and open data (issue 9) ------------------------------------------
def proposal(world: World, who: Who | None = None) -> str:
    """A new proposal (by ``who``, else by the operator), its id."""
    body = {"type": "place", "fields": {**PLACE, "name": f"Proposé {uuid.uuid4().hex[:6]}"}}
    made = send(world, "POST", "/api/contributions", who.headers if who else OPERATOR, json=body)
    assert made.status_code == 201, made.text
    return made.json()["id"]


def propose(world: World, who: Who) -> httpx.Response:
    body = {"type": "place", "fields": {**PLACE, "name": f"Proposé {uuid.uuid4().hex[:6]}"}}
    return send(world, "POST", "/api/contributions", who.headers, json=body)


def members_proposal(world: World, who: Who) -> httpx.Response:
    """The plain member's proposal: seen by its author and by the moderators."""
    made = proposal(world, world.callers["member"])
    return send(world, "GET", f"/api/contributions/{made}", who.headers)


def decide(verb: str) -> Row:
    def call(world: World, who: Who) -> httpx.Response:
        body = {"reason": "Déjà dans l'annuaire"} if verb == "reject" else None
        path = f"/api/contributions/{proposal(world)}/{verb}"
        return send(world, "POST", path, who.headers, json=body)

    return call


def import_rejected_row(world: World, who: Who) -> httpx.Response:
    """A file whose only row lacks its name: allowed callers get the report (200)."""
    text = (
        "id,pivot,nom,commune,code_postal,adresse,date_maj\n"
        "x1,00000000000000,,Riez,04500,Riez,2026-11-26\n"
    )
    headers = {**who.headers, "Content-Type": "text/csv"}
    response = send(world, "POST", "/api/places/import", headers, content=text.encode())
    assert response.status_code != 200 or response.json()["rejected"][0]["field"] == "nom"
    return response


EVERYONE = (200,) * 8
SIGNED_IN = (401, 200, 200, 200, 200, 200, 200, 401)  # a member, whatever their roles
STAFF = (401, 403, 403, 403, 403, 200, 200, 200)  # territory admins and coordinators
ADMINS = (401, 403, 403, 403, 403, 403, 200, 200)  # territory admins only
FOR_THE_PLACE = (401, 403, 403, 201, 403, 403, 201, 201)  # its managers, territory admins
DESK = (401, 403, 403, 200, 403, 200, 200, 200)  # its managers, territory staff
ANYONE_SIGNED_IN = (401, *(200,) * 7)  # a member or the operator
CLUB_MADE = (401, 403, 403, 201, 403, 201, 201, 201)  # the place's managers, territory staff

# (method, OpenAPI path, variant) → (what the caller does, the status each caller gets)
MATRIX: dict[tuple[str, str, str], tuple[Row, tuple[int, ...]]] = {
    ("GET", "/api/health", ""): (get("/api/health"), EVERYONE),
    ("GET", "/api/capabilities", ""): (get("/api/capabilities"), EVERYONE),
    ("GET", "/api/ready", ""): (get("/api/ready"), EVERYONE),
    # Accounts: public, the same whoever asks; a one-time link is its own credential.
    ("POST", "/api/auth/signup", ""): (sign_up, (202,) * 8),
    ("GET", "/api/auth/confirm", ""): (confirm, (303,) * 8),
    ("POST", "/api/auth/token", ""): (credentials("token"), EVERYONE),
    ("POST", "/api/auth/session", ""): (credentials("session"), EVERYONE),
    ("POST", "/api/auth/link", ""): (ask_link("link"), (202,) * 8),
    ("GET", "/api/auth/link", "an unknown link"): (
        get(f"/api/auth/link?token={UNKNOWN_LINK}"),
        (404,) * 8,
    ),
    ("GET", "/api/auth/link/{token}", "an unknown link"): (
        get(f"/api/auth/link/{UNKNOWN_LINK}"),
        (404,) * 8,
    ),
    ("POST", "/api/auth/password-reset", ""): (ask_link("password-reset"), (202,) * 8),
    ("POST", "/api/auth/password", "an unknown link"): (new_password, (404,) * 8),
    ("GET", "/api/auth/email", "an unknown link"): (
        get(f"/api/auth/email?token={UNKNOWN_LINK}"),
        (404,) * 8,
    ),
    ("POST", "/api/auth/signout", ""): (sign_out, (204,) * 8),  # anonymous: nothing to end
    ("POST", "/api/auth/signout-all", ""): (sign_out_all, (401, *(204,) * 6, 401)),
    ("DELETE", "/api/auth/tokens/{token_id}", ""): (revoke_token, (401, *(204,) * 6, 401)),
    # The member's own account: the operator's token has no member behind it.
    ("GET", "/api/me", ""): (get("/api/me"), SIGNED_IN),
    ("PATCH", "/api/me", ""): (patch_me, SIGNED_IN),
    ("DELETE", "/api/me", "a twin of each"): (erase_me, (401, *(204,) * 6, 401)),
    ("GET", "/api/me/bookings", ""): (get("/api/me/bookings"), SIGNED_IN),
    ("GET", "/api/me/clubs", ""): (get("/api/me/clubs"), SIGNED_IN),
    ("GET", "/api/me/export", ""): (get("/api/me/export"), SIGNED_IN),
    ("GET", "/api/me/email-preferences", ""): (get("/api/me/email-preferences"), SIGNED_IN),
    ("PUT", "/api/me/email-preferences", ""): (set_email_preferences, SIGNED_IN),
    ("POST", "/api/me/email", ""): (change_email, (401, *(202,) * 6, 401)),
    # Calendar feeds: a member's link is the credential of their feed; a busy feed is public.
    ("POST", "/api/me/calendar-token", ""): (calendar_link("POST"), (401, *(201,) * 6, 401)),
    ("DELETE", "/api/me/calendar-token", ""): (calendar_link("DELETE"), (401, *(204,) * 6, 401)),
    ("GET", "/api/me/calendar.ics", "each member's own link"): (
        calendar_feed,
        (404, *(200,) * 6, 404),
    ),
    ("GET", "/api/resources/{resource_id}/busy.ics", ""): (
        get("/api/resources/{w.resource}/busy.ics"),
        EVERYONE,
    ),
    # The directory: places added by a coordinator or a territory admin, read by anyone.
    ("POST", "/api/places", ""): (new_place, (401, 403, 403, 403, 403, 201, 201, 201)),
    ("GET", "/api/places", ""): (get("/api/places"), EVERYONE),
    ("GET", "/api/places/{place_id}", ""): (get("/api/places/{w.place}"), EVERYONE),
    # Local actors: added and removed by territory staff, edited by their owner and staff,
    # read by anyone (no email nor phone unless opted in); contact requests from anyone.
    ("POST", "/api/actors", ""): (new_actor, (401, 403, 403, 403, 403, 201, 201, 201)),
    ("GET", "/api/actors", ""): (get("/api/actors"), EVERYONE),
    ("GET", "/api/actors/{actor_id}", ""): (read_actor, EVERYONE),
    ("PATCH", "/api/actors/{actor_id}", ""): (patch_actor, STAFF),
    ("DELETE", "/api/actors/{actor_id}", ""): (remove_actor, STAFF),
    ("POST", "/api/contact-requests", ""): (contact_actor, (202,) * 8),
    ("GET", "/api/contact-requests/stats", ""): (get("/api/contact-requests/stats"), STAFF),
    # Edited (status included) by staff and the place's own managers, who read its history.
    ("PATCH", "/api/places/{place_id}", ""): (edit_place, DESK),
    ("GET", "/api/places/{place_id}/history", ""): (get("/api/places/{w.place}/history"), DESK),
    # Contributions and moderation: anyone signed in proposes; coordinators decide.
    ("POST", "/api/contributions", ""): (propose, (401, *(201,) * 7)),
    ("GET", "/api/contributions", ""): (get("/api/contributions"), STAFF),
    ("GET", "/api/contributions/{contribution_id}", "the member's"): (
        members_proposal,
        (401, 200, 403, 403, 403, 200, 200, 200),
    ),
    ("POST", "/api/contributions/{contribution_id}/approve", ""): (decide("approve"), STAFF),
    ("POST", "/api/contributions/{contribution_id}/reject", ""): (decide("reject"), STAFF),
    ("GET", "/api/me/contributions", ""): (get("/api/me/contributions"), ANYONE_SIGNED_IN),
    ("GET", "/api/actors/{actor_id}/history", "an unknown actor"): (
        get(f"/api/actors/{'0' * 24}/history"),
        (401, *(404,) * 7),
    ),
    # Open data: the export is public; the import is the coordinators'.
    ("GET", "/api/places.csv", ""): (get("/api/places.csv?status=open"), EVERYONE),
    ("GET", "/api/places.geojson", ""): (get("/api/places.geojson"), EVERYONE),
    ("POST", "/api/places/import", "a rejected row"): (import_rejected_row, STAFF),
    # Booking: resources by the managers of their place; bookings by members for themselves,
    # by the managers of the place (and territory admins) for someone.
    ("POST", "/api/places/{place_id}/resources", ""): (new_resource, FOR_THE_PLACE),
    ("GET", "/api/places/{place_id}/resources", ""): (
        get("/api/places/{w.place}/resources"),
        EVERYONE,
    ),
    ("GET", "/api/resources/{resource_id}", ""): (get("/api/resources/{w.resource}"), EVERYONE),
    ("PATCH", "/api/resources/{resource_id}", ""): (
        patch_resource,
        (401, 403, 403, 200, 403, 403, 200, 200),
    ),
    ("POST", "/api/resources/{resource_id}/closures/import", ""): (
        import_closures,
        (401, 403, 403, 422, 403, 403, 422, 422),  # as PATCH: its managers and admins
    ),
    ("GET", "/api/resources/{resource_id}/availability", ""): (
        get("/api/resources/{w.resource}/availability"),
        EVERYONE,
    ),
    ("GET", "/api/places/{place_id}/availability", ""): (
        get("/api/places/{w.place}/availability"),
        EVERYONE,
    ),
    ("GET", "/api/places/{place_id}/bookable", ""): (
        get("/api/places/{w.place}/bookable?days=3"),
        EVERYONE,
    ),
    ("GET", "/api/availability", ""): (get("/api/availability?kind=desk_pool"), EVERYONE),
    ("POST", "/api/bookings", "for oneself"): (
        book(),
        (401, 201, 201, 201, 201, 201, 201, 422),  # the operator has no address of their own
    ),
    ("POST", "/api/bookings", "for someone, by email"): (
        book(name="Marceline Blanc", email="marceline.matrice@example.org"),
        FOR_THE_PLACE,
    ),
    ("POST", "/api/bookings", "for someone, by phone"): (
        book(name="Marceline Blanc", phone="04 92 77 00 00"),
        FOR_THE_PLACE,
    ),
    ("GET", "/api/bookings/{booking_id}", ""): (get("/api/bookings/{w.booking}"), EVERYONE),
    ("POST", "/api/bookings/{booking_id}/cancel", ""): (
        cancel,
        (401, 403, 200, 200, 403, 200, 200, 200),
    ),
    # Resident seats: subscriptions by the managers of the place and territory staff.
    ("POST", "/api/resources/{resource_id}/subscriptions", ""): (
        subscribe,
        (401, 403, 403, 201, 403, 201, 201, 201),
    ),
    ("GET", "/api/resources/{resource_id}/subscriptions", ""): (
        list_subscriptions,
        (401, 403, 403, 200, 403, 200, 200, 200),
    ),
    ("POST", "/api/subscriptions/{subscription_id}/cancel", ""): (
        cancel_subscription,
        (401, 403, 403, 200, 403, 200, 200, 200),
    ),
    ("GET", "/api/me/subscriptions", ""): (get("/api/me/subscriptions"), SIGNED_IN),
    # Recurring bookings: as one booking, for oneself; a series seen and cancelled as one.
    ("POST", "/api/bookings", "a series for oneself"): (
        book_series,
        (401, 201, 201, 201, 201, 201, 201, 422),
    ),
    ("POST", "/api/bookings/preview", ""): (preview, (401, 200, 200, 200, 200, 200, 200, 422)),
    ("GET", "/api/series/{series_id}", ""): (see_series, (401, 403, 200, 200, 403, 200, 200, 200)),
    ("POST", "/api/series/{series_id}/cancel", ""): (
        cancel_series,
        (401, 403, 200, 200, 403, 200, 200, 200),
    ),
    # The facilitator's desk: the managers of the place and territory staff.
    ("POST", "/api/bookings/{booking_id}/approve", ""): (
        desk("approve", None, owners_request, "confirmed"),
        DESK,
    ),
    ("POST", "/api/bookings/{booking_id}/reject", ""): (
        desk("reject", {"reason": "Salle prise ce jour-là"}, owners_request, None),
        DESK,
    ),
    ("POST", "/api/bookings/{booking_id}/check-in", ""): (
        desk("check-in", None, begun_booking, "checked_in"),
        DESK,
    ),
    ("POST", "/api/bookings/{booking_id}/outcome", ""): (
        desk("outcome", {"outcome": "no_show"}, begun_booking, "no_show"),
        DESK,
    ),
    ("GET", "/api/places/{place_id}/planning", ""): (get("/api/places/{w.place}/planning"), DESK),
    ("POST", "/api/bookings/{booking_id}/restore", ""): (
        desk("restore", None, owners_cancelled_booking, "confirmed"),
        DESK,
    ),
    # The waitlist: the owner takes an offer; a leave link is its own credential (an unknown
    # one is refused to all); a resource's line is for its managers and territory staff.
    ("POST", "/api/bookings/{booking_id}/accept", ""): (
        accept_offer,
        (401, 403, 200, 403, 403, 403, 403, 403),
    ),
    ("POST", "/api/waitlist/leave", "an unknown link"): (
        lambda world, who: send(
            world, "POST", "/api/waitlist/leave", who.headers, json={"token": UNKNOWN_LINK}
        ),
        (422,) * 8,
    ),
    ("GET", "/api/resources/{resource_id}/waitlist", ""): (
        get("/api/resources/{w.resource}/waitlist"),
        DESK,
    ),
    # Permanences: made, changed and closed by the managers of their place; read by anyone;
    # appointments as bookings (for oneself, or by a manager for someone).
    ("POST", "/api/places/{place_id}/permanences", ""): (
        create_permanence,
        (401, 403, 403, 201, 403, 201, 201, 201),  # its managers, territory staff
    ),
    ("GET", "/api/places/{place_id}/permanences", ""): (
        get("/api/places/{w.place}/permanences"),
        EVERYONE,
    ),
    ("GET", "/api/permanences/{permanence_id}", ""): (on_permanence("GET"), EVERYONE),
    ("PATCH", "/api/permanences/{permanence_id}", ""): (
        on_permanence("PATCH", body={"organisation": "Aide numérique"}),
        (401, 403, 403, 200, 403, 200, 200, 200),
    ),
    ("POST", "/api/permanences/{permanence_id}/close", ""): (
        close_permanence,
        (401, 403, 403, 200, 403, 200, 200, 200),
    ),
    ("GET", "/api/permanences/{permanence_id}/slots", ""): (
        on_permanence("GET", "/slots?motif=atelier"),
        EVERYONE,
    ),
    ("POST", "/api/permanences/{permanence_id}/appointments", "for oneself"): (
        appointment(),
        (401, 201, 201, 201, 201, 201, 201, 422),  # the operator has no address of their own
    ),
    ("POST", "/api/permanences/{permanence_id}/appointments", "for someone, by phone"): (
        appointment(name="Marceline Blanc", phone="04 92 77 00 00", mode="phone"),
        FOR_THE_PLACE,
    ),
    ("GET", "/api/clubs", ""): (get("/api/clubs"), EVERYONE),
    # A club's meetings: planned and changed by those who run the club (here the place acting
    # as president: its manager) and territory staff; read by anyone.
    ("GET", "/api/clubs/{club_id}/meetings", ""): (
        lambda world, who: send(world, "GET", f"/api/clubs/{club_of(world)}/meetings", who.headers),
        EVERYONE,
    ),
    ("POST", "/api/clubs/{club_id}/meetings", ""): (
        plan_meetings,
        (401, 403, 403, 201, 403, 201, 201, 201),
    ),
    ("PATCH", "/api/clubs/{club_id}/meetings/{occurrence_id}", ""): (
        change_meeting,
        (401, 403, 403, 200, 403, 200, 200, 200),
    ),
    # Clubs: founded by a place's managers or staff; managed by the president, its
    # co-organisers, the acting place's managers (here: "manager") and territory staff;
    # joined by any member (the operator has no membership); left by the member themself.
    ("POST", "/api/clubs", ""): (create_club, CLUB_MADE),
    ("GET", "/api/clubs/{club_id}", ""): (on_club("GET"), EVERYONE),
    ("PATCH", "/api/clubs/{club_id}", ""): (on_club("PATCH", body={"purpose": "Entraide"}), DESK),
    ("PUT", "/api/clubs/{club_id}/status", ""): (
        on_club("PUT", "/status", {"status": "incubating"}),
        DESK,
    ),
    ("PUT", "/api/clubs/{club_id}/president", ""): (
        on_fresh_club("PUT", "/president", {"member_id": "{m}"}),
        DESK,
    ),
    ("GET", "/api/clubs/{club_id}/members", ""): (on_club("GET", "/members"), DESK),
    ("POST", "/api/clubs/{club_id}/members", ""): (
        join_club,
        (401, 200, 200, 200, 200, 200, 200, 403),
    ),
    ("GET", "/api/clubs/{club_id}/members/me", ""): (on_club("GET", "/members/me"), EVERYONE),
    ("DELETE", "/api/clubs/{club_id}/members/{member_id}", ""): (
        on_fresh_club("DELETE", "/members/{m}"),
        (401, 200, 403, 200, 403, 200, 200, 200),  # the member themself, or the club's managers
    ),
    ("PUT", "/api/clubs/{club_id}/members/{member_id}/role", ""): (
        on_fresh_club("PUT", "/members/{m}/role", {"role": "co_organiser"}),
        DESK,
    ),
    ("GET", "/api/clubs/{club_id}/join-requests", ""): (on_club("GET", "/join-requests"), DESK),
    ("POST", "/api/clubs/{club_id}/join-requests/{member_id}/approve", ""): (
        on_fresh_club("POST", "/join-requests/{m}/approve"),
        DESK,
    ),
    ("POST", "/api/clubs/{club_id}/join-requests/{member_id}/refuse", ""): (
        on_fresh_club("POST", "/join-requests/{m}/refuse"),
        DESK,
    ),
    ("GET", "/api/clubs/{club_id}/announcements", ""): (on_club("GET", "/announcements"), DESK),
    ("POST", "/api/clubs/{club_id}/announcements", ""): (
        on_club("POST", "/announcements", {"subject": "Réunion", "body": "Jeudi à 9 h"}),
        CLUB_MADE,
    ),
    # Workshops and events: public reads; organisers (the place's managers, territory staff)
    # write and see the people; a member answers for themselves (not the operator's token).
    ("GET", "/api/events", ""): (get("/api/events"), EVERYONE),
    ("POST", "/api/events", ""): (new_event, (401, 403, 403, 201, 403, 201, 201, 201)),
    ("GET", "/api/events/{event_id}", ""): (event_call("GET"), EVERYONE),
    ("PATCH", "/api/events/{event_id}", ""): (event_call("PATCH", "", {"capacity": 60}), DESK),
    ("POST", "/api/events/{event_id}/cancel", ""): (cancel_event, DESK),
    ("POST", "/api/events/{event_id}/rsvps", ""): (
        event_call("POST", "/rsvps"),
        (401, 201, 201, 201, 201, 201, 201, 401),
    ),
    ("GET", "/api/events/{event_id}/rsvps", ""): (event_call("GET", "/rsvps"), DESK),
    ("GET", "/api/events/{event_id}/rsvps/mine", ""): (event_call("GET", "/rsvps/mine"), EVERYONE),
    ("DELETE", "/api/events/{event_id}/rsvps/mine", ""): (cancel_my_rsvp, SIGNED_IN),
    ("PUT", "/api/events/{event_id}/attendance", ""): (
        event_call("PUT", "/attendance", {"present": []}, when="started"),
        DESK,
    ),
    ("GET", "/api/events/{event_id}/participants.csv", ""): (
        event_call("GET", "/participants.csv"),
        DESK,
    ),
    ("GET", "/api/agenda", ""): (get("/api/agenda"), EVERYONE),
    ("GET", "/api/agenda.ics", ""): (get("/api/agenda.ics?place={w.place}"), EVERYONE),
    # The funders' figures: aggregates for anyone signed in; the rows (CSV) for the place's
    # managers and territory staff, the territory's for territory staff.
    ("GET", "/api/places/{place_id}/figures", ""): (
        get("/api/places/{w.place}/figures"),
        ANYONE_SIGNED_IN,
    ),
    ("GET", "/api/figures", ""): (get("/api/figures"), ANYONE_SIGNED_IN),
    ("GET", "/api/places/{place_id}/figures.csv", ""): (
        get("/api/places/{w.place}/figures.csv"),
        (401, 403, 403, 200, 403, 200, 200, 200),
    ),
    ("GET", "/api/figures.csv", ""): (get("/api/figures.csv"), STAFF),
    # Roles: staff list them; a coordinator names place managers, an admin every role.
    ("GET", "/api/admin/roles", ""): (get("/api/admin/roles"), STAFF),
    ("PUT", "/api/admin/roles", "a place's manager"): (role_change("PUT", "manager"), STAFF),
    ("DELETE", "/api/admin/roles", "a place's manager"): (role_change("DELETE", "manager"), STAFF),
    ("PUT", "/api/admin/roles", "a territory admin"): (role_change("PUT", "admin"), ADMINS),
    ("DELETE", "/api/admin/roles", "a territory admin"): (role_change("DELETE", "admin"), ADMINS),
    # The territory admin's tools.
    ("GET", "/api/admin/dead-letters/{service}", ""): (
        get("/api/admin/dead-letters/notifications"),
        ADMINS,
    ),
    ("POST", "/api/admin/dead-letters/{service}/replay", ""): (
        admin_post("/api/admin/dead-letters/notifications/replay"),
        ADMINS,
    ),
    ("POST", "/api/admin/dead-letters/{service}/{dead_letter_id}/replay", "unknown"): (
        admin_post(f"/api/admin/dead-letters/notifications/{'0' * 24}/replay"),
        (401, 403, 403, 403, 403, 403, 404, 404),  # allowed, and nothing to replay
    ),
    ("GET", "/api/admin/audit", ""): (get("/api/admin/audit"), ADMINS),
    # The delivery of emails (notifications): the log, suspended addresses, lifting one.
    ("GET", "/api/admin/deliveries", ""): (
        get("/api/admin/deliveries?email=x@example.org"),
        ADMINS,
    ),
    ("GET", "/api/admin/suspensions", ""): (get("/api/admin/suspensions"), ADMINS),
    ("POST", "/api/admin/suspensions/lift", ""): (lift_suspension, ADMINS),
}

# Who sees the person (name, email, phone) of the owner's booking: the owner, the managers of
# its place, territory staff.
SEES_PERSON = (False, False, True, True, False, True, True, True)


def api_operations(url: str) -> set[tuple[str, str]]:
    paths = httpx.get(f"{url}/openapi.json", timeout=30).json()["paths"]
    return {
        (method.upper(), path)
        for path, operations in paths.items()
        if path.startswith("/api/")
        for method in operations
        if method in ("get", "post", "put", "patch", "delete")
    }


def test_every_api_route_has_a_row(verdon):
    routes = api_operations(verdon.url)
    rows = {(method, path) for method, path, _variant in MATRIX}
    assert routes - rows == set(), "routes without a row in the matrix"
    assert rows - routes == set(), "rows for routes the gateway no longer has"


@pytest.mark.parametrize("row", list(MATRIX), ids=lambda row: " ".join(filter(None, row)))
def test_route_by_caller(world, row):
    call, expected = MATRIX[row]
    answers = {kind: call(world, who) for kind, who in world.callers.items()}
    got = tuple(answers[kind].status_code for kind in CALLERS)
    assert dict(zip(CALLERS, got, strict=True)) == dict(zip(CALLERS, expected, strict=True))
    for kind, response in answers.items():
        if response.status_code in (401, 403):
            code = is_problem(response, response.status_code)["code"]
            assert code in ("authentication_required", "forbidden"), (kind, code)


def test_the_person_of_a_booking_is_shown_to_its_owner_its_managers_and_staff(world):
    seen = {}
    for kind, who in world.callers.items():
        shown = send(world, "GET", f"/api/bookings/{world.booking}", who.headers).json()
        person = (shown["name"], shown["email"])
        assert person in ((None, None), (shown["name"], world.owner_email)), (kind, shown)
        seen[kind] = shown["email"] == world.owner_email and shown["name"] is not None
    assert seen == dict(zip(CALLERS, SEES_PERSON, strict=True))


def test_my_bookings_are_the_owners_only(world):
    mine = {
        kind: [b["id"] for b in send(world, "GET", "/api/me/bookings", who.headers).json()]
        for kind, who in world.callers.items()
        if who.email
    }
    assert world.booking in mine.pop("owner")
    assert all(world.booking not in ids for ids in mine.values()), mine


# --- the services themselves, without the gateway ------------------------------------------------


@pytest.mark.parametrize(
    ("service", "method", "args"),
    [
        ("directory", "create_place", lambda w: (PLACE,)),
        ("booking", "create_resource", lambda w: (w.place, {"name": "X", "kind": "office"})),
        ("booking", "create_booking", lambda w: (booking_body(w, name="X", email="x@x.org"),)),
    ],
    ids=["directory.create_place", "booking.create_resource", "booking.create_booking"],
)
def test_a_direct_rpc_without_a_caller_is_refused(world, service, method, args):
    client = RpcClient(world.platform.amqp_uri, pool_size=1, timeout=10)
    try:
        with pytest.raises(RemoteError) as refused:
            client.call(service, method, *args(world), f"direct-{uuid.uuid4().hex}")
    finally:
        client.close()
    assert remote_error(refused.value.exc_args)[1] == "authentication_required"


# --- a coordinator names a manager ----------------------------------------------------------------


def test_a_coordinator_names_a_manager_whose_token_works_at_once(world):
    coordinator = world.callers["coordinator"]
    with httpx.Client(base_url=world.url, timeout=30) as api:
        sandrine, hers = member(world.platform, api, "Sandrine Girard")
    path = f"/api/places/{world.other_place}/resources"
    room = {"name": "Atelier", "kind": "meeting_room", "seats": 6}
    grant_body = {"email": sandrine, "role": "manager", "scope": f"place:{world.other_place}"}

    assert is_problem(send(world, "POST", path, hers, json=room), 403)["code"] == "forbidden"
    named = send(world, "PUT", "/api/admin/roles", coordinator.headers, json=grant_body)
    assert named.status_code == 200, named.text
    assert {"role": "manager", "scope": f"place:{world.other_place}"} in named.json()["grants"]
    # The same token, at once: the gateway reads the member's roles on each request.
    made = send(world, "POST", path, hers, json=room)
    assert made.status_code == 201, made.text
    assert send(world, "GET", "/api/me", hers).json()["manages"] == [world.other_place]

    removed = send(world, "DELETE", "/api/admin/roles", coordinator.headers, json=grant_body)
    assert removed.status_code == 200 and removed.json()["grants"] == []
    assert is_problem(send(world, "POST", path, hers, json=room), 403)["code"] == "forbidden"

    coordinator_id = send(world, "GET", "/api/me", coordinator.headers).json()["id"]
    sandrine_id = named.json()["member_id"]
    audit = operator_call(world, "GET", "/api/admin/audit", params={"limit": 500}).json()
    acts = [
        (row["action"], row["actor"])
        for row in audit
        if row["details"].get("member_id") == sandrine_id
    ]
    assert acts == [
        ("role_revoked", coordinator_id),
        ("role_granted", coordinator_id),
    ]  # newest first
