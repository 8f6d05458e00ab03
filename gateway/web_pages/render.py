"""Rendering a page: one Jinja2 environment per language, with its catalogue installed."""

from __future__ import annotations

import logging
from functools import cache
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from pymongo.errors import PyMongoError

from .. import i18n
from ..accounts.store import accounts
from ..deps import page_csrf_token, session_cookie

log = logging.getLogger("maillage.pages")

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "web" / "templates"
OTHER_LANGUAGE = {"fr": ("en", "English"), "en": ("fr", "Français")}
# The header's « Mes réservations » link (web_pages/my_bookings.py).
MY_BOOKINGS = True
# A one-time message after a redirect (POST then 303): a short-lived cookie naming it.
FLASH_COOKIE = "maillage_flash"
FLASHES = {
    "signed_out": i18n.N_("Vous êtes déconnecté. À bientôt !"),
    "signed_out_everywhere": i18n.N_("Vous êtes déconnecté de tous vos appareils et navigateurs."),
    "profile_saved": i18n.N_("Votre profil est enregistré."),
    "email_preferences_saved": i18n.N_("Vos choix de messages sont enregistrés."),
    "calendar_revoked": i18n.N_(
        "Le lien de votre agenda est supprimé : votre application d'agenda ne reçoit plus vos "
        "réservations."
    ),
    "password_saved": i18n.N_("Votre nouveau mot de passe est enregistré."),
    "booking_cancelled": i18n.N_(
        "La réservation est annulée ; un e-mail de confirmation vous est envoyé."
    ),
    "series_booked": i18n.N_(
        "Les réservations répétées sont enregistrées ; un e-mail vous en donne toutes les dates."
    ),
    "series_cancelled": i18n.N_(
        "La suite de la série est annulée ; un e-mail de confirmation vous est envoyé."
    ),
    # The facilitator's desk (desk.py): the person hears of each by email.
    "booking_approved": i18n.N_("La demande est acceptée ; la personne reçoit sa confirmation."),
    "booking_rejected": i18n.N_("La demande est refusée ; la personne reçoit votre motif."),
    "booking_checked_in": i18n.N_("L'arrivée est enregistrée."),
    "booking_outcome_recorded": i18n.N_("Le suivi est enregistré."),
    "booking_cancelled_by_place": i18n.N_(
        "La réservation est annulée ; la personne reçoit votre motif par e-mail."
    ),
    "booking_restored_by_place": i18n.N_(
        "La réservation est rétablie ; la personne en est prévenue par e-mail."
    ),
    # Clubs (clubs.py).
    "club_joined": i18n.N_("Bienvenue dans le club !"),
    "club_join_requested": i18n.N_(
        "Votre demande est envoyée : la présidence du club vous répondra."
    ),
    "club_left": i18n.N_("Vous avez quitté le club."),
    "club_request_approved": i18n.N_("La demande est acceptée : la personne est membre du club."),
    "club_request_refused": i18n.N_("La demande est refusée."),
    "club_role_changed": i18n.N_("Le rôle est changé."),
    "club_member_removed": i18n.N_("La personne ne fait plus partie du club."),
    "club_announcement_posted": i18n.N_("L'annonce est envoyée aux membres par e-mail."),
    "club_president_changed": i18n.N_("La présidence est transmise."),
    # Workshops and events (workshop_pages.py).
    "rsvp_confirmed": i18n.N_(
        "C'est noté : votre place est réservée ; un e-mail vous le confirme."
    ),
    "rsvp_waitlisted": i18n.N_(
        "C'est complet : vous êtes sur la liste d'attente. Si une place se libère, elle est "
        "pour vous et un e-mail vous prévient."
    ),
    "rsvp_cancelled": i18n.N_(
        "Votre inscription est annulée ; votre place va à la personne suivante."
    ),
    "attendance_saved": i18n.N_("Les présences sont enregistrées."),
    "workshop_cancelled": i18n.N_(
        "L'atelier est annulé ; les inscrits et la liste d'attente sont prévenus par e-mail."
    ),
    "role_granted": i18n.N_("Le rôle est donné ; il vaut dès la prochaine page de la personne."),
    "role_revoked": i18n.N_("Le rôle est retiré."),
    "suspension_lifted": i18n.N_(
        "La suspension est levée : les prochains courriels partiront vers cette adresse."
    ),
    "place_saved": i18n.N_("La fiche du lieu est enregistrée."),
    # Contributions and moderation (moderation.py).
    "contribution_sent": i18n.N_(
        "Merci ! Votre proposition est envoyée ; la coordination du réseau vous répondra par "
        "e-mail."
    ),
    "contribution_approved": i18n.N_(
        "La proposition est acceptée et appliquée ; son auteur est prévenu par e-mail."
    ),
    "contribution_rejected": i18n.N_(
        "La proposition est refusée ; son auteur reçoit votre motif par e-mail."
    ),
    "email_changed": i18n.N_(
        "Votre nouvelle adresse est enregistrée ; vos autres sessions sont fermées."
    ),
}
# Who sees the header's « Rôles » link (web_pages/roles.py): territory staff.
STAFF_ROLES = {"admin", "coordinator"}
# A session's first page: after the confirmation link, a sign-in link, a password.
WELCOME = i18n.N_("Bienvenue, %(name)s : vous êtes connecté.")


@cache
def environment(language: str) -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(i18n.translations(language), newstyle=True)
    env.globals.update(
        language=language,
        other_language=OTHER_LANGUAGE[language],
        day=lambda value, **kw: i18n.format_day(value, language, **kw),
        hour=lambda value: i18n.format_hour(value, language),
    )
    return env


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status: int = 200,
    language: str | None = None,
) -> HTMLResponse:
    account = page_account(request)  # first: the member's saved language comes first
    language = language or i18n.page_language(request)
    settings = request.app.state.settings
    values = {
        "request": request,
        "path": request.url.path,
        "here": str(request.url.path) + (f"?{request.url.query}" if request.url.query else ""),
        "territory_label": settings.territory_label or territory_name(settings.territory),
        "services": {},
        "csrf_token": page_csrf_token(request),  # in every form, for a signed-in browser
        "my_bookings": MY_BOOKINGS,
        "account": account,  # the header: the member's name, or the sign-in links
        "flash": flash_message(request, account, language),
        **(context or {}),
    }
    html = environment(language).get_template(template).render(values)
    response = HTMLResponse(html, status_code=status)
    if FLASH_COOKIE in request.cookies:
        response.delete_cookie(FLASH_COOKIE, path="/", httponly=True, samesite="lax")
    response.headers["Content-Language"] = language
    response.headers["Vary"] = "Accept-Language, Cookie"
    response.headers["Cache-Control"] = "no-cache"
    return response


def page_account(request: Request) -> dict[str, Any] | None:
    """The signed-in member of this browser (its session cookie), for the header; None when
    anonymous. Anonymous browsers never touch the database; a database away shows the page
    as to an anonymous visitor rather than no page."""
    if hasattr(request.state, "page_account"):
        return request.state.page_account
    account = None
    cookie = request.cookies.get(session_cookie(request.app.state.settings))
    if cookie:
        try:
            store = accounts(request.app.state)
            session = store.session(cookie)
            member = store.member(session["member_id"]) if session else None
        except PyMongoError:
            log.warning("pages: the gateway's database is away, the header shows no member")
            member = None
        if member is not None:
            account = {
                "name": member["name"],
                "member": member,
                "session": session,
                "staff": bool(STAFF_ROLES & set(member.get("roles") or ())),
                "admin": "admin" in (member.get("roles") or ()),
            }
            request.state.csrf_token = session["csrf"]
            if getattr(request.state, "member_language", None) is None:
                request.state.member_language = member.get("language") or "fr"
    request.state.page_account = account
    return account


def flash_message(request: Request, account: dict[str, Any] | None, language: str) -> str | None:
    """A redirect's message (its cookie), or the welcome on a session's first page."""
    named = FLASHES.get(request.cookies.get(FLASH_COOKIE, ""))
    if named:
        return i18n.gettext(language, named)
    if account is None or account["session"].get("welcomed"):
        return None
    cookie = request.cookies.get(session_cookie(request.app.state.settings))
    try:
        if not accounts(request.app.state).first_sight(cookie):
            return None
    except PyMongoError:
        return None
    return i18n.gettext(language, WELCOME, name=account["member"]["name"])


def set_flash(response: Any, name: str) -> Any:
    """The message the next page shows once (``FLASHES``)."""
    response.set_cookie(FLASH_COOKIE, name, max_age=120, path="/", httponly=True, samesite="lax")
    return response


SMALL_WORDS = {"d", "de", "du", "des", "la", "le", "les", "en", "et", "sur", "sous", "aux", "au"}


def territory_name(slug: str) -> str:
    """``pays_de_forcalquier`` -> ``Pays de Forcalquier`` (when no label is configured)."""
    words = [w for w in slug.replace("_", " ").split() if w]
    return " ".join(
        w if i and w.lower() in SMALL_WORDS else w[:1].upper() + w[1:] for i, w in enumerate(words)
    )
