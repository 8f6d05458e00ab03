import pytest

from contracts.identity import Caller
from services.directory import history
from services.directory.models import RecordChange
from tests.support import mongomock_alias

COORDINATOR = Caller(member_id="m-1")


@pytest.fixture(autouse=True)
def database():
    with mongomock_alias("directory"):
        yield


def test_diff_names_changed_fields_only():
    assert history.diff({"a": 1, "b": 2}, {"a": 1, "b": 3, "c": 4}) == {
        "b": [2, 3],
        "c": [None, 4],
    }


def test_a_retried_write_records_its_change_once():
    for _ in range(2):
        history.record("place", "p1", "k1", COORDINATOR, "updated", {"name": "A"}, {"name": "B"})
    assert RecordChange.objects.count() == 1
    [change] = history.history_of("place", "p1")
    assert change["by"] == "m-1" and change["changes"] == {"name": ["A", "B"]}


def test_a_write_that_changed_nothing_keeps_nothing():
    history.record("place", "p1", "k2", COORDINATOR, "updated", {"name": "A"}, {"name": "A"})
    assert history.history_of("place", "p1") == []
