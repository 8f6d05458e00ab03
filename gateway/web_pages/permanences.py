"""A permanence's page: the agent, the motifs with their text before booking, each motif's
free slots as choices (no time to guess), in person or by phone; the confirmation shows the
text after booking. A manager of the place books for someone from the same form (name, and
phone or email: Marceline, who called). No JavaScript: a form, POST, then 303."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from contracts.booking import AppointmentIn
from contracts.errors import remote_error

from .. import i18n
from ..deps import KEY_PATTERN, ServicesDep
from ..errors_text import error_text
from ..rpc_client import RemoteError, ServiceUnavailable
from . import forms
from .render import render
from .rule_words import rule_words
from .site import (
    RETRY,
    booked_by_caller,
    capabilities,
    domain_code,
    not_found,
    place_or_none,
    sign_in_to,
    unavailable,
)

router = APIRouter(include_in_schema=False)

BOOK_PATH = "/rendez-vous"
# The slots shown: the next two weeks.
SHOWN_DAYS = 14
FIELDS = ("motif", "start", "mode", "name", "email", "phone")


def by_day(slots: list[dict]) -> list[tuple[datetime, list[dict]]]:
    """The slots grouped by local day, in order, each with its start as a datetime."""
    days: dict[str, list[dict]] = {}
    for slot in slots:
        start = datetime.fromisoformat(str(slot["start"]))
        days.setdefault(start.date().isoformat(), []).append({**slot, "at": start})
    return [(found[0]["at"], found) for found in days.values()]


def permanence_context(
    request: Request, services: ServicesDep, permanence_id: str, form: dict | None = None
) -> dict[str, Any] | Response:
    running = capabilities(request)
    language = i18n.page_language(request)
    try:
        permanence = services.call("booking", "get_permanence", permanence_id)
    except ServiceUnavailable:
        return unavailable(request, running)
    except RemoteError as exc:
        domain_code(exc)
        return not_found(request, running)
    place = place_or_none(services, permanence["place_id"])
    today = datetime.now(i18n.PARIS).date()
    until = today + timedelta(days=SHOWN_DAYS - 1)
    motifs = []
    for motif in permanence["motifs"]:
        slots: list[dict] = []
        if permanence["status"] == "open":
            answer = services.call(
                "booking",
                "permanence_slots",
                permanence_id,
                motif["code"],
                today.isoformat(),
                until.isoformat(),
            )
            slots = answer["slots"]
        motifs.append({**motif, "days": by_day(slots)})
    who = services.caller
    form = form or {}
    return {
        "services": running,
        "permanence": permanence,
        "place": place,
        "rule": rule_words(permanence["rule"], language),
        "motifs": motifs,
        "signed_in": who.member_id is not None,
        "for_others": who.member_id is not None and who.manages_place(permanence["place_id"]),
        "sign_in_here": sign_in_path_of(permanence_id),
        "values": form.get("values", {}),
        "errors": form.get("errors", {}),
        "form_alert": form.get("alert"),
        "key": form.get("key") or forms.new_key(),
    }


def permanence_path(permanence_id: str) -> str:
    return f"/permanences/{quote(permanence_id, safe='')}"


def sign_in_path_of(permanence_id: str) -> str:
    return sign_in_to(permanence_path(permanence_id))


@router.get("/permanences/{permanence_id}")
def permanence_page(request: Request, permanence_id: str, services: ServicesDep) -> Response:
    context = permanence_context(request, services, permanence_id)
    if isinstance(context, Response):
        return context
    return render(request, "permanence.html", context)


def read_appointment(form: dict[str, str], language: str) -> tuple[dict, dict | None]:
    """What was chosen and typed, and the ``AppointmentIn`` payload when nothing is refused
    here (a name never goes alone; phone mode needs a phone)."""
    values = {name: form.get(name, "").strip() for name in FIELDS}
    key = form.get("key", "")
    state: dict[str, Any] = {
        "values": values,
        "errors": {},
        "key": key if KEY_PATTERN.match(key) else forms.new_key(),
    }
    errors = state["errors"]
    if not values["start"]:
        errors["start"] = i18n.gettext(language, CHOOSE_SLOT)
    # A phone alone is the caller's own for a call; a name or an address names someone.
    someone = bool(values["name"] or values["email"])
    if someone and not values["name"]:
        errors["name"] = i18n.gettext(language, forms.FIELD_TEXTS["name"])
    if someone and not (values["email"] or values["phone"]):
        errors["phone"] = i18n.gettext(language, forms.NO_CONTACT)
    if values["mode"] == "phone" and not values["phone"]:
        errors["phone"] = error_text("phone_required", {}, language)[1]
    payload = {
        "motif": values["motif"],
        "start": values["start"] or "2000-01-01T00:00:00+00:00",
        "mode": values["mode"] or "in_person",
        **{k: values[k] or None for k in forms.SOMEONE_FIELDS},
        "language": language,
    }
    try:
        checked = AppointmentIn.model_validate(payload)
    except ValidationError as exc:
        for error in exc.errors():
            name = str(error["loc"][0]) if error.get("loc") else ""
            if name in forms.FIELD_TEXTS:
                errors.setdefault(name, i18n.gettext(language, forms.FIELD_TEXTS[name]))
            elif name:
                errors.setdefault("start", i18n.gettext(language, CHOOSE_SLOT))
        checked = None
    if errors:
        state["alert"] = (
            error_text("validation_failed", {}, language)[0],
            i18n.gettext(language, forms.FIX_FIELDS),
        )
        return state, None
    return state, checked.model_dump(mode="json", exclude_none=True) if checked else None


CHOOSE_SLOT = i18n.N_("Choisissez un créneau parmi ceux proposés.")


@router.post(BOOK_PATH)
async def book_appointment(request: Request, services: ServicesDep) -> Response:
    language = i18n.page_language(request)
    form = await forms.read_form(request)
    permanence_id = form.get("permanence_id", "")
    if services.caller.member_id is None:  # signed out since the page was shown
        return RedirectResponse(sign_in_path_of(permanence_id), 303)
    state, payload = read_appointment(form, language)
    status = 422
    if payload is not None:
        try:
            made = services.call(
                "booking", "book_appointment", permanence_id, payload, state["key"]
            )
        except ServiceUnavailable:
            status = 503  # same key kept: sending the form again books once
            state["alert"] = (
                i18n.gettext(language, RETRY[0]),
                i18n.gettext(language, RETRY[1]),
            )
        except RemoteError as exc:
            code, params = domain_code(exc)
            status = remote_error(exc.exc_args)[0].status
            title, detail = error_text(code, params, language)
            field = params.get("field")
            if isinstance(field, str) and field in FIELDS:
                state["errors"][field] = detail
            state["alert"] = (title, detail)
            state["key"] = forms.new_key()  # a definitive answer: a new request next time
        else:
            return RedirectResponse(f"{BOOK_PATH}/{quote(made['id'], safe='')}", 303)
    context = permanence_context(request, services, permanence_id, state)
    if isinstance(context, Response):
        return context
    return render(request, "permanence.html", context, status=status, language=language)


@router.get(BOOK_PATH + "/{booking_id}")
def appointment_page(request: Request, booking_id: str, services: ServicesDep) -> Response:
    """The appointment confirmed: when, with whom, how, and the motif's text after."""
    running = capabilities(request)
    try:
        booking = services.call("booking", "get_booking", booking_id)
        permanence = services.call("booking", "get_permanence", booking["permanence_id"])
    except ServiceUnavailable:
        return unavailable(request, running)
    except (RemoteError, KeyError) as exc:
        if isinstance(exc, RemoteError):
            domain_code(exc)
        return not_found(request, running)
    motif = next((m for m in permanence["motifs"] if m["code"] == booking.get("motif")), None)
    place = place_or_none(services, permanence["place_id"])
    return render(
        request,
        "appointment.html",
        {
            "services": running,
            "booking": booking,
            "permanence": permanence,
            "motif": motif,
            "place": place,
            "start": datetime.fromisoformat(str(booking["start"])),
            "end": datetime.fromisoformat(str(booking["end"])),
            "mine": booked_by_caller(booking, services),
        },
    )
