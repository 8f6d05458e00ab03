"""The OpenAPI document and its interactive documentation, served offline."""

from __future__ import annotations

import re

import pytest

from .fakes import FakeRpc, client


def test_openapi_lists_the_api():
    fake = FakeRpc()
    api = client(fake)
    response = api.get("/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in (
        "/api/bookings",
        "/api/bookings/{booking_id}",
        "/api/places",
        "/api/places/{place_id}",
        "/api/places/{place_id}/resources",
        "/api/capabilities",
    ):
        assert path in paths
    assert "post" in paths["/api/bookings"] and "post" in paths["/api/places"]
    assert "/metrics" not in paths
    assert api.get("/docs").status_code == 200
    assert fake.calls == []


def docs_page():
    response = client(FakeRpc()).get("/docs")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    return response.text


def test_docs_page_references_only_same_origin_assets():
    html = docs_page()
    urls = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", html)
    urls += re.findall(r"""url:\s*["']([^"']+)["']""", html)
    assert urls, html
    for url in urls:
        assert url.startswith("/") and not url.startswith("//"), url
    assert "http://" not in html and "https://" not in html
    assert "/openapi.json" in urls


@pytest.mark.parametrize(
    ("kind", "content_type"),
    [("script", "text/javascript"), ("stylesheet", "text/css"), ("icon", "image/png")],
)
def test_docs_assets_answer_with_their_content_type(kind, content_type):
    html = docs_page()
    patterns = {
        "script": r'<script src="([^"]+)"',
        "stylesheet": r'<link[^>]*rel="stylesheet"[^>]*href="([^"]+)"',
        "icon": r'<link[^>]*rel="shortcut icon"[^>]*href="([^"]+)"',
    }
    [url] = re.findall(patterns[kind], html)
    response = client(FakeRpc()).get(url)
    assert response.status_code == 200, url
    assert response.headers["content-type"].split(";")[0] == content_type
    assert len(response.content) > 500
    if kind == "script":
        assert b"SwaggerUIBundle" in response.content


def test_docs_serve_nothing_else_of_the_package():
    api = client(FakeRpc())
    assert api.get("/docs/assets/index.html").status_code == 404
    assert api.get("/docs/assets/..%2F..%2F__init__.py").status_code == 404


def test_redoc_references_only_same_origin_assets():
    api = client(FakeRpc())
    response = api.get("/redoc")
    assert response.status_code == 200
    assert "http://" not in response.text and "https://" not in response.text
    urls = re.findall(r"""(?:src|href|spec-url)\s*=\s*["']([^"']+)["']""", response.text)
    assert "/openapi.json" in urls
    for url in urls:
        assert url.startswith("/") and not url.startswith("//"), url
        assert api.get(url).status_code == 200, url
    [script] = re.findall(r'<script src="([^"]+)"', response.text)
    assert api.get(script).headers["content-type"].startswith("text/javascript")


def test_the_bundled_swagger_ui_reads_openapi_3_1():
    # Swagger UI 4 refuses FastAPI's OpenAPI 3.1 ("does not specify a valid version field").
    api = client(FakeRpc())
    assert api.get("/openapi.json").json()["openapi"].startswith("3.1")
    script = api.get("/docs/assets/swagger-ui-bundle.js").text
    assert re.search(r'"5\.\d+\.\d+"', script)


def test_the_oauth2_redirect_page_is_local():
    response = client(FakeRpc()).get("/docs/oauth2-redirect")
    assert response.status_code == 200
    assert "https://" not in response.text
