"""The shapes of the accounts' HTTP API; the funders' audience typology is
``contracts.models.AudienceType`` (booking records it with a booking too)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, EmailStr, Field

from contracts.identity import TerritoryRole
from contracts.models import AudienceType, HeaderText, PersonName, PhoneNumber, Strict

Language = Literal["fr", "en"]
# At least 8 characters (NIST SP 800-63B); at most 256 (argon2 takes any length, the bound
# keeps a request's cost known).
Password = Annotated[str, Field(min_length=8, max_length=256)]
Phone = PhoneNumber


def _lower(value: str) -> str:
    return value.strip().lower()


# Addresses are compared and stored lower-case: Alice@Example.org is alice@example.org.
Email = Annotated[EmailStr, AfterValidator(_lower)]


class SignupIn(Strict):
    email: Email
    password: Password
    name: PersonName
    language: Language | None = None  # else the request's Accept-Language, else French


class CredentialsIn(Strict):
    email: Email
    # Not checked against the sign-up rules: a wrong password is a 401, never a 422.
    password: str = Field(min_length=1, max_length=256)


class EmailIn(Strict):
    email: Email


def is_safe_path(target: str) -> bool:
    """A path of this site only (no ``//host``, no scheme, no backslash, no control
    character): where a sign-in may lead back to without being an open redirect."""
    return (
        target.startswith("/")
        and not target.startswith("//")
        and "\\" not in target
        and all(ord(c) >= 0x20 for c in target)
    )


def _safe_path(value: str) -> str:
    if not is_safe_path(value):
        raise ValueError("a path of this site, such as /places/p1")
    return value


SafePath = Annotated[str, Field(max_length=500), AfterValidator(_safe_path)]


class LinkIn(EmailIn):
    # The page to come back to once the link is followed; kept with the link, server-side.
    next: SafePath | None = None


class EmailChangeIn(Strict):
    email: Email
    # The current password, for a member who has one: an open session alone (a borrowed
    # computer) must not move the account to another address.
    password: str | None = Field(None, min_length=1, max_length=256)


class NewPasswordIn(Strict):
    token: str = Field(min_length=1, max_length=200)
    password: Password


class Accepted(BaseModel):
    """The answer to a request whose outcome is told by email, the same whoever asks."""

    status: Literal["accepted"] = "accepted"


class TokenOut(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    token_id: str
    expires_at: datetime


class SignedIn(BaseModel):
    """A web session was opened (its id is in the cookie, never in the body)."""

    member_id: str
    csrf_token: str


class ApiTokenOut(BaseModel):
    id: str
    created_at: datetime
    expires_at: datetime


class ProfilePatch(Strict):
    name: PersonName | None = None
    language: Language | None = None
    commune: HeaderText | None = Field(None, max_length=120)
    audience: AudienceType | None = None
    consent_statistics: bool | None = None
    phone: Phone | None = None


class MeOut(BaseModel):
    id: str
    email: str
    name: str
    language: Language
    commune: str | None = None
    audience: AudienceType | None = None
    # Whether the member agreed to be counted in the figures given to funders (off unless said).
    consent_statistics: bool = False
    phone: str | None = None
    roles: list[TerritoryRole] = []
    # The places whose manager (facilitator) they are.
    manages: list[str] = []
    has_password: bool
    # Present when the request came with a session cookie: send it back as X-CSRF-Token.
    csrf_token: str | None = None
    tokens: list[ApiTokenOut] = []


class CalendarLink(BaseModel):
    """The secret address of a member's calendar feed, answered once (only its digest is
    kept). ``webcal_url`` is the same address for apps that subscribe on a click."""

    url: str
    webcal_url: str
    created_at: datetime
