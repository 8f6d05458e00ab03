"""RFC 9457 problem details for every error the gateway returns."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from contracts.errors import remote_error

from .errors_text import error_text
from .i18n import api_language
from .rpc_client import RemoteError, RpcTimeout, ServiceUnavailable

PROBLEM_JSON = "application/problem+json"
# Problem members (and problem()'s own keywords) that a service's extras may not override.
RESERVED = {"type", "title", "status", "detail", "instance", "code"}

TITLES = {
    400: "Requête mal formée",
    401: "Authentification requise",
    403: "Accès refusé",
    404: "Introuvable",
    405: "Méthode non permise",
    409: "Conflit",
    413: "Requête trop volumineuse",
    415: "Type de contenu non pris en charge",
    422: "Données invalides",
    500: "Erreur interne",
    503: "Service indisponible",
    504: "Délai dépassé",
}


def problem(
    status: int,
    detail: str,
    *,
    code: str | None = None,
    title: str | None = None,
    instance: str | None = None,
    **extra: Any,
) -> JSONResponse:
    body = {
        "type": f"/problems/{code}" if code else "about:blank",
        "title": title or TITLES.get(status, "Erreur"),
        "status": status,
        "detail": detail,
    }
    if code:
        body["code"] = code  # stable, for programs; the words are for people
    if instance:
        body["instance"] = instance
    body.update(extra)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON)


class ProblemException(Exception):
    def __init__(self, status: int, detail: str, code: str | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.status, self.detail, self.code, self.extra = status, detail, code, extra


def _validation_errors(exc: RequestValidationError) -> tuple[int, list[dict[str, str]]]:
    errors = []
    status = 422
    for err in exc.errors():
        if err.get("type") == "json_invalid":
            status = 400
        loc = [str(p) for p in err.get("loc", ()) if p != "body"]
        errors.append({"field": ".".join(loc), "message": err.get("msg", "")})
    return status, errors


def request_language(request: Request) -> str:
    """The language of the API's words: ``Accept-Language`` (q-values), else ``fr``."""
    return api_language(request)


def install(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def on_validation(request: Request, exc: RequestValidationError):
        status, errors = _validation_errors(exc)
        detail = "le corps n'est pas du JSON valide" if status == 400 else "données invalides"
        code = "malformed_json" if status == 400 else "validation_failed"
        return problem(status, detail, code=code, instance=request.url.path, errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def on_http(request: Request, exc: StarletteHTTPException):
        return problem(exc.status_code, str(exc.detail), instance=request.url.path)

    @app.exception_handler(ProblemException)
    async def on_problem(request: Request, exc: ProblemException):
        return problem(
            exc.status, exc.detail, code=exc.code, instance=request.url.path, **exc.extra
        )

    @app.exception_handler(ServiceUnavailable)
    async def on_unavailable(request: Request, exc: ServiceUnavailable):
        status = 504 if isinstance(exc, RpcTimeout) else 503
        return problem(
            status,
            f"le service « {exc.service} » ne répond pas : {exc.reason}",
            code="service_unavailable" if status == 503 else "service_timeout",
            instance=request.url.path,
            service=exc.service,
        )

    @app.exception_handler(RemoteError)
    async def on_remote(request: Request, exc: RemoteError):
        cls, code, params = remote_error(exc.exc_args)
        if cls is None:
            return problem(
                500,
                f"erreur inattendue dans le service « {exc.service} »",
                code="internal_error",
                instance=request.url.path,
                service=exc.service,
            )
        title, detail = error_text(code, params, request_language(request))
        extra = {k: v for k, v in params.items() if k not in RESERVED}
        return problem(
            cls.status, detail, code=code, title=title, instance=request.url.path, **extra
        )

    @app.exception_handler(Exception)
    async def on_unexpected(request: Request, exc: Exception):
        return problem(500, "erreur interne", code="internal_error", instance=request.url.path)
