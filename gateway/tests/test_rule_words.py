"""A permanence's rule in words, as its page and its place's page show it."""

from __future__ import annotations

import pytest

from gateway.web_pages.rule_words import rule_words


@pytest.mark.parametrize(
    "rule, french, english",
    [
        ("Tu 09:00-12:00", "mardi, 9 h – 12 h", "Tuesday, 9:00 – 12:00"),
        (
            "We[2,4] 14:00-17:00",
            "2e et 4e mercredi, 14 h – 17 h",
            "2nd and 4th Wednesday, 14:00 – 17:00",
        ),
        ("Th[-1] 09:30-11:00", "dernier jeudi, 9 h 30 – 11 h", "last Thursday, 9:30 – 11:00"),
        (
            "Mo-Fr 09:00-12:00,14:00-17:30",
            "lundi – vendredi, 9 h – 12 h, 14 h – 17 h 30",
            "Monday – Friday, 9:00 – 12:00, 14:00 – 17:30",
        ),
        ("Tu 09:00-12:00; Th 14:00-16:00", "mardi, 9 h – 12 h ; jeudi, 14 h – 16 h", None),
        # Another shape is shown as written rather than half-translated.
        ("Tu 09:00-12:00; PH off", "Tu 09:00-12:00; PH off", "Tu 09:00-12:00; PH off"),
    ],
)
def test_common_rules_read_as_words(rule, french, english):
    assert rule_words(rule, "fr") == french
    if english is not None:
        assert rule_words(rule, "en") == english
