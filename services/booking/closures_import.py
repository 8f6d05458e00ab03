"""Closures imported from an .ics address (``import_closures``): fetched by the booking
service, read by ``rules.ics_closures``, and written as any change of the resource's rules
(``commands.update_resource``: its managers' or an admin's, idempotent, ``resource_updated``).

A new import replaces the closures of the same address and keeps the others (typed in, or
from another calendar). Fetching a URL given by a user is guarded: http(s) only, no
redirect, a timeout, a size limit, and public addresses only unless the territory allows
private ones (``MAILLAGE_ICS_IMPORT_PRIVATE_HOSTS``: a calendar server on its own network),
so that the service cannot be made to read its neighbours.
"""

from __future__ import annotations

import ipaddress
import socket
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from contracts.booking import CalendarUnreadable, ClosuresImportIn
from contracts.identity import ANONYMOUS, Caller
from services.common.outbox import EventStager
from services.common.settings import Settings
from services.common.validation import parse

from . import access, commands, queries
from .rules import settings as resource_rules
from .rules.ics_closures import MAX_CLOSURES, NotACalendar, closures_from_ics


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # a redirect could lead to a private host
        return None


def _unreadable(url: str, reason: str) -> CalendarUnreadable:
    return CalendarUnreadable(f"the calendar could not be read: {reason}", url=url, reason=reason)


def _check_host(url: str, settings: Settings) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise _unreadable(url, "not an http(s) address")
    if settings.ics_import_private_hosts:
        return
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(parts.hostname, parts.port or 80)}
    except OSError:
        raise _unreadable(url, "unknown host") from None
    for address in addresses:
        ip = ipaddress.ip_address(address.split("%")[0])
        if not ip.is_global:
            raise _unreadable(url, "a private address")


def fetch_calendar(url: str, settings: Settings) -> bytes:
    """The bytes at ``url``, within the settings' time and size; ``CalendarUnreadable``
    otherwise."""
    _check_host(url, settings)
    opener = urllib.request.build_opener(_NoRedirect)
    request = urllib.request.Request(url, headers={"Accept": "text/calendar"})
    try:
        with opener.open(request, timeout=settings.ics_import_timeout_seconds) as answer:
            data = answer.read(settings.ics_import_max_bytes + 1)
    except (urllib.error.URLError, OSError, ValueError) as error:
        raise _unreadable(url, f"unreachable ({error})"[:200]) from None
    if len(data) > settings.ics_import_max_bytes:
        raise _unreadable(url, "too big")
    return data


def import_closures(
    resource_id: str,
    payload: dict,
    key: str,
    events: EventStager,
    settings: Settings,
    who: Caller = ANONYMOUS,
    now: datetime | None = None,
    fetch=fetch_calendar,
) -> dict:
    """Replace the resource's closures from ``payload["url"]`` by that calendar's events
    from now to the resource's horizon; the resource as ``get_resource`` answers it."""
    resource = queries.find_resource(resource_id)
    access.check_update_resource(who, resource.place_id)  # before fetching anything
    url = str(parse(ClosuresImportIn, payload).url)
    rules = resource.rules()
    kept = [c.model_dump(mode="json") for c in rules.closures if c.source != url]
    now = now or datetime.now(UTC)
    try:
        imported = closures_from_ics(
            fetch(url, settings),
            resource_rules.zone(rules),
            now,
            now + timedelta(days=rules.horizon_days),
            url,
            MAX_CLOSURES - len(kept),
        )
    except NotACalendar as error:
        raise _unreadable(url, f"not an iCalendar ({error})"[:200]) from None
    return commands.update_resource(
        resource_id, {"closures": kept + imported}, key, events, who=who
    )
