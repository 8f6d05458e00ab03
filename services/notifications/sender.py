"""The email sender: sends what the event handlers recorded, with its own retries.

Each round lists the due deliveries by an equality on ``status`` (``pending``, and ``sending``
whose claim has expired: a worker died mid-send), then claims each one by ``_id`` with a
compare-and-set on ``attempts`` before sending it, so that several notifications instances
send each email once. One SMTP connection per round.

- Sent: ``sent`` (the message bytes are dropped). The marks are written together, up to
  ``MARK_EVERY`` emails in one update by ``_id`` (still only while this round holds their
  claim), and always before the round ends, whatever ends it: a crash of the process in
  between could send those few again once their claim expires, never more.
- SMTP unreachable (connection refused, timeout, dropped): nothing is counted against the
  emails; the sender pauses ``email_retry_base_seconds``, doubling up to
  ``SMTP_PROBE_MAX_SECONDS`` (or ``email_retry_max_seconds`` if smaller), then tries again:
  when SMTP comes back every waiting email goes within one pause.
- A temporary refusal of one message (4xx): ``pending`` again, due after
  ``email_retry_base_seconds`` · 2^(attempts−1), at most ``email_retry_max_seconds``.
- A permanent refusal (5xx): ``refused``, with the server's answer in ``last_error``; never
  retried by itself, visible in the delivery log; when the refusal is of the recipient
  (``RCPT TO``), the address is suspended (``suspensions.py``): its other emails waiting are
  logged ``suspended``, not sent, until the operator lifts it.
- Not sent within ``email_give_up_hours`` of being recorded: ``failed``.
"""

from __future__ import annotations

import logging
import smtplib
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import eventlet
from eventlet import patcher, tpool
from nameko.extensions import DependencyProvider
from prometheus_client import Counter, Gauge
from pymongo.errors import PyMongoError

from services.common.config import container_settings
from services.common.inbox import backoff
from services.common.settings import Settings

from . import suspensions
from .models import Delivery
from .rules import normalise

log = logging.getLogger(__name__)
_os_socket = patcher.original("socket")  # the sender's SMTP connection (``Smtp``)

SMTP_TIMEOUT_SECONDS = 10
# The longest pause between two attempts to reach an SMTP server that is away.
SMTP_PROBE_MAX_SECONDS = 60.0
BATCH = 200
# Pending deliveries read per round to find the due ones (reading 2,000 of a 10,000 backlog
# took 2.4 s a round on SecantusDB). Fresh emails and those put back by an SMTP outage are
# due at once; only a crowd of more than SCAN emails waiting for a retry after a temporary
# refusal (4xx) could delay the others, until their own time comes.
SCAN = 2 * BATCH
# How often the sender counts the emails waiting (a count of a long backlog is not free).
GAUGE_SECONDS = 15.0
# Emails accepted by the server whose ``sent`` marks go in one write (``_record_sent``): one
# database round trip instead of one each; at most this many could go twice if the process
# died between the server's acceptance and the mark. Kept small: trust in the emails (never
# two copies) matters more than the last round trips saved.
MARK_EVERY = 5

EMAILS = Counter(
    "maillage_emails",
    "Attempts to send an email, by outcome (sent, retry, refused, failed, unreachable, suspended).",
    ["outcome"],
)
EMAILS_WAITING = Gauge("maillage_emails_waiting", "Emails recorded and not yet sent.")


class SmtpUnavailable(Exception):
    """The SMTP server cannot be reached, or dropped the connection: not the message's fault."""


class _NativeSMTP(smtplib.SMTP):
    """``smtplib.SMTP`` (its exceptions, its dialogue) on an operating-system socket, not an
    eventlet one: see ``Smtp``."""

    def _get_socket(self, host, port, timeout):
        return _os_socket.create_connection((host, port), timeout, self.source_address)


class Smtp:
    """One SMTP connection for a round of sends.

    Its dialogue runs in a native thread (``eventlet.tpool``) on an OS socket: each email is
    four exchanges with the server, and on an eventlet socket every one of them waited for
    the event handlers' greenlets (composing, recording) to yield, so that the sender got
    a small share of the process while events kept coming. In its own thread it waits for
    the server alone, and the handlers keep the hub meanwhile."""

    def __init__(self, settings: Settings) -> None:
        try:
            self.connection = tpool.execute(
                _NativeSMTP, settings.smtp_host, settings.smtp_port, timeout=SMTP_TIMEOUT_SECONDS
            )
        except (OSError, smtplib.SMTPException) as exc:
            raise SmtpUnavailable(f"{type(exc).__name__}: {exc}") from exc

    def send(self, delivery: Delivery) -> None:
        options = ["SMTPUTF8"] if delivery.smtputf8 else []
        tpool.execute(
            self.connection.sendmail,
            delivery.mail_from or "",
            [delivery.rcpt],
            delivery.raw,
            mail_options=options,
        )

    def close(self) -> None:
        try:
            tpool.execute(self.connection.quit)
        except (OSError, smtplib.SMTPException):
            self.connection.close()


def smtp_code(exc: BaseException) -> int | None:
    """The SMTP reply code of a refusal, if the server answered one."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        return min(codes) if codes else None
    return getattr(exc, "smtp_code", None)


def due(now: datetime, limit: int = BATCH) -> list[dict[str, Any]]:
    """Deliveries to send now, oldest due first: ``pending`` ones whose time has come, and
    ``sending`` ones whose claim expired. An equality on ``status`` (indexed), then Python.
    Read as plain rows (``as_pymongo``): hundreds a round, no ``Document`` built for each."""
    fields = ("id", "status", "attempts", "next_attempt_at", "claimed_until", "created_at")
    rows = []
    # At most ``SCAN`` pending ones a round: a backlog of 10,000 is not read 50 times over.
    pending = Delivery.objects(status=Delivery.PENDING).only(*fields).limit(SCAN)
    for row in pending.as_pymongo():
        if row.get("next_attempt_at") is None or _aware(row["next_attempt_at"]) <= now:
            rows.append(row)
    for row in Delivery.objects(status=Delivery.SENDING).only(*fields).as_pymongo():
        if row.get("claimed_until") is None or _aware(row["claimed_until"]) < now:
            rows.append(row)
    rows.sort(key=lambda r: _aware(r.get("next_attempt_at") or r.get("created_at") or now))
    return [
        {
            "id": r["_id"],
            "status": r["status"],
            "attempts": r.get("attempts") or 0,
            "created_at": r.get("created_at") and _aware(r["created_at"]),
        }
        for r in rows[:limit]
    ]


def _aware(moment: datetime) -> datetime:
    # The connection is tz-aware (``services.common.db``); a naive one is UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def claim(row: dict[str, Any], now: datetime, lease: timedelta) -> Delivery | None:
    """Take the right to send for ``lease``: by ``_id``, only if nobody took it since we read
    it (the same status and attempts, and for an abandoned claim, still expired)."""
    conditions: dict[str, Any] = {
        "id": row["id"],
        "status": row["status"],
        "attempts": row["attempts"],
    }
    if row["status"] == Delivery.SENDING:
        conditions["claimed_until__lt"] = now
    taken = Delivery.objects(**conditions).update_one(
        set__status=Delivery.SENDING,
        set__claimed_until=now + lease,
        set__last_attempt_at=now,
        inc__attempts=1,
    )
    return Delivery.objects(id=row["id"]).first() if taken == 1 else None


def claim_batch(rows: list[dict[str, Any]], now: datetime, lease: timedelta) -> list[Delivery]:
    """Claim the due ``rows`` in a few writes instead of one each: the pending ones by
    ``_id`` with the same compare-and-set as ``claim`` (still pending, the same attempts:
    one update per attempts value, usually one), then one read of what this round now holds
    (its ``round`` mark). An abandoned claim (``sending``, expired) goes through ``claim``."""
    mark = uuid.uuid4().hex
    by_attempts: dict[int, list[str]] = {}
    abandoned = []
    for row in rows:
        if row["status"] == Delivery.PENDING:
            by_attempts.setdefault(row["attempts"], []).append(row["id"])
        else:
            abandoned.append(row)
    for attempts, ids in by_attempts.items():
        Delivery.objects(id__in=ids, status=Delivery.PENDING, attempts=attempts).update(
            set__status=Delivery.SENDING,
            set__claimed_until=now + lease,
            set__last_attempt_at=now,
            set__round=mark,
            inc__attempts=1,
        )
    ids = [row["id"] for row in rows if row["status"] == Delivery.PENDING]
    held = {d.id: d for d in Delivery.objects(id__in=ids) if d.round == mark} if ids else {}
    for row in abandoned:
        delivery = claim(row, now, lease)
        if delivery is not None:
            held[delivery.id] = delivery
    return [held[row["id"]] for row in rows if row["id"] in held]


def release(deliveries: list[Delivery]) -> None:
    """Give back claimed emails this round will not try (it was cut short): pending, due at
    once, their attempt not counted."""
    for delivery in deliveries:
        _finish(
            delivery,
            set__status=Delivery.PENDING,
            set__next_attempt_at=datetime.now(UTC),
            unset__claimed_until=True,
            inc__attempts=-1,
        )


def _finish(delivery: Delivery, **changes: Any) -> None:
    # Only while we hold the claim (our attempt number).
    Delivery.objects(
        id=delivery.id, status=Delivery.SENDING, attempts=delivery.attempts
    ).update_one(**changes)


def give_up(row: dict[str, Any], settings: Settings, now: datetime) -> bool:
    """Mark ``failed`` a delivery not sent within ``email_give_up_hours``; True if so."""
    created = row["created_at"]
    if created is None or now - created < timedelta(hours=settings.email_give_up_hours):
        return False
    changed = Delivery.objects(
        id=row["id"], status=row["status"], attempts=row["attempts"]
    ).update_one(
        set__status=Delivery.FAILED,
        set__last_error=f"not sent within {settings.email_give_up_hours:g} h; given up",
        unset__claimed_until=True,
    )
    if changed:
        EMAILS.labels("failed").inc()
        log.error("email given up", extra={"delivery": row["id"]})
    return bool(changed)


def send_due(
    settings: Settings,
    connect: Callable[[Settings], Smtp] = Smtp,
    now: datetime | None = None,
) -> int:
    """One round: send every due email over one connection; the number sent.

    Raises ``SmtpUnavailable`` when the server cannot be reached (nothing was claimed then) or
    drops the connection mid-round (the email being sent goes back to ``pending``, due again
    at once: it was not refused).
    """
    now = now or datetime.now(UTC)
    lease = timedelta(seconds=settings.email_claim_seconds)
    rows = [row for row in due(now) if not give_up(row, settings, now)]
    if not rows:
        return 0
    smtp = connect(settings)
    sent = 0
    accepted: list[Delivery] = []  # sent, not yet marked (``MARK_EVERY``)
    suspended = suspensions.suspended()
    try:
        # What another instance took since we listed it is not ours to send.
        claimed = claim_batch(rows, datetime.now(UTC), lease)
        for index, delivery in enumerate(claimed):
            if normalise(delivery.rcpt or "") in suspended:
                _finish(
                    delivery,
                    set__status=Delivery.SUSPENDED,
                    unset__claimed_until=True,
                    unset__raw=True,
                )
                EMAILS.labels("suspended").inc()
                continue
            try:
                if _send_one(settings, smtp, delivery):
                    sent += 1
                    accepted.append(delivery)
                    if len(accepted) >= MARK_EVERY:
                        _record_sent(settings, accepted)
                        accepted = []
                elif delivery.status == Delivery.REFUSED:
                    suspended.add(normalise(delivery.rcpt or ""))
            except BaseException:
                release(claimed[index + 1 :])
                raise
    finally:
        try:
            _record_sent(settings, accepted)  # whatever ended the round
        finally:
            smtp.close()
    return sent


def _send_one(settings: Settings, smtp: Smtp, delivery: Delivery) -> bool:
    try:
        smtp.send(delivery)
    except smtplib.SMTPServerDisconnected as exc:
        _unreachable(delivery, exc)
    except smtplib.SMTPException as exc:  # the server answered: its code decides
        return _refused(settings, delivery, exc)
    except OSError as exc:  # (after SMTPException, which is one too)
        _unreachable(delivery, exc)
    EMAILS.labels("sent").inc()
    return True  # accepted: the caller marks it sent (``_record_sent``)


def _mark_sent(deliveries: list[Delivery]) -> None:
    """``sent`` in one write per attempts value (usually one): by ``_id``, only while still
    ours (``sending``, our attempt number), the message bytes dropped."""
    by_attempts: dict[int, list[str]] = {}
    for delivery in deliveries:
        by_attempts.setdefault(delivery.attempts, []).append(delivery.id)
    now = datetime.now(UTC)
    for attempts, ids in by_attempts.items():
        Delivery.objects(id__in=ids, status=Delivery.SENDING, attempts=attempts).update(
            set__status=Delivery.SENT,
            set__sent_at=now,
            unset__claimed_until=True,
            unset__raw=True,
        )


def _record_sent(settings: Settings, deliveries: list[Delivery]) -> None:
    """Mark emails the server accepted as sent. The database may be away at that very
    moment (a crash, a failover): the emails are then sent but not known to be, and once
    their claim expired the next round would send them again. So the mark is retried until
    the database answers — nothing else can be sent meanwhile — for up to ten leases; only a
    longer outage (or this process dying now) can still send them twice."""
    if not deliveries:
        return
    deadline = datetime.now(UTC) + 10 * timedelta(seconds=settings.email_claim_seconds)
    wait = 0.2
    while True:
        try:
            _mark_sent(deliveries)
            return
        except PyMongoError:
            if datetime.now(UTC) >= deadline:
                raise
            log.warning(
                "emails sent, database away: marking them again",
                extra={"deliveries": [str(d.id) for d in deliveries]},
            )
            eventlet.sleep(wait)
            wait = min(wait * 2, 5.0)


def _unreachable(delivery: Delivery, exc: BaseException) -> None:
    """The connection failed under this email: it goes back, due at once, and the round ends."""
    _finish(
        delivery,
        set__status=Delivery.PENDING,
        set__next_attempt_at=datetime.now(UTC),
        set__last_error=f"{type(exc).__name__}: {exc}",
        unset__claimed_until=True,
    )
    raise SmtpUnavailable(f"{type(exc).__name__}: {exc}") from exc


def _refused(settings: Settings, delivery: Delivery, exc: smtplib.SMTPException) -> bool:
    error = f"{type(exc).__name__}: {exc}"
    code = smtp_code(exc)
    if code is not None and 500 <= code < 600:
        _finish(
            delivery,
            set__status=Delivery.REFUSED,
            set__last_error=error,
            unset__claimed_until=True,
        )
        if isinstance(exc, smtplib.SMTPRecipientsRefused):
            # The address itself refused (RCPT TO): nothing more goes to it. A refusal of
            # the sender or of the content (MAIL FROM, DATA) is not the address's doing.
            suspensions.suspend(delivery.rcpt or "", error, delivery.id)
            delivery.status = Delivery.REFUSED
        EMAILS.labels("refused").inc()
        log.error("email refused by the SMTP server", extra={"delivery": delivery.id})
        return False
    delay = backoff(
        delivery.attempts, settings.email_retry_base_seconds, settings.email_retry_max_seconds
    )
    _finish(
        delivery,
        set__status=Delivery.PENDING,
        set__next_attempt_at=datetime.now(UTC) + delay,
        set__last_error=error,
        unset__claimed_until=True,
    )
    EMAILS.labels("retry").inc()
    log.warning("email refused for now; will retry", extra={"delivery": delivery.id})
    return False


def probe_pause(failures: int, settings: Settings) -> float:
    """How long to wait after ``failures`` rounds in a row found SMTP away."""
    cap = min(SMTP_PROBE_MAX_SECONDS, settings.email_retry_max_seconds)
    return backoff(failures, settings.email_retry_base_seconds, cap).total_seconds()


class Mailer(DependencyProvider):
    """Runs the sender in a managed thread of the notifications container."""

    def setup(self) -> None:
        self._running = False

    def start(self) -> None:
        self._running = True
        self.container.spawn_managed_thread(self._run, identifier="email-sender")

    def stop(self) -> None:
        self._running = False

    def kill(self) -> None:
        self._running = False

    def get_dependency(self, worker_ctx) -> Mailer:
        return self

    def _run(self) -> None:
        failures = 0
        counted = 0.0
        while self._running:
            settings = container_settings()
            pause = settings.email_poll_seconds
            try:
                if send_due(settings) > 0:
                    pause = 0  # work was waiting: more may be; the next round at once
                failures = 0
            except SmtpUnavailable as exc:
                failures += 1
                pause = max(pause, probe_pause(failures, settings))
                EMAILS.labels("unreachable").inc()
                log.warning(
                    "SMTP server unreachable; emails wait",
                    extra={"error": str(exc), "retry_in_seconds": pause},
                )
            except Exception:
                log.exception("email sender failed")
            if time.monotonic() - counted >= GAUGE_SECONDS:
                counted = time.monotonic()
                try:
                    EMAILS_WAITING.set(Delivery.objects(status=Delivery.PENDING).count())
                except Exception:
                    log.debug("could not count waiting emails", exc_info=True)
            eventlet.sleep(pause)
