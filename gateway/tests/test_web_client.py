"""The web client as a whole: its static files, what every page references, the 60 KB
budget, the catalogues, and that no page needs anything from outside the gateway."""

from __future__ import annotations

import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from gateway import i18n
from gateway.errors_text import TEXTS
from gateway.web_pages import STATIC_DIR
from gateway.web_pages.render import TEMPLATES_DIR

from .fakes import PROBLEM_JSON, accounts_client, client, form_body, member, site_fake

BUDGET = 60 * 1024
ROOT = Path(__file__).resolve().parents[2]
WEB_DIR = ROOT / "gateway" / "web"
PAGES = [
    "/",
    "/places/p1",
    "/lieux",
    "/reservations/b1",
    "/clubs",
    "/unsubscribe?email=m@x.org&token=t",
    "/unsubscribe?email=m@x.org&token=t&kind=clubs",
    "/preferences-email?email=m@x.org&token=t",
    "/introuvable",
    "/inscription",
    "/connexion",
    "/mot-de-passe-oublie",
    "/mot-de-passe?token=t",
    "/courriel-envoye?motif=inscription",
    "/disponibilites?type=desk_pool&jour=2030-05-02&places=1&commune=Riez&rayon=20",
]


class Refs(HTMLParser):
    """Every src/href of a page, and its stylesheets and scripts."""

    def __init__(self) -> None:
        super().__init__()
        self.refs: list[str] = []
        self.assets: list[str] = []
        self.inline_scripts = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for name in ("src", "href", "action"):
            if a.get(name) is not None:
                self.refs.append(a[name])
        if tag == "script":
            if a.get("src"):
                self.assets.append(a["src"])
            else:
                self.inline_scripts += 1
        if tag == "link" and a.get("rel") == "stylesheet":
            self.assets.append(a["href"])


def parse(html: str) -> Refs:
    refs = Refs()
    refs.feed(html)
    return refs


@pytest.fixture
def api():
    return client(site_fake())


# --- static files ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "media_type"),
    [
        ("/static/style.css", "text/css"),
        ("/static/map.js", "text/javascript"),
        ("/static/leaflet/leaflet.js", "text/javascript"),
        ("/static/leaflet/leaflet.css", "text/css"),
    ],
)
def test_static_files_are_served_revalidated_and_compressed(api, path, media_type):
    response = api.get(path, headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == media_type
    assert response.headers["cache-control"] == "no-cache" and response.headers["etag"]
    if len(response.content) > 500:
        assert response.headers["content-encoding"] == "gzip"
    again = api.get(path, headers={"If-None-Match": response.headers["etag"]})
    assert again.status_code == 304


def test_our_static_files_are_the_package_files(api):
    for name in ("style.css", "map.js"):
        assert api.get(f"/static/{name}").content == (STATIC_DIR / name).read_bytes()


@pytest.mark.parametrize(
    "path", ["/static/absent.js", "/static/%2e%2e/i18n.py", "/static/", "/static/leaflet/x.js"]
)
def test_missing_or_outside_static_files_are_problem_404(api, path):
    response = api.get(path)
    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM_JSON


def test_the_old_single_page_app_is_gone(api):
    assert not (WEB_DIR / "app.js").exists() and not (WEB_DIR / "index.html").exists()
    assert api.get("/web/app.js").status_code == 404


def test_pages_are_not_in_openapi(api):
    paths = api.get("/openapi.json").json()["paths"]
    assert not [p for p in paths if not p.startswith("/api")]


def test_root_answers_head(api):
    response = api.head("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")


# --- nothing from outside, no script needed ---------------------------------------------------


def web_sources():
    return [p for p in [*TEMPLATES_DIR.rglob("*.html"), *STATIC_DIR.rglob("*")] if p.is_file()]


@pytest.mark.parametrize("path", web_sources(), ids=lambda p: p.name)
def test_no_external_resource_in_sources(path):
    text = path.read_text(encoding="utf-8")
    assert not re.search(r"https?://", text, re.IGNORECASE)
    assert not re.search(r"""(?:src|href|action)\s*=\s*["']?//""", text, re.IGNORECASE)
    assert "@import" not in text
    assert not re.search(r"url\(\s*['\"]?(?!data:)", text)
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
        assert sink not in text


@pytest.mark.parametrize("path", PAGES)
def test_pages_reference_only_local_resources_and_no_inline_script(api, path):
    page = parse(api.get(path).text)
    for ref in page.refs:
        assert ref.startswith(("/", "#")) and not ref.startswith("//"), ref
    assert page.inline_scripts == 0


def test_leaflet_only_where_a_map_is_shown(api):
    maps = ("/", "/lieux")  # the home page and the places' search
    for path in maps:
        assert "/static/leaflet/leaflet.js" in parse(api.get(path).text).assets, path
    for path in (p for p in PAGES if p not in maps):
        assert not [a for a in parse(api.get(path).text).assets if "leaflet" in a], path


def test_no_map_without_places():
    html = client(site_fake(**{"directory.list_places": []})).get("/").text
    assert "leaflet" not in html and "Aucun lieu pour l'instant." in html


def test_map_tiles_come_only_from_the_setting():
    assert 'data-tiles=""' in client(site_fake()).get("/").text
    tiles = "/tiles/{z}/{x}/{y}.png"
    html = client(site_fake(), map_tiles_url=tiles).get("/").text
    assert f'data-tiles="{tiles}"' in html


# --- the 60 KB budget ----------------------------------------------------------------------


def page_weight(api, path: str) -> tuple[int, int]:
    """(bytes as sent, bytes uncompressed) of a page plus its same-origin CSS and scripts."""
    response = api.get(path, headers={"Accept-Encoding": "gzip"})
    sent, raw = response.num_bytes_downloaded, len(response.content)
    for asset in parse(response.text).assets:
        assert asset.startswith("/"), asset
        file = api.get(asset, headers={"Accept-Encoding": "gzip"})
        assert file.status_code == 200, asset
        sent, raw = sent + file.num_bytes_downloaded, raw + len(file.content)
    return sent, raw


@pytest.mark.parametrize("path", PAGES)
def test_every_page_weighs_at_most_60_kb(api, path, record_property):
    sent, raw = page_weight(api, path)
    record_property("weight", f"{path}: {sent} B sent, {raw} B uncompressed")
    print(f"{path}: {sent} bytes sent, {raw} uncompressed")
    assert sent <= BUDGET
    if "leaflet" not in api.get(path).text:
        assert raw <= BUDGET  # without the map's library, even uncompressed


STAFF_PAGES = ["/places/p1", "/profil", "/administration/roles", "/supprimer-mon-compte"]


def staff_browser():
    """An admin who also manages the place: every part of every page shown to them."""
    api, _, _ = accounts_client(site_fake())
    return member(api, "ada@example.org", "Ada", ("admin",), ("p1",), browser=True)


def test_a_booking_form_with_errors_stays_within_budget():
    admin = staff_browser()
    fields = {"place_id": "p1", "resource_id": "r1", "csrf_token": admin.csrf, "name": "M"}
    response = admin.client.post("/reservations", **form_body(**fields))
    assert response.status_code == 422 and 'class="error"' in response.text
    assert len(response.content) + len((STATIC_DIR / "style.css").read_bytes()) <= BUDGET


@pytest.mark.parametrize("path", STAFF_PAGES)
def test_the_pages_of_staff_weigh_at_most_60_kb(path):
    admin = staff_browser()
    sent, raw = page_weight(admin.client, path)
    assert admin.client.get(path).status_code == 200
    assert sent <= BUDGET and raw <= BUDGET


@pytest.mark.parametrize("path", STAFF_PAGES)
def test_the_pages_of_staff_reference_only_local_resources(path):
    refs = parse(staff_browser().client.get(path).text)
    assert refs.inline_scripts == 0
    assert all(r.startswith(("/", "#")) and not r.startswith("//") for r in refs.refs), refs.refs


# --- the catalogues ----------------------------------------------------------------------------


def catalog(language: str):
    with i18n.po_path(language).open("rb") as po:
        return read_po(po, locale=language)


def strings(value) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def placeholders(text: str) -> set[str]:
    return set(re.findall(r"%\((\w+)\)s", text))


@pytest.mark.parametrize("language", i18n.LANGUAGES)
def test_every_msgid_is_translated_and_none_is_fuzzy(language):
    messages = [m for m in catalog(language) if m.id]
    assert len(messages) > 50
    for message in messages:
        assert "fuzzy" not in message.flags, message.id
        assert all(strings(message.string)), f"{language}: {message.id!r} untranslated"
        source = " ".join(strings(message.id))
        for text in strings(message.string):
            assert placeholders(text) <= placeholders(source), message.id


def test_english_translates_rather_than_copies():
    copied = [m.id for m in catalog("en") if m.id and m.string == m.id]
    # Words English shares with French, and names (a label, a register's number).
    same = {"Clubs", "Date", "Association", "Contact", "Coworking", "Fablab", "France Services"}
    same |= {"Latitude", "Longitude", "Position", "Repair café", "SIRET", "Services", "Transport"}
    same |= {"Wi-Fi"}
    assert set(copied) <= same


def test_catalogues_match_the_sources(tmp_path):
    """A text added to a template or to the error texts without its translation fails here."""
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg",
         "-k", "N_", "-o", str(pot), "."],
        cwd=ROOT, check=True, capture_output=True,
    )  # fmt: skip
    with pot.open("rb") as handle:
        wanted = {m.id if isinstance(m.id, str) else tuple(m.id) for m in read_po(handle) if m.id}
    for language in i18n.LANGUAGES:
        have = {m.id if isinstance(m.id, str) else tuple(m.id) for m in catalog(language) if m.id}
        assert wanted - have == set(), f"{language}: run pybabel update (docs/web-client.md)"


def test_catalogues_load_without_a_compile_step():
    assert not list((WEB_DIR / "translations").rglob("*.mo"))
    assert i18n.translations("en").gettext("Réserver") == "Book"
    assert i18n.translations("fr").gettext("Réserver") == "Réserver"


@pytest.mark.parametrize("code", sorted(TEXTS))
def test_every_error_code_reads_in_both_languages(code):
    from gateway.errors_text import error_text

    params = {"id": "x", "max_days": 7, "capacity": 3, "requested": 5, "seats_total": 3,
              "seats_taken": 3, "seats_requested": 1, "horizon_days": 90,
              "opening_hours": "Mo-Fr 09:00-18:00", "timezone": "Europe/Paris",
              "closure_start": "2026-12-24", "closure_end": "2026-12-26", "reason": "Noël.",
              "unit_minutes": 60, "min_minutes": 60, "max_minutes": 240, "minutes": 30,
              "lead_time_minutes": 120, "deadline_hours": 24, "status": "held",
              "start": "2026-12-01", "retry_after": 60, "service": "booking",
              "missing": "booking", "limit": 1024, "method": "PUT",
              "day": "2026-12-01", "seats_drop_in": 2, "month": "2026-12", "subscribed": 5,
              "resident_seats": 5, "opens": "8:30", "closes": "10:00",
              "value": "2026-13", "url": "https://example.org/v.ics", "motif": "demarches",
              "mode": "phone", "min_delay_hours": 24,
              "max_delay_days": 60, "seat_unit": 6,
              "booked": 4, "week": "2026-W49", "active": 3, "taken": 5}  # fmt: skip
    fr, en = error_text(code, params, "fr"), error_text(code, params, "en")
    assert all(fr) and all(en)
    assert fr[1] != en[1]
    # The whole sentence, every parameter in it (not the fallback that drops them).
    assert fr[1] == TEXTS[code][1] % params


def test_a_moment_in_an_error_reads_as_a_date_in_the_reader_s_language():
    """A closure's dates, a booking's start: not ``2026-12-24T09:00:00+01:00`` for Marceline."""
    from gateway.errors_text import error_text

    params = {
        "closure_start": "2030-12-24T09:00:00+01:00",
        "closure_end": "2030-12-26T08:00:00+00:00",
        "reason": "Noël.",
    }
    _, fr = error_text("resource_closed", params, "fr")
    _, en = error_text("resource_closed", params, "en")
    assert "mardi 24 décembre 2030, 9 h" in fr and "jeudi 26 décembre 2030, 9 h" in fr
    assert "Tuesday, December 24, 2030, 9:00 AM" in en
    assert "T09:00" not in fr + en
    # A date alone, or text that is no date, is shown as it is.
    assert (
        "2030-12-24 au"
        in error_text("resource_closed", {**params, "closure_start": "2030-12-24"}, "fr")[1]
    )


def test_every_error_a_service_raises_has_words():
    import contracts.booking  # noqa: F401  (registers the codes)
    import contracts.clubs  # noqa: F401
    import contracts.directory  # noqa: F401
    import contracts.notifications  # noqa: F401
    from contracts.errors import ERRORS_BY_CODE

    assert set(ERRORS_BY_CODE) - set(TEXTS) == set()
