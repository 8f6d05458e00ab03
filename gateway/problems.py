"""RFC 9457 problem details for every error the gateway returns."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pymongo.errors import PyMongoError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from contracts.errors import remote_error
from services.common.mongo import is_unavailable

from .errors_text import error_text
from .i18n import api_language
from .rpc_client import RemoteError, RpcTimeout, ServiceUnavailable

PROBLEM_JSON = "application/problem+json"
# Starlette's own refusals (routing), by status.
HTTP_CODES = {404: "route_not_found", 405: "method_not_allowed"}
METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")
# Problem members (and problem()'s own keywords) that a service's extras may not override.
RESERVED = {"type", "title", "status", "detail", "instance", "code"}
# A 503 is temporary (a service or its database away): say when to try again (RFC 9110).
RETRY_AFTER_SECONDS = "2"


def problem(
    request: Request,
    status: int,
    code: str,
    headers: dict[str, str] | None = None,
    /,
    **params: Any,
) -> JSONResponse:
    """The problem+json for a stable ``code``: its words in the reader's language, its
    parameters as members (those that would override a standard member are dropped)."""
    title, detail = error_text(code, params, request_language(request))
    body = {
        "type": f"/problems/{code}",
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,  # stable, for programs; the words are for people
        "instance": request.url.path,
    }
    body.update({k: v for k, v in params.items() if k not in RESERVED})
    if status == 503:
        headers = {"Retry-After": RETRY_AFTER_SECONDS, **(headers or {})}
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


class ProblemException(Exception):
    """Raised by routes and dependencies: answered as ``problem(request, status, code, …)``."""

    def __init__(self, status: int, code: str, /, **params: Any) -> None:
        super().__init__(code)
        self.status, self.code, self.params = status, code, params


def _validation_errors(exc: RequestValidationError) -> tuple[int, list[dict[str, str]]]:
    errors = []
    status = 422
    for err in exc.errors():
        if err.get("type") == "json_invalid":
            status = 400
        loc = [str(p) for p in err.get("loc", ()) if p != "body"]
        errors.append({"field": ".".join(loc), "message": err.get("msg", "")})
    return status, errors


def _allowed_methods(request: Request) -> list[str]:
    """Every method some route takes at this path (Starlette names only the first route's)."""
    allowed = []
    for method in METHODS:
        scope = {"type": "http", "path": request.url.path, "root_path": "", "method": method}
        if any(route.matches(scope)[0] == Match.FULL for route in request.app.router.routes):
            allowed.append(method)
    return allowed


def _a_page(request: Request) -> bool:
    path = request.url.path
    return request.method in ("GET", "HEAD") and not path.startswith(("/api/", "/docs", "/static/"))


def request_language(request: Request) -> str:
    """The language of the API's words: ``Accept-Language`` (q-values), else ``fr``."""
    return api_language(request)


def install(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def on_validation(request: Request, exc: RequestValidationError):
        status, errors = _validation_errors(exc)
        code = "malformed_json" if status == 400 else "validation_failed"
        return problem(request, status, code, errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def on_http(request: Request, exc: StarletteHTTPException):
        html_not_found = getattr(request.app.state, "html_not_found", None)
        if exc.status_code == 404 and html_not_found and _a_page(request):
            return html_not_found(request)  # a person typed an address: a page, in words
        code = HTTP_CODES.get(exc.status_code, "bad_request")
        if exc.status_code == 405:
            allow = {"Allow": ", ".join(_allowed_methods(request))}
            return problem(request, 405, code, allow, method=request.method)
        return problem(request, exc.status_code, code, exc.headers)

    @app.exception_handler(ProblemException)
    async def on_problem(request: Request, exc: ProblemException):
        return problem(request, exc.status, exc.code, **exc.params)

    @app.exception_handler(ServiceUnavailable)
    async def on_unavailable(request: Request, exc: ServiceUnavailable):
        timeout = isinstance(exc, RpcTimeout)
        return problem(
            request,
            504 if timeout else 503,
            "service_timeout" if timeout else "service_unavailable",
            service=exc.service,
            reason=exc.reason,
        )

    @app.exception_handler(RemoteError)
    async def on_remote(request: Request, exc: RemoteError):
        cls, code, params = remote_error(exc.exc_args)
        if cls is None:  # not a domain error: nothing of it reaches the client
            return problem(request, 500, "internal_error", service=exc.service)
        return problem(request, cls.status, code, **params)

    @app.exception_handler(PyMongoError)
    async def on_database(request: Request, exc: PyMongoError):
        if is_unavailable(exc):  # the gateway's own database is away: come back later
            return problem(request, 503, "database_unavailable")
        return problem(request, 500, "internal_error")

    @app.exception_handler(Exception)
    async def on_unexpected(request: Request, exc: Exception):
        return problem(request, 500, "internal_error")
