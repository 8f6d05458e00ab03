"""The web client served by the gateway: pages and assets, no external resource, no service call.

Run with ``.venv/bin/pytest -p no:nameko gateway/tests -q``.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from gateway.app import WEB_DIR

from .fakes import PROBLEM_JSON, FakeRpc, client

JS_TYPES = {"text/javascript", "application/javascript"}
ASSETS = ("index.html", "app.js", "style.css")


class Links(HTMLParser):
    """Collects the html element's attributes and every src/href of the page."""

    def __init__(self) -> None:
        super().__init__()
        self.html_attrs: dict[str, str | None] = {}
        self.refs: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "html":
            self.html_attrs = attributes
        for name in ("src", "href"):
            if attributes.get(name) is not None:
                self.refs.append((tag, attributes))


def media_type(response) -> str:
    return response.headers["content-type"].split(";")[0].strip()


@pytest.fixture
def fake() -> FakeRpc:
    return FakeRpc()


@pytest.fixture
def api(fake):
    return client(fake)


def test_web_dir_is_the_package_folder():
    assert Path(__file__).resolve().parent.parent / "web" == WEB_DIR
    for name in ASSETS:
        assert (WEB_DIR / name).is_file()


def test_root_serves_the_french_page(api, fake):
    response = api.get("/")
    assert response.status_code == 200
    assert media_type(response) == "text/html"
    page = Links()
    page.feed(response.text)
    assert page.html_attrs.get("lang") == "fr"
    assert 'charset="utf-8"' in response.text
    assert 'name="viewport"' in response.text
    for text in ("Lieux", "Clubs", "Réserver", "Nombre de places", "Heure de début"):
        assert text in response.text
    scripts = [a for tag, a in page.refs if tag == "script"]
    assert scripts == [{"type": "module", "src": "/web/app.js"}]
    styles = [a["href"] for tag, a in page.refs if tag == "link" and a.get("rel") == "stylesheet"]
    assert styles == ["/web/style.css"]
    assert response.headers["cache-control"] == "no-cache"
    assert response.headers["x-correlation-id"]
    assert fake.calls == []  # the page itself needs no service


def test_root_answers_head(api):
    response = api.head("/")
    assert response.status_code == 200
    assert media_type(response) == "text/html"


@pytest.mark.parametrize(
    ("path", "types"),
    [
        ("/web/app.js", JS_TYPES),
        ("/web/style.css", {"text/css"}),
        ("/web/index.html", {"text/html"}),
    ],
)
def test_assets_are_served_with_their_content_type(api, path, types):
    response = api.get(path)
    assert response.status_code == 200
    assert media_type(response) in types
    assert response.content == (WEB_DIR / path.removeprefix("/web/")).read_bytes()
    assert response.headers["cache-control"] == "no-cache"
    assert response.headers["etag"]


def test_unchanged_asset_is_revalidated_with_304(api):
    first = api.get("/web/app.js")
    again = api.get("/web/app.js", headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304


@pytest.mark.parametrize(
    "path", ["/web/absent.js", "/web/../app.py", "/web/%2e%2e/app.py", "/web/", "/web"]
)
def test_missing_or_outside_files_are_problem_404(api, path):
    response = api.get(path)
    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM_JSON
    assert "WebFiles" not in response.text


def test_web_client_is_not_in_openapi(api):
    paths = api.get("/openapi.json").json()["paths"]
    assert "/" not in paths
    assert not [p for p in paths if p.startswith("/web")]


def test_app_js_uses_the_api_and_idempotency_keys():
    script = (WEB_DIR / "app.js").read_text(encoding="utf-8")
    assert '"/api/capabilities"' in script
    assert '"/api/places"' in script
    assert '"/api/bookings"' in script
    assert '"/api/clubs"' in script
    assert '"Idempotency-Key"' in script
    assert "crypto.randomUUID" in script
    assert '"Content-Type"' in script and "application/json" in script


def test_app_js_speaks_french():
    script = (WEB_DIR / "app.js").read_text(encoding="utf-8")
    for text in (
        "Postes de travail partagés",
        "Bureau",
        "Salle de réunion",
        "Équipement",
        "Rendez-vous / permanence",
        "Plus de place disponible sur ce créneau",
        "Réservation confirmée — un e-mail de confirmation avec l'invitation vous a été envoyé",
        "Aucun club pour l'instant",
        "En projet",
        "Fermé",
    ):
        assert text in script


def test_app_js_never_writes_html():
    script = (WEB_DIR / "app.js").read_text(encoding="utf-8")
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
        assert sink not in script


@pytest.mark.parametrize("name", ASSETS)
def test_no_external_resource(name):
    text = (WEB_DIR / name).read_text(encoding="utf-8")
    assert not re.search(r"https?://", text, re.IGNORECASE)
    assert not re.search(r"""(?:src|href)\s*=\s*["']?//""", text, re.IGNORECASE)
    assert "@import" not in text
    assert not re.search(r"url\(\s*['\"]?(?!data:)", text)


def test_page_references_only_local_resources(api):
    page = Links()
    page.feed(api.get("/").text)
    for _, attributes in page.refs:
        ref = attributes.get("src") or attributes.get("href") or ""
        assert ref.startswith(("/", "#", "data:")), ref
        assert not ref.startswith("//"), ref
