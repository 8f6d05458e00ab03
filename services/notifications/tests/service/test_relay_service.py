"""The reply relay end to end on one machine: the inbound listener in its own process
(``python -m services.notifications.relay_server``), the notifications service sending what
it recorded, the SMTP sink receiving it. Nobody's address crosses."""

from __future__ import annotations

import os
import smtplib
import subprocess
import sys

import pytest

from services.notifications import relay
from tests.support import wait_until
from tools import infra

DOMAIN = "relais.maillage.example"
MARCELINE = ("marceline@example.org", "Marceline Dupont")
PLACE = ("accueil@grange.example", "La Grange numérique")


@pytest.fixture
def relay_server(notifications, mongo_uri, territory):
    port = infra.free_port()
    env = {
        **os.environ,
        "MAILLAGE_MONGO_URI": mongo_uri,
        "MAILLAGE_TERRITORY": territory,
        "MAILLAGE_RELAY_DOMAIN": DOMAIN,
        "MAILLAGE_RELAY_PORT": str(port),
        "MAILLAGE_MAIL_FROM": "Maillage <no-reply@maillage.example>",
    }
    command = [sys.executable, "-m", "services.notifications.relay_server"]
    process = subprocess.Popen(command, env=env)
    try:
        infra.wait_port("127.0.0.1", port, 30, "relay")
        yield port
    finally:
        process.terminate()
        process.wait(timeout=10)


def reply(sender: str, subject: str) -> bytes:
    return (
        f"From: {sender}\r\nTo: whoever\r\nSubject: {subject}\r\n"
        f"Cc: spy@example.org\r\nMessage-ID: <{subject[-6:]}@sender.example>\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\n"
        "Bonjour, je serai en retard de dix minutes.\r\n"
    ).encode()


def test_a_reply_reaches_the_other_party_without_either_address(
    relay_server, smtp_server, rpc_client, operator
):
    address = relay.open_conversation(b"s", DOMAIN, "booking:b1", MARCELINE, PLACE)
    hostile = "=?utf-8?q?Retard=0D=0ABcc=3A_victim=40example.org?= 123456"
    with smtplib.SMTP("127.0.0.1", relay_server, timeout=10) as smtp:
        smtp.sendmail(MARCELINE[0], [address], reply(MARCELINE[0], hostile))
        # Retried by her server (the same message): recorded once.
        smtp.sendmail(MARCELINE[0], [address], reply(MARCELINE[0], hostile))
        with pytest.raises(smtplib.SMTPRecipientsRefused):
            smtp.sendmail(MARCELINE[0], [f"r-{'0' * 24}@{DOMAIN}"], reply(MARCELINE[0], "x"))
        with pytest.raises(smtplib.SMTPDataError) as refused:
            smtp.sendmail("spammer@example.org", [address], reply("spammer@example.org", "x"))
        assert refused.value.smtp_code == 550
    [message] = wait_until(lambda: smtp_server.messages())
    assert message["X-Sink-Rcpt-To"] == f"<{PLACE[0]}>"
    assert message["Reply-To"] == address
    assert "via Maillage" in str(message["From"]) and message["Cc"] is None
    assert message["Bcc"] is None and "\n" not in str(message["Subject"])
    raw = (smtp_server.directory.glob("*.eml")).__next__().read_bytes()
    assert MARCELINE[0].encode() not in raw and b"spy@" not in raw
    assert "en retard" in message.get_content()
    # The place answers through the same address: Marceline gets it.
    with smtplib.SMTP("127.0.0.1", relay_server, timeout=10) as smtp:
        smtp.sendmail(PLACE[0], [address], reply(PLACE[0], "Pas de souci 654321"))
    wait_until(lambda: len(smtp_server.messages()) == 2)
    relayed = [d for d in operator.notifications.deliveries(10) if d["kind"] == "relayed_reply"]
    assert len(relayed) == 2  # the retried transaction recorded nothing more
    to_her = [m for m in smtp_server.messages() if m["X-Sink-Rcpt-To"] == f"<{MARCELINE[0]}>"]
    assert to_her and str(to_her[0]["From"]).startswith("La Grange numérique via Maillage")
