"""« Chiffres du mois »: a place's (``/places/{id}/chiffres``) and the territory's
(``/chiffres``) figures of a month, for anyone signed in (the booking service groups the
small counts for whoever may not see them whole), as tables and a chart drawn here as
inline SVG (no script, nothing from elsewhere), with a month picker and the CSV's link for
those allowed to export it (a manager of the place, territory staff)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import Response

from contracts.errors import remote_error
from contracts.identity import TerritoryRole

from .. import i18n
from ..deps import Services, ServicesDep
from ..errors_text import error_text
from ..rpc_client import RemoteError, ServiceUnavailable
from .accounts import to_sign_in
from .render import page_account, render
from .site import capabilities, domain_code

router = APIRouter(include_in_schema=False)

TERRITORY_PATH = "/chiffres"
MONTH = re.compile(r"^\d{4}-\d{2}$")
PARIS = ZoneInfo("Europe/Paris")
# The chart's geometry (SVG user units): a label column, then bars up to BAR_WIDTH.
LABEL_WIDTH, BAR_WIDTH, ROW, GAP = 220, 300, 26, 8


def bars(items: list[tuple[str, float, str]], top: float | None = None) -> dict[str, Any]:
    """A horizontal bar chart's geometry: ``items`` (label, value, the value as written);
    the longest bar is ``top`` (default the largest value)."""
    top = top if top is not None else max((v for _, v, _ in items), default=0)
    rows = []
    for n, (label, value, text) in enumerate(items):
        width = round(BAR_WIDTH * value / top, 1) if top else 0
        y = n * (ROW + GAP)
        rows.append({"label": label, "text": text, "y": y, "width": width, "mid": y + ROW / 2})
    return {
        "rows": rows,
        "height": max(len(items) * (ROW + GAP) - GAP, ROW),
        "width": LABEL_WIDTH + BAR_WIDTH + 80,
        "label_width": LABEL_WIDTH,
    }


def percent(ratio: float | None, language: str) -> str:
    """0.0042 → « 0,4 % » (French) or "0.4 %"; None (never open) → « — »."""
    if ratio is None:
        return "—"
    text = f"{ratio * 100:.1f}".removesuffix(".0")
    return f"{text.replace('.', ',') if language == 'fr' else text} %"


def month_of(value: str | None) -> str:
    if value and MONTH.match(value):
        return value
    return datetime.now(UTC).astimezone(PARIS).strftime("%Y-%m")


def may_export(caller: Any, place_id: str | None) -> bool:
    """Whom the page offers the CSV (the service checks again): territory staff, and for a
    place its managers."""
    staff = caller.admin or caller.has_role(TerritoryRole.coordinator)
    return staff or (place_id is not None and place_id in caller.manages)


def page(request: Request, services: Services, place_id: str | None, month: str) -> Response:
    language = i18n.page_language(request)
    running = capabilities(request)
    alert, figures, status = None, None, 200
    try:
        if place_id is None:
            figures = services.call("booking", "territory_figures", month)
        else:
            figures = services.call("booking", "place_figures", place_id, month)
    except ServiceUnavailable:
        running["booking"] = False
        status = 503
    except RemoteError as exc:
        code, params = domain_code(exc)
        status = remote_error(exc.exc_args)[0].status
        alert = error_text(code, params, language)
    occupancy = visitors = None
    if figures is not None:
        resources = figures.get("resources") or [
            r for place in figures.get("places", []) for r in place["resources"]
        ]
        occupancy = bars(
            [
                (r["name"], r["occupancy"] or 0, percent(r["occupancy"], language))
                for r in resources
            ],
            top=1,
        )
        by_audience = figures["visitors_by_audience"]
        visitors = bars([(k, v, str(v)) for k, v in by_audience.items()])
    context = {
        "services": running,
        "figures": figures,
        "month": month,
        "place_id": place_id,
        "occupancy": occupancy,
        "visitors_chart": visitors,
        "alert": alert,
        "export": may_export(services.caller, place_id),
        "csv": (f"/api/places/{place_id}/figures.csv" if place_id else "/api/figures.csv")
        + f"?month={month}",
    }
    return render(request, "figures.html", context, status=status)


@router.get(TERRITORY_PATH)
def territory_page(request: Request, services: ServicesDep, mois: str | None = None) -> Response:
    if page_account(request) is None:
        return to_sign_in(TERRITORY_PATH)
    return page(request, services, None, month_of(mois))


@router.get("/places/{place_id}/chiffres")
def place_page(
    place_id: str, request: Request, services: ServicesDep, mois: str | None = None
) -> Response:
    if page_account(request) is None:
        return to_sign_in(f"/places/{place_id}/chiffres")
    return page(request, services, place_id, month_of(mois))
