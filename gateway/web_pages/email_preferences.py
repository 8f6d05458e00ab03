"""« Les messages que vous recevez »: a checkbox per kind of message, reached two ways.

- By the signed link at the foot of every email (``/preferences-email?email=…&token=…``),
  without signing in: the link is the credential, for that address only.
- Signed in, from the profile (``/profil/messages``), for the member's own address.

Both call notifications (``email_preferences`` / ``my_email_preferences``); what the person
asks for themselves (a booking they make, a sign-in link) comes whatever they choose.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from contracts.notifications import MESSAGE_KINDS

from ..deps import ServicesDep, get_services
from ..i18n import N_
from ..rpc_client import RemoteError, ServiceUnavailable
from . import forms
from .accounts import member_form, to_sign_in
from .render import page_account, render, set_flash
from .site import domain_code

router = APIRouter(include_in_schema=False)

LINK_PATH = "/preferences-email"
PROFILE_PATH = "/profil/messages"
FORM_PATHS = (LINK_PATH, PROFILE_PATH)

# Each kind as Marceline reads it: a name and what it brings.
KIND_TEXTS = {
    "bookings": (
        N_("Mes réservations"),
        N_("Rappels avant un rendez-vous, réponses du lieu, place libérée sur liste d'attente."),
    ),
    "clubs": (N_("Mes clubs"), N_("Réunions et ateliers des clubs dont je fais partie.")),
    "directory": (N_("L'annuaire"), N_("Nouveaux lieux et réponses à mes contributions.")),
    "digests": (
        N_("Le résumé de la semaine"),
        N_("Une fois par semaine, les rendez-vous à venir des lieux et des clubs."),
    ),
    "announcements": (N_("Les annonces"), N_("Les nouvelles des lieux et du réseau.")),
}


def chosen(fields: dict[str, str]) -> dict[str, bool]:
    """The form's checkboxes: a kind is on when its box was ticked (absent: off)."""
    return {kind: bool(fields.get(f"kind_{kind}")) for kind in MESSAGE_KINDS}


def page(request: Request, state: str, status: int = 200, **context: Any) -> Response:
    values = {"state": state, "kinds": MESSAGE_KINDS, "kind_texts": KIND_TEXTS, **context}
    return render(request, "email_preferences.html", values, status=status)


def _call(request: Request, services, method: str, *args: Any) -> dict | Response:
    try:
        return services.call("notifications", method, *args)
    except ServiceUnavailable:
        return render(request, "unavailable.html", status=503)
    except RemoteError as exc:
        domain_code(exc)
        return page(request, "invalid", status=400)


# -- by the signed link of an email -----------------------------------------------------------
@router.get(LINK_PATH)
def by_link(request: Request, services: ServicesDep, email: str = "", token: str = "") -> Response:
    if not email or not token:
        return page(request, "incomplete", status=400)
    found = _call(request, services, "email_preferences", email, token)
    if isinstance(found, Response):
        return found
    return page(request, "ask", prefs=found, email=email, token=token, action=LINK_PATH)


@router.post(LINK_PATH)
async def save_by_link(request: Request, services: ServicesDep) -> Response:
    fields = await forms.read_form(request)
    email, token = fields.get("email", ""), fields.get("token", "")
    if not email or not token:
        return page(request, "incomplete", status=400)
    key = fields.get("key") or forms.new_key()
    saved = _call(request, services, "set_email_preferences", email, token, chosen(fields), key)
    if isinstance(saved, Response):
        return saved
    return page(request, "ask", prefs=saved, email=email, token=token, action=LINK_PATH, saved=True)


# -- signed in, from the profile ----------------------------------------------------------------
@router.get(PROFILE_PATH)
def mine(request: Request, services: ServicesDep) -> Response:
    if page_account(request) is None:
        return to_sign_in(PROFILE_PATH)
    found = _call(request, services, "my_email_preferences")
    if isinstance(found, Response):
        return found
    return page(request, "ask", prefs=found, action=PROFILE_PATH)


@router.post(PROFILE_PATH)
async def save_mine(request: Request) -> Response:
    found = await member_form(request, PROFILE_PATH)
    if isinstance(found, Response):
        return found
    identity, fields = found
    services = get_services(request, request.app.state.rpc, identity)
    key = fields.get("key") or forms.new_key()
    saved = _call(request, services, "set_my_email_preferences", chosen(fields), key)
    if isinstance(saved, Response):
        return saved
    return set_flash(RedirectResponse(PROFILE_PATH, 303), "email_preferences_saved")
