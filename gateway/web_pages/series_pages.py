"""« Répéter » on the booking form: a series of bookings, shown date by date before it is
booked (``booking.preview_series``: each date bookable or why not), then booked
(``booking.create_booking`` with the ``recurrence``) keeping or refusing the dates that cannot
be, as the person chose. No JavaScript: the preview is a page whose form carries what was
typed, and its own key, so that confirming twice books once.

The form's repetition fields: ``repeat`` (``weekly`` | ``monthly``), ``day_MO`` … ``day_SU``
(weekly; none ticked: the date's weekday), ``nth_1`` … ``nth_4``, ``nth_-1`` (monthly, on the
date's weekday), ``until`` (a date) and ``on_conflict`` (``skip`` | ``refuse``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from contracts.booking import OnConflict, Weekday
from contracts.errors import remote_error

from .. import i18n
from ..deps import Services
from ..errors_text import error_text
from ..rpc_client import RemoteError, ServiceUnavailable
from . import forms
from .render import render, set_flash

WEEKDAYS = [day.value for day in Weekday]
NTHS = ("1", "2", "3", "4", "-1")
FIELDS = (
    "repeat",
    "until",
    "on_conflict",
    *(f"day_{d}" for d in WEEKDAYS),
    *(f"nth_{n}" for n in NTHS),
)
UNTIL_TEXT = i18n.N_("Indiquez jusqu'à quelle date répéter, par exemple 30/06/2026.")
NTH_TEXT = i18n.N_("Cochez au moins une semaine du mois.")


def wanted(form: dict[str, str]) -> bool:
    return form.get("repeat") in ("weekly", "monthly")


def read_recurrence(form: dict[str, str], start: str) -> tuple[dict | None, str | None]:
    """The ``recurrence`` the form asks for, or the text saying what to fix."""
    until = forms.parse_date(form.get("until", ""))
    if until is None:
        return None, UNTIL_TEXT
    weekday = WEEKDAYS[datetime.fromisoformat(start).weekday()]
    if form["repeat"] == "weekly":
        days = [d for d in WEEKDAYS if form.get(f"day_{d}")] or [weekday]
        return {"freq": "weekly", "weekdays": days, "until": until.isoformat()}, None
    nth = [int(n) for n in NTHS if form.get(f"nth_{n}")]
    if not nth:
        return None, NTH_TEXT
    return {"freq": "monthly", "weekday": weekday, "nth": nth, "until": until.isoformat()}, None


def book_series(
    request: Request, services: Services, form: dict[str, str], language: str
) -> Response:
    """The form with « Répéter »: the preview, or (``confirm``) the series booked."""
    from . import site  # the place page shows what to fix (site imports this module)

    state, payload = forms.read_booking(form, language)
    state.values.update({name: form.get(name, "") for name in FIELDS})
    if payload is not None:
        recurrence, problem = read_recurrence(form, payload["start"])
        if problem:
            state.errors["until" if problem == UNTIL_TEXT else "repeat"] = i18n.gettext(
                language, problem
            )
            state.alert = (
                error_text("validation_failed", {}, language)[0],
                i18n.gettext(language, forms.FIX_FIELDS),
            )
            payload = None
        else:
            chosen = form.get("on_conflict", "")
            conflict = chosen if chosen in OnConflict.__members__ else OnConflict.refuse.value
            payload.update(recurrence=recurrence, on_conflict=conflict)
    status = 422
    if payload is not None:
        try:
            if form.get("confirm"):
                services.call("booking", "create_booking", payload, state.key)
                return set_flash(RedirectResponse("/mes-reservations", 303), "series_booked")
            preview = services.call("booking", "preview_series", payload)
        except ServiceUnavailable:
            status = 503
            state.alert = (
                i18n.gettext(language, site.RETRY[0]),
                i18n.gettext(language, site.RETRY[1]),
            )
        except RemoteError as exc:
            code, params = site.domain_code(exc)
            status = remote_error(exc.exc_args)[0].status
            state = forms.refused(state, code, params, language)
        else:
            return render(
                request,
                "series_preview.html",
                {
                    "services": site.capabilities(request),
                    "form": form,
                    "fields": {k: v for k, v in form.items() if k not in ("key", "csrf_token")},
                    # Its own key: confirming twice books once; back to the form, a new try.
                    "key": forms.new_key(),
                    "dates": [_shown(o, language) for o in preview["occurrences"]],
                    "on_conflict": payload["on_conflict"],
                },
                language=language,
            )
    context = site.place_context(request, services, form.get("place_id", ""), state)
    if isinstance(context, Response):
        return context
    return render(request, "place.html", context, status=status, language=language)


def _shown(occurrence: dict[str, Any], language: str) -> dict[str, Any]:
    why = error_text(occurrence["code"], {}, language)[0] if occurrence.get("code") else None
    return {
        "start": datetime.fromisoformat(str(occurrence["start"])),
        "end": datetime.fromisoformat(str(occurrence["end"])),
        "ok": occurrence["ok"],
        "why": why,
    }
