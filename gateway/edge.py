"""What the gateway refuses before routing: bodies too large, or not of the accepted type.

A body is measured before anything reads it: by its ``Content-Length`` when announced, else
(chunked) by reading it as it streams in, so that no route ever sees more than
``max_body_bytes``. A body of exactly the limit is accepted; one byte more is ``413``, answered
as soon as the stream passes the limit: the rest is never read, so a client streaming
gigabytes costs the gateway at most the limit plus one chunk of memory.
"""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import Request
from fastapi.responses import JSONResponse

from . import problems

BODY_METHODS = {"POST", "PUT", "PATCH"}
JSON = "application/json"


async def body_size(request: Request, limit: int) -> int:
    """The body's length in bytes; ``limit + 1`` stands for anything larger or unreadable."""
    length = request.headers.get("content-length")
    if length is not None:
        return int(length) if length.isdigit() and int(length) <= limit else limit + 1
    return await read_bounded(request, limit)  # chunked: read it and bound it ourselves


async def read_bounded(request: Request, limit: int) -> int:
    """Read a streamed body chunk by chunk, stopping as soon as it passes ``limit`` (then
    ``limit + 1``). A body within the limit is kept as the request's body, so that the route
    (and Starlette's middleware, which replays ``request._body``) reads it as sent."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return limit + 1  # the rest stays unread; the connection is closed after the 413
        chunks.append(chunk)
    request._body = b"".join(chunks)  # what Request.body() caches; read by call_next
    return size


async def refuse_body(
    request: Request, limit: int, form_paths: Mapping[str, str] | None = None
) -> JSONResponse | None:
    """A problem response for a body we will not read (too large, wrong type), else None.

    ``form_paths`` maps the paths that take something else than JSON (HTML forms) to the
    media type they take."""
    if request.method not in BODY_METHODS:
        return None
    size = await body_size(request, limit)
    if size > limit:
        return problems.problem(request, 413, "payload_too_large", limit=limit)
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    accepted = (form_paths or {}).get(request.url.path, JSON)
    if size > 0 and media_type != accepted:
        return problems.problem(request, 415, "unsupported_media_type")
    return None
