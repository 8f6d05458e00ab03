"""Rate limits on sign-in, sign-up, one-time links and password resets, per address and per IP.

Fixed windows counted in the gateway's database (collection ``rate_limits``), so that every
replica and every worker of the gateway shares one count (limits kept in a process's memory
would multiply by the number of processes and forget on each restart). One document per
(action, address or IP, window): ``$inc`` upserted by ``_id``, then both read back by ``_id``;
a TTL index sweeps past windows. Addresses and IPs are kept as SHA-256 digests only.

Over the limit: ``429 too_many_requests`` with ``Retry-After`` (seconds to the window's end),
the same answer whether the address has an account or not, counted before looking the
address up.
"""

from __future__ import annotations

import hashlib
import time
from datetime import UTC, datetime

from fastapi import Request
from fastapi.responses import JSONResponse
from pymongo import ASCENDING

from .database import index_once
from .problems import problem

COLLECTION = "rate_limits"
ACTIONS = ("sign_in", "sign_up", "link", "reset", "contact")  # contact: routers/contacts.py


def _key(action: str, kind: str, value: str, window: int) -> str:
    return f"{action}:{kind}:{hashlib.sha256(value.encode()).hexdigest()[:32]}:{window}"


def now() -> float:
    """The moment, in seconds since the epoch; a function so tests can hold the clock still."""
    return time.time()


def client_ip(request: Request) -> str:
    """The peer's address as the server sees it: behind a reverse proxy, run uvicorn with
    ``--proxy-headers`` and ``--forwarded-allow-ips`` so that this is the client's."""
    return request.client.host if request.client else "unknown"


def hit(request: Request, action: str, email: str | None) -> JSONResponse | None:
    """Count one attempt of ``action`` for ``email`` (normalised) and the client's IP;
    a 429 problem when either passed its limit in this window, else None."""
    settings = request.app.state.settings
    collection = request.app.state.db[COLLECTION]
    index_once(collection, [("expires_at", ASCENDING)], expireAfterSeconds=0)
    span = settings.rate_limit_window_seconds
    moment = now()
    window = int(moment // span)
    ends = (window + 1) * span
    limits = {_key(action, "ip", client_ip(request), window): settings.rate_limit_per_ip}
    if email:
        limits[_key(action, "address", email, window)] = settings.rate_limit_per_address
    expires = datetime.fromtimestamp(ends, UTC)
    for key in limits:
        collection.update_one(
            {"_id": key}, {"$inc": {"n": 1}, "$set": {"expires_at": expires}}, upsert=True
        )
    counts = {doc["_id"]: doc["n"] for doc in collection.find({"_id": {"$in": list(limits)}})}
    if all(counts.get(key, 0) <= limit for key, limit in limits.items()):
        return None
    retry_after = max(1, int(ends - moment + 0.999))
    return problem(
        request,
        429,
        "too_many_requests",
        {"Retry-After": str(retry_after)},
        retry_after=retry_after,
    )
