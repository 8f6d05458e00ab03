"""The places in a real (headless) Chromium, JavaScript off, against the real platform: a
visitor filters the list and opens a place (its record, its hours in words); a coordinator
edits it and closes it through the form, and the API sees the change."""

from __future__ import annotations

import uuid

from playwright.sync_api import expect

from .helpers import OPERATOR, PASSWORD, create_place, member
from .test_browser import browser, new_page, page, shot, signed_in_at  # noqa: F401 (fixtures)


def test_filter_the_list_open_a_place_and_edit_it_as_coordinator(api, verdon, page):  # noqa: F811
    tag = uuid.uuid4().hex[:4]
    fablab = create_place(
        api,
        name=f"Fablab du navigateur {tag}",
        kinds=["fablab", "coworking"],
        equipment=["wifi", "printer_3d"],
        opening_hours="Mo-Fr 09:00-18:00",
        summary="Imprimantes 3D et coworking.",
        networks=["Sud Tiers-Lieux"],
    )
    create_place(api, name=f"Maison du navigateur {tag}", kinds=["france_services"])

    # A visitor: the search form works without JavaScript (a GET form, the server filters).
    page.goto(verdon.url + "/lieux")
    page.fill("#q", f"navigateur {tag}")
    page.get_by_label("Fablab").check()
    page.get_by_role("button", name="Chercher").click()
    expect(page.locator("#titre-resultats")).to_have_text("1 lieu trouvé")
    expect(page.locator("#lieux")).not_to_contain_text("Maison du navigateur")
    shot(page, "lieux-filtres")
    page.get_by_role("link", name=fablab["name"]).click()
    expect(page.locator("h1")).to_have_text(fablab["name"])
    expect(page.locator(".facts")).to_contain_text("lundi – vendredi, 9 h – 18 h")
    expect(page.locator(".facts")).to_contain_text("Imprimante 3D")
    expect(page.get_by_role("link", name="Modifier la fiche du lieu")).to_have_count(0)

    # The coordinator: named by the operator, signs in, edits the record and closes it.
    colette = member(verdon, api, "Colette Coordinatrice")
    grant = {"email": colette.email, "role": "coordinator", "scope": "territory"}
    assert api.put("/api/admin/roles", json=grant, headers=OPERATOR).status_code == 200
    path = f"/places/{fablab['id']}"
    signed_in_at(page, verdon.url, colette.email, PASSWORD, path)
    page.get_by_role("link", name="Modifier la fiche du lieu").click()
    expect(page.locator("h1")).to_have_text("Modifier la fiche du lieu")
    page.fill("#f-summary", "Fermé pour travaux jusqu'au printemps.")
    page.select_option("#f-status", "closed")
    page.fill("#f-status_since", "2026-12-31")
    page.get_by_role("button", name="Enregistrer la fiche").click()
    page.wait_for_url(verdon.url + path)
    expect(page.locator("main")).to_contain_text("Fermé pour travaux jusqu'au printemps.")
    expect(page.locator("main")).to_contain_text("depuis le jeudi 31 décembre 2026")
    shot(page, "lieu-modifie")
    saved = api.get(f"/api/places/{fablab['id']}").json()
    assert (saved["status"], saved["status_since"]) == ("closed", "2026-12-31")
    assert saved["kinds"] == ["fablab", "coworking"]  # what was not touched is kept
    history = api.get(f"/api/places/{fablab['id']}/history", headers=OPERATOR).json()
    assert history[0]["changes"]["status"] == ["open", "closed"]
