"""The web client: HTML pages rendered by the gateway (Jinja2 + Babel), working without
JavaScript. ``install(app)`` adds the static files and the friendly 404 after every route."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI
from starlette.middleware.gzip import GZipMiddleware
from starlette.staticfiles import StaticFiles
from xstatic.pkg import leaflet

from . import (
    accounts,
    actor_form,
    actors,
    availability,
    club_meetings,
    clubs,
    contact_reply,
    deliveries,
    desk,
    email_preferences,
    figures,
    moderation,
    my_bookings,
    my_clubs,
    open_data,
    permanences,
    places,
    portal,
    proposals,
    roles,
    site,
    unsubscribe,
    waitlist_links,
    workshop_pages,
)
from .forms import FORM_MEDIA_TYPE

STATIC_DIR = Path(__file__).resolve().parent.parent / "web" / "static"
LEAFLET_DIR = Path(leaflet.BASE_DIR)

router = APIRouter(include_in_schema=False)
router.include_router(places.router)  # before site: /places/{id}/modifier
router.include_router(site.router)
router.include_router(clubs.router)
router.include_router(unsubscribe.router)
router.include_router(email_preferences.router)
router.include_router(accounts.router)
router.include_router(my_bookings.router)
router.include_router(my_clubs.router)  # « Mes clubs »
router.include_router(roles.router)
router.include_router(desk.router)
router.include_router(figures.router)
router.include_router(permanences.router)
router.include_router(availability.router)
router.include_router(waitlist_links.router)
router.include_router(club_meetings.router)
router.include_router(workshop_pages.router)  # the agenda, events, RSVP, attendance
router.include_router(deliveries.router)
router.include_router(actor_form.router)  # before actors: /actors/new is no actor's id
router.include_router(actors.router)  # local actors and the contact form
router.include_router(portal.router)  # the work-stay portal
router.include_router(contact_reply.router)  # a contact request's answer
router.include_router(proposals.router)  # « Proposer », « Mes propositions »
router.include_router(moderation.router)  # the coordinator's queue, a record's history
router.include_router(open_data.router)  # « Données ouvertes »: export links, import

# Paths that receive HTML forms (and RFC 8058 one-click unsubscribes) instead of JSON.
FORM_PATHS = {
    path: FORM_MEDIA_TYPE
    for path in (
        "/unsubscribe",
        *email_preferences.FORM_PATHS,
        "/reservations",
        "/langue",
        *accounts.FORM_PATHS,
        my_bookings.CANCEL_PATH,
        my_bookings.ACCEPT_PATH,
        *waitlist_links.FORM_PATHS,
        *roles.FORM_PATHS,
        *deliveries.FORM_PATHS,
        *places.FORM_PATHS,
        desk.ACTION_PATH,
        permanences.BOOK_PATH,
        *club_meetings.FORM_PATHS,
        *clubs.FORM_PATHS,
        *workshop_pages.FORM_PATHS,
        *actors.FORM_PATHS,
        *actor_form.FORM_PATHS,
        *contact_reply.FORM_PATHS,
        proposals.PROPOSE_PATH,
        moderation.DECIDE_PATH,
        open_data.IMPORT_PATH,
    )
}


class Assets(StaticFiles):
    """Assets revalidated by the browser on each load (ETag, 304): an upgraded gateway is
    never paired with a stale stylesheet."""

    async def get_response(self, path, scope):
        response = await super().get_response(path, scope)
        response.headers.setdefault("Cache-Control", "no-cache")
        return response


def install(app: FastAPI) -> None:
    """Static files (ours and Leaflet's, gzip-compressed on the way out), and the friendly
    404 page the problem handler shows for a page path a person may type."""
    app.mount("/static/leaflet", GZipMiddleware(Assets(directory=LEAFLET_DIR)), name="leaflet")
    app.mount("/static", GZipMiddleware(Assets(directory=STATIC_DIR)), name="static")

    app.state.html_not_found = site.not_found
