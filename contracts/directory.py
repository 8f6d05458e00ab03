"""The directory's contract: places, local actors, their RPC shapes, events and errors.

Issue 9 grows this module: each part (places and search; actors, contact requests and the
work-stay portal; contributions, moderation and open data) adds its RPC shapes and events
here. The record shapes below are shared by every part: build on them, do not copy them.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, EmailStr, Field, field_validator

from .errors import Conflict
from .events import EventData, GeoPoint
from .models import HeaderText, PhoneNumber, Strict, check_opening_hours

SERVICE = "directory"
METRICS_PORT = 9101

# A French postal code (01000–98999) and INSEE commune code (2A/2B for Corsica).
POSTAL_CODE = r"^(?:0[1-9]|[1-8]\d|9[0-8])\d{3}$"
INSEE_CODE = r"^(?:\d{5}|2[AB]\d{3})$"
SIRET = r"^\d{14}$"
RNA = r"^W\d{9}$"


class PlaceStatus(StrEnum):
    open = "open"
    project = "project"
    closed = "closed"


class PlaceKind(StrEnum):
    """What a place is (several at once); the open-data export maps each to the national
    schema's ``typologie`` codes where one exists."""

    coworking = "coworking"
    fablab = "fablab"
    france_services = "france_services"  # labelled France Services (ex-MSAP)
    public_service_point = "public_service_point"  # PIJ, relais, permanences
    repair_cafe = "repair_cafe"
    shared_shop = "shared_shop"
    training_centre = "training_centre"
    cultural = "cultural"
    food_lab = "food_lab"
    digital_mediation = "digital_mediation"
    community_hub = "community_hub"


class Equipment(StrEnum):
    wifi = "wifi"
    fibre = "fibre"
    printer = "printer"
    visio_kit = "visio_kit"
    printer_3d = "printer_3d"
    laser_cutter = "laser_cutter"
    meeting_room = "meeting_room"
    kitchen = "kitchen"
    computers = "computers"  # computers open to the public
    accessible = "accessible"  # step-free access (PMR)
    parking = "parking"


class ActorCategory(StrEnum):
    """The showcase's categories; the first six are the work-stay portal's sections."""

    sleep = "sleep"
    eat = "eat"
    go_out = "go_out"
    childcare = "childcare"
    it_services = "it_services"
    coworking = "coworking"
    crafts = "crafts"
    food_products = "food_products"
    health = "health"
    transport = "transport"
    association = "association"
    services = "services"  # services to businesses and people not named above


PORTAL_CATEGORIES = (
    ActorCategory.sleep,
    ActorCategory.eat,
    ActorCategory.go_out,
    ActorCategory.childcare,
    ActorCategory.it_services,
    ActorCategory.coworking,
)


class Location(BaseModel):
    model_config = ConfigDict(extra="forbid")
    lat: float = Field(ge=-90, le=90, strict=True)
    lon: float = Field(ge=-180, le=180, strict=True)


class Seats(Strict):
    resident: int = Field(0, ge=0, le=10_000)
    drop_in: int = Field(0, ge=0, le=10_000)
    training: int = Field(0, ge=0, le=10_000)


class Contact(Strict):
    phone: PhoneNumber | None = None
    emails: list[EmailStr] = Field(default_factory=list, max_length=5)
    website: AnyHttpUrl | None = None


ShortText = Annotated[str, Field(max_length=280)]
LongText = Annotated[str, Field(max_length=5000)]
Tag = Annotated[str, Field(min_length=1, max_length=40)]


# -- RPC: create_place(payload, idempotency_key), get_place(place_id), list_places(status),
#         export_member() --------------------------------------------------------------------
# ``export_member()``: what the directory holds about the caller (GDPR art. 15/20);
# anonymous: ``AuthenticationRequired``.
class PlaceIn(Strict):
    """A place's full record. Only the first five fields are required, so that earlier
    clients (and a coordinator noting a project with a name and a commune) still work."""

    name: HeaderText = Field(min_length=1, max_length=160)
    commune: HeaderText = Field(min_length=1, max_length=120)
    postal_code: str = Field(pattern=POSTAL_CODE)
    status: PlaceStatus
    location: Location
    insee_code: str | None = Field(None, pattern=INSEE_CODE)
    street_address: str | None = Field(None, max_length=200)  # "12 rue de la Bourgade"
    kinds: list[PlaceKind] = Field(default_factory=list, max_length=len(PlaceKind))
    equipment: list[Equipment] = Field(default_factory=list, max_length=len(Equipment))
    seats: Seats = Field(default_factory=Seats)
    opening_hours: str | None = Field(None, max_length=500)  # OSM syntax, parsed
    contact: Contact = Field(default_factory=Contact)
    summary: ShortText | None = None  # shown in lists and on the map
    description: LongText | None = None
    networks: list[Tag] = Field(default_factory=list, max_length=10)
    photos: list[AnyHttpUrl] = Field(default_factory=list, max_length=10)
    siret: str | None = Field(None, pattern=SIRET)
    rna: str | None = Field(None, pattern=RNA)
    # When the current status began (a project's opening date, a closing date); today when
    # absent.
    status_since: date | None = None

    _hours = field_validator("opening_hours")(check_opening_hours)


class PlaceOut(BaseModel):
    id: str
    name: str
    commune: str
    postal_code: str
    status: PlaceStatus
    location: Location
    slug: str | None = None
    insee_code: str | None = None
    street_address: str | None = None
    kinds: list[PlaceKind] = []
    equipment: list[Equipment] = []
    seats: Seats = Seats()
    opening_hours: str | None = None
    contact: Contact = Contact()
    summary: str | None = None
    description: str | None = None
    networks: list[str] = []
    photos: list[str] = []
    siret: str | None = None
    rna: str | None = None
    status_since: date | None = None


class ActorIn(Strict):
    """A local actor of the showcase: a professional, an artisan, a host, an association.

    Their email and phone are never shown unless ``show_contact`` is true; a visitor writes
    to them through a contact request."""

    name: HeaderText = Field(min_length=1, max_length=160)
    trade: HeaderText = Field(min_length=1, max_length=120)  # "menuisier", "gîte", "traiteur"
    categories: list[ActorCategory] = Field(min_length=1, max_length=len(ActorCategory))
    commune: HeaderText = Field(min_length=1, max_length=120)
    postal_code: str = Field(pattern=POSTAL_CODE)
    insee_code: str | None = Field(None, pattern=INSEE_CODE)
    location: Location
    service_radius_km: float | None = Field(None, ge=0, le=200)  # they travel this far
    tags: list[Tag] = Field(default_factory=list, max_length=15)
    summary: ShortText | None = None
    website: AnyHttpUrl | None = None
    email: EmailStr | None = None  # where contact requests go; shown only with show_contact
    phone: PhoneNumber | None = None
    show_contact: bool = False
    place_id: str | None = None  # the tiers-lieu they work from, when they do
    networks: list[Tag] = Field(default_factory=list, max_length=10)
    siret: str | None = Field(None, pattern=SIRET)
    rna: str | None = Field(None, pattern=RNA)


# -- events ------------------------------------------------------------------------------
class PlaceCreated(EventData):
    place_id: str
    name: str
    commune: str
    postal_code: str
    status: str
    location: GeoPoint


EVENTS: dict[str, type[EventData]] = {"place_created": PlaceCreated}


# == Contributions, moderation and open data (issue 9, dir-moderation) ====================
# RPC: submit_contribution(payload, idempotency_key), list_contributions(status),
#      my_contributions(), get_contribution(contribution_id),
#      approve_contribution(contribution_id, idempotency_key),
#      reject_contribution(contribution_id, payload, idempotency_key),
#      record_history(record_type, record_id),
#      export_places(filters) -> rows for CSV/GeoJSON, import_places(csv_text, idempotency_key)
class ContributionType(StrEnum):
    place = "place"
    actor = "actor"


class ContributionStatus(StrEnum):
    pending = "pending"
    approving = "approving"  # an approval is applying it (a moment)
    approved = "approved"
    rejected = "rejected"


class ContributionIn(Strict):
    """A proposal by any signed-in member: a new place or actor (``target_id`` absent, every
    required field of ``PlaceIn``/``ActorIn`` in ``fields``), or an edit of one (``target_id``
    set, only the fields to change, each valid as in ``PlaceIn``/``ActorIn``)."""

    type: ContributionType
    target_id: str | None = Field(None, min_length=1, max_length=40)
    fields: dict = Field(min_length=1)
    note: str | None = Field(None, max_length=1000)  # a word to the coordinator


class RejectContributionIn(Strict):
    reason: str = Field(min_length=1, max_length=1000)


class LikelyDuplicate(BaseModel):
    """A record (or a pending proposal) that may be the same as the one proposed."""

    kind: str  # "place" | "actor" | "contribution"
    id: str
    name: str
    why: str  # "same_name_nearby" | "same_siret"


class ContributionOut(BaseModel):
    id: str
    type: ContributionType
    target_id: str | None = None
    fields: dict
    note: str | None = None
    status: ContributionStatus
    name: str  # the proposed name, or the target's name for an edit when known
    submitted_by: str | None = None
    submitted_at: str
    decided_by: str | None = None
    decided_at: str | None = None
    reason: str | None = None
    record_id: str | None = None  # the place or actor created or edited, once approved
    duplicates: list[LikelyDuplicate] = []


class HistoryEntry(BaseModel):
    action: str
    by: str | None = None
    at: str
    changes: dict
    contribution_id: str | None = None


class ImportRejection(BaseModel):
    row: int  # the line of the CSV file (the header is line 1)
    field: str | None = None
    message: str


class ImportReport(BaseModel):
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[ImportRejection] = []


class ContributionAlreadyDecided(Conflict):
    """Approve or reject a proposal already decided the other way (``status`` says how)."""

    code = "contribution_already_decided"


class ContributionSubmitted(EventData):
    contribution_id: str
    type: str
    target_id: str | None = None
    name: str
    submitted_by: str | None = None
    duplicates: int = 0


class ContributionDecided(EventData):
    """``contribution_approved`` / ``contribution_rejected``: the contributor's answer; their
    address, name and language come with it so that notifications can write to them."""

    contribution_id: str
    type: str
    target_id: str | None = None
    record_id: str | None = None
    name: str
    submitted_by: str | None = None
    email: str | None = None
    contributor_name: str | None = None
    language: str = "fr"
    reason: str | None = None


EVENTS.update(
    {
        "contribution_submitted": ContributionSubmitted,
        "contribution_approved": ContributionDecided,
        "contribution_rejected": ContributionDecided,
    }
)
