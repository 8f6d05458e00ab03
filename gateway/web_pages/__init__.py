"""The web client: HTML pages rendered by the gateway (Jinja2 + Babel), working without
JavaScript. ``install(app)`` adds the static files and the friendly 404 after every route."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import Response
from starlette.exceptions import HTTPException
from starlette.middleware.gzip import GZipMiddleware
from starlette.staticfiles import StaticFiles
from xstatic.pkg import leaflet

from . import site, unsubscribe
from .forms import FORM_MEDIA_TYPE

STATIC_DIR = Path(__file__).resolve().parent.parent / "web" / "static"
LEAFLET_DIR = Path(leaflet.BASE_DIR)

router = APIRouter(include_in_schema=False)
router.include_router(site.router)
router.include_router(unsubscribe.router)

# Paths that receive HTML forms (and RFC 8058 one-click unsubscribes) instead of JSON.
FORM_PATHS = {path: FORM_MEDIA_TYPE for path in ("/unsubscribe", "/reservations", "/langue")}


class Assets(StaticFiles):
    """Assets revalidated by the browser on each load (ETag, 304): an upgraded gateway is
    never paired with a stale stylesheet."""

    async def get_response(self, path, scope):
        response = await super().get_response(path, scope)
        response.headers.setdefault("Cache-Control", "no-cache")
        return response


def install(app: FastAPI) -> None:
    """Static files (ours and Leaflet's, gzip-compressed on the way out), then the friendly
    404 page for any other path a person may type; call it after every other route."""
    app.mount("/static/leaflet", GZipMiddleware(Assets(directory=LEAFLET_DIR)), name="leaflet")
    app.mount("/static", GZipMiddleware(Assets(directory=STATIC_DIR)), name="static")

    @app.api_route(
        "/{path:path}",
        methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"],
        include_in_schema=False,
    )
    def page_not_found(request: Request, path: str) -> Response:
        if request.method not in ("GET", "HEAD") or path.startswith("api/"):
            raise HTTPException(404, "Not Found")  # the API's problem+json
        return site.not_found(request)
