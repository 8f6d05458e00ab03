"""Every JSON route of the gateway, gathered under ``/api``: one router per resource.

``app.py`` includes ``api_router``; the web pages have their own router (``routers/pages``).

The OpenAPI document says, for every route, every problem status it can answer, with the one
``Problem`` schema under ``application/problem+json``: ``document_problems(app)`` derives them
from what the route is (its method, body, parameters and dependencies), so that a route added
later is documented without anyone remembering to.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterator
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute, iter_route_contexts
from pydantic import BaseModel, ConfigDict, Field

import contracts
from contracts.errors import ERRORS_BY_CODE

from .deps import (
    KEY_PATTERN,
    get_db,
    get_rpc,
    idempotency_key,
    identify,
    require_admin,
    require_staff,
)
from .edge import BODY_METHODS
from .routers import (
    actors,
    admin,
    auth,
    availability,
    bookings,
    calendars,
    clubs,
    contacts,
    contributions,
    deliveries,
    desk,
    email_preferences,
    figures,
    me,
    meetings,
    opendata,
    permanences,
    places,
    platform,
    resources,
    roles,
    series,
    subscriptions,
    waitlist,
    workshops,
)

api_router = APIRouter(prefix="/api")
for _module in (
    platform,
    auth,
    me,
    email_preferences,  # the kinds of message I receive
    calendars,
    opendata,  # /places.csv, /places.geojson, /places/import (before /places/{id})
    places,
    actors,  # the directory's local actors
    contacts,  # contact requests to actors and places
    contributions,  # proposals, moderation, a record's history
    resources,
    bookings,
    series,  # recurring bookings
    waitlist,  # accept an offer, leave by link, a resource's line
    desk,  # the facilitator's: approvals, check-in, outcomes, planning
    subscriptions,  # resident seats of desk pools
    permanences,
    figures,  # for funders
    clubs,
    meetings,  # a club's meetings and their room
    workshops,  # workshops and events with RSVP, the agenda (clubs service)
    roles,
    admin,
    deliveries,  # the delivery log and suspended addresses (notifications)
):
    api_router.include_router(_module.router)
api_router.include_router(availability.router)

PROBLEM_JSON = "application/problem+json"


class Problem(BaseModel):
    """An RFC 9457 problem: ``code`` is stable (for programs), ``title`` and ``detail`` are
    words in the reader's language; the error's parameters come as further members."""

    model_config = ConfigDict(extra="allow", json_schema_extra={"additionalProperties": True})

    type: str = Field(examples=["/problems/no_seat_left"])
    title: str = Field(examples=["Plus de place disponible"])
    status: int = Field(examples=[409])
    detail: str
    code: str = Field(examples=["no_seat_left"])
    instance: str = Field(examples=["/api/bookings"])


# What each status means, whatever the route.
MEANING = {
    400: "Malformed request: JSON that does not parse, or a bad Idempotency-Key",
    401: "Missing or wrong bearer token, or not signed in",
    403: "Refused: no CSRF token with a session cookie, an unconfirmed address, or the "
    "operator's routes off without MAILLAGE_ADMIN_TOKEN",
    404: "Not found",
    409: "Conflict with the current state (no seat left, Idempotency-Key reused…)",
    413: "Body larger than the gateway accepts",
    415: "Body of another media type than application/json",
    429: "Too many attempts: try again after Retry-After seconds",
    422: "Invalid input (each error names its field)",
    500: "Unexpected error (nothing of it is shown)",
    503: "A service this route needs does not run in this territory, or cannot answer now",
    504: "The service did not answer in time",
}


def _calls(dependant: Dependant) -> Iterator[Callable[..., Any]]:
    for dependency in dependant.dependencies:
        if dependency.call is not None:
            yield dependency.call
        yield from _calls(dependency)


def domain_statuses() -> set[int]:
    """Every status a service's domain error maps to (the edge passes them through)."""
    for module in pkgutil.iter_modules(contracts.__path__):  # each registers its errors
        importlib.import_module(f"contracts.{module.name}")
    return {cls.status for cls in ERRORS_BY_CODE.values()} | {400, 404, 409, 422}


def problem_statuses(route: Any, method: str) -> set[int]:
    """The problem statuses ``route`` (an ``APIRoute`` as included, with its routers'
    dependencies and responses) can answer to ``method``, from what it is."""
    calls = set(_calls(route.dependant))
    statuses = {500}  # anything unexpected
    if method in BODY_METHODS:
        statuses |= {413, 415}  # the edge measures and types every body (edge.py)
    if route.body_field is not None:
        statuses |= {400, 422}  # malformed JSON; a body that breaks its model
    if route.dependant.path_params or route.dependant.query_params:
        statuses.add(422)
    if route.dependant.header_params or any(d.header_params for d in route.dependant.dependencies):
        statuses.add(422)
    if idempotency_key in calls:
        statuses.add(400)
    if require_staff in calls:  # territory staff only: 401 for no one, 403 for others
        statuses |= {401, 403}
    if require_admin in calls:
        statuses.add(404)  # a service or dead letter it does not know
    if get_rpc in calls:  # calls a service: any domain error, its absence, its silence
        statuses |= domain_statuses() | {503, 504}
    if identify in calls:  # a bearer token must be valid; a session's unsafe request, its CSRF
        statuses |= {401} | ({403} if method in BODY_METHODS | {"DELETE"} else set())
    if get_db in calls:  # the gateway's own database: away means 503
        statuses.add(503)
    statuses |= {int(code) for code in route.responses if str(code).isdigit()} - {200, 201}
    return statuses


def _problem_response(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }


def document_problems(app: FastAPI) -> None:
    """Make ``app.openapi()`` list every problem status of every route (see module doc)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
        )
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components["Problem"] = Problem.model_json_schema()
        for route in iter_route_contexts(app.routes):  # with the routers' own dependencies
            if not isinstance(route.original_route, APIRoute) or not route.include_in_schema:
                continue
            for method in route.methods:
                operation = schema["paths"][route.path_format].get(method.lower())
                if operation is None:
                    continue
                for parameter in operation.get("parameters", []):
                    if parameter["name"] == "Idempotency-Key":  # what deps.py accepts
                        parameter["schema"] = {"type": "string", "pattern": KEY_PATTERN.pattern}
                responses = operation.setdefault("responses", {})
                for status in sorted(problem_statuses(route, method)):
                    described = responses.get(str(status), {}).get("description")
                    if not described or described == "Validation Error":
                        described = MEANING.get(status, "Problem")
                    responses[str(status)] = _problem_response(described)
        # FastAPI's own 422 schemas are replaced by Problem everywhere.
        for name in ("HTTPValidationError", "ValidationError"):
            components.pop(name, None)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi
