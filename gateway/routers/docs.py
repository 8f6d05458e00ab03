"""The interactive API documentation (Swagger UI), served from the ``swagger-ui-bundle``
package: ``/docs`` works without internet, nothing is fetched from a CDN."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.openapi.docs import get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import FileResponse, HTMLResponse
from swagger_ui_bundle import swagger_ui_path

router = APIRouter(include_in_schema=False)

ASSETS = "/docs/assets"
# The only files of the bundle the page uses; nothing else of the package is served.
FILES = {
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
    "favicon-32x32.png": "image/png",
}


@router.get("/docs")
def swagger_ui(request: Request) -> HTMLResponse:
    return get_swagger_ui_html(
        openapi_url=request.app.openapi_url,
        title=f"{request.app.title} — API",
        swagger_js_url=f"{ASSETS}/swagger-ui-bundle.js",
        swagger_css_url=f"{ASSETS}/swagger-ui.css",
        swagger_favicon_url=f"{ASSETS}/favicon-32x32.png",
        oauth2_redirect_url="/docs/oauth2-redirect",
    )


@router.get("/docs/oauth2-redirect")
def swagger_ui_redirect() -> HTMLResponse:
    return get_swagger_ui_oauth2_redirect_html()


@router.get(ASSETS + "/{name}")
def swagger_ui_asset(name: str) -> FileResponse:
    if name not in FILES:
        raise HTTPException(404, f"pas de fichier {name}")
    return FileResponse(
        swagger_ui_path / name,
        media_type=FILES[name],
        headers={"Cache-Control": "public, max-age=86400"},
    )
