"""Development SMTP server: every message it receives becomes a ``.eml`` file in a directory.

    python -m tools.smtp_sink --host 127.0.0.1 --port 8025 --dir var/mail

Files are named ``<UTC timestamp>-<8 hex>.eml`` and written atomically (temporary file in the
same directory, then rename), so a reader never sees half a message. Never use in production.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import signal
import sys
import tempfile
import threading
from datetime import UTC, datetime
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session


def eml_name(now: datetime | None = None) -> str:
    """``20261201T080000.123456Z-1a2b3c4d.eml``: sorts by arrival time."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    return f"{now:%Y%m%dT%H%M%S.%f}Z-{secrets.token_hex(4)}.eml"


def write_atomically(directory: Path, name: str, content: bytes) -> Path:
    """Write ``content`` to ``directory/name`` so the file appears complete or not at all."""
    target = directory / name
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


class EmlDirectoryHandler:
    """aiosmtpd handler storing each message, with its envelope, as one ``.eml`` file.

    ``refuse_domains``: recipients at these domains are refused for good (``550`` to
    ``RCPT TO``), as a mail server answers for a mailbox that does not exist (tests of
    permanent refusals)."""

    def __init__(
        self, directory: str | os.PathLike[str], refuse_domains: tuple[str, ...] = ()
    ) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.refuse_domains = {d.lower() for d in refuse_domains}

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options
    ) -> str:
        if address.rpartition("@")[2].lower() in self.refuse_domains:
            return f"550 5.1.1 <{address}>: mailbox unavailable"
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(options)
        return "250 OK"

    def store(self, envelope: Envelope) -> Path:
        content = envelope.original_content or b""
        if isinstance(content, str):
            content = content.encode("utf-8", "surrogateescape")
        # The envelope says who it was really for (Bcc included); headers may not.
        trace = (
            f"X-Sink-Mail-From: <{envelope.mail_from or ''}>\r\n"
            f"X-Sink-Rcpt-To: {', '.join(f'<{r}>' for r in envelope.rcpt_tos)}\r\n"
        ).encode("utf-8", "surrogateescape")
        return write_atomically(self.directory, eml_name(), trace + content)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        try:
            await asyncio.get_running_loop().run_in_executor(None, self.store, envelope)
        except OSError as exc:
            print(f"smtp_sink: could not store a message: {exc}", file=sys.stderr, flush=True)
            return "451 Requested action aborted: local error in processing"
        return "250 Message accepted for delivery"


def start_sink(
    host: str,
    port: int,
    directory: str | os.PathLike[str],
    refuse_domains: tuple[str, ...] = (),
) -> Controller:
    """Start the sink in a background thread; call ``.stop()`` on the result to end it."""
    controller = Controller(
        EmlDirectoryHandler(directory, refuse_domains),
        hostname=host,
        port=port,
        enable_SMTPUTF8=True,
    )
    controller.start()
    return controller


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.smtp_sink", description="Store every received email as a .eml file."
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8025)
    parser.add_argument("--dir", dest="directory", default="var/mail")
    parser.add_argument(
        "--refuse-domain",
        action="append",
        default=[],
        help="answer 550 to recipients at this domain (repeatable)",
    )
    args = parser.parse_args(argv)

    stop = threading.Event()

    def request_stop(signum: int, frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)

    controller = start_sink(args.host, args.port, args.directory, tuple(args.refuse_domain))
    directory = Path(args.directory).resolve()
    print(f"smtp_sink listening on {args.host}:{args.port}, writing to {directory}", flush=True)
    try:
        while not stop.wait(0.5):
            pass
    finally:
        controller.stop()
    print("smtp_sink stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
