"""Load a territory's demo data, idempotently: places and resources through the public API
(with the operator's token: places need a coordinator, resources a manager of their place),
then the demo accounts directly in the gateway's database.

Every API write carries an ``Idempotency-Key`` derived from the demo record's key, so running
it again (a second ``make run``) creates nothing new. The demo accounts are written through the
accounts' store (``gateway.accounts.store``), confirmed, never through the email flow; a second
run finds them by address and puts their name, password and roles back as listed here — the
facilitator's places too (she manages the demo places of her commune), once they exist.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx

from .profiles import ROOT, Profile

DEMO_DIR = ROOT / "deploy" / "demo"
PARIS = ZoneInfo("Europe/Paris")


@dataclass
class DemoLoad:
    """What the demo data came to: each record's key and the id the platform gave it."""

    places: dict[str, str] = field(default_factory=dict)  # place key → place id
    resources: dict[str, str] = field(default_factory=dict)  # "place/resource" → resource id
    # "place/resource/subscription" → subscription id (resident seats of a desk pool)
    subscriptions: dict[str, str] = field(default_factory=dict)
    # "place/permanence" → permanence id (an agent's time on a rule, booked as appointments)
    permanences: dict[str, str] = field(default_factory=dict)
    # club key → club id (clubs/<demo>.json); club key → meeting series id
    clubs: dict[str, str] = field(default_factory=dict)
    meetings: dict[str, str] = field(default_factory=dict)
    # "event key" → workshop id (deploy/demo/events/<demo>.json, where clubs runs)
    events: dict[str, str] = field(default_factory=dict)
    actors: dict[str, str] = field(default_factory=dict)  # actor key → actor id (showcase)

    accounts: list[str] = field(default_factory=list)  # the demo accounts' addresses
    past_bookings: int = 0  # the last month's, for the figures (``load_past_month``)
    # address → names of the demo places this account manages (the facilitator's)
    managers: dict[str, list[str]] = field(default_factory=dict)

    @property
    def counts(self) -> dict[str, int]:
        return {
            "places": len(self.places),
            "resources": len(self.resources),
            "permanences": len(self.permanences),
            "meeting series": len(self.meetings),
            "clubs": len(self.clubs),
            "events": len(self.events),
            "actors": len(self.actors),
            "accounts": len(self.accounts),
            "past bookings": self.past_bookings,
        }


# --- demo accounts ------------------------------------------------------------------------------

# Printed by `make run`; a demo, never a secret (a production territory loads no demo data).
DEMO_PASSWORD = "demo-maillage"


@dataclass(frozen=True)
class DemoAccount:
    name: str
    email: str
    who: str  # how `make run` presents them
    password: bool = True  # False: signs in by an emailed link only (Marceline)
    roles: tuple[str, ...] = ()
    profile: dict = field(default_factory=dict)
    manages_in: str = ""  # a commune: the manager of the demo places there (the facilitator)


def demo_accounts(profile: Profile) -> list[DemoAccount]:
    """The people of the brief. The facilitator manages the demo places of her commune
    (Riez, in the Verdon), set once the places exist."""
    commune = {"verdon": "Riez"}.get(profile.territory, "")
    here = {"commune": commune} if commune else {}
    return [
        DemoAccount(
            "Véronique Martin",
            "veronique@example.org",
            "membre, télétravailleuse",
            profile={**here, "audience": "teleworker", "consent_statistics": True},
        ),
        DemoAccount(
            "Marceline Blanc",
            "marceline@example.org",
            "sans mot de passe : « M'envoyer un lien par e-mail », puis le lien dans var/mail/",
            password=False,
            profile={**here, "audience": "retiree"},
        ),
        DemoAccount(
            "Thierry Roux",
            "thierry@example.org",
            "membre, indépendant",
            profile={"audience": "independent"},
        ),
        DemoAccount(
            f"Sandrine Girard (animatrice{' de ' + commune if commune else ''})",
            "animation@example.org",
            "animatrice du lieu"
            if commune
            else "animatrice : membre simple (aucun lieu de démo à gérer ici)",
            profile=here,
            manages_in=commune,
        ),
        DemoAccount(
            "Coordination du réseau",
            "coordination@example.org",
            "coordinatrice du territoire (rôle coordinator)",
            roles=("coordinator",),
        ),
        DemoAccount(
            "Administration du territoire",
            "admin@example.org",
            "administratrice du territoire (rôle admin)",
            roles=("admin",),
        ),
    ]


def managed(person: DemoAccount, places: dict[str, dict]) -> dict[str, str]:
    """The demo places ``person`` manages, id → name: those of their commune.
    ``places``: the loaded demo places, id → their record in ``deploy/demo/<demo>.json``."""
    if not person.manages_in:
        return {}
    return {pid: p["name"] for pid, p in places.items() if p["commune"] == person.manages_in}


def load_demo_accounts(
    profile: Profile, mongo_uri: str, db=None, places: dict[str, dict] | None = None
) -> list[str]:
    """Create (or put back) the demo accounts in ``<territory>_gateway``, confirmed; the
    notifications service hears of a new one as of a confirmed sign-up (member_registered,
    through the gateway's outbox). Returns their addresses. ``db``: a test's database.

    ``places`` (id → demo record): the demo places loaded, whose managers are set as listed
    (``managed``); without it, the places an account manages are left as they are (the
    accounts alone are loaded, the places are not this call's to decide)."""
    from gateway.accounts.secrets import Passwords
    from gateway.accounts.store import Accounts
    from gateway.database import open_database
    from gateway.events import GatewayEvents
    from gateway.settings import GatewaySettings

    settings = GatewaySettings(territory=profile.territory, mongo_uri=mongo_uri)
    own = db is None
    db = open_database(settings) if own else db
    try:
        store = Accounts(db, settings)
        store.ensure_indexes()
        events = GatewayEvents(db, profile.territory, publisher_factory=lambda: None)
        hasher = Passwords(settings)
        done = []
        for person in demo_accounts(profile):
            found = store.by_email(person.email)
            stored = found.get("password_hash") if found else None
            if not person.password:
                password_hash = None
            elif stored and hasher.verify(stored, DEMO_PASSWORD):
                password_hash = stored  # already the demo's: no new hash on each run
            else:
                password_hash = hasher.hash(DEMO_PASSWORD)
            member = found or store.sign_up(person.email, person.name, "fr", password_hash)
            pending = {"password_hash": password_hash, "name": person.name, "language": "fr"}
            if not member["confirmed"]:
                member, first = store.confirm({"member_id": member["_id"], **pending})
                if first:
                    events.emit(
                        "member_registered",
                        {
                            "member_id": member["_id"],
                            "email": member["email"],
                            "name": member["name"],
                            "language": member["language"],
                        },
                    )
            store.set_password_hash(member["_id"], password_hash)
            if places is None:
                manages = list(member.get("manages") or [])
            else:
                manages = list(managed(person, places))
            store.set_roles(member["_id"], list(person.roles), manages)
            store.update_profile(member["_id"], {"name": person.name, **person.profile})
            done.append(person.email)
        return done
    finally:
        if own:
            db.client.close()


def account_lines(profile: Profile, loaded: DemoLoad | None = None) -> list[str]:
    """How to sign in as each demo account (``make run``'s summary), and the places each
    manages once ``loaded``."""
    lines = [f"  Demo accounts  /connexion — password « {DEMO_PASSWORD} » unless said otherwise"]
    managers = loaded.managers if loaded else {}
    for person in demo_accounts(profile):
        lines.append(f"    {person.email:<26} {person.name} — {person.who}")
        if managers.get(person.email):
            places = ", ".join(managers[person.email])
            lines.append(f"    {'':<26} gestionnaire (rôle manager) de : {places}")
    return lines


# --- places and resources -----------------------------------------------------------------------


def load_demo(
    base_url: str, profile: Profile, admin_token: str, mongo_uri: str | None = None
) -> DemoLoad:
    """The profile's demo places (and their resources where booking runs) through the API,
    with the operator's bearer ``admin_token``; then the demo accounts (in the gateway's
    database at ``mongo_uri``; none without it), the facilitator as the manager of her
    commune's places. A second load finds everything and creates nothing."""
    data = json.loads((DEMO_DIR / f"{profile.demo}.json").read_text(encoding="utf-8"))
    loaded = DemoLoad()
    records: dict[str, dict] = {}  # place id → its demo record
    operator = {"Authorization": f"Bearer {admin_token}"}
    with httpx.Client(base_url=base_url, timeout=30, headers=operator) as client:
        caps = client.get("/api/capabilities").json()["services"]
        for place in data["places"] if caps.get("directory") else []:
            body = {k: place[k] for k in ("name", "commune", "postal_code", "status", "location")}
            key = f"demo-{profile.territory}-place-{place['key']}"
            created = post_created(client, "/api/places", body, key)
            loaded.places[place["key"]] = created["id"]
            if place.get("details"):
                place_details(client, created["id"], place["details"], key)
            records[created["id"]] = place
            if not caps.get("booking"):
                continue
            for resource in place.get("resources", []):
                fields = ("name", "kind", "seats", "resident_seats")
                body = {k: resource[k] for k in fields if k in resource}
                key = f"demo-{profile.territory}-resource-{place['key']}-{resource['key']}"
                made = post_created(client, f"/api/places/{created['id']}/resources", body, key)
                loaded.resources[f"{place['key']}/{resource['key']}"] = made["id"]
                for sub in resource.get("subscriptions", []):
                    where = f"{place['key']}/{resource['key']}/{sub['key']}"
                    key = f"demo-{profile.territory}-subscription-{where.replace('/', '-')}"
                    subscribed = subscribe(client, made["id"], sub, key)
                    if subscribed:
                        loaded.subscriptions[where] = subscribed
            for permanence in place.get("permanences", []):
                loaded.permanences[f"{place['key']}/{permanence['key']}"] = demo_permanence(
                    client, profile, place, created["id"], permanence, loaded.resources
                )
        if caps.get("clubs") and loaded.places:
            loaded.events = load_demo_events(client, profile, loaded.places)
    if mongo_uri:
        # After the places: the facilitator manages those of her commune, by their ids.
        loaded.accounts = load_demo_accounts(profile, mongo_uri, places=records)
        for person in demo_accounts(profile):
            names = list(managed(person, records).values())
            if names:
                loaded.managers[person.email] = names
        if loaded.resources:
            loaded.past_bookings = load_past_month(profile, mongo_uri, loaded.resources)
    loaded.actors = load_demo_actors(base_url, profile, admin_token, loaded.places)
    if caps.get("clubs"):
        loaded.clubs = load_demo_clubs(base_url, profile, admin_token, loaded, bool(mongo_uri))
        if loaded.clubs:  # the clubs' meetings, once the clubs exist
            with httpx.Client(base_url=base_url, timeout=30, headers=operator) as client:
                loaded.meetings = load_demo_meetings(client, profile, loaded.clubs)
    return loaded


# --- clubs ----------------------------------------------------------------------------------------


def load_demo_clubs(
    base_url: str, profile: Profile, admin_token: str, loaded: DemoLoad, accounts: bool
) -> dict[str, str]:
    """The clubs of ``deploy/demo/clubs/<demo>.json`` (none without that file), club key →
    id: founded by the operator at their place (which acts as president); when the demo
    accounts exist (``accounts``), their members join with their own token, requests are
    approved and the presidency handed to the member named (``president``; null: the place
    keeps acting). Every write has its key: a second load changes nothing."""
    path = DEMO_DIR / "clubs" / f"{profile.demo}.json"
    if not path.exists():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    made: dict[str, str] = {}
    prefix = f"demo-{profile.territory}-club"
    operator = {"Authorization": f"Bearer {admin_token}"}
    with httpx.Client(base_url=base_url, timeout=30, headers=operator) as client:
        tokens: dict[str, dict] = {}
        for club in data["clubs"]:
            place_id = loaded.places.get(club["place"])
            if place_id is None:
                continue
            fields = ("name", "purpose", "join_policy", "members_visible")
            body = {"place_id": place_id, **{k: club[k] for k in fields}}
            club_id = post_created(client, "/api/clubs", body, f"{prefix}-{club['key']}")["id"]
            made[club["key"]] = club_id
            if not accounts:
                continue
            for email in club["members"]:
                if email not in tokens:
                    tokens[email] = demo_token(client, email)
                who = email.replace("@", ".at.")  # a key has no "@" (deps.KEY_PATTERN)
                key = {"Idempotency-Key": f"{prefix}-{club['key']}-join-{who}"}
                joined = client.post(
                    f"/api/clubs/{club_id}/members", headers={**tokens[email], **key}
                )
                if joined.status_code != 200:
                    raise RuntimeError(f"{email} could not join: {joined.text}")
                standing = joined.json()
                if standing.get("status") == "requested":
                    approve = f"/api/clubs/{club_id}/join-requests/{standing['member_id']}/approve"
                    client.post(
                        approve, headers={"Idempotency-Key": f"{key['Idempotency-Key']}-ok"}
                    )
                if email == club.get("president"):
                    body = {"member_id": standing["member_id"]}
                    client.put(f"/api/clubs/{club_id}/president", json=body)
    return made


def demo_token(client: httpx.Client, email: str) -> dict:
    """A demo account's bearer token (its demo password), asked without the operator's."""
    with httpx.Client(base_url=client.base_url, timeout=30) as anonymous:
        body = {"email": email, "password": DEMO_PASSWORD}
        issued = anonymous.post("/api/auth/token", json=body)
    if issued.status_code != 200:
        raise RuntimeError(f"no token for {email}: {issued.status_code} {issued.text}")
    return {"Authorization": f"Bearer {issued.json()['access_token']}"}


def load_demo_actors(
    base_url: str, profile: Profile, admin_token: str, places: dict[str, str]
) -> dict[str, str]:
    """The showcase's demo actors (``deploy/demo/actors/<demo>.json``: fictional people and
    businesses in real communes) through the API, with the operator's token; ``place``
    names a demo place by its key (``places``: key → id). Idempotent by key; nothing when
    the directory does not run or the territory has no such file."""
    path = DEMO_DIR / "actors" / f"{profile.demo}.json"
    if not path.exists():
        return {}
    records = json.loads(path.read_text(encoding="utf-8"))["actors"]
    made: dict[str, str] = {}
    operator = {"Authorization": f"Bearer {admin_token}"}
    with httpx.Client(base_url=base_url, timeout=30, headers=operator) as client:
        if not client.get("/api/capabilities").json()["services"].get("directory"):
            return {}
        for record in records:
            body = {k: v for k, v in record.items() if k not in ("key", "place")}
            if record.get("place") in places:
                body["place_id"] = places[record["place"]]
            key = f"demo-{profile.territory}-actor-{record['key']}"
            made[record["key"]] = post_created(client, "/api/actors", body, key)["id"]
    return made


def place_details(client: httpx.Client, place_id: str, details: dict, key: str) -> dict:
    """The rest of a demo place's record (kinds, equipment, hours, networks…), as an edit:
    a place is created with the five fields it always had (so that a territory loaded before
    keeps its keys), then given the rest. The edit's key is made from the details, so a second
    load changes nothing, and changed details are sent once more."""
    digest = hashlib.sha256(json.dumps(details, sort_keys=True).encode()).hexdigest()[:12]
    headers = {"Idempotency-Key": f"{key}-details-{digest}"}
    response = client.patch(f"/api/places/{place_id}", json=details, headers=headers)
    if response.status_code != 200:
        raise RuntimeError(f"PATCH /api/places/{place_id} → {response.status_code} {response.text}")
    return response.json()


def subscribe(client: httpx.Client, resource_id: str, record: dict, key: str) -> str | None:
    """A demo resident from the current month (UTC) on; the month is part of the key, so a
    load in a later month subscribes again rather than reuse a key for another body. None
    when the resident seats of those months are already taken (by an earlier load)."""
    start = datetime.now(UTC).strftime("%Y-%m")
    body = {k: v for k, v in record.items() if k != "key"} | {"start": start}
    response = client.post(
        f"/api/resources/{resource_id}/subscriptions",
        json=body,
        headers={"Idempotency-Key": f"{key}-{start}"},
    )
    if response.status_code == 409 and response.json().get("code") == "no_resident_seat_left":
        return None
    if response.status_code != 201:
        raise RuntimeError(f"subscription {key} → {response.status_code} {response.text}")
    return response.json()["id"]


# --- a past month of bookings, so that the figures are not empty ---------------------------------

# People a facilitator booked for by phone (no address: no email is sent for a past booking),
# with what they told her for the funders' figures.
PHONED = [
    ("Josiane Arnaud", "retiree", "Riez"),
    ("Karim Benali", "job_seeker", "Valensole"),
    ("Léa Fabre", "student", "Riez"),
    ("Paul Girard", "independent", "Moustiers-Sainte-Marie"),
    ("Anne Vidal", "association", "Castellane"),
    ("Hugo Martin", "tourist", None),
]


def previous_month(now: datetime) -> tuple[date, date]:
    """The first day of last month and of this one (Europe/Paris)."""
    today = now.astimezone(PARIS).date()
    this = today.replace(day=1)
    last = (this - timedelta(days=1)).replace(day=1)
    return last, this


def load_past_month(
    profile: Profile, mongo_uri: str, resources: dict[str, str], now: datetime | None = None
) -> int:
    """Last month's bookings on the demo resources, for « Chiffres du mois ».

    A booking's start cannot be in the past through the API, and should not be: so they are
    written by the booking service's own command (``commands.create_booking``, every rule
    and the capacity checked as for any booking) with its ``now`` set two days before each
    start, as the caller the gateway would send — Véronique and Thierry for themselves (their
    callers built by ``gateway.deps.caller_of`` from their accounts, so Véronique's consent
    carries her audience and commune, Thierry's absence of it carries none), the operator
    for people who phoned. The events are staged as for any booking and relayed by the
    running service (Véronique's and Thierry's confirmations land in ``var/mail``). Fixed
    keys per month: a second run creates nothing. Returns how many bookings that month has."""
    from pymongo import MongoClient

    from contracts.identity import Caller, TerritoryRole
    from gateway.deps import caller_of
    from services.booking import commands
    from services.booking.models import ALIAS
    from services.common import db
    from services.common.envelope import make_event

    first, after = previous_month(now or datetime.now(UTC))
    month = first.strftime("%Y-%m")
    client = MongoClient(mongo_uri)
    try:
        members = client[f"{profile.territory}_gateway"]["members"]
        online = [
            caller_of(found)
            for address in ("veronique@example.org", "thierry@example.org")
            if (found := members.find_one({"email": address}))
        ]
    finally:
        client.close()
    operator = Caller(roles=(TerritoryRole.admin,), operator=True)

    class Stager:
        def event(self, event_type: str, data: dict) -> dict:
            return make_event("booking", event_type, data, territory=profile.territory)

        def flush(self, *documents) -> None:  # the running service's relay finds them
            pass

    db.connect(ALIAS, mongo_uri, f"{profile.territory}_booking")
    made = 0
    days = [first + timedelta(days=n) for n in range((after - first).days)]
    weekdays = [d for d in days if d.weekday() < 5]
    for r, (key, resource_id) in enumerate(sorted(resources.items())):
        # Two or three bookings a week per resource, mornings and afternoons, none overlapping.
        for n, day in enumerate(weekdays):
            if (n + r) % 2:
                continue
            hour = 9 if (n // 2 + r) % 3 else 14
            start = datetime(day.year, day.month, day.day, hour, tzinfo=PARIS)
            hours = 2 + (n + r) % 3
            body = {
                "resource_id": resource_id,
                "start": start.isoformat(),
                "end": (start + timedelta(hours=hours)).isoformat(),
            }
            who = operator
            if online and (n + r) % 3 == 0:
                who = online[(n + r) % len(online)]
            else:
                name, audience, commune = PHONED[(n + r) % len(PHONED)]
                phone = f"04 92 00 00 {10 + (n + r) % len(PHONED):02d}"
                body.update(name=name, phone=phone, audience=audience)
                if commune:
                    body["commune"] = commune
            booking = commands.create_booking(
                body,
                f"demo-{profile.territory}-past-{month}-{key}-{n}",
                Stager(),
                now=start - timedelta(days=2),
                who=who,
            )
            if (n + r) % 7 == 3:  # a few called off the day before
                commands.cancel_booking(
                    booking["id"],
                    f"demo-{profile.territory}-past-cancel-{month}-{key}-{n}",
                    Stager(),
                    operator,
                    now=start - timedelta(days=1),
                    payload={"reason": "Empêchement signalé la veille"},
                )
            made += 1
    db.disconnect(ALIAS)
    return made


def demo_permanence(
    client: httpx.Client,
    profile: Profile,
    place: dict,
    place_id: str,
    permanence: dict,
    resources: dict[str, str],
) -> str:
    """A permanence of a demo place (Riez's digital help on Tuesday mornings), holding the
    place's room named by ``room`` (a resource key) for its openings."""
    body = {k: v for k, v in permanence.items() if k not in ("key", "room")}
    if permanence.get("room"):
        body["room_resource_id"] = resources[f"{place['key']}/{permanence['room']}"]
    key = f"demo-{profile.territory}-permanence-{place['key']}-{permanence['key']}"
    return post_created(client, f"/api/places/{place_id}/permanences", body, key)["id"]


def demo_clubs(profile: Profile) -> list[dict]:
    """The profile's demo clubs (``deploy/demo/clubs/<demo>.json``; none without the file)."""
    path = DEMO_DIR / "clubs" / f"{profile.demo}.json"
    if not path.exists():
        return []
    return json.loads(path.read_text(encoding="utf-8"))["clubs"]


def load_demo_meetings(
    client: httpx.Client, profile: Profile, clubs: dict[str, str], today: date | None = None
) -> dict[str, str]:
    """Each demo club's monthly meetings (Riez's three clubs: the 1st, 2nd and 3rd Thursday
    morning in the Salle Valensole), from today, kept a year ahead by the clubs service; the
    operator plans them (territory staff). Returns club key → series id. A club that has
    meetings already gets none (a second load, another day, plans nothing new)."""
    first = today or datetime.now(PARIS).date()
    series: dict[str, str] = {}
    for club in demo_clubs(profile):
        if club["key"] not in clubs or not club.get("meetings"):
            continue
        planned = client.get(f"/api/clubs/{clubs[club['key']]}/meetings")
        if planned.status_code == 200 and planned.json():
            series[club["key"]] = planned.json()[0]["series_id"]
            continue
        body = {**club["meetings"], "first_date": first.isoformat()}
        key = f"demo-{profile.territory}-meetings-{club['key']}"
        made = post_created(client, f"/api/clubs/{clubs[club['key']]}/meetings", body, key)
        series[club["key"]] = made["id"]
    return series


# --- workshops and events: the Lozère « Semaine des tiers-lieux » (issue 10) ----------------------


def event_week(now: datetime) -> date:
    """The Monday of the demo week: the first Monday at least 14 days ahead (Europe/Paris),
    so that a demo loaded any day shows events to come, with their deadlines still open."""
    day = now.astimezone(PARIS).date() + timedelta(days=14)
    return day + timedelta(days=(7 - day.weekday()) % 7)


def load_demo_events(
    client: httpx.Client,
    profile: Profile,
    places: dict[str, str],
    now: datetime | None = None,
) -> dict[str, str]:
    """The demo's events (``deploy/demo/events/<demo>.json``; none when there is no such
    file) at its places, through ``POST /api/events`` as the operator: event key → id. The
    week is part of each key, so a load in a later week makes that week's series rather
    than reuse a key for another body; a second load the same week creates nothing."""
    path = DEMO_DIR / "events" / f"{profile.demo}.json"
    if not path.exists():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    monday = event_week(now or datetime.now(UTC))
    made: dict[str, str] = {}
    for record in data["events"]:
        if record["place"] not in places:
            continue
        day = monday + timedelta(days=record["day"])

        def at(hhmm: str, on: date = day) -> str:
            hour, minute = (int(part) for part in hhmm.split(":"))
            return datetime(on.year, on.month, on.day, hour, minute, tzinfo=PARIS).isoformat()

        body = {
            "title": record["title"],
            "description": record.get("description", ""),
            "place_id": places[record["place"]],
            "start": at(record["start"]),
            "end": at(record["end"]),
            "capacity": record["capacity"],
        }
        if record.get("min_participants"):
            body["min_participants"] = record["min_participants"]
            body["deadline"] = at("18:00", day - timedelta(days=record["deadline_days_before"]))
        key = f"demo-{profile.territory}-event-{record['key']}-{monday.isoformat()}"
        made[record["key"]] = post_created(client, "/api/events", body, key)["id"]
    return made


def post_created(
    client: httpx.Client, path: str, body: dict, key: str | None = None, patience: float = 15.0
) -> dict:
    """POST and expect 201. Booking learns of a new place from the directory's events, so a
    resource of a place created a moment ago may be refused ``unknown_place`` for a while:
    the same request (same key) is tried again until ``patience`` runs out."""
    headers = {"Idempotency-Key": key} if key else {}
    deadline = time.monotonic() + patience
    while True:
        response = client.post(path, json=body, headers=headers)
        waiting = response.status_code == 404 and response.json().get("code") == "unknown_place"
        if not waiting or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    if response.status_code != 201:
        raise RuntimeError(f"POST {path} → {response.status_code} {response.text}")
    return response.json()
