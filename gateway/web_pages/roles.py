"""« Rôles » (/administration/roles): who holds which role, with the places' names; a form to
grant one (an address, a role, a place among the directory's) and a button to remove each.

For territory admins and coordinators (a coordinator names place managers only); others get
a 403 page, no one a sign-in. Every act goes through the API's own ``apply_grant``
(``routers/roles.py``): the same rules (``accounts/roles.py``), the same audit line.
POST then 303, errors beside their field, no JavaScript.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from contracts.errors import remote_error
from contracts.identity import PLACE_SCOPE_PREFIX, TERRITORY_SCOPE, Caller, TerritoryRole

from .. import i18n
from ..accounts.roles import RoleGrant, grants_of, may_grant
from ..accounts.store import accounts
from ..deps import Identity
from ..errors_text import error_text
from ..i18n import N_, gettext
from ..problems import ProblemException
from ..routers.roles import apply_grant
from ..rpc_client import RemoteError, ServiceUnavailable
from . import forms
from .accounts import Form, refused, to_sign_in, who
from .my_bookings import services_for
from .render import render, set_flash
from .site import capabilities, directory_places, domain_code

router = APIRouter(include_in_schema=False)

PATH = "/administration/roles"
REVOKE_PATH = "/administration/roles/retirer"
FORM_PATHS = (PATH, REVOKE_PATH)

NOT_STAFF = (
    N_("Accès réservé"),
    N_("Cette page est réservée à l'administration et à la coordination du territoire."),
)
FIELD_TEXTS = {
    "email": forms.FIELD_TEXTS["email"],
    "role": N_("Choisissez un des rôles proposés."),
    "place": N_("Choisissez le lieu dont la personne sera responsable."),
}
DIRECTORY_AWAY = (
    N_("Annuaire momentanément indisponible"),
    N_("Le lieu n'a pas pu être vérifié. Renvoyez le formulaire dans un moment."),
)


def is_staff(caller: Caller) -> bool:
    return caller.admin or caller.has_role(TerritoryRole.coordinator)


def holders_view(store: Any, caller: Caller) -> list[dict[str, Any]]:
    """Each holder with their grants, and whether this caller may remove each."""
    shown = []
    for member in store.role_holders():
        grants = []
        for held in grants_of(member):
            grant = RoleGrant(email=member["email"], **held)
            removable = may_grant(caller, grant)
            grants.append({**held, "place_id": grant.place_id, "removable": removable})
        shown.append({"name": member["name"], "email": member["email"], "grants": grants})
    return shown


def page(
    request: Request,
    identity: Identity,
    form: Form | None = None,
    status: int = 200,
    removal: tuple[str, str] | None = None,
) -> Response:
    """The page; ``form`` the grant form as sent, ``removal`` a removal's refusal."""
    services = services_for(request, identity)
    places = directory_places(services)
    context = {
        "holders": holders_view(accounts(request.app.state), identity.caller),
        "places": places,
        "place_names": {place["id"]: place["name"] for place in places or []},
        "territory_roles": identity.caller.admin,  # a coordinator names managers only
        "form": form or Form({"role": "manager"}),
        "removal": removal,
        "services": {**capabilities(request), "directory": places is not None},
    }
    return render(request, "roles.html", context, status=status)


def not_staff(request: Request) -> Response:
    language = i18n.page_language(request)
    title, detail = (gettext(language, text) for text in NOT_STAFF)
    return render(request, "account_refused.html", {"title": title, "detail": detail}, status=403)


def allowed(request: Request, identity: Identity | None) -> Response | None:
    """The refusal for whoever may not use this page, or None."""
    if identity is None:
        return refused(request)  # the form's CSRF token is wrong
    if identity.member is None:
        return to_sign_in(PATH)
    if not is_staff(identity.caller):
        return not_staff(request)
    return None


@router.get(PATH)
async def roles_page(request: Request) -> Response:
    identity, _ = await who(request)
    refusal = allowed(request, identity)
    return refusal or page(request, identity)


def grant_from(form: Form, language: str) -> RoleGrant | None:
    """The form read into the API's ``RoleGrant``; its refusals as words beside their field."""
    role, place = form.values["role"], form.values["place"]
    # a manager without a place: ``place:`` fails the scope's pattern, said beside the place
    scope = f"{PLACE_SCOPE_PREFIX}{place}" if role == "manager" else TERRITORY_SCOPE
    try:
        grant = RoleGrant(email=form.values["email"], role=role, scope=scope)
    except ValidationError as exc:
        for error in exc.errors():
            name = str(error["loc"][0]) if error.get("loc") else "scope"
            field = {"scope": "place"}.get(name, name)
            if field in FIELD_TEXTS:
                form.errors.setdefault(field, gettext(language, FIELD_TEXTS[field]))
        grant = None
    if form.errors:
        form.alert = (
            error_text("validation_failed", {}, language)[0],
            gettext(language, forms.FIX_FIELDS),
        )
        return None
    return grant


def change(
    request: Request, identity: Identity, grant: RoleGrant, form: Form, granting: bool
) -> tuple[Response | None, int]:
    """Apply the grant as the API does: (the 303 when done, else the refusal's status with
    its words on ``form``: beside the grant form's fields when granting, above otherwise)."""
    language = i18n.page_language(request)
    store = accounts(request.app.state)
    try:
        apply_grant(request, grant, identity, store, services_for(request, identity), granting)
    except ProblemException as exc:
        title, detail = error_text(exc.code, exc.params, language)
        if exc.code == "unknown_member" and granting:
            form.errors["email"] = detail
            detail = gettext(language, forms.FIX_FIELDS)
        form.alert = (title, detail)
        return None, exc.status
    except ServiceUnavailable:
        form.alert = tuple(gettext(language, text) for text in DIRECTORY_AWAY)
        return None, 503
    except RemoteError as exc:  # the directory does not know the place (granting only)
        code, params = domain_code(exc)
        title, detail = error_text(code, params, language)
        form.errors["place"] = detail
        form.alert = (title, gettext(language, forms.FIX_FIELDS))
        return None, remote_error(exc.exc_args)[0].status
    flash = "role_granted" if granting else "role_revoked"
    return set_flash(RedirectResponse(PATH, 303), flash), 303


@router.post(PATH)
async def grant_role(request: Request) -> Response:
    identity, fields = await who(request)
    refusal = allowed(request, identity)
    if refusal is not None:
        return refusal
    language = i18n.page_language(request)
    form = Form({name: fields.get(name, "").strip() for name in ("email", "role", "place")})
    grant = grant_from(form, language)
    if grant is None:
        return page(request, identity, form, status=422)
    done, status = change(request, identity, grant, form, granting=True)
    return done or page(request, identity, form, status=status)


@router.post(REVOKE_PATH)
async def revoke_role(request: Request) -> Response:
    identity, fields = await who(request)
    refusal = allowed(request, identity)
    if refusal is not None:
        return refusal
    language = i18n.page_language(request)
    form = Form()
    try:
        grant = RoleGrant(**{name: fields.get(name, "") for name in ("email", "role", "scope")})
    except ValidationError:
        refusal = error_text("validation_failed", {}, language)
        return page(request, identity, status=422, removal=refusal)
    done, status = change(request, identity, grant, form, granting=False)
    return done or page(request, identity, status=status, removal=form.alert)
