"""The booking form: what a person typed, read into the contract's ``BookingIn``, and every
refusal (ours, the contract's, the service's) turned into words beside the field it concerns.

A signed-in member books for themselves: the form has no name nor address, the booking
service takes their account's. A manager of the place (or a territory admin) may also fill
« for someone else » (name, and phone or email): the booking is then that person's. Who may
do so is the booking service's rule; the form only makes sure a name never goes alone (it
would book for the manager under someone else's name)."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import parse_qs

from fastapi import Request
from pydantic import ValidationError

from contracts.booking import BookingIn

from ..deps import KEY_PATTERN
from ..errors_text import error_text
from ..i18n import N_, PARIS, gettext

FORM_MEDIA_TYPE = "application/x-www-form-urlencoded"
FIELDS = ("date", "start", "end", "seats", "name", "email", "phone")
# The « for someone else » part: any of them filled means the booking is not for oneself.
SOMEONE_FIELDS = ("name", "email", "phone")

# What to say beside a field the contract refuses (its own messages are English, for logs).
FIELD_TEXTS = {
    "date": N_("Indiquez la date, par exemple 01/12/2026."),
    "start": N_("Indiquez l'heure de début, par exemple 9:30."),
    "end": N_("Indiquez l'heure de fin, par exemple 10:30."),
    "seats": N_("Indiquez un nombre entier de places, au moins 1."),
    "name": N_("Indiquez le nom de la personne."),
    "email": N_("Indiquez une adresse e-mail valide, par exemple prenom@exemple.fr."),
    "phone": N_("Indiquez un numéro de téléphone, par exemple 06 12 34 56 78."),
    "resource_id": N_("Cette ressource n'existe plus."),
}
FIX_FIELDS = N_("Corrigez les champs signalés ci-dessous.")
NO_CONTACT = N_("Indiquez son téléphone ou son adresse e-mail.")


async def read_form(request: Request) -> dict[str, str]:
    """An ``application/x-www-form-urlencoded`` body (the edge accepts no other on these paths)."""
    body = (await request.body()).decode("utf-8", "replace")
    return {key: values[-1] for key, values in parse_qs(body, keep_blank_values=True).items()}


def new_key() -> str:
    return uuid.uuid4().hex


def default_values() -> dict[str, str]:
    tomorrow = datetime.now(PARIS).date() + timedelta(days=1)
    return {"date": tomorrow.isoformat(), "start": "09:00", "end": "10:00", "seats": "1"}


@dataclass
class BookingForm:
    """One resource's form: values to show again, errors by field, the alert above it."""

    resource_id: str
    values: dict[str, str] = field(default_factory=default_values)
    errors: dict[str, str] = field(default_factory=dict)
    alert: tuple[str, str] | None = None
    key: str = field(default_factory=new_key)
    # Refused for want of seats: the form offers to wait on the waitlist instead.
    full: bool = False

    @property
    def for_someone(self) -> bool:
        """Booking for someone else: a name, a phone or an address was typed."""
        return any(self.values.get(name) for name in SOMEONE_FIELDS)

    @property
    def someone_open(self) -> bool:
        """Show the « for someone else » part open: it was filled, or is refused."""
        return self.for_someone or any(name in self.errors for name in SOMEONE_FIELDS)


def parse_date(text: str) -> date | None:
    text = text.strip()
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            return date.fromisoformat(text)
        match = re.fullmatch(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})", text)
        if match:
            day, month, year = (int(g) for g in match.groups())
            return date(year, month, day)
    except ValueError:
        return None
    return None


def parse_time(text: str) -> time | None:
    match = re.fullmatch(r"(\d{1,2})\s*(?:[:h.]\s*(\d{2})?)?", text.strip().lower())
    if not match:
        return None
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    return time(hour, minute) if hour < 24 and minute < 60 else None


def read_booking(form: dict[str, str], language: str) -> tuple[BookingForm, dict | None]:
    """The form as typed, and the ``BookingIn`` payload when nothing is refused here."""
    key = form.get("key", "")
    state = BookingForm(
        resource_id=form.get("resource_id", ""),
        values={name: form.get(name, "").strip() for name in FIELDS},
        key=key if KEY_PATTERN.match(key) else new_key(),
    )
    day = parse_date(state.values["date"])
    start, end = parse_time(state.values["start"]), parse_time(state.values["end"])
    for name, value in (("date", day), ("start", start), ("end", end)):
        if value is None:
            state.errors[name] = gettext(language, FIELD_TEXTS[name])
    try:
        seats: Any = int(state.values["seats"])
    except ValueError:
        seats = None
        state.errors["seats"] = gettext(language, FIELD_TEXTS["seats"])
    payload: dict[str, Any] = {
        "resource_id": state.resource_id,
        "seats": seats if seats is not None else 1,
        **{name: state.values[name] or None for name in SOMEONE_FIELDS},
        "language": language,
    }
    if form.get("waitlist") == "1":  # « M'inscrire sur la liste d'attente »
        payload["waitlist"] = True
    if state.for_someone:
        if not state.values["name"]:
            state.errors["name"] = gettext(language, FIELD_TEXTS["name"])
        if not (state.values["email"] or state.values["phone"]):
            state.errors["phone"] = gettext(language, NO_CONTACT)
    if day and start and end:
        payload["start"] = datetime.combine(day, start, PARIS).isoformat()
        # An end at 00:00 is the midnight that ends the day: a whole day or an afternoon
        # picked in a day or half-day resource's grid ends there.
        last = day + timedelta(days=1) if end == time(0) else day
        payload["end"] = datetime.combine(last, end, PARIS).isoformat()
    else:  # still let the contract judge the other fields
        payload["start"] = payload["end"] = "2000-01-01T00:00:00+00:00"
    try:
        booking = BookingIn.model_validate(payload)
    except ValidationError as exc:
        for error in exc.errors():
            name = str(error["loc"][0]) if error.get("loc") else ""
            if name in FIELD_TEXTS:
                state.errors.setdefault(name, gettext(language, FIELD_TEXTS[name]))
        booking = None
    if state.errors:
        state.alert = (
            error_text("validation_failed", {}, language)[0],
            gettext(language, FIX_FIELDS),
        )
        return state, None
    return state, booking.model_dump(mode="json") if booking else None


def refused(state: BookingForm, code: str, params: dict[str, Any], language: str) -> BookingForm:
    """The service said no: its words beside the field it names, or above the form."""
    title, detail = error_text(code, params, language)
    name = params.get("field")
    listed = params.get("errors") if isinstance(params.get("errors"), list) else []
    for error in listed:
        where = str(error.get("field", "")).split(".")[0] if isinstance(error, dict) else ""
        if where in FIELD_TEXTS:
            state.errors.setdefault(where, gettext(language, FIELD_TEXTS[where]))
    if isinstance(name, str) and name in FIELD_TEXTS:
        # a field the contract lets through but the service requires: say what to write
        generic = code == "validation_failed"
        state.errors[name] = gettext(language, FIELD_TEXTS[name]) if generic else detail
    state.alert = (title, gettext(language, FIX_FIELDS) if state.errors else detail)
    state.key = new_key()  # a definitive answer: the next attempt is a new request
    state.full = code == "no_seat_left"
    return state
