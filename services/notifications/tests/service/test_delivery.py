"""Delivery through a real broker, SecantusDB and SMTP server, read as a mail client reads it.

- the raw bytes the SMTP server received: ``List-Unsubscribe`` is the URL itself;
- hostile names that reach notifications in events (past the contracts) inject nothing;
- two notifications instances on one database and one queue send each email once;
- a recipient the SMTP server refuses for good (550) is suspended, shown, and lifted;
- the delivery log is anonymised, then deleted, as the clock moves.
"""

from __future__ import annotations

import re
import subprocess
from datetime import timedelta

import pytest
from nameko.standalone.events import event_dispatcher
from nameko.testing.services import entrypoint_hook

from services.common import clock
from services.common.envelope import make_event
from services.conftest import SmtpServer
from services.notifications.service import NotificationsService
from tests.samples import BOOKING_CONFIRMED
from tests.support import wait_until
from tools import infra

REFUSING = "refused.example"
LONG = "marceline.dupre-leveque.permanence-numerique@mairie-de-saint-agreve.example.org"


@pytest.fixture
def smtp_server(tmp_path):
    """The development sink, refusing every recipient at ``REFUSING`` with a 550."""
    port = infra.free_port()
    directory = tmp_path / "mail"
    process = subprocess.Popen(infra.smtp_sink_command(port, directory, (REFUSING,)))
    try:
        infra.wait_port("127.0.0.1", port, 30, "SMTP sink")
        yield SmtpServer(port, directory)
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def operator(operator):
    """The shared operator's client (``services/conftest.py``), at notifications."""
    return operator.notifications


def raw_emails(smtp_server) -> list[bytes]:
    return [path.read_bytes() for path in sorted(smtp_server.directory.glob("*.eml"))]


def headers(raw: bytes) -> list[tuple[str, str]]:
    """The header section as a mail client reads it: unfolded, undecoded, in order."""
    head = raw.split(b"\r\n\r\n", 1)[0].decode("utf-8")
    unfolded = re.sub(r"\r\n[ \t]", " ", head)
    return [
        (name.lower(), value.strip())
        for name, _, value in (line.partition(":") for line in unfolded.split("\r\n"))
    ]


def header(raw: bytes, name: str) -> list[str]:
    return [value for key, value in headers(raw) if key == name]


def confirmed(territory: str, n: int, **changes) -> dict:
    data = {**BOOKING_CONFIRMED, "booking_id": f"b{n}", **changes}
    return make_event("booking", "booking_confirmed", data, territory=territory)


def test_list_unsubscribe_reaches_the_smtp_server_as_the_url_itself(
    notifications, smtp_server, territory, operator
):
    event_dispatcher()("booking", "booking_confirmed", confirmed(territory, 1, email=LONG))
    [raw] = wait_until(lambda: raw_emails(smtp_server))
    [value] = header(raw, "list-unsubscribe")
    assert re.fullmatch(
        r"<https?://[^<>\s]+/unsubscribe\?email=[^<>\s]+&token=[0-9a-f]{32}&kind=[a-z]+>", value
    )
    assert header(raw, "list-unsubscribe-post") == ["List-Unsubscribe=One-Click"]
    head = raw.split(b"\r\n\r\n", 1)[0]
    assert not [
        line for line in head.split(b"\r\n") if line.lower().startswith(b"list-") and b"=?" in line
    ]
    # The server's acceptance comes first, the ``sent`` mark just after (grouped marks).
    wait_until(lambda: [d["status"] for d in operator.delivery_log(email=LONG)] == ["sent"])


HOSTILE = {
    "encoded CRLF": "=?utf-8?q?Eve=0D=0ABcc:_victim@example.org?=",
    "base64 CRLF": "=?UTF-8?B?RXZlDQpCY2M6IHZAZXhhbXBsZS5vcmc=?=",
    "CRLF": "Eve\r\nBcc: victim@example.org",
    "LF": "Eve\nBcc: victim@example.org",
    "NUL": "Eve\x00Bcc: victim@example.org",
    "line separator": "Eve\u2028Bcc: victim@example.org",
    "address in the name": "victim@example.org, Eve <eve@example.org>",
}


def test_hostile_names_in_events_inject_no_header_and_no_recipient(
    notifications, smtp_server, territory, operator
):
    """Names and titles as a service could send them (the contracts refuse them at the edge;
    notifications must not trust that): in the name, the resource and the place."""
    dispatch = event_dispatcher()
    people = {}
    for n, (label, hostile) in enumerate(HOSTILE.items()):
        email = f"person{n}@example.org"
        people[email] = label
        changes = {"name": hostile, "resource_name": hostile, "place_name": hostile}
        dispatch("booking", "booking_confirmed", confirmed(territory, n, email=email, **changes))
    raws = wait_until(
        lambda: len(raw_emails(smtp_server)) == len(HOSTILE) and raw_emails(smtp_server)
    )
    for raw in raws:
        names = [name for name, _ in headers(raw)]
        [rcpt] = header(raw, "x-sink-rcpt-to")
        email = rcpt.strip("<>")
        assert email in people, rcpt  # only the person: no Bcc, no other recipient
        label = people[email]
        assert "bcc" not in names and "cc" not in names, label
        assert names.count("to") == names.count("subject") == names.count("from") == 1, label
        [to] = header(raw, "to")
        assert to.endswith(f"<{email}>") or to == email, (label, to)
        # One address in it, the person's: a name cannot bring another one, even for show.
        assert to.count("@") == 1 and "victim" not in to, (label, to)
        assert "\x00" not in raw.decode("utf-8", "replace")
    # The sink writes the file before it answers; the service marks it sent after.
    wait_until(lambda: all(d["status"] == "sent" for d in operator.delivery_log(limit=50)))


@pytest.fixture
def two_instances(start_service):
    return [start_service(NotificationsService), start_service(NotificationsService)]


def test_two_instances_on_one_database_and_queue_send_each_email_once(
    two_instances, smtp_server, territory, operator
):
    dispatch = event_dispatcher()
    events = [confirmed(territory, n, email=f"once{n}@example.org") for n in range(30)]
    for event in events:
        dispatch("booking", "booking_confirmed", event)
    for event in events:  # each event delivered again, as after a redelivery
        dispatch("booking", "booking_confirmed", event)

    def all_sent():
        log = operator.delivery_log(status="sent", limit=100)
        return len(log) == len(events) and log

    wait_until(all_sent, timeout=60)
    # Every email the sink received, counted per recipient: one each, no more.
    counts: dict[str, int] = {}
    for raw in raw_emails(smtp_server):
        [rcpt] = header(raw, "x-sink-rcpt-to")
        counts[rcpt] = counts.get(rcpt, 0) + 1
    assert counts == {f"<once{n}@example.org>": 1 for n in range(30)}
    assert {d["event_id"] for d in operator.delivery_log(limit=100)} == {
        e["event_id"] for e in events
    }


def test_a_refused_recipient_is_suspended_shown_and_lifted(
    notifications, smtp_server, territory, operator
):
    dispatch = event_dispatcher()
    refused = f"nobody@{REFUSING}"
    first = confirmed(territory, 1, email=refused)
    dispatch("booking", "booking_confirmed", first)
    [row] = wait_until(lambda: operator.suspensions())
    assert row["email"] == refused and "550" in row["reason"]
    [logged] = operator.delivery_log(event_id=first["event_id"])
    assert logged["status"] == "refused" and "550" in logged["last_error"]
    # A link the person asks for is not sent to a suspended address either.
    link = make_event(
        "gateway",
        "sign_in_link_requested",
        {
            "email": refused,
            "name": "Nobody",
            "language": "fr",
            "link": "https://maillage.example/connexion/abc",
            "expires_at": "2030-01-01T00:00:00+00:00",
        },
        territory=territory,
    )
    dispatch("gateway", "sign_in_link_requested", link)
    wait_until(lambda: operator.delivery_log(event_id=link["event_id"]))
    assert [d["status"] for d in operator.delivery_log(event_id=link["event_id"])] == ["suspended"]

    answer = operator.lift_suspension({"email": refused, "idempotency_key": "lift-1"})
    assert answer["lifted"] is True and operator.suspensions() == []
    assert operator.lift_suspension({"email": refused, "idempotency_key": "lift-1"}) == answer
    # Refused again by the server: suspended again.
    dispatch("booking", "booking_confirmed", confirmed(territory, 2, email=refused))
    wait_until(lambda: operator.suspensions())
    assert raw_emails(smtp_server) == []


def test_the_log_is_anonymised_then_deleted_as_the_clock_moves(
    notifications, smtp_server, territory, operator, monkeypatch
):
    event = confirmed(territory, 1, email="marceline@example.org")
    event_dispatcher()("booking", "booking_confirmed", event)
    wait_until(lambda: operator.delivery_log(status="sent"))
    start = clock.utc_now()

    def retention_at(days: int) -> dict:
        monkeypatch.setattr(clock, "utc_now", lambda: start + timedelta(days=days))
        with entrypoint_hook(notifications, "apply_retention") as apply_retention:
            return apply_retention()

    assert retention_at(100) == {"deleted": 0, "anonymised": 0}
    assert retention_at(190) == {"deleted": 0, "anonymised": 1}
    [entry] = operator.delivery_log(email="marceline@example.org")
    assert entry["event_id"] == event["event_id"] and entry["status"] == "sent"
    assert "marceline" not in str(entry) and "subject" not in entry
    assert retention_at(740) == {"deleted": 1, "anonymised": 0}
    assert operator.delivery_log(email="marceline@example.org") == []
