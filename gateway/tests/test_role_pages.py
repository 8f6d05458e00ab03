"""The roles page (/administration/roles, web_pages/roles.py) and the roles on the profile:
for territory admins and coordinators, through the API's own rules and audit, without
JavaScript (POST then 303), in French and English."""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest

from contracts.errors import NotFound

from .fakes import PLACE_OUT, Member, accounts_client, member, remote, site_fake

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
PATH = "/administration/roles"
RUCHE = {**PLACE_OUT, "id": "p2", "name": "La Ruche", "commune": "Valensole"}


@pytest.fixture
def territory():
    """(app's client, db, fake, people): Thierry a plain member, Fabienne the manager of
    Riez (p1), an admin and a coordinator, each in a browser signed in."""
    fake = site_fake(**{"directory.list_places": [PLACE_OUT, RUCHE]})
    api, _, db = accounts_client(fake)
    people = {
        "thierry": member(api, "thierry@example.org", "Thierry", browser=True),
        "fabienne": member(api, "fabienne@example.org", "Fabienne", manages=("p1",), browser=True),
        "admin": member(api, "ada@example.org", "Ada", roles=("admin",), browser=True),
        "coordinator": member(
            api, "colette@example.org", "Colette", roles=("coordinator",), browser=True
        ),
    }
    return api, db, fake, people


def post(who: Member, path: str = PATH, **fields: str):
    body = {"csrf_token": who.csrf, **fields}
    return who.client.post(
        path, content=urlencode(body).encode(), headers=FORM, follow_redirects=False
    )


def grant(who: Member, email: str, role: str = "manager", place: str = "", **extra: str):
    return post(who, email=email, role=role, place=place, **extra)


def held(db, email: str) -> tuple[list[str], list[str]]:
    found = db.members.find_one({"email": email})
    return found.get("roles", []), found.get("manages", [])


def audit_lines(db) -> list[tuple[str, str, dict]]:
    return [(d["actor"], d["action"], d["details"]) for d in db.audit.find().sort("at", 1)]


def field_block(html: str, field_id: str) -> str:
    for block in re.findall(r'<div class="field[^"]*">.*?</div>', html, re.S):
        if f'id="{field_id}"' in block:
            return block
    raise AssertionError(f"no field {field_id}")


def role_rows(html: str) -> dict[str, str]:
    """Each holder's row of the table, by address."""
    rows = re.findall(r"<tr>\s*<th scope=\"row\".*?</tr>", html, re.S)
    return {re.search(r'<span class="hint">([^<]+)</span>', row).group(1): row for row in rows}


# --- who sees the page -------------------------------------------------------------------------


def test_no_one_is_sent_to_sign_in_and_back(territory):
    api, *_ = territory
    response = api.get(PATH, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/connexion?suite=/administration/roles"
    posted = api.post(PATH, content=b"email=x%40example.org&role=admin", headers=FORM)
    assert posted.url.path == "/connexion"  # followed: the sign-in page


@pytest.mark.parametrize("who", ["thierry", "fabienne"])
def test_a_member_or_a_place_manager_gets_a_403_page(territory, who):
    api, db, fake, people = territory
    response = people[who].client.get(PATH)
    assert response.status_code == 403
    assert "<h1>Accès réservé</h1>" in response.text
    assert "ada@example.org" not in response.text  # no one's roles shown
    refused = grant(people[who], "thierry@example.org", "manager", "p1")
    assert refused.status_code == 403 and held(db, "thierry@example.org") == ([], [])
    assert audit_lines(db) == []


def test_the_header_links_to_the_page_for_staff_only(territory):
    api, db, fake, people = territory
    link = '<a href="/administration/roles"'
    for who in ("admin", "coordinator"):
        assert link in people[who].client.get("/").text
    for who in ("thierry", "fabienne"):
        assert link not in people[who].client.get("/").text
    assert link not in api.get("/").text
    page = people["admin"].client.get(PATH).text
    assert '<a href="/administration/roles" aria-current="page">Rôles</a>' in page


# --- what an admin sees and does ----------------------------------------------------------------


def test_an_admin_sees_who_holds_which_role_with_the_places_names(territory):
    api, db, fake, people = territory
    response = people["admin"].client.get(PATH)
    assert response.status_code == 200
    html = response.text
    assert "<h1>Rôles</h1>" in html
    rows = role_rows(html)
    assert list(rows) == ["ada@example.org", "colette@example.org", "fabienne@example.org"]
    assert "Responsable de : Tiers-lieu de Riez" in rows["fabienne@example.org"]
    assert "p1" not in re.sub(r"<form.*?</form>", "", rows["fabienne@example.org"], flags=re.S)
    assert "Administration du territoire" in rows["ada@example.org"]
    assert "thierry@example.org" not in rows  # no role, not listed
    # the grant form: every role, the directory's places by name
    assert '<label for="role-email">Son adresse e-mail</label>' in html
    options = re.findall(r'<option value="(\w*)"', html)
    assert options == ["manager", "coordinator", "admin", "", "p2", "p1"]  # places by name
    assert ">La Ruche — Valensole</option>" in html
    assert html.count(">Retirer</button>") == 3  # an admin may remove every role
    assert "<script" not in html


def test_an_admin_names_a_manager_through_the_form_then_removes_it(territory):
    api, db, fake, people = territory
    admin = people["admin"]
    response = grant(admin, "thierry@example.org", "manager", "p2")
    assert response.status_code == 303 and response.headers["location"] == PATH
    assert held(db, "thierry@example.org") == ([], ["p2"])
    page = admin.client.get(PATH).text
    assert "Le rôle est donné" in page  # the flash, once
    assert "Responsable de : La Ruche" in role_rows(page)["thierry@example.org"]
    [check] = [c for c in fake.domain_calls() if c.method == "get_place"]
    assert check.args == ("p2",)  # the place checked with the directory, as the API does
    removed = post(
        admin,
        f"{PATH}/retirer",
        email="thierry@example.org",
        role="manager",
        scope="place:p2",
    )
    assert removed.status_code == 303
    assert held(db, "thierry@example.org") == ([], [])
    assert "Le rôle est retiré." in admin.client.get(PATH).text
    details = {"member_id": db.members.find_one({"email": "thierry@example.org"})["_id"]}
    details |= {"role": "manager", "scope": "place:p2"}
    assert audit_lines(db) == [
        (admin.id, "role_granted", details),
        (admin.id, "role_revoked", details),
    ]


def test_a_territory_role_ignores_the_place_and_granting_twice_is_once(territory):
    api, db, fake, people = territory
    for _ in range(2):
        assert grant(people["admin"], "thierry@example.org", "coordinator", "p1").status_code == 303
    assert held(db, "thierry@example.org") == (["coordinator"], [])
    assert [(action, d["scope"]) for _, action, d in audit_lines(db)] == [
        ("role_granted", "territory")
    ]


def test_the_granted_manager_sees_the_someone_else_part_on_the_place_at_once(territory):
    api, db, fake, people = territory
    thierry = people["thierry"]
    assert '<details class="someone"' not in thierry.client.get("/places/p1").text
    grant(people["admin"], "thierry@example.org", "manager", "p1")
    assert '<details class="someone"' in thierry.client.get("/places/p1").text


# --- refusals, in words -------------------------------------------------------------------------


def test_an_unknown_address_is_said_beside_the_address(territory):
    api, db, fake, people = territory
    response = grant(people["admin"], "personne@example.org", "manager", "p1")
    assert response.status_code == 404
    block = field_block(response.text, "role-email")
    assert "Aucun compte confirmé ne porte cette adresse" in block
    assert 'aria-invalid="true"' in block and 'value="personne@example.org"' in block
    assert audit_lines(db) == []


@pytest.mark.parametrize(
    ("fields", "field", "text"),
    [
        ({"email": "pas-une-adresse", "role": "manager", "place": "p1"}, "role-email", "valide"),
        ({"email": "thierry@example.org", "role": "manager"}, "role-lieu", "Choisissez le lieu"),
        ({"email": "thierry@example.org", "role": "president"}, "role-role", "rôles proposés"),
    ],
)
def test_what_the_form_lacks_is_said_beside_its_field(territory, fields, field, text):
    api, db, fake, people = territory
    response = grant(people["admin"], **{"place": "", **fields})
    assert response.status_code == 422
    block = field_block(response.text, field)
    assert text in block and 'aria-invalid="true"' in block
    assert "Corrigez les champs signalés ci-dessous." in response.text
    assert held(db, "thierry@example.org") == ([], []) and audit_lines(db) == []


def test_a_place_the_directory_does_not_know_is_said_beside_the_place(territory):
    api, db, fake, people = territory
    fake.script[("directory", "get_place")] = remote(
        "directory", NotFound("no place p9", what="place", id="p9")
    )
    response = grant(people["admin"], "thierry@example.org", "manager", "p9")
    assert response.status_code == 404
    assert "Nous ne trouvons pas cet élément (p9)." in field_block(response.text, "role-lieu")
    assert held(db, "thierry@example.org") == ([], [])


def test_a_coordinator_names_managers_only(territory):
    api, db, fake, people = territory
    coordinator = people["coordinator"]
    html = coordinator.client.get(PATH).text
    assert '<h2 id="titre-donner">Nommer un responsable de lieu</h2>' in html
    assert 'id="role-role"' not in html  # no choice of role
    assert '<input type="hidden" name="role" value="manager">' in html
    rows = role_rows(html)
    assert ">Retirer</button>" in rows["fabienne@example.org"]
    assert ">Retirer</button>" not in rows["ada@example.org"]  # not hers to remove
    assert grant(coordinator, "thierry@example.org", "manager", "p1").status_code == 303
    # a forged form asking for more is refused by the same rule as the API's
    forged = grant(coordinator, "thierry@example.org", "admin")
    assert forged.status_code == 403
    assert "Vous n&#39;avez pas le droit de faire cela." in forged.text
    taken = post(coordinator, f"{PATH}/retirer", email="ada@example.org", role="admin",
                 scope="territory")  # fmt: skip
    assert taken.status_code == 403
    assert held(db, "thierry@example.org") == ([], ["p1"])
    assert held(db, "ada@example.org") == (["admin"], [])
    assert [(actor, action) for actor, action, _ in audit_lines(db)] == [
        (coordinator.id, "role_granted")
    ]


def test_a_form_without_the_sessions_token_changes_nothing(territory):
    api, db, fake, people = territory
    response = grant(people["admin"], "thierry@example.org", "admin", csrf_token="forged")
    assert response.status_code == 403
    assert "Formulaire expiré" in response.text
    assert held(db, "thierry@example.org") == ([], []) and audit_lines(db) == []


def test_the_forms_accept_only_forms(territory):
    api, db, fake, people = territory
    for path in (PATH, f"{PATH}/retirer"):
        response = people["admin"].client.post(path, json={"email": "thierry@example.org"})
        assert response.status_code == 415
    assert audit_lines(db) == []


def test_without_the_directory_the_page_lists_ids_and_cannot_name_managers(territory):
    api, db, fake, people = territory
    fake.down = {"directory"}
    html = people["admin"].client.get(PATH).text
    assert "L&#39;annuaire ne répond pas" in html or "L'annuaire ne répond pas" in html
    assert "Responsable de : lieu p1" in role_rows(html)["fabienne@example.org"]
    response = grant(people["admin"], "thierry@example.org", "manager", "p1")
    assert response.status_code == 503
    assert "Annuaire momentanément indisponible" in response.text
    assert held(db, "thierry@example.org") == ([], [])
    # territory roles need no directory
    assert grant(people["admin"], "thierry@example.org", "coordinator").status_code == 303


def test_the_page_in_english(territory):
    api, db, fake, people = territory
    admin = people["admin"]
    db.members.update_one({"_id": admin.id}, {"$set": {"language": "en"}})
    html = admin.client.get(PATH).text
    assert '<html lang="en">' in html
    assert "<h1>Roles</h1>" in html and "Grant a role" in html
    assert "Manager of: Tiers-lieu de Riez" in html and ">Remove</button>" in html
    assert "Responsable" not in html and "Retirer" not in html
    refused = grant(admin, "nobody@example.org", "manager", "p1")
    assert "No confirmed account has this address" in refused.text


# --- the profile --------------------------------------------------------------------------------


def test_the_profile_lists_the_roles_and_the_managed_places_by_name(territory):
    api, db, fake, people = territory
    db.members.update_one({"_id": people["coordinator"].id}, {"$set": {"manages": ["p1", "p2"]}})
    html = people["coordinator"].client.get("/profil").text
    part = html[html.index('<h2 id="titre-roles">') : html.index('<h2 id="titre-connexion">')]
    assert "<li>Coordination du réseau</li>" in part
    assert '<li>Responsable de : <a href="/places/p1">Tiers-lieu de Riez</a></li>' in part
    assert '<li>Responsable de : <a href="/places/p2">La Ruche</a></li>' in part
    assert '<a href="/administration/roles">Gérer les rôles</a>' in part


def test_a_managers_profile_names_the_place_without_the_staff_link(territory):
    api, db, fake, people = territory
    html = people["fabienne"].client.get("/profil").text
    assert 'Responsable de : <a href="/places/p1">Tiers-lieu de Riez</a>' in html
    assert "Gérer les rôles" not in html


def test_a_plain_members_profile_has_no_roles_and_asks_no_directory(territory):
    api, db, fake, people = territory
    html = people["thierry"].client.get("/profil").text
    assert "Mes rôles" not in html
    assert not [c for c in fake.domain_calls() if c.service == "directory"]


def test_the_profile_in_english_names_the_place(territory):
    api, db, fake, people = territory
    db.members.update_one({"_id": people["fabienne"].id}, {"$set": {"language": "en"}})
    html = people["fabienne"].client.get("/profil").text
    assert "My roles" in html and 'Manager of: <a href="/places/p1">Tiers-lieu de Riez</a>' in html
