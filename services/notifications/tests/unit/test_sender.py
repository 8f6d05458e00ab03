"""The email sender against mongomock, with an SMTP connection that is a list: claims, retries
with backoff, permanent refusals, an SMTP server away, abandoned claims, giving up.

The same with a real SMTP server, broker and database: ``tests/service``; a real outage of the
whole platform: ``tests/fault/test_smtp_outage.py``.
"""

from __future__ import annotations

import smtplib
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from services.notifications import commands, sender
from services.notifications.models import ALIAS, Delivery
from services.notifications.tests.samples import message
from tests.support import mongomock_alias

SETTINGS = SimpleNamespace(
    smtp_host="127.0.0.1",
    smtp_port=25,
    email_retry_base_seconds=5.0,
    email_retry_max_seconds=3600.0,
    email_give_up_hours=72.0,
    email_claim_seconds=120.0,
)
LEASE = timedelta(seconds=SETTINGS.email_claim_seconds)


@pytest.fixture(autouse=True)
def db():
    with mongomock_alias(ALIAS) as database:
        yield database


class FakeSmtp:
    """Stands for the SMTP server: what was sent, or what to raise (per recipient, or all)."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, list[str], bytes, list[str]]] = []
        self.failure: Exception | None = None
        self.failures: dict[str, Exception] = {}
        self.away: Exception | None = None
        self.connections = 0
        self.closed = 0
        self.during: list[Delivery] = []

    def __call__(self, settings) -> FakeSmtp:
        if self.away is not None:
            raise sender.SmtpUnavailable(str(self.away))
        self.connections += 1
        return self

    def send(self, delivery: Delivery) -> None:
        self.during.append(Delivery.objects(id=delivery.id).first())
        failure = self.failures.get(delivery.rcpt) or self.failure
        if failure is not None:
            raise failure
        options = ["SMTPUTF8"] if delivery.smtputf8 else []
        self.sent.append((delivery.mail_from, [delivery.rcpt], delivery.raw, options))

    def close(self) -> None:
        self.closed += 1


@pytest.fixture
def smtp() -> FakeSmtp:
    return FakeSmtp()


def delivery(event_id: str = "e1", to: str = "marceline@example.org") -> Delivery:
    return Delivery.objects(id=f"{event_id}:booking_confirmed:{to}").first()


def later(seconds: float) -> datetime:
    return datetime.now(UTC) + timedelta(seconds=seconds)


def test_a_recorded_email_is_sent_once_and_logged(smtp):
    commands.record("e1", "booking_confirmed", message(), topic="bookings")
    assert sender.send_due(SETTINGS, smtp) == 1
    [(mail_from, rcpt, raw, options)] = smtp.sent
    assert (mail_from, rcpt, options) == (
        "no-reply@maillage.example",
        ["marceline@example.org"],
        [],
    )
    assert b"\r\nSubject: =?utf-8?q?R=C3=A9servation" in raw
    logged = delivery()
    assert (logged.status, logged.attempts) == (Delivery.SENT, 1)
    assert logged.sent_at is not None and logged.raw is None and logged.claimed_until is None
    assert logged.message_id == "<m1@maillage.example>"
    assert sender.send_due(SETTINGS, smtp) == 0  # nothing more to do
    assert len(smtp.sent) == 1 and smtp.closed == 1


def test_nothing_due_opens_no_connection(smtp):
    assert sender.send_due(SETTINGS, smtp) == 0
    assert smtp.connections == 0


def test_every_due_email_goes_over_one_connection(smtp):
    for n in range(5):
        commands.record(f"e{n}", "booking_confirmed", message(), topic="bookings")
    assert sender.send_due(SETTINGS, smtp) == 5
    assert smtp.connections == 1 and len(smtp.sent) == 5


def test_an_email_is_held_while_it_is_sent(smtp):
    commands.record("e1", "booking_confirmed", message(), topic="bookings")
    before = datetime.now(UTC)
    sender.send_due(SETTINGS, smtp)
    [during] = smtp.during
    assert during.status == Delivery.SENDING and during.attempts == 1
    lease = during.claimed_until - before
    assert LEASE - timedelta(seconds=1) < lease <= LEASE + timedelta(seconds=1)


def test_smtp_away_counts_nothing_against_the_emails(smtp):
    commands.record("e1", "booking_confirmed", message(), topic="bookings")
    smtp.away = ConnectionRefusedError("refused")
    for _ in range(10):
        with pytest.raises(sender.SmtpUnavailable):
            sender.send_due(SETTINGS, smtp)
    waiting = delivery()
    assert (waiting.status, waiting.attempts) == (Delivery.PENDING, 0)
    smtp.away = None  # back
    assert sender.send_due(SETTINGS, smtp) == 1
    assert delivery().status == Delivery.SENT


def test_a_connection_dropped_mid_round_puts_the_email_back_due_at_once(smtp):
    commands.record("e1", "booking_confirmed", message(), topic="bookings")
    commands.record("e2", "booking_confirmed", message(), topic="bookings")
    smtp.failure = smtplib.SMTPServerDisconnected("gone")
    with pytest.raises(sender.SmtpUnavailable):
        sender.send_due(SETTINGS, smtp)
    states = {d.event_id: (d.status, d.attempts) for d in Delivery.objects}
    assert sorted(states.values()) == [(Delivery.PENDING, 0), (Delivery.PENDING, 1)]
    dropped = Delivery.objects(attempts=1).first()
    assert dropped.last_error == "SMTPServerDisconnected: gone"
    assert dropped.next_attempt_at <= datetime.now(UTC) and dropped.claimed_until is None
    smtp.failure = None
    assert sender.send_due(SETTINGS, smtp) == 2


def test_sent_marks_go_in_groups_and_every_accepted_email_is_marked_when_the_round_ends(smtp):
    # 45 emails, the server drops the connection under the last one: the 44 it accepted are
    # all marked sent (in groups of MARK_EVERY, the rest when the round ends), none left
    # ``sending`` to go again once its claim expires; the dropped one goes back pending.
    people = [f"p{n:02d}@example.org" for n in range(45)]
    for n, to in enumerate(people):
        commands.record(f"e{n:02d}", "booking_confirmed", message(to), topic="bookings")
    smtp.failures[people[-1]] = smtplib.SMTPServerDisconnected("gone")
    with pytest.raises(sender.SmtpUnavailable):
        sender.send_due(SETTINGS, smtp)
    statuses = [d.status for d in Delivery.objects.order_by("event_id")]
    assert statuses == [Delivery.SENT] * 44 + [Delivery.PENDING]
    assert all(d.raw is None for d in Delivery.objects(status=Delivery.SENT))
    del smtp.failures[people[-1]]
    assert sender.send_due(SETTINGS, smtp, now=later(10**4)) == 1  # every lease long gone
    assert len(smtp.sent) == 45 and len({rcpt for _, [rcpt], _, _ in smtp.sent}) == 45


def test_a_temporary_refusal_is_retried_with_growing_delays_up_to_the_maximum(smtp):
    commands.record("e1", "booking_confirmed", message(), topic="bookings")
    smtp.failure = smtplib.SMTPRecipientsRefused({"marceline@example.org": (451, b"try later")})
    delays = []
    for _ in range(12):
        before = datetime.now(UTC)
        sender.send_due(SETTINGS, smtp, now=later(4000))  # whatever is pending is due
        waiting = delivery()
        assert waiting.status == Delivery.PENDING
        delays.append(round((waiting.next_attempt_at - before).total_seconds()))
    assert delays[:5] == [5, 10, 20, 40, 80]
    assert delays[-1] == 3600 and max(delays) == 3600
    assert delivery().attempts == 12 and "451" in delivery().last_error


def test_a_pending_email_waits_for_its_time(smtp):
    commands.record("e1", "booking_confirmed", message(), topic="bookings")
    Delivery.objects(id=delivery().id).update_one(set__next_attempt_at=later(60))
    assert sender.send_due(SETTINGS, smtp) == 0
    assert sender.send_due(SETTINGS, smtp, now=later(61)) == 1


@pytest.mark.parametrize(
    "refusal",
    [
        smtplib.SMTPRecipientsRefused({"marceline@example.org": (550, b"no such user")}),
        smtplib.SMTPDataError(554, b"rejected as spam"),
        smtplib.SMTPSenderRefused(553, b"sender not allowed", "no-reply@maillage.example"),
    ],
)
def test_a_permanent_refusal_is_refused_and_not_retried(smtp, refusal):
    commands.record("e1", "booking_confirmed", message(), topic="bookings")
    smtp.failure = refusal
    assert sender.send_due(SETTINGS, smtp) == 0
    refused = delivery()
    assert refused.status == Delivery.REFUSED and refused.claimed_until is None
    assert str(sender.smtp_code(refusal)) in refused.last_error
    assert refused.raw is not None  # kept: the operator may want to see or resend it
    smtp.failure = None
    assert sender.send_due(SETTINGS, smtp, now=later(4000)) == 0
    assert smtp.sent == []


def test_one_refused_recipient_does_not_hold_back_the_others(smtp):
    commands.record("e1", "booking_confirmed", message(), topic="bookings")
    commands.record("e1", "booking_confirmed", message("thierry@example.org"), topic="bookings")
    smtp.failures["marceline@example.org"] = smtplib.SMTPRecipientsRefused(
        {"marceline@example.org": (550, b"no such user")}
    )
    assert sender.send_due(SETTINGS, smtp) == 1
    assert delivery().status == Delivery.REFUSED
    assert delivery(to="thierry@example.org").status == Delivery.SENT


def test_a_send_in_progress_elsewhere_is_left_alone(smtp):
    commands.record("e1", "booking_confirmed", message(), topic="bookings")
    Delivery.objects(id=delivery().id).update_one(
        set__status=Delivery.SENDING, set__attempts=1, set__claimed_until=later(30)
    )
    assert sender.send_due(SETTINGS, smtp) == 0 and smtp.sent == []


def test_an_abandoned_claim_is_taken_over_after_its_lease(smtp):
    commands.record("e1", "booking_confirmed", message(), topic="bookings")
    Delivery.objects(id=delivery().id).update_one(
        set__status=Delivery.SENDING, set__attempts=1, set__claimed_until=later(-1)
    )
    assert sender.send_due(SETTINGS, smtp) == 1
    assert (delivery().status, delivery().attempts) == (Delivery.SENT, 2)


def test_a_claim_lost_to_another_instance_sends_nothing(smtp, monkeypatch):
    commands.record("e1", "booking_confirmed", message(), topic="bookings")
    real_due = sender.due

    def due_then_taken(now, limit=sender.BATCH):
        rows = real_due(now, limit)
        # another instance claims it between our read and our claim
        Delivery.objects(id=delivery().id).update_one(
            set__status=Delivery.SENDING, inc__attempts=1, set__claimed_until=later(120)
        )
        return rows

    monkeypatch.setattr(sender, "due", due_then_taken)
    assert sender.send_due(SETTINGS, smtp) == 0
    assert smtp.sent == [] and smtp.connections == 1


def test_a_claim_takes_its_own_delivery_only(smtp):
    commands.record(
        "e9", "booking_confirmed", message(), topic="bookings"
    )  # first: a claim without _id hits it
    commands.record("e1", "booking_confirmed", message(), topic="bookings")
    Delivery.objects(event_id="e9").update_one(set__next_attempt_at=later(60))
    assert sender.send_due(SETTINGS, smtp) == 1
    other = delivery("e9")
    assert (other.status, other.attempts) == (Delivery.PENDING, 0)


def test_sent_refused_and_suppressed_are_never_sent_again(smtp):
    for n, status in enumerate((Delivery.SENT, Delivery.REFUSED, Delivery.SUPPRESSED)):
        commands.record(f"e{n}", "booking_confirmed", message(), topic="bookings")
        Delivery.objects(event_id=f"e{n}").update_one(
            set__status=status, set__claimed_until=later(-3600)
        )
    assert sender.send_due(SETTINGS, smtp, now=later(10**6)) == 0
    assert smtp.connections == 0


def test_an_email_not_sent_in_time_is_given_up(smtp):
    commands.record("e1", "booking_confirmed", message(), topic="bookings")
    commands.record("e2", "booking_confirmed", message(), topic="bookings")
    Delivery.objects(event_id="e1").update_one(set__created_at=later(-73 * 3600))
    assert sender.send_due(SETTINGS, smtp) == 1
    failed = delivery("e1")
    assert failed.status == Delivery.FAILED and "72 h" in failed.last_error
    assert delivery("e2").status == Delivery.SENT
    assert len(smtp.sent) == 1


def test_the_pause_while_smtp_is_away_doubles_up_to_a_minute():
    pauses = [sender.probe_pause(n, SETTINGS) for n in range(1, 8)]
    assert pauses == [5, 10, 20, 40, 60, 60, 60]
    short = SimpleNamespace(**{**vars(SETTINGS), "email_retry_max_seconds": 2.0})
    assert sender.probe_pause(5, short) == 2


def test_smtp_code_of_each_refusal():
    assert sender.smtp_code(smtplib.SMTPDataError(554, b"no")) == 554
    refused = smtplib.SMTPRecipientsRefused({"a@x": (550, b"no"), "b@x": (451, b"later")})
    assert sender.smtp_code(refused) == 451  # the mildest: retry
    assert sender.smtp_code(smtplib.SMTPServerDisconnected("gone")) is None


def test_an_email_sent_while_the_database_drops_is_marked_when_it_is_back(smtp, monkeypatch):
    # The database away between the server's acceptance and the mark (tests/fault saw the
    # email sent twice: its claim expired and the next round sent it again).
    from pymongo.errors import AutoReconnect

    commands.record("e1", "booking_confirmed", message(), topic="bookings")
    real_mark, failures, pauses = sender._mark_sent, [AutoReconnect("down")] * 3, []

    def mark_when_back(deliveries):
        if failures:
            raise failures.pop()
        real_mark(deliveries)

    monkeypatch.setattr(sender, "_mark_sent", mark_when_back)
    monkeypatch.setattr(sender.eventlet, "sleep", pauses.append)
    assert sender.send_due(SETTINGS, smtp) == 1
    assert (delivery().status, len(smtp.sent), pauses) == (Delivery.SENT, 1, [0.2, 0.4, 0.8])
    Delivery.objects(id=delivery().id).update_one(set__claimed_until=later(-1))  # lease gone
    assert sender.send_due(SETTINGS, smtp) == 0 and len(smtp.sent) == 1
