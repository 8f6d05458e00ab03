"""The validated types for text bound for an email header (``contracts/models.py``), as the
booking contract uses them: the gateway and the booking service both refuse with them."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from contracts.booking import BookingIn, ResourceIn

BOOKING = {
    "resource_id": "r1",
    "start": "2030-05-02T09:00:00+02:00",
    "end": "2030-05-02T10:00:00+02:00",
    "name": "Marceline",
    "email": "marceline@example.org",
}


@pytest.mark.parametrize(
    "name",
    [
        "=?utf-8?q?Eve=0D=0ABcc:_victim@example.org?=",
        "=?UTF-8?B?RXZlDQpCY2M6IHZAZXhhbXBsZS5vcmc=?=",
        "Eve =?iso-8859-1?q?x?=",
        "Eve\r\nBcc: victim@example.org",
        "Eve\nMartin",
        "Eve\rMartin",
        "Eve\x00Martin",
        "Eve\tMartin",
        "Eve\x1bMartin",
        "Eve\u202eMartin",  # right-to-left override
        "Eve\u200bMartin",  # zero-width space
        "Eve\u2028Martin",  # line separator
        "Eve\ue000Martin",  # private use
        "M" * 121,
        "",
        "   ",
    ],
)
def test_a_hostile_name_is_refused_on_the_name_field(name):
    with pytest.raises(ValidationError) as error:
        BookingIn.model_validate({**BOOKING, "name": name})
    assert [e["loc"] for e in error.value.errors()] == [("name",)]


@pytest.mark.parametrize(
    ("name", "kept"),
    [
        ("Marceline Dupré-Lévêque", "Marceline Dupré-Lévêque"),
        ("  Marceline   Dupré  ", "Marceline Dupré"),
        ("Marceline\u00a0Dupré", "Marceline Dupré"),
        ("Zoë O'Connor", "Zoë O'Connor"),
        ("Dupont, Marceline", "Dupont, Marceline"),
        ("Nguyễn Thị Minh Khai", "Nguyễn Thị Minh Khai"),
        ("نام\u200cخانوادگی", "نام\u200cخانوادگی"),  # a zero-width non-joiner is part of it
        ("Mare\u0301", "Maré"),  # NFC: one code point per accented letter
        ("M" * 120, "M" * 120),
    ],
)
def test_a_real_name_passes_normalised(name, kept):
    assert BookingIn.model_validate({**BOOKING, "name": name}).name == kept


def test_a_resource_name_goes_into_subjects_and_follows_the_same_rule():
    with pytest.raises(ValidationError):
        ResourceIn.model_validate({"name": "Salle\r\nBcc: x", "kind": "office"})
    with pytest.raises(ValidationError):
        ResourceIn.model_validate({"name": "=?utf-8?q?Salle?=", "kind": "office"})
    assert ResourceIn.model_validate({"name": "Salle Lévêque", "kind": "office"}).name == (
        "Salle Lévêque"
    )
