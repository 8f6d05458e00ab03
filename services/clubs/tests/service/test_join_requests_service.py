"""A join request told to whoever answers it, and a member's own clubs, through real RPC and
events (RabbitMQ vhost, SecantusDB, the SMTP sink): while the place acts as president its
managers hear of a request, once a president is named they do; ``my_clubs`` follows the
caller's standing in each club."""

from __future__ import annotations

import uuid

import pytest

from services.clubs.service import ClubsService
from services.common.tests.callers import MANAGER, THIERRY, VERONIQUE
from services.notifications.models import Contact, PlaceManagers
from services.notifications.service import NotificationsService
from tests.support import wait_until


@pytest.fixture
def platform(start_service):
    start_service(NotificationsService)
    start_service(ClubsService)
    PlaceManagers(place_id="place-1", manager_ids=[MANAGER.member_id], version=1).save()
    for who, language in ((MANAGER, "fr"), (VERONIQUE, "en"), (THIERRY, "fr")):
        Contact(
            member_id=who.member_id, email=who.email, name=who.name or "Anne", language=language,
            event_time_us=0,
        ).save()  # fmt: skip


def mails_to(smtp_server, email: str, count: int) -> list:
    def found():
        mails = [m for m in smtp_server.messages() if email in str(m["To"])]
        return mails if len(mails) == count else None

    return wait_until(found)


def test_a_join_request_is_told_to_the_place_then_to_the_president(platform, as_, smtp_server):
    manager, veronique, thierry = as_(MANAGER), as_(VERONIQUE), as_(THIERRY)
    body = {"name": "Club WordPress", "place_id": "place-1", "join_policy": "approval"}
    club = manager.clubs.create_club(body, uuid.uuid4().hex)["id"]

    assert veronique.clubs.join(club, uuid.uuid4().hex)["status"] == "requested"
    [asked] = veronique.clubs.my_clubs()
    assert (asked["club_name"], asked["status"], asked["manages"]) == (
        "Club WordPress",
        "requested",
        False,
    )
    # The place acts as president: its manager is told, in French, with the way to answer.
    [told] = mails_to(smtp_server, MANAGER.email, 1)
    assert str(told["Subject"]).startswith("Demande d'adhésion au Club WordPress")
    text = told.get_body(("plain",)).get_content()
    assert "Véronique demande à rejoindre le club « Club WordPress »" in text
    assert f"/clubs/{club}/gestion" in text

    manager.clubs.answer_join_request(club, VERONIQUE.member_id, {"approve": True}, "ok-1")
    # She waited for the answer: told, in her language.
    [welcome] = mails_to(smtp_server, VERONIQUE.email, 1)
    assert str(welcome["Subject"]) == "Welcome to the club “Club WordPress”"
    assert "You are now a member" in welcome.get_body(("plain",)).get_content()
    manager.clubs.hand_over(club, {"member_id": VERONIQUE.member_id}, "president-1")
    presidency = mails_to(smtp_server, VERONIQUE.email, 2)  # the welcome, then this
    [handed] = [m for m in presidency if "president" in str(m["Subject"])]
    assert str(handed["Subject"]) == "You are now the president of the club “Club WordPress”"
    assert f"/clubs/{club}/gestion" in handed.get_body(("plain",)).get_content()
    [mine] = veronique.clubs.my_clubs()
    assert (mine["status"], mine["role"], mine["manages"]) == ("member", "president", True)
    assert thierry.clubs.my_clubs() == []

    # Now the president hears of the next request, in her language; the manager no more.
    thierry.clubs.join(club, uuid.uuid4().hex)
    mails = mails_to(smtp_server, VERONIQUE.email, 3)  # the welcome, the presidency, this
    [to_president] = [m for m in mails if "Thierry" in str(m["Subject"])]
    assert "Thierry asks to join the club" in to_president.get_body(("plain",)).get_content()
    assert len(mails_to(smtp_server, MANAGER.email, 1)) == 1

    # She refuses him: he is told, in French, and is no member.
    veronique.clubs.answer_join_request(club, THIERRY.member_id, {"approve": False}, "no-1")
    [refused] = mails_to(smtp_server, THIERRY.email, 1)
    assert str(refused["Subject"]) == "Votre demande pour le club « Club WordPress »"
    assert "n'a pas été acceptée" in refused.get_body(("plain",)).get_content()
    assert thierry.clubs.my_clubs() == []  # neither member nor waiting

    # He asks again, is let in, then removed by the president: told, in French.
    thierry.clubs.join(club, uuid.uuid4().hex)
    veronique.clubs.answer_join_request(club, THIERRY.member_id, {"approve": True}, "ok-2")
    veronique.clubs.leave(club, THIERRY.member_id, uuid.uuid4().hex)
    removed = mails_to(smtp_server, THIERRY.email, 3)  # refused, welcome, removed
    [gone] = [m for m in removed if "ne faites plus partie" in str(m["Subject"])]
    assert str(gone["Subject"]) == "Vous ne faites plus partie du club « Club WordPress »"
