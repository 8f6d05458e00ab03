"""What every gateway test shares: a fake RPC client with the real one's ``call``/``close``,
an app built on it, sample payloads and the problem+json check."""

from __future__ import annotations

import re
import threading
import warnings
from dataclasses import dataclass, field
from typing import Any

with warnings.catch_warnings():
    # Starlette suggests httpx2 for its test client; httpx is what the project pins.
    warnings.filterwarnings("ignore", message=".*httpx2.*")
    from fastapi.testclient import TestClient

import mongomock
from pymongo.database import Database

from contracts.directory import PlaceOut
from contracts.errors import (
    MaillageError,
)
from gateway.app import create_app
from gateway.rpc_client import RemoteError, ServiceUnavailable
from gateway.settings import GatewaySettings
from tests.samples import PLACE

PROBLEM_JSON = "application/problem+json"
HEX32 = re.compile(r"^[0-9a-f]{32}$")

# As the API shows it: every field of the full record, with its default.
PLACE_OUT = PlaceOut.model_validate({"id": "p1", **PLACE}).model_dump(mode="json")


def page_of(*places: dict) -> dict:
    """What ``directory.search_places`` answers: one page holding ``places``."""
    return {"items": list(places), "total": len(places), "page": 1, "page_size": 20, "pages": 1}


RESOURCE = {"name": "Open space", "kind": "desk_pool", "seats": 3}
RESOURCE_OUT = {"id": "r1", "place_id": "p1", **RESOURCE}
BOOKING = {
    "resource_id": "r1",
    "start": "2030-05-02T09:00:00+02:00",
    "end": "2030-05-02T10:00:00+02:00",
    "seats": 1,
    "name": "Marceline",
    "email": "marceline@example.org",
    "language": "fr",
}
BOOKING_OUT = {"id": "b1", **BOOKING, "status": "confirmed"}


# --- the fake RPC client -------------------------------------------------------------------


@dataclass
class Call:
    service: str
    method: str
    args: tuple
    kwargs: dict
    timeout: float | None
    context: dict | None


@dataclass
class FakeRpc:
    """Same ``call``/``close`` as ``RpcClient``. ``script`` maps (service, method) to a value
    to return or an exception to raise; services in ``down`` raise ``ServiceUnavailable``;
    ``health`` answers ok unless scripted otherwise."""

    script: dict[tuple[str, str], Any] = field(default_factory=dict)
    down: set[str] = field(default_factory=set)
    calls: list[Call] = field(default_factory=list)
    closed: bool = False

    def __post_init__(self) -> None:
        self._lock = threading.Lock()  # capabilities probe from a thread pool

    def call(
        self,
        service: str,
        method: str,
        *args: Any,
        timeout: float | None = None,
        context: dict | None = None,
        **kwargs: Any,
    ) -> Any:
        with self._lock:
            self.calls.append(Call(service, method, args, kwargs, timeout, context))
        if service in self.down:
            raise ServiceUnavailable(service, "not running")
        if (service, method) in self.script:
            answer = self.script[(service, method)]
        elif method == "health":
            answer = {"service": service, "status": "ok"}
        elif (service, method) == ("booking", "list_permanences"):
            answer = []  # a place page asks for its permanences; none unless scripted
        else:
            raise AssertionError(f"unscripted call {service}.{method}")
        if isinstance(answer, BaseException):
            raise answer
        return answer

    def close(self) -> None:
        self.closed = True

    def domain_calls(self) -> list[Call]:
        """Calls other than the capability probes."""
        return [c for c in self.calls if c.method != "health"]

    def probes(self) -> list[Call]:
        return [c for c in self.calls if c.method == "health"]


def remote(service: str, error: MaillageError) -> RemoteError:
    """A domain error as nameko serialises it across RPC."""
    return RemoteError(
        service,
        {
            "exc_type": type(error).__name__,
            "exc_path": f"contracts.errors.{type(error).__name__}",
            "exc_args": list(error.args),
            "value": str(error),
        },
    )


def settings(**overrides: Any) -> GatewaySettings:
    values: dict[str, Any] = {
        "territory": "verdon",
        "admin_token": "",
        "capabilities_ttl": 3600.0,
        "probe_timeout": 0.5,
        "max_body_bytes": 64 * 1024,
    }
    values.update(overrides)
    return GatewaySettings(**values)


def memory_db() -> Database:
    """The gateway's own database, in memory (mongomock): unit tests need no server."""
    return mongomock.MongoClient(tz_aware=True)["unit_gateway"]


def app_for(fake: FakeRpc, db: Database | None = None, **overrides: Any):
    return create_app(settings(**overrides), rpc=fake, db=db if db is not None else memory_db())


def client(fake: FakeRpc, db: Database | None = None, **overrides: Any) -> TestClient:
    return TestClient(app_for(fake, db, **overrides), raise_server_exceptions=False)


def is_problem(response, status: int, code: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    body = response.json()
    assert body["status"] == status
    assert isinstance(body["title"], str) and body["title"]
    assert isinstance(body["detail"], str) and body["detail"]
    if code is not None:
        assert body["type"] == f"/problems/{code}"
    return body


# --- the web pages ----------------------------------------------------------------------------

CLUB = {"id": "c1", "name": "Club photo du plateau", "place_id": "p1"}


# The place's grid (availability of its one resource) and the territory's search: one free
# hour on 2 May 2030.
FREE_HOUR = {"start": "2030-05-02T09:00:00+02:00", "end": "2030-05-02T10:00:00+02:00"}
PLACE_AVAILABILITY = {
    "place_id": "p1",
    "start": "2030-05-01T00:00:00+02:00",
    "end": "2030-05-08T00:00:00+02:00",
    "resources": [
        {
            "resource_id": "r1",
            "name": RESOURCE["name"],
            "kind": RESOURCE["kind"],
            "timezone": "Europe/Paris",
            "unit": "hour",
            "seats": 3,
            "start": "2030-05-01T00:00:00+02:00",
            "end": "2030-05-08T00:00:00+02:00",
            "free": [{**FREE_HOUR, "seats_left": 2}],
        }
    ],
}
SEARCH_FOUND = {
    "start": "2030-05-02T00:00:00+02:00",
    "end": "2030-05-03T00:00:00+02:00",
    "kind": "desk_pool",
    "seats": 1,
    "places": [
        {
            "place_id": "p1",
            "name": PLACE["name"],
            "commune": PLACE["commune"],
            "located": True,
            "distance_km": 3.2,
            "free": [
                {
                    "resource_id": "r1",
                    "resource_name": RESOURCE["name"],
                    **FREE_HOUR,
                    "seats_left": 2,
                }
            ],
        }
    ],
    "next_offset": None,
}


EMAIL_PREFERENCES = {
    "email": "m@x.org",
    "kinds": {
        "bookings": True,
        "clubs": True,
        "directory": True,
        "digests": False,
        "announcements": True,
    },
    "stopped_all": False,
}


def site_fake(**script: Any) -> FakeRpc:
    """A fake running every service, with one place, one resource, one booking and one club;
    ``script`` entries ("service.method"=answer) replace or add answers."""
    answers: dict[tuple[str, str], Any] = {
        ("directory", "list_places"): [PLACE_OUT],
        ("directory", "search_places"): page_of(PLACE_OUT),
        ("directory", "get_place"): PLACE_OUT,
        ("booking", "list_resources"): [RESOURCE_OUT],
        ("booking", "get_resource"): RESOURCE_OUT,
        ("booking", "get_booking"): BOOKING_OUT,
        ("booking", "create_booking"): BOOKING_OUT,
        ("clubs", "list_clubs"): [CLUB],
        ("booking", "place_availability"): PLACE_AVAILABILITY,
        ("booking", "search_availability"): SEARCH_FOUND,
        ("notifications", "email_preferences"): EMAIL_PREFERENCES,
        ("notifications", "my_email_preferences"): EMAIL_PREFERENCES,
    }
    for name, answer in script.items():
        service, method = name.split(".")
        answers[(service, method)] = answer
    return FakeRpc(script=answers)


def form_body(**fields: str) -> dict[str, Any]:
    """Keyword arguments for a TestClient post of an HTML form, as a browser sends it."""
    from urllib.parse import urlencode

    return {
        "content": urlencode(fields).encode(),
        "headers": {"Content-Type": "application/x-www-form-urlencoded"},
    }


# --- the gateway's events ---------------------------------------------------------------------


class FakePublisher:
    """Stands for the broker: records what the relay published; ``fail`` makes every publish
    raise (the broker away), ``during`` runs before each publish (another relay's turn)."""

    def __init__(self) -> None:
        self.published: list[dict[str, Any]] = []
        self.fail: BaseException | None = None
        self.during: Any = None
        self.closed = 0

    def publish(self, event: dict[str, Any]) -> None:
        if self.during is not None:
            self.during(event)
        if self.fail is not None:
            raise self.fail
        self.published.append(event)

    def service(self) -> None:
        pass

    def close(self) -> None:
        self.closed += 1


def outbox_events(db: Database) -> list[dict[str, Any]]:
    """The envelopes the gateway stored in its outbox (pending or sent), oldest first."""
    return [doc["event"] for doc in db.outbox.find().sort("created_at", 1)]


# --- the gateway's events ---------------------------------------------------------------------


@dataclass
class RecordingEvents:
    """Same ``emit`` as ``gateway.events``: checks the data against contracts/gateway.py and
    records (type, data) instead of writing the outbox."""

    emitted: list[tuple[str, dict]] = field(default_factory=list)

    def emit(self, event_type: str, data: dict) -> dict:
        from contracts.gateway import EVENTS

        checked = EVENTS[event_type].model_validate(data).model_dump(mode="json")
        self.emitted.append((event_type, checked))
        return {"type": event_type, "data": checked}

    def of(self, event_type: str) -> list[dict]:
        return [data for kind, data in self.emitted if kind == event_type]


def accounts_client(fake: FakeRpc | None = None, **overrides: Any):
    """A client of an app with a mongomock database and recorded events, argon2 made cheap:
    (client, events, db)."""
    values: dict[str, Any] = {
        "argon2_time_cost": 1,
        "argon2_memory_kib": 8,
        "argon2_parallelism": 1,
    }
    values.update(overrides)
    db = memory_db()
    app = app_for(fake or FakeRpc(), db, **values)
    events = RecordingEvents()
    app.state.events = events
    return TestClient(app, raise_server_exceptions=False), events, db


# --- members with roles -----------------------------------------------------------------------


@dataclass
class Member:
    """A confirmed member of an app: their own client (a bearer token, or a browser holding a
    session cookie), their id and, for a browser, the session's CSRF token."""

    client: TestClient
    id: str
    email: str
    csrf: str | None = None


def member(
    api: TestClient,
    email: str = "thierry@example.org",
    name: str = "Thierry",
    roles: tuple[str, ...] = (),
    manages: tuple[str, ...] = (),
    *,
    browser: bool = False,
    confirmed: bool = True,
) -> Member:
    """A member made straight in the app's store (sign-up is tested elsewhere), holding
    ``roles`` and managing ``manages``; signed in with an API token, or with a session cookie
    when ``browser`` (the pages)."""
    from gateway.accounts.store import accounts
    from gateway.deps import session_cookie

    state = api.app.state
    store = accounts(state)
    found = store.sign_up(email, name, "fr", "no-password")
    store.members.update_one({"_id": found["_id"]}, {"$set": {"confirmed": confirmed}})
    store.set_roles(found["_id"], list(roles), list(manages))
    own = TestClient(api.app, raise_server_exceptions=False)
    csrf = None
    if browser:
        cookie, csrf = store.open_session(found["_id"])
        store.first_sight(cookie)  # the welcome message is not what these tests read
        own.cookies.set(session_cookie(state.settings), cookie)
    else:
        token, _ = store.issue_token(found["_id"])
        own.headers["Authorization"] = f"Bearer {token}"
    return Member(own, found["_id"], email, csrf)
