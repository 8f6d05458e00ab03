"""The development SMTP sink: real SMTP over a socket, messages read back from .eml files."""

from __future__ import annotations

import re
import signal
import smtplib
import subprocess
from concurrent.futures import ThreadPoolExecutor
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

import pytest
from icalendar import Calendar

from services.notifications.compose import booking_confirmed_message
from tools.infra import free_port, smtp_sink_command
from tools.smtp_sink import start_sink, write_atomically

ROOT = Path(__file__).resolve().parents[2]
EML_NAME = re.compile(r"^\d{8}T\d{6}\.\d{6}Z-[0-9a-f]{8}\.eml$")


def read_eml(path: Path) -> EmailMessage:
    return BytesParser(policy=policy.default).parsebytes(path.read_bytes())


@pytest.fixture
def sink(tmp_path):
    directory = tmp_path / "var" / "mail"  # does not exist yet
    port = free_port()
    controller = start_sink("127.0.0.1", port, directory)
    try:
        yield port, directory
    finally:
        controller.stop()


def test_a_message_sent_over_smtp_becomes_one_eml_file(sink):
    port, directory = sink
    message = EmailMessage()
    message["From"] = "Maillage <ne-pas-repondre@maillage.example>"
    message["To"] = "Marceline Dupont <marceline@example.org>"
    message["Subject"] = "Réservation confirmée"
    message.set_content("Bonjour Marceline,\n\nÀ mardi !\n")

    with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
        refused = client.send_message(
            message, to_addrs=["marceline@example.org", "copie@example.org"]
        )
    assert refused == {}

    files = list(directory.iterdir())
    assert len(files) == 1, files  # no temporary file left behind
    assert EML_NAME.match(files[0].name), files[0].name

    stored = read_eml(files[0])
    assert stored["Subject"] == "Réservation confirmée"
    assert stored["To"].addresses[0].addr_spec == "marceline@example.org"
    # Stored as it came over the wire: CRLF line endings.
    assert stored.get_content().replace("\r\n", "\n") == "Bonjour Marceline,\n\nÀ mardi !\n"
    assert b"\r\nSubject: " in files[0].read_bytes()
    assert stored["X-Sink-Mail-From"] == "<ne-pas-repondre@maillage.example>"
    assert stored["X-Sink-Rcpt-To"] == "<marceline@example.org>, <copie@example.org>"


def test_each_message_gets_its_own_file(sink):
    port, directory = sink
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
        for n in range(3):
            client.sendmail(
                "a@example.org", ["b@example.org"], f"Subject: n{n}\r\n\r\nbody {n}\r\n"
            )
    files = sorted(directory.glob("*.eml"))
    assert len(files) == 3
    assert sorted(read_eml(f)["Subject"] for f in files) == ["n0", "n1", "n2"]


def test_a_composed_booking_confirmation_survives_the_trip(sink):
    port, directory = sink
    data = {
        "booking_id": "b-1",
        "resource_id": "r-1",
        "resource_name": "Permanence numérique",
        "place_id": "p-1",
        "place_name": None,
        "start": "2026-12-01T09:00:00+01:00",
        "end": "2026-12-01T10:00:00+01:00",
        "seats": 1,
        "name": "Marceline Dupont",
        "email": "marceline@example.org",
        "language": "fr",
    }
    message = booking_confirmed_message(
        data, mail_from="ne-pas-repondre@maillage.example", public_url="https://maillage.example"
    )
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
        client.send_message(message)

    (path,) = directory.glob("*.eml")
    stored = read_eml(path)
    assert stored["Message-ID"] == message["Message-ID"]
    assert "mardi 1 décembre 2026, de 09:00 à 10:00" in stored.get_body(("plain",)).get_content()
    (attachment,) = stored.iter_attachments()
    assert attachment.get_content_type() == "text/calendar"
    assert attachment.get_param("method") == "REQUEST"
    calendar = Calendar.from_ical(attachment.get_payload(decode=True))
    assert calendar["METHOD"] == "REQUEST"


def test_write_atomically_replaces_nothing_half_written(tmp_path):
    target = write_atomically(tmp_path, "x.eml", b"Subject: hi\r\n\r\nbody\r\n")
    assert target == tmp_path / "x.eml"
    assert target.read_bytes() == b"Subject: hi\r\n\r\nbody\r\n"
    assert [p.name for p in tmp_path.iterdir()] == ["x.eml"]


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_command_line_prints_ready_and_stops_cleanly(tmp_path, signum):
    port = free_port()
    directory = tmp_path / "mail"
    process = subprocess.Popen(
        smtp_sink_command(port, directory),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        with ThreadPoolExecutor(max_workers=1) as pool:
            ready = pool.submit(process.stdout.readline).result(timeout=20)
        assert "listening on 127.0.0.1:" + str(port) in ready

        with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
            client.sendmail("a@example.org", ["b@example.org"], "Subject: cli\r\n\r\nhello\r\n")
        assert [read_eml(p)["Subject"] for p in directory.glob("*.eml")] == ["cli"]

        process.send_signal(signum)
        out, err = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, err
    assert "stopped" in out
    assert "Traceback" not in err
