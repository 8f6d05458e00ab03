"""The gateway application: ``create_app()`` builds it, ``python -m gateway`` serves it."""

from __future__ import annotations

import logging
import time
import uuid
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from prometheus_fastapi_instrumentator import Instrumentator
from pymongo.database import Database
from pymongo.errors import PyMongoError

from services.common.logs import correlation_id

from . import problems, security
from .accounts import place_managers
from .accounts.store import accounts
from .api import api_router, document_problems
from .capabilities import Capabilities
from .database import open_database
from .edge import refuse_body
from .events import GatewayEvents
from .routers import docs, pages
from .rpc_client import RpcClient
from .settings import GatewaySettings, get_gateway_settings

log = logging.getLogger("maillage.http")

# Pages that receive HTML forms (and RFC 8058 one-click unsubscribes) instead of JSON.
FORM_PATHS = {**pages.FORM_PATHS, "/api/places/import": "text/csv"}  # open-data import


def create_app(
    settings: GatewaySettings | None = None,
    rpc: RpcClient | None = None,
    db: Database | None = None,
    events: GatewayEvents | None = None,
) -> FastAPI:
    """``rpc``, ``db`` and ``events`` are given by tests (a fake RPC client, a mongomock
    database, an events relay with a fake publisher)."""
    settings = settings or get_gateway_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        app.state.events.start()  # the outbox relay thread (gateway/events.py)
        backfill_place_managers(app)
        yield
        app.state.events.stop()
        app.state.capabilities.close()
        app.state.rpc.close()
        app.state.db.client.close()

    app = FastAPI(
        title="Maillage",
        version="0.1.0",
        description="API des réseaux de tiers-lieux : lieux, réservations, clubs.",
        lifespan=lifespan,
        # Swagger UI and ReDoc from a package (routers/docs.py), never from a CDN.
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.db = db if db is not None else open_database(settings)
    app.state.events = events or GatewayEvents.for_broker(
        app.state.db,
        settings.territory,
        settings.amqp_uri,
        poll_seconds=settings.outbox_poll_seconds,
    )
    app.state.rpc = rpc or RpcClient(
        settings.amqp_uri,
        settings.rpc_pool_size,
        settings.rpc_timeout,
        heartbeat=settings.rpc_heartbeat,
    )
    app.state.capabilities = Capabilities(
        app.state.rpc, settings.capabilities_ttl, settings.probe_timeout
    )
    problems.install(app)

    @app.middleware("http")
    async def edge(request: Request, call_next):
        request.state.correlation_id = request.headers.get("X-Correlation-Id") or uuid.uuid4().hex
        correlation_id.set(request.state.correlation_id)
        started = time.perf_counter()
        refused = await refuse_body(request, settings.max_body_bytes, FORM_PATHS)
        response = refused or await call_next(request)
        response.headers["X-Correlation-Id"] = request.state.correlation_id
        log.info(
            "%s %s %s",
            request.method,
            request.url.path,
            response.status_code,
            extra={
                "status": response.status_code,
                "duration_ms": round((time.perf_counter() - started) * 1000, 2),
            },
        )
        return response

    # After the edge: middleware added later wraps it, so its refusals carry the headers too.
    security.install(app, settings)
    app.include_router(api_router)
    app.include_router(docs.router)
    app.include_router(pages.router)
    Instrumentator().instrument(app).expose(app, include_in_schema=False)
    pages.install(app)  # the web client's static files and friendly 404: after every route
    document_problems(app)  # every route's problem statuses in /openapi.json, later ones too
    return app


def backfill_place_managers(app: FastAPI) -> None:
    """Tell the services who manages the places whose managers were named before the gateway
    announced them (``accounts/place_managers.py``; once: announced places are skipped). A
    database away at start-up only delays it to the next start."""
    try:
        place_managers.backfill(app.state.db, accounts(app.state), app.state.events)
    except PyMongoError as exc:
        log.warning("place managers not announced at start-up: %s", type(exc).__name__)
