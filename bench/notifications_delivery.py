"""10,000 events to delivered emails, against a raw ``smtplib`` loop to the same SMTP server.

    .venv/bin/python -m bench.notifications_delivery [--events N] [--baseline M]

Starts, as processes: SecantusDB, the development SMTP sink (which writes each message it
accepts to a ``.eml`` file, fsync'd) and the notifications service alone, on a fresh RabbitMQ
vhost with the territory's queues declared (``tools.platform``, as ``make run`` does).

1. **baseline**: one ``smtplib.SMTP`` connection sends ``M`` ready-made messages (the bytes
   the service sent in the warm-up), one recipient each, to the same sink: the rate an SMTP
   client that composes nothing and records nothing gets from this server on this machine.
2. **the service**: ``N`` ``booking_confirmed`` events (one person each) published on the
   broker as booking publishes them; measured from the first publish to the last email the
   sink wrote. Each email is composed (Jinja2 text + HTML, the ``.ics`` invitation), recorded
   in the outbox (the delivery log) once per event and recipient, claimed, sent, marked sent.
3. **the check**: every recipient received exactly one email (the sink's envelope), and its
   ``List-Unsubscribe`` is the URL itself on the wire.

Prints both rates and the ratio (the aim: the service at least half the raw loop's rate).
"""

from __future__ import annotations

import argparse
import json
import re
import signal
import smtplib
import sys
import tempfile
import time
import uuid
from pathlib import Path

import pika

from services.common.envelope import make_event
from tests.samples import BOOKING_CONFIRMED
from tools import infra
from tools.platform import Platform, Ports
from tools.profiles import load_profile

TERRITORY = "verdon"
WARMUP = 20
TIME_CAP = 3600.0  # seconds to wait for the service's emails
ENV: dict[str, str] = {}  # the service as deployed: its default settings


def log(message: str) -> None:
    print(message, flush=True)


def emails(directory: Path) -> list[Path]:
    return [p for p in directory.iterdir() if p.suffix == ".eml"]


def rcpt_of(path: Path) -> str:
    with path.open("rb") as handle:
        handle.readline()  # X-Sink-Mail-From
        return handle.readline().decode().split(":", 1)[1].strip()


def publish(amqp_uri: str, events: list[dict]) -> float:
    """Publish as booking's relay does (persistent, confirmed); the seconds it took."""
    connection = pika.BlockingConnection(pika.URLParameters(amqp_uri))
    channel = connection.channel()
    channel.confirm_delivery()
    channel.exchange_declare("booking.events", exchange_type="topic", durable=True)
    properties = pika.BasicProperties(
        content_type="application/json", content_encoding="utf-8", delivery_mode=2
    )
    began = time.perf_counter()
    for event in events:
        channel.basic_publish(
            "booking.events", event["type"], json.dumps(event).encode(), properties
        )
    took = time.perf_counter() - began
    connection.close()
    return took


def confirmed(run: str, n: int) -> dict:
    data = {
        **BOOKING_CONFIRMED,
        "booking_id": f"{run}{n:08d}",
        "name": f"Personne {n}",
        "email": f"personne.{n}.{run}@example.org",
    }
    return make_event("booking", "booking_confirmed", data, territory=TERRITORY)


def wait_for_emails(directory: Path, count: int, cap: float) -> float:
    """Wait until the sink holds ``count`` emails; the time it did (perf_counter)."""
    deadline = time.perf_counter() + cap
    seen = 0
    while time.perf_counter() < deadline:
        seen = len(emails(directory))
        if seen >= count:
            return time.perf_counter()
        time.sleep(0.05)
    raise SystemExit(f"only {seen} of {count} emails within {cap:.0f} s")


def baseline(port: int, message: bytes, count: int, run: str) -> float:
    """A raw smtplib loop: one connection, ``count`` messages; the emails per second."""
    began = time.perf_counter()
    smtp = smtplib.SMTP("127.0.0.1", port, timeout=30)
    for n in range(count):
        smtp.sendmail("ne-pas-repondre@maillage.example", [f"brut.{n}.{run}@example.org"], message)
    smtp.quit()
    return count / (time.perf_counter() - began)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.notifications_delivery")
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--baseline", type=int, default=2_000, help="messages of the raw loop")
    args = parser.parse_args(argv)
    # Stopped (TERM, or INT in the foreground): stop what it started and delete its vhost.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    run = uuid.uuid4().hex[:6]
    with tempfile.TemporaryDirectory(prefix="bench-notif-") as var:
        platform = Platform(
            load_profile(TERRITORY),
            Path(var),
            Ports.free(),
            vhost=f"maillage_bench_{run}",
            extra_env=ENV,
        )
        try:
            platform.start_infra()
            platform.start_service("notifications")
            mail = platform.mail_dir
            log(f"warm-up: {WARMUP} events")
            publish(platform.amqp_uri, [confirmed(f"w{run}", n) for n in range(WARMUP)])
            wait_for_emails(mail, WARMUP, 120)
            sample = sorted(emails(mail))[0].read_bytes()
            message = sample.split(b"\r\n", 2)[2]  # without the sink's two trace lines

            log(f"baseline: raw smtplib loop, {args.baseline} messages")
            raw_rate = baseline(platform.ports.smtp, message, args.baseline, run)
            before = WARMUP + args.baseline
            wait_for_emails(mail, before, 60)

            log(f"service: {args.events} booking_confirmed events")
            events = [confirmed(run, n) for n in range(args.events)]
            began = time.perf_counter()
            published = publish(platform.amqp_uri, events)
            done = wait_for_emails(mail, before + args.events, TIME_CAP)
            service_rate = args.events / (done - began)
            time.sleep(2)  # anything sent twice would be here by now

            counts: dict[str, int] = {}
            unsubscribe = re.compile(rb"^List-Unsubscribe: <https?://[^\s<>]+>\r$", re.M)
            mangled = 0
            for path in emails(mail):
                rcpt = rcpt_of(path)
                if f".{run}@" in rcpt and "personne." in rcpt:
                    counts[rcpt] = counts.get(rcpt, 0) + 1
                    if not unsubscribe.search(path.read_bytes().split(b"\r\n\r\n", 1)[0] + b"\r"):
                        mangled += 1
            twice = sum(1 for n in counts.values() if n > 1)
            log("")
            log(f"events → emails (notifications): {service_rate:8.1f} emails/s")
            log(
                f"  ({args.events} events published in {published:.1f} s, all emailed in "
                f"{done - began:.1f} s)"
            )
            log(f"raw smtplib loop (same server):  {raw_rate:8.1f} emails/s")
            log(f"ratio service / raw loop:        {service_rate / raw_rate:8.2f}  (aim ≥ 0.5)")
            log(
                f"recipients emailed: {len(counts)} of {args.events}; more than once: {twice}; "
                f"List-Unsubscribe not a bare URL: {mangled}"
            )
            if len(counts) != args.events or twice or mangled:
                return 1
            return 0
        finally:
            platform.stop()
            infra.delete_vhost(platform.vhost)


if __name__ == "__main__":
    sys.exit(main())
