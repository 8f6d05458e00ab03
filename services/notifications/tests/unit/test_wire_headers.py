"""Headers as a mail client reads them, on the raw bytes that go to the SMTP server.

Python re-parsing a message decodes RFC 2047 encoded-words and hides a ``List-Unsubscribe``
that left as ``=?utf-8?q?=3Chttps…?=``: these tests never re-parse with Python, they unfold
the header section by hand (RFC 5322 §2.2.3: CRLF followed by a space or tab) and read it.
"""

from __future__ import annotations

import re

import pytest

from services.notifications import commands, compose
from services.notifications.headers import UnwritableHeader, url_header_lines
from tests.samples import BOOKING_CONFIRMED

MAIL_FROM = "Maillage <ne-pas-repondre@maillage.example>"
PUBLIC_URL = "https://tiers-lieux-du-verdon-et-des-baronnies.maillage.example"
TOKEN = "0123456789abcdef0123456789abcdef"
LONG_EMAIL = "marceline.dupre-leveque.permanence-numerique@mairie-de-saint-agreve.example.org"


def raw_headers(raw: bytes) -> dict[str, list[str]]:
    """The header section as a mail client reads it: unfolded, undecoded, by name."""
    head = raw.split(b"\r\n\r\n", 1)[0].decode("utf-8")
    unfolded = re.sub(r"\r\n[ \t]", " ", head)
    headers: dict[str, list[str]] = {}
    for line in unfolded.split("\r\n"):
        name, _, value = line.partition(":")
        headers.setdefault(name.lower(), []).append(value.strip())
    return headers


def confirmed(email: str, name: str = "Marceline Dupré-Lévêque"):
    data = {**BOOKING_CONFIRMED, "email": email, "name": name}
    return compose.booking_confirmed_message(
        data, mail_from=MAIL_FROM, public_url=PUBLIC_URL, unsubscribe_token=TOKEN
    )


@pytest.mark.parametrize(
    "email", ["m@example.org", LONG_EMAIL, "marcèline.dupré@exemple-accentué.example.org"]
)
def test_list_unsubscribe_is_the_url_itself_on_the_wire(email):
    message = confirmed(email)
    raw, _ = commands.wire_form(message)
    headers = raw_headers(raw)
    url = compose._unsubscribe_url(PUBLIC_URL, email, TOKEN)
    assert len(f"List-Unsubscribe: <{url}>") > 78  # long enough to have been folded
    assert headers["list-unsubscribe"] == [f"<{url}>"]
    assert headers["list-unsubscribe-post"] == ["List-Unsubscribe=One-Click"]
    # Not one encoded-word in a header that carries a URL, nor a line past 998 characters.
    head = raw.split(b"\r\n\r\n", 1)[0]
    for line in head.split(b"\r\n"):
        assert len(line) <= 998
        if line.lower().startswith(b"list-"):
            assert b"=?" not in line, line


def test_every_message_with_an_unsubscribe_link_carries_it_intact():
    """Each builder that offers unsubscribing: the header in the raw bytes is ``<URL>``."""
    data = {**BOOKING_CONFIRMED, "email": LONG_EMAIL}
    options = {"mail_from": MAIL_FROM, "public_url": PUBLIC_URL, "unsubscribe_token": TOKEN}
    messages = [
        compose.booking_confirmed_message(data, **options),
        compose.booking_cancelled_message({**data, "cancelled_by": "staff"}, **options),
        compose.booking_answer_message("booking_requested", data, **options),
        compose.booking_reminder_message(data, **options),
        compose.manager_booking_message(
            "booking_confirmed",
            data,
            manager_name="Anne",
            manager_email=LONG_EMAIL,
            language="en",
            **options,
        ),
    ]
    url = compose._unsubscribe_url(PUBLIC_URL, LONG_EMAIL, TOKEN)
    for message in messages:
        raw, _ = commands.wire_form(message)
        assert raw_headers(raw)["list-unsubscribe"] == [f"<{url}>"]
        # ``as_bytes`` and ``as_string`` write the same header as the outbox does.
        assert f"List-Unsubscribe: <{url}>".encode() in message.as_bytes()
        assert f"List-Unsubscribe: <{url}>\n" in message.as_string()


def test_several_urls_fold_only_between_them():
    mailto = "<mailto:unsubscribe@maillage.example?subject=unsubscribe>"
    https = f"<{PUBLIC_URL}/unsubscribe?email=m%40example.org&token={TOKEN}>"
    lines = url_header_lines("List-Unsubscribe", f"{mailto}, {https}")
    assert lines == [f"List-Unsubscribe: {mailto},", f" {https}"]
    assert url_header_lines("List-Help", "<https://a.example/h>, <mailto:h@a.example>") == [
        "List-Help: <https://a.example/h>, <mailto:h@a.example>"
    ]


@pytest.mark.parametrize(
    "value",
    ["<https://a.example/\r\nBcc: victim@example.org>", "<https://a.example/é>", "<x\x00>"],
)
def test_a_url_header_that_cannot_go_on_the_wire_as_it_is_is_refused(value):
    with pytest.raises(UnwritableHeader):
        url_header_lines("List-Unsubscribe", value)


def test_a_url_longer_than_an_email_line_is_refused_not_mangled():
    message = confirmed("m@example.org")
    del message["List-Unsubscribe"]
    message["List-Unsubscribe"] = f"<{PUBLIC_URL}/{'a' * 1000}>"
    with pytest.raises(UnwritableHeader):
        commands.wire_form(message)


@pytest.mark.parametrize(
    "name",
    [
        "victim@example.org",
        "Eve <eve@example.org>",
        "=?utf-8?q?Eve=0D=0ABcc:_v@example.org?=",
        "Eve\r\nBcc: v@example.org",
    ],
)
def test_a_name_that_looks_like_an_address_or_hides_one_is_left_out_of_to(name):
    message = confirmed("marceline@example.org", name=name)
    raw, _ = commands.wire_form(message)
    assert raw_headers(raw)["to"] == ["marceline@example.org"]
    assert "bcc" not in raw_headers(raw)
