"""« Données ouvertes » (/donnees-ouvertes): the open-data links (CSV in the national schema,
GeoJSON) for everyone; for coordinators a form to paste a CSV and the import's report
(``directory.import_places``, as ``POST /api/places/import``)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from contracts.directory import PlaceStatus

from .. import i18n
from ..errors_text import error_text
from ..rpc_client import RemoteError, ServiceUnavailable
from . import forms
from .accounts import refused, to_sign_in, who
from .moderation import refusal_page
from .my_bookings import services_for
from .render import page_account, render
from .site import capabilities, domain_code, unavailable

router = APIRouter(include_in_schema=False)

router = APIRouter(include_in_schema=False)

OPEN_DATA_PATH = "/donnees-ouvertes"
IMPORT_PATH = "/donnees-ouvertes/import"


def open_data_page(request: Request, report=None, alert=None, code: int = 200) -> Response:
    account = page_account(request)
    context = {
        "staff": bool(account and account["staff"]),
        "statuses": [s.value for s in PlaceStatus],
        "report": report,
        "alert": alert,
        "key": forms.new_key(),
        "services": capabilities(request),
    }
    return render(request, "open_data.html", context, status=code)


@router.get(OPEN_DATA_PATH)
def open_data(request: Request) -> Response:
    return open_data_page(request)


@router.post(IMPORT_PATH)
async def import_file(request: Request) -> Response:
    identity, values = await who(request)
    if identity is None:
        return refused(request)
    if identity.member is None:
        return to_sign_in(OPEN_DATA_PATH)
    language = i18n.page_language(request)
    key = values.get("key", "")
    key = key if forms.KEY_PATTERN.match(key) else forms.new_key()
    text = values.get("csv", "")
    try:
        report = services_for(request, identity).call("directory", "import_places", text, key)
    except ServiceUnavailable:
        return unavailable(request, capabilities(request))
    except RemoteError as exc:
        code, params = domain_code(exc)
        if code in ("forbidden", "authentication_required"):
            return refusal_page(request, exc)
        return open_data_page(request, None, error_text(code, params, language), 422)
    return open_data_page(request, report)
