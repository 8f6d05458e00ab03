"""The reply relay's inbound SMTP listener: ``python -m services.notifications.relay_server``.

Its own process (aiosmtpd's asyncio does not mix with the eventlet of the nameko services):
it accepts mail for ``r-<token>@<relay domain>`` only, from a party of that conversation
only, and records the message to forward in the notifications database's email outbox
(``relay.forward``, ``commands.record``); the notifications service's sender sends it.
Refusals: 550 for an unknown relay address or a sender who is not a party, 552 for a
message over ``relay_max_bytes``, 451 when the database cannot be reached (the sending
server retries later). Settings: ``MAILLAGE_RELAY_DOMAIN``, ``MAILLAGE_RELAY_HOST``,
``MAILLAGE_RELAY_PORT``, ``MAILLAGE_RELAY_MAX_BYTES``, and the database's
(``MAILLAGE_MONGO_URI``, ``MAILLAGE_TERRITORY``).
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
import threading
from email import policy
from email.parser import BytesParser

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from pymongo.errors import PyMongoError

from services.common.db import connect
from services.common.settings import Settings, get_settings

from . import commands, relay
from .models import ALIAS
from .preferences import TRANSACTIONAL

log = logging.getLogger("maillage.relay")


class RelayHandler:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options
    ) -> str:
        try:
            await asyncio.get_running_loop().run_in_executor(
                None, relay.conversation_for, address, self.settings.relay_domain
            )
        except relay.NotARelayAddress:
            return "550 5.1.1 No such relay address"
        except PyMongoError:
            return "451 4.3.0 Try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or b""
        if isinstance(content, str):
            content = content.encode("utf-8", "surrogateescape")
        if len(content) > self.settings.relay_max_bytes:
            return "552 5.3.4 Message too big"
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(None, self.record, envelope, content)
        except PyMongoError:
            return "451 4.3.0 Try again later"

    def record(self, envelope: Envelope, content: bytes) -> str:
        received = BytesParser(policy=policy.default).parsebytes(content)
        sender = envelope.mail_from or ""
        for rcpt in envelope.rcpt_tos:
            try:
                key, message = relay.forward(
                    received,
                    sender,
                    rcpt,
                    domain=self.settings.relay_domain,
                    system_from=self.settings.mail_from,
                )
            except relay.NotAParty:
                log.warning("relay: a sender who is not a party", extra={"rcpt": rcpt})
                return "550 5.7.1 Not a party of this conversation"
            except relay.NotARelayAddress:
                return "550 5.1.1 No such relay address"
            commands.record(key, relay.KIND, message, True, topic=TRANSACTIONAL)
        return "250 Message accepted for delivery"


def start(settings: Settings) -> Controller:
    """Bind the database, then listen (in a thread; ``.stop()`` ends it)."""
    connect(
        ALIAS,
        settings.mongo_uri,
        settings.database_name("notifications"),
        settings.mongo_timeout_ms,
        w=settings.mongo_write_concern,
        journal=settings.mongo_journal,
    )
    # (the service's own setup makes the indexes: the relay reads conversations by _id)
    controller = Controller(
        RelayHandler(settings),
        hostname=settings.relay_host,
        port=settings.relay_port,
        data_size_limit=settings.relay_max_bytes,
        enable_SMTPUTF8=True,
    )
    controller.start()
    return controller


def main() -> int:
    settings = get_settings()
    if not settings.relay_domain:
        print("relay_server: MAILLAGE_RELAY_DOMAIN is not set", file=sys.stderr)
        return 2
    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    controller = start(settings)
    print(
        f"relay listening on {settings.relay_host}:{settings.relay_port} "
        f"for r-…@{settings.relay_domain}",
        flush=True,
    )
    try:
        while not stop.wait(0.5):
            pass
    finally:
        controller.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
