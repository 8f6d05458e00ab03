"""The local actors' pure rules: search words, privacy, reach of a service area, spam."""

from __future__ import annotations

import pytest

from contracts.identity import Caller, TerritoryRole
from services.directory.rules.actors import (
    actor_keywords,
    may_edit,
    prefilter_radius,
    public_view,
    within_reach,
)
from services.directory.rules.contact import spam_reason

RECORD = {
    "name": "Gîte des Lavandes",
    "trade": "chambres d'hôtes",
    "summary": "Au calme, fibre",
    "commune": "Riez",
    "tags": ["télétravail"],
    "categories": ["sleep"],
    "email": "gite@example.org",
    "phone": "04 92 00 00 00",
    "show_contact": False,
    "owner_id": "m-owner",
}
OWNER = Caller(member_id="m-owner")
STRANGER = Caller(member_id="m-other")
COORDINATOR = Caller(member_id="m-c", roles=(TerritoryRole.coordinator,))


def test_keywords_cover_name_trade_tags_commune_and_category_words():
    words = actor_keywords(RECORD)
    for word in ("gite", "lav", "lavandes", "chambres", "teletravail", "riez", "fibre"):
        assert word in words
    assert "dormir" in words and "hebergement" in words  # the category's words
    assert "des" not in words  # stop words are not keywords


@pytest.mark.parametrize(
    ("who", "sees"),
    [(None, False), (STRANGER, False), (OWNER, True), (COORDINATOR, True)],
)
def test_email_and_phone_only_for_owner_and_staff_without_opt_in(who, sees):
    shown = public_view(RECORD, who or Caller())
    assert (shown["email"], shown["phone"]) == (
        (RECORD["email"], RECORD["phone"]) if sees else (None, None)
    )
    assert shown["name"] == RECORD["name"]


def test_opted_in_contact_is_shown_to_anyone():
    shown = public_view({**RECORD, "show_contact": True}, Caller())
    assert shown["email"] == "gite@example.org"


def test_owner_and_staff_edit_others_do_not():
    assert may_edit(OWNER, "m-owner") and may_edit(COORDINATOR, None)
    assert not may_edit(STRANGER, "m-owner") and not may_edit(Caller(), None)
    assert not may_edit(Caller(), None)  # anonymous never matches an unowned record


def test_a_service_area_reaches_beyond_the_searched_radius():
    assert within_reach(8, 10, None)
    assert not within_reach(25, 10, None)
    assert within_reach(25, 10, 30)  # they travel 30 km: a point 25 km away finds them
    assert not within_reach(35, 10, 30)
    assert prefilter_radius(10, 40) == 40 and prefilter_radius(50, 40) == 50


@pytest.mark.parametrize(
    ("message", "honeypot", "reason"),
    [
        ("Bonjour, avez-vous une chambre libre en mars ?", None, None),
        ("Bonjour, avez-vous une chambre libre en mars ?", "http://spam", "honeypot"),
        ("Voir https://a.example https://b.example www.c.example", None, "links"),
        ("Mon site https://a.example et https://b.example", None, None),
        ("x" * 3001, None, "too_long"),
    ],
)
def test_spam_checks(message, honeypot, reason):
    assert spam_reason(message, honeypot) == reason
