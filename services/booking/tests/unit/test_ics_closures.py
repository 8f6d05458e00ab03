"""Closures from an .ics: the calendar read by icalendar, recurring events expanded by
recurring-ical-events, all-day events closing whole local days (across a DST change), the
cancelled and "free" events left out; the import replacing only its own address's closures,
under the resource's rules (its managers only); and the fetch's guards on a real local HTTP
server (private addresses, redirects, size)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, HTTPServer
from zoneinfo import ZoneInfo

import pytest

from contracts.booking import CalendarUnreadable
from contracts.errors import Forbidden
from services.booking import closures_import, commands, queries
from services.booking.rules.ics_closures import NotACalendar, closures_from_ics
from services.common.settings import Settings
from services.common.tests.callers import MANAGER, VERONIQUE
from tests.support import RecordingStager

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 10, 1, tzinfo=UTC)
URL = "https://calendrier.example.org/vacances.ics"
ICS = b"""BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//test//EN
BEGIN:VEVENT
UID:toussaint@example.org
DTSTART;VALUE=DATE:20261017
DTEND;VALUE=DATE:20261103
SUMMARY:Vacances de la Toussaint
END:VEVENT
BEGIN:VEVENT
UID:reunion@example.org
DTSTART;TZID=Europe/Paris:20261006T140000
DTEND;TZID=Europe/Paris:20261006T160000
RRULE:FREQ=WEEKLY;COUNT=4
EXDATE;TZID=Europe/Paris:20261013T140000
SUMMARY:Reunion\\n de l'equipe
END:VEVENT
BEGIN:VEVENT
UID:annule@example.org
DTSTART;TZID=Europe/Paris:20261008T090000
DTEND;TZID=Europe/Paris:20261008T100000
STATUS:CANCELLED
SUMMARY:Annule
END:VEVENT
BEGIN:VEVENT
UID:libre@example.org
DTSTART;TZID=Europe/Paris:20261009T090000
DTEND;TZID=Europe/Paris:20261009T100000
TRANSP:TRANSPARENT
SUMMARY:Libre
END:VEVENT
END:VCALENDAR
"""


def test_events_become_closures_recurring_ones_expanded_all_day_ones_whole_local_days():
    end = datetime(2027, 1, 1, tzinfo=UTC)
    found = closures_from_ics(ICS, PARIS, NOW, end, URL, 200)
    assert [(c["start"], c["end"], c["reason"]) for c in found] == [
        ("2026-10-06T14:00:00+02:00", "2026-10-06T16:00:00+02:00", "Reunion de l'equipe"),
        # 13 October is excluded (EXDATE); the holidays span the DST change (25 October)
        ("2026-10-17T00:00:00+02:00", "2026-11-03T00:00:00+01:00", "Vacances de la Toussaint"),
        ("2026-10-20T14:00:00+02:00", "2026-10-20T16:00:00+02:00", "Reunion de l'equipe"),
        ("2026-10-27T14:00:00+01:00", "2026-10-27T16:00:00+01:00", "Reunion de l'equipe"),
    ]
    assert {c["source"] for c in found} == {URL}
    assert len(closures_from_ics(ICS, PARIS, NOW, end, URL, 2)) == 2  # the soonest kept


def test_not_a_calendar_is_said_so():
    with pytest.raises(NotACalendar):
        closures_from_ics(b"<html>not found</html>", PARIS, NOW, NOW, URL, 200)


def test_an_import_replaces_its_own_closures_and_keeps_the_others(resource):
    typed = {"start": "2026-12-24T00:00:00+01:00", "end": "2026-12-26T00:00:00+01:00"}
    commands.update_resource(
        resource["id"], {"closures": [typed]}, "k0", RecordingStager("booking"), who=MANAGER
    )
    calendars = {URL: ICS}

    def run(key: str) -> dict:
        return closures_import.import_closures(
            resource["id"], {"url": URL}, key, RecordingStager("booking"), Settings(),
            MANAGER, NOW, fetch=lambda url, settings: calendars[url],
        )  # fmt: skip

    first = run("k1")
    assert len(first["closures"]) == 1 + 4
    calendars[URL] = ICS.replace(b"COUNT=4", b"COUNT=1")  # the calendar changed since
    again = run("k2")
    assert [c["source"] for c in again["closures"]] == [None, URL, URL]
    stored = queries.find_resource(resource["id"]).rules().closures
    assert [c.reason for c in stored][1:] == ["Reunion de l'equipe", "Vacances de la Toussaint"]


def test_only_its_managers_import_and_nothing_is_fetched_for_anyone_else(resource):
    fetched = []
    with pytest.raises(Forbidden):
        closures_import.import_closures(
            resource["id"], {"url": URL}, "k", RecordingStager("booking"), Settings(),
            VERONIQUE, NOW, fetch=lambda url, settings: fetched.append(url) or ICS,
        )  # fmt: skip
    assert fetched == []


class Calendars(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (http.server's name)
        if self.path == "/moved.ics":
            self.send_response(302)
            self.send_header("Location", "http://127.0.0.1:1/elsewhere.ics")
            self.end_headers()
            return
        body = ICS * (100 if self.path == "/big.ics" else 1)
        self.send_response(200)
        self.send_header("Content-Type", "text/calendar")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server():
    httpd = HTTPServer(("127.0.0.1", 0), Calendars)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def test_a_private_address_is_refused_unless_the_territory_allows_it(server):
    with pytest.raises(CalendarUnreadable, match="private address"):
        closures_import.fetch_calendar(f"{server}/vacances.ics", Settings())
    allowed = Settings(ics_import_private_hosts=True)
    assert closures_import.fetch_calendar(f"{server}/vacances.ics", allowed) == ICS


def test_no_redirect_nor_oversized_calendar_is_followed(server):
    allowed = Settings(ics_import_private_hosts=True, ics_import_max_bytes=len(ICS) * 10)
    with pytest.raises(CalendarUnreadable, match="unreachable"):
        closures_import.fetch_calendar(f"{server}/moved.ics", allowed)
    with pytest.raises(CalendarUnreadable, match="too big"):
        closures_import.fetch_calendar(f"{server}/big.ics", allowed)
    with pytest.raises(CalendarUnreadable, match="http"):
        closures_import.fetch_calendar("file:///etc/passwd", allowed)
