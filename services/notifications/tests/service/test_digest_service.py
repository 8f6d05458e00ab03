"""The weekly digest on the real database (the projection's range on ``start``, the readers
by ``choices.digests``), sent by the running service to the SMTP sink once for the week."""

from __future__ import annotations

from datetime import UTC, datetime

from services.common.config import container_settings
from tests.support import wait_until

MONDAY = datetime(2026, 11, 30, 7, 0, tzinfo=UTC)


def test_the_digest_reaches_those_who_chose_it_once(
    notifications, smtp_server, rpc_client, operator
):
    from services.notifications import commands, digest
    from services.notifications.models import Correspondent
    from services.notifications.rules import token_for

    for n, title in enumerate(("Club WordPress", "Atelier réparation"), start=1):
        digest.keep(
            f"meeting:o{n}",
            {
                "place_id": "p1",
                "club_id": "c1",
                "title": title,
                "start": f"2026-12-0{n + 1}T09:00:00+01:00",
                "end": f"2026-12-0{n + 1}T11:00:00+01:00",
            },
            n,
        )
    digest.keep(
        "meeting:far",
        {"place_id": "p1", "title": "Plus tard", "start": "2027-01-05T09:00:00+01:00"},
        3,
    )
    for email in ("marceline@example.org", "thierry@example.org"):
        Correspondent(email=email, name=email.split("@")[0], language="fr").save()
    secret = commands.link_secret()
    commands.set_email_preferences(
        "marceline@example.org", token_for(secret, "marceline@example.org"), {"digests": True}
    )
    settings = container_settings()
    assert commands.send_weekly_digest(settings, MONDAY) == 1
    assert commands.send_weekly_digest(settings, MONDAY.replace(hour=10)) == 0
    [message] = wait_until(lambda: smtp_server.messages())
    assert message["X-Sink-Rcpt-To"] == "<marceline@example.org>"
    text = message.get_body(("plain",)).get_content()
    assert "Club WordPress" in text and "Atelier réparation" in text and "Plus tard" not in text
    assert "kind=digests" in message["List-Unsubscribe"]
    assert [d["kind"] for d in operator.notifications.deliveries(10)] == ["weekly_digest"]
