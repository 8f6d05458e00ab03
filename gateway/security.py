"""Headers every answer carries, and who may call the API from another origin.

The pages have no inline script or style, so their policy allows only this origin (and the
map's tile server when one is configured). The API documentation (Swagger UI, ReDoc) starts
with an inline script and style, so those two pages, for developers, get a looser policy.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import FastAPI, Request
from starlette.middleware.cors import CORSMiddleware

from .settings import GatewaySettings

DOCS_PATHS = ("/docs", "/redoc")
CORS_HEADERS = ["Authorization", "Content-Type", "Idempotency-Key", "X-Correlation-Id"]


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def page_policy(tiles_url: str = "") -> str:
    tiles = _origin(tiles_url)
    images = "'self' data:" + (f" {tiles}" if tiles else "")
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; "
        f"img-src {images}; connect-src 'self'; object-src 'none'; base-uri 'self'; "
        "form-action 'self'; frame-ancestors 'none'"
    )


DOCS_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; worker-src 'self' blob:; object-src 'none'; base-uri 'self'; "
    "frame-ancestors 'none'"
)


def headers_for(path: str, settings: GatewaySettings) -> dict[str, str]:
    docs = path.startswith(DOCS_PATHS)
    headers = {
        "Content-Security-Policy": DOCS_POLICY if docs else page_policy(settings.map_tiles_url),
        "X-Content-Type-Options": "nosniff",
        # Same-origin: a one-time sign-in link in a URL never leaves in a Referer.
        "Referrer-Policy": "same-origin",
        "X-Frame-Options": "DENY",
        "Cross-Origin-Opener-Policy": "same-origin",
        "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
    }
    if settings.public_url.startswith("https://"):
        headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    return headers


def install(app: FastAPI, settings: GatewaySettings) -> None:
    @app.middleware("http")
    async def security_headers(request: Request, call_next):
        response = await call_next(request)
        for name, value in headers_for(request.url.path, settings).items():
            response.headers.setdefault(name, value)
        return response

    origins = settings.allowed_origins
    if origins:  # no CORS headers at all unless an operator names the origins
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(origins),
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=CORS_HEADERS,
            expose_headers=["Retry-After", "X-Correlation-Id"],
            max_age=600,
        )
