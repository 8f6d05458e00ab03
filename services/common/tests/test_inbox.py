"""The inbox's rules (once per event, retries with backoff, dead letters, replay) against
mongomock, without a broker: the publisher and the container are stand-ins."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from services.common import inbox as inbox_module
from services.common.inbox import DEAD, REPUBLISH_LEASE, RETRYING, Inbox, backoff
from tests.support import metric_value, mongomock_alias

SERVICE = "unit-inbox"


class Publisher:
    def __init__(self) -> None:
        self.sent: list[tuple[dict, dict]] = []

    def publish(self, body, **options) -> None:
        self.sent.append((body, options))


@pytest.fixture
def db():
    with mongomock_alias("unit") as database:
        yield database


@pytest.fixture
def inbox(db) -> Inbox:
    box = Inbox("unit")
    box.container = SimpleNamespace(service_name=SERVICE, spawn_managed_thread=lambda *a, **k: 0)
    box.settings = SimpleNamespace(handler_max_attempts=3, handler_retry_base_seconds=2.0)
    box.publisher = Publisher()
    return box


def event(event_id: str = "e1") -> dict:
    return {
        "event_id": event_id,
        "type": "place_created",
        "occurred_at": "2030-01-01T00:00:00+00:00",
        "territory": "t",
        "schema_version": 1,
        "correlation_id": "corr-1",
        "data": {"place_id": "p1"},
    }


def handled(outcome: str, handler: str = "on_it") -> float:
    return metric_value(
        "maillage_events_handled_total", service=SERVICE, handler=handler, outcome=outcome
    )


class Handler:
    def __init__(self, fail_times: int = 0) -> None:
        self.runs = 0
        self.fail_times = fail_times

    def __call__(self) -> None:
        self.runs += 1
        if self.runs <= self.fail_times:
            raise RuntimeError(f"boom {self.runs}")


def test_an_event_is_handled_once_however_often_it_comes(inbox, db):
    run = Handler()
    ok, duplicate = handled("ok"), handled("duplicate")
    inbox.handle("on_it", "q", event(), run)
    inbox.handle("on_it", "q", event(), run)
    inbox.handle("on_it", "q", event(), run)
    assert run.runs == 1
    assert handled("ok") == ok + 1 and handled("duplicate") == duplicate + 2
    [record] = db.processed_events.find()
    assert record["_id"] == "on_it:e1" and record["handler"] == "on_it"
    assert db.event_failures.count_documents({}) == 0


def test_each_handler_and_each_event_counts_separately(inbox):
    run = Handler()
    inbox.handle("on_it", "q", event("e1"), run)
    inbox.handle("on_it", "q", event("e2"), run)
    inbox.handle("other", "q", event("e1"), run)
    assert run.runs == 3


def test_the_correlation_id_of_the_event_is_bound(inbox):
    from services.common.logs import correlation_id

    seen = []
    inbox.handle("on_it", "q", event(), lambda: seen.append(correlation_id.get()))
    assert seen == ["corr-1"]


def test_a_failure_is_recorded_for_a_retry_after_backoff(inbox, db):
    run = Handler(fail_times=1)
    before = datetime.now(UTC)
    retries = handled("retry")
    inbox.handle("on_it", "q", event(), run)
    assert handled("retry") == retries + 1
    [failure] = db.event_failures.find()
    assert failure["_id"] == "on_it:e1"
    assert failure["attempts"] == 1 and failure["status"] == RETRYING
    assert failure["queue"] == "q" and failure["handler"] == "on_it"
    assert failure["event"] == event()
    assert failure["last_error"] == "RuntimeError: boom 1"
    delay = failure["next_attempt_at"] - before
    assert timedelta(seconds=1.99) <= delay < timedelta(seconds=3)  # stored to the ms
    assert db.processed_events.count_documents({}) == 0

    # The retry succeeds: the event is processed and its failure record is gone.
    inbox.handle("on_it", "q", event(), run)
    assert run.runs == 2
    assert db.event_failures.count_documents({}) == 0
    assert db.processed_events.count_documents({}) == 1


def test_backoff_grows_with_each_attempt(inbox, db):
    run = Handler(fail_times=2)
    inbox.handle("on_it", "q", event(), run)
    before = datetime.now(UTC)
    inbox.handle("on_it", "q", event(), run)
    failure = db.event_failures.find_one()
    assert failure["attempts"] == 2 and failure["status"] == RETRYING
    delay = failure["next_attempt_at"] - before
    assert timedelta(seconds=3.99) <= delay < timedelta(seconds=5)  # 2 s, then 4 s


def test_after_the_last_attempt_the_event_is_parked_as_a_dead_letter(inbox, db):
    run = Handler(fail_times=99)
    dead = handled("dead")
    for _ in range(3):
        inbox.handle("on_it", "q", event(), run)
    assert handled("dead") == dead + 1
    failure = db.event_failures.find_one()
    assert failure["attempts"] == 3 and failure["status"] == DEAD
    [letter] = inbox.dead_letters()
    assert letter["id"] == "on_it:e1" and letter["handler"] == "on_it"
    assert letter["attempts"] == 3 and letter["last_error"] == "RuntimeError: boom 3"
    assert letter["event"] == event()
    assert datetime.fromisoformat(letter["failed_at"])


def test_two_attempts_of_three_are_still_retried(inbox, db):
    run = Handler(fail_times=99)
    inbox.handle("on_it", "q", event(), run)
    inbox.handle("on_it", "q", event(), run)
    assert db.event_failures.find_one()["status"] == RETRYING
    assert inbox.dead_letters() == []


def test_dead_letters_come_oldest_first(inbox, db):
    run = Handler(fail_times=99)
    for name in ("e1", "e2"):
        for _ in range(3):
            inbox.handle("on_it", "q", event(name), run)
    db.event_failures.update_one(
        {"_id": "on_it:e2"}, {"$set": {"failed_at": datetime(2000, 1, 1, tzinfo=UTC)}}
    )
    assert [d["id"] for d in inbox.dead_letters()] == ["on_it:e2", "on_it:e1"]


def test_a_malformed_event_is_parked_without_running_the_handler(inbox, db):
    run = Handler()
    dead = handled("dead")
    inbox.handle("on_it", "q", {"not": "an envelope"}, run)
    inbox.handle("on_it", "q", "not even a dict", run)
    assert run.runs == 0
    assert handled("dead") == dead + 2
    letters = inbox.dead_letters()
    assert [d["event"] for d in letters] == [{"not": "an envelope"}, "'not even a dict'"]
    assert all("malformed" in d["last_error"] and d["attempts"] == 0 for d in letters)
    assert all(d["id"].startswith("on_it:malformed:") for d in letters)
    assert db.event_failures.find_one()["queue"] == "q"
    assert inbox.replay(letters[1]["id"]) is False  # nothing to republish


def test_replay_gives_a_dead_letter_fresh_attempts_and_republishes_it(inbox, db):
    run = Handler(fail_times=3)
    for _ in range(3):
        inbox.handle("on_it", "q", event(), run)
    assert inbox.replay("on_it:e1") is True
    assert inbox.publisher.sent == [(event(), {"exchange": "", "routing_key": "q"})]
    failure = db.event_failures.find_one()
    assert failure["status"] == RETRYING and failure["attempts"] == 0
    assert failure["next_attempt_at"] > datetime.now(UTC) + REPUBLISH_LEASE / 2
    assert inbox.replay("on_it:e1") is False  # no longer dead
    assert inbox.replay("unknown") is False
    # the republished event now succeeds
    inbox.handle("on_it", "q", event(), run)
    assert db.event_failures.count_documents({}) == 0


def test_retry_due_republishes_only_what_is_due_and_leases_it(inbox, db):
    run = Handler(fail_times=99)
    inbox.handle("on_it", "q1", event("due"), run)
    inbox.handle("on_it", "q2", event("later"), run)
    past = datetime.now(UTC) - timedelta(seconds=1)
    db.event_failures.update_one({"_id": "on_it:due"}, {"$set": {"next_attempt_at": past}})
    assert inbox.retry_due() == 1
    assert inbox.publisher.sent == [(event("due"), {"exchange": "", "routing_key": "q1"})]
    leased = db.event_failures.find_one({"_id": "on_it:due"})["next_attempt_at"]
    assert leased > datetime.now(UTC) + REPUBLISH_LEASE - timedelta(seconds=5)
    assert inbox.retry_due() == 0  # leased: not sent again while in flight
    assert len(inbox.publisher.sent) == 1


def test_retry_due_skips_dead_letters_and_counts_them(inbox, db):
    run = Handler(fail_times=99)
    for _ in range(3):
        inbox.handle("on_it", "q", event(), run)
    db.event_failures.update_one(
        {"_id": "on_it:e1"}, {"$set": {"next_attempt_at": datetime(2000, 1, 1, tzinfo=UTC)}}
    )
    assert inbox.retry_due() == 0
    assert inbox.publisher.sent == []
    assert metric_value("maillage_dead_letters", service=SERVICE) == 1


def test_a_record_claimed_by_another_replica_is_not_republished(inbox, db, monkeypatch):
    run = Handler(fail_times=99)
    inbox.handle("on_it", "q", event(), run)
    due = datetime.now(UTC) - timedelta(seconds=1)
    db.event_failures.update_one({"_id": "on_it:e1"}, {"$set": {"next_attempt_at": due}})
    real_find = type(db.event_failures).find

    # The other replica moved next_attempt_at after we read it: our claim must not match.
    monkeypatch.setattr(
        type(db.event_failures),
        "find",
        lambda c, *a, **k: _moved(real_find(c, *a, **k), c),
    )
    assert inbox.retry_due() == 0
    assert inbox.publisher.sent == []


def _moved(cursor, collection):
    rows = list(cursor)
    type(collection).update_one(
        collection,
        {"_id": "on_it:e1"},
        {"$set": {"next_attempt_at": datetime.now(UTC) + timedelta(minutes=5)}},
    )
    return rows


def test_backoff_doubles_and_is_capped():
    assert [backoff(n, 2).total_seconds() for n in (0, 1, 2, 3, 4)] == [2, 2, 4, 8, 16]
    assert backoff(40, 2) == timedelta(seconds=3600)
    assert backoff(5, 1, cap_seconds=10) == timedelta(seconds=10)


def test_a_handler_whose_inbox_cannot_write_raises_for_a_requeue(monkeypatch):
    """``reliable_handler`` lets an inbox failure escape (nameko then requeues the message)."""
    monkeypatch.setattr(inbox_module, "REQUEUE_PAUSE_SECONDS", 0)

    class Broken:
        def handle(self, *args):
            raise ConnectionError("database away")

    class Service:
        name = "svc"
        inbox = Broken()

        @inbox_module.reliable_handler("directory", "place_created")
        def on_place(self, payload):
            raise AssertionError("not reached")

    with pytest.raises(ConnectionError):
        Service().on_place(event())
    # ...and nameko is told to requeue such a failure rather than ack and drop the message.
    [entrypoint] = Service.on_place.nameko_entrypoints
    handler = entrypoint.args[0] if hasattr(entrypoint, "args") else entrypoint
    assert (handler.source_service, handler.event_type) == ("directory", "place_created")
    assert handler.requeue_on_error is True


def test_retry_due_goes_past_records_not_yet_due(inbox, db):
    run = Handler(fail_times=99)
    for name in ("later", "due-1", "due-2"):
        inbox.handle("on_it", "q", event(name), run)
    past = datetime.now(UTC) - timedelta(seconds=1)
    db.event_failures.update_many(
        {"_id": {"$in": ["on_it:due-1", "on_it:due-2"]}}, {"$set": {"next_attempt_at": past}}
    )
    assert inbox.retry_due() == 2
    assert sorted(body["event_id"] for body, _ in inbox.publisher.sent) == ["due-1", "due-2"]


def test_a_duplicate_finishing_first_does_not_fail_the_handler(inbox, db):
    """Two deliveries of one event ran at once; the other recorded it first."""

    def run():
        db.processed_events.insert_one({"_id": "on_it:e1", "handler": "on_it"})

    ok = handled("ok")
    inbox.handle("on_it", "q", event(), run)
    assert handled("ok") == ok + 1
    assert db.event_failures.count_documents({}) == 0


# -- bulk replay ----------------------------------------------------------------------------
def park(inbox, db, event_id: str, event_type: str, failed_at: datetime) -> None:
    """A dead letter of ``event_type`` parked at ``failed_at``."""
    run = Handler(fail_times=99)
    payload = {**event(event_id), "type": event_type}
    for _ in range(3):
        inbox.handle("on_it", "q", payload, run)
    db.event_failures.update_one({"_id": f"on_it:{event_id}"}, {"$set": {"failed_at": failed_at}})


def at(hour: int) -> datetime:
    return datetime(2030, 1, 1, hour, tzinfo=UTC)


@pytest.fixture
def parked(inbox, db):
    park(inbox, db, "a8", "booking_confirmed", at(8))
    park(inbox, db, "a9", "booking_confirmed", at(9))
    park(inbox, db, "a10", "booking_confirmed", at(10))
    park(inbox, db, "p9", "place_created", at(9))
    inbox.handle("on_it", "q", {"not": "an envelope"}, Handler())
    inbox.publisher.sent.clear()


def replayed(inbox) -> list[str]:
    return sorted(body["event_id"] for body, _ in inbox.publisher.sent)


def test_bulk_replay_by_type_and_time_range(inbox, db, parked):
    assert inbox.replay_many("booking_confirmed", at(9), at(10)) == 1
    assert replayed(inbox) == ["a9"]  # since included, until excluded, one type
    assert db.event_failures.find_one({"_id": "on_it:a9"})["status"] == RETRYING
    assert db.event_failures.find_one({"_id": "on_it:a8"})["status"] == DEAD
    assert inbox.replay_many("booking_confirmed", at(9), at(10)) == 0  # no longer dead


def test_bulk_replay_with_one_bound_or_none(inbox, parked):
    assert inbox.replay_many(since=at(9)) == 3
    assert replayed(inbox) == ["a10", "a9", "p9"]
    inbox.publisher.sent.clear()
    assert inbox.replay_many(until=at(9)) == 1
    assert replayed(inbox) == ["a8"]


def test_bulk_replay_of_everything_leaves_what_is_not_an_event(inbox, db, parked):
    assert inbox.replay_many() == 4
    assert replayed(inbox) == ["a10", "a8", "a9", "p9"]
    [left] = inbox.dead_letters()
    assert left["event"] == {"not": "an envelope"}


def test_bulk_replay_reads_times_stored_without_a_zone_as_utc(inbox, db, parked):
    db.event_failures.update_one(
        {"_id": "on_it:a8"}, {"$set": {"failed_at": datetime(2030, 1, 1, 8)}}
    )
    assert inbox_module._utc(datetime(2030, 1, 1, 8)) == at(8)
    assert inbox.replay_many("booking_confirmed", at(8), at(9)) == 1
    assert replayed(inbox) == ["a8"]


def test_a_parked_non_event_is_never_replayed_even_when_it_is_a_dict(inbox, db):
    inbox.handle("on_it", "q", {"not": "an envelope"}, Handler())
    [letter] = inbox.dead_letters()
    assert inbox.replay(letter["id"]) is False
    assert inbox.publisher.sent == []
    assert db.event_failures.find_one()["status"] == DEAD  # not left retrying for ever


# -- undecodable messages -------------------------------------------------------------------
def test_an_undecodable_body_is_parked_once_with_its_content_type(inbox, db):
    dead = handled("dead")
    error = ValueError("Expecting value: line 1 column 1 (char 0)")
    inbox.park_undecodable("on_it", "q", b"\xff not json", "application/json", error)
    inbox.park_undecodable("on_it", "q", b"\xff not json", "application/json", error)
    inbox.park_undecodable("on_it", "q", b"plain", "text/plain", error)
    assert handled("dead") == dead + 3
    letters = inbox.dead_letters()
    assert sorted(d["event"] for d in letters) == ["\\xff not json", "plain"]
    assert all(d["id"].startswith("on_it:undecodable:") for d in letters)
    assert all(d["attempts"] == 0 for d in letters)
    first = db.event_failures.find_one({"content_type": "application/json"})
    assert first["received"] == 2 and first["queue"] == "q" and first["status"] == DEAD
    assert "undecodable message (application/json): ValueError" in first["last_error"]
    assert inbox.replay(first["_id"]) is False


def test_a_huge_undecodable_body_is_kept_in_part(inbox, db):
    inbox.park_undecodable("on_it", "q", b"x" * 200_000, None, ValueError("no"))
    [letter] = inbox.dead_letters()
    assert len(letter["event"]) == inbox_module.MAX_PARKED_BODY
    assert "(no content type)" in letter["last_error"]


class Message:
    def __init__(self, body: bytes, content_type: str | None) -> None:
        self.body, self.content_type = body, content_type


class ConsumerCore:
    def __init__(self) -> None:
        self.acked: list[Message] = []
        self.requeued: list[Message] = []

    def ack_message(self, message) -> None:
        self.acked.append(message)

    def requeue_message(self, message) -> None:
        self.requeued.append(message)


def handler_entrypoint(inbox) -> inbox_module.ReliableEventHandler:
    entrypoint = inbox_module.ReliableEventHandler("booking", "booking_confirmed")
    entrypoint.container = SimpleNamespace(dependencies={inbox}, service_name=SERVICE)
    entrypoint.method_name = "on_it"
    entrypoint.queue = SimpleNamespace(name="evt-q")
    entrypoint.consumer = ConsumerCore()
    return entrypoint


def test_the_consumer_parks_a_body_kombu_cannot_decode_then_acks_it(inbox, db):
    entrypoint = handler_entrypoint(inbox)
    message = Message(b"{broken", "application/json")
    entrypoint.on_decode_error(message, ValueError("bad json"))
    assert entrypoint.consumer.acked == [message] and entrypoint.consumer.requeued == []
    [letter] = inbox.dead_letters()
    assert letter["event"] == "{broken" and letter["handler"] == "on_it"
    assert db.event_failures.find_one()["queue"] == "evt-q"


def test_the_consumer_requeues_what_it_cannot_park(inbox, monkeypatch):
    monkeypatch.setattr(inbox_module, "REQUEUE_PAUSE_SECONDS", 0)
    entrypoint = handler_entrypoint(inbox)

    def database_away(*args):
        raise ConnectionError("database away")

    monkeypatch.setattr(inbox, "park_undecodable", database_away)
    message = Message(b"{broken", "application/json")
    entrypoint.on_decode_error(message, ValueError("bad json"))
    assert entrypoint.consumer.requeued == [message] and entrypoint.consumer.acked == []


def test_reliable_handlers_hand_kombu_the_decode_error_callback():
    class Service:
        name = "svc"

        @inbox_module.reliable_handler("directory", "place_created")
        def on_place(self, payload):
            pass

    [entrypoint] = Service.on_place.nameko_entrypoints
    handler_cls = entrypoint.cls if hasattr(entrypoint, "cls") else type(entrypoint)
    assert issubclass(handler_cls, inbox_module.ReliableEventHandler)


def test_forget_member_deletes_every_failure_naming_the_member_and_nothing_else(inbox, db):
    """An erased member leaves no failed event behind: a replay would bring them back."""

    def failing() -> None:
        raise RuntimeError("smtp away")

    hers = {**event("e1"), "data": {"email": "Ondine.Marchal@example.org", "name": "Ondine"}}
    by_id = {**event("e2"), "data": {"member_id": "m-ondine"}}
    others = {**event("e3"), "data": {"email": "thierry@example.org"}}
    for parked in (hers, by_id, others):
        inbox.handle("on_it", "q", parked, failing)  # retrying
    inbox.handle("on_it", "q", {"not": "an envelope", "to": "ondine.marchal@example.org"}, failing)

    gone = inbox.forget_member({"member_id": "m-ondine", "email": "ondine.marchal@example.org"})

    assert gone == 3
    assert [row["_id"] for row in db.event_failures.find()] == ["on_it:e3"]
    assert inbox.forget_member({"member_id": None, "email": None}) == 0
    assert db.event_failures.count_documents({}) == 1
