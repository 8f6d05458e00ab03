"""Shared shapes of request models, and validated types for text that ends up in an email
header (a person's name in ``To``, a resource's name in ``Subject``)."""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from enum import StrEnum
from typing import Annotated

import opening_hours
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field


class Strict(BaseModel):
    """A request body: unknown fields refused, surrounding spaces trimmed."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


# Unicode categories that have no place in one line of text: controls (NUL, CR, LF, TAB,
# ESC…), format characters (bidi overrides, zero-width spaces), line and paragraph
# separators, surrogates, private use and unassigned code points.
FORBIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
# Format characters real names need: zero-width non-joiner and joiner (Persian, Indic scripts).
ALLOWED_FORMAT = frozenset({"\u200c", "\u200d"})
# An RFC 2047 encoded-word starts with "=?": mail software decodes it back into raw bytes,
# line breaks included, so it is refused wherever it appears.
ENCODED_WORD = re.compile(r"=\?")


def one_line_text(value: str) -> str:
    """Text that can go into an email header as it is: NFC, one line, runs of spaces made one.

    Raises ``ValueError`` (a 422 naming the field) for control or invisible formatting
    characters and for RFC 2047 encoded-words, rather than sending something else than what
    the person wrote.
    """
    value = unicodedata.normalize("NFC", value)
    for char in value:
        if unicodedata.category(char) in FORBIDDEN_CATEGORIES and char not in ALLOWED_FORMAT:
            raise ValueError(
                f"must be one line of text, without control or invisible characters "
                f"(found U+{ord(char):04X})"
            )
    if ENCODED_WORD.search(value):
        raise ValueError("must not contain an encoded-word ('=?')")
    return " ".join(value.split())


# Any text bound for an email header; give it its own length with ``Field``.
HeaderText = Annotated[str, AfterValidator(one_line_text)]
# A person's name, as it appears in the ``To`` of the emails they receive.
PersonName = Annotated[str, Field(min_length=1, max_length=120), AfterValidator(one_line_text)]


# A phone number as people write it (spaces, dots, dashes, brackets, a leading +).
PhoneNumber = Annotated[str, Field(pattern=r"^\+?[0-9 ().\-]{6,30}$")]


class AudienceType(StrEnum):
    """Who a person is, in the funders' typology (LEADER/FEADER, Région, Département): the
    member's profile (gateway) and a booking's figures (booking) share it."""

    teleworker = "teleworker"
    independent = "independent"
    job_seeker = "job_seeker"
    student = "student"
    retiree = "retiree"
    tourist = "tourist"
    association = "association"
    company = "company"
    other = "other"


def check_opening_hours(value: str | None) -> str | None:
    """OSM ``opening_hours`` syntax, parsed by the real parser (opening-hours-py)."""
    if value is None:
        return None
    try:
        opening_hours.OpeningHours(value)
    except (opening_hours.ParserError, SyntaxError, ValueError) as error:
        # The parser's first line says where; its expectation is on the last.
        lines = [line.strip(" |=") for line in str(error).splitlines() if line.strip(" |")]
        why = lines[-1] if lines else "invalid"
        raise ValueError(f"not a valid OSM opening_hours expression: {why}") from None
    return value


def iso_date_only(value: object) -> object:
    """A date written ``YYYY-MM-DD``: pydantic would also read ``"0"`` as a Unix timestamp."""
    if isinstance(value, str) and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise ValueError("a date written YYYY-MM-DD")
    return value


# A date in a query string or a body, as the OpenAPI document says it (``format: date``).
IsoDate = Annotated[date, BeforeValidator(iso_date_only)]
