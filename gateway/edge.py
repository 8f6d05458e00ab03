"""What the gateway refuses before routing: bodies too large, or not of the accepted type.

A body is measured before anything reads it: by its ``Content-Length`` when announced, else
(chunked) by reading it, so that no route ever sees more than ``max_body_bytes``. A body of
exactly the limit is accepted; one byte more is ``413``.
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
    return len(await request.body())  # chunked: read it and bound it ourselves


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
