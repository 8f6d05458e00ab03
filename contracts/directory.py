"""The directory's contract: places, local actors, their RPC shapes, events and errors.

Issue 9 grows this module: each part (places and search; actors, contact requests and the
work-stay portal; contributions, moderation and open data) adds its RPC shapes and events
here. The record shapes below are shared by every part: build on them, do not copy them.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, EmailStr, Field, StrictBool, field_validator

from .errors import Conflict, MaillageError
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
    version: int = 0


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
    service_radius_km: float | None = Field(None, ge=0, le=200, strict=True)  # they travel this far
    tags: list[Tag] = Field(default_factory=list, max_length=15)
    summary: ShortText | None = None
    website: AnyHttpUrl | None = None
    email: EmailStr | None = None  # where contact requests go; shown only with show_contact
    phone: PhoneNumber | None = None
    show_contact: StrictBool = False
    place_id: str | None = None  # the tiers-lieu they work from, when they do
    networks: list[Tag] = Field(default_factory=list, max_length=10)
    siret: str | None = Field(None, pattern=SIRET)
    rna: str | None = Field(None, pattern=RNA)


# -- places: update, status, search (dir-places) ----------------------------------------
# RPC: update_place(place_id, payload: PlacePatch, idempotency_key) → PlaceOut; the status
#      changes through the same write (``status``, ``status_since``), with its own event;
#      search_places(filters: PlaceSearch) → PlacePage; a place's history:
#      ``record_history("place", id)`` (contributions).
class PlacePatch(Strict):
    """A partial update: only the fields given change; ``None`` clears an optional field."""

    name: HeaderText | None = Field(None, min_length=1, max_length=160)
    commune: HeaderText | None = Field(None, min_length=1, max_length=120)
    postal_code: str | None = Field(None, pattern=POSTAL_CODE)
    status: PlaceStatus | None = None
    location: Location | None = None
    insee_code: str | None = Field(None, pattern=INSEE_CODE)
    street_address: str | None = Field(None, max_length=200)
    kinds: list[PlaceKind] | None = Field(None, max_length=len(PlaceKind))
    equipment: list[Equipment] | None = Field(None, max_length=len(Equipment))
    seats: Seats | None = None
    opening_hours: str | None = Field(None, max_length=500)
    contact: Contact | None = None
    summary: ShortText | None = None
    description: LongText | None = None
    networks: list[Tag] | None = Field(None, max_length=10)
    photos: list[AnyHttpUrl] | None = Field(None, max_length=10)
    siret: str | None = Field(None, pattern=SIRET)
    rna: str | None = Field(None, pattern=RNA)
    status_since: date | None = None

    _hours = field_validator("opening_hours")(check_opening_hours)


# Fields a patch may not clear (``None``): the record's required ones.
REQUIRED_PLACE_FIELDS = ("name", "commune", "postal_code", "status", "location")
PLACE_PAGE_SIZE = 20
MAX_PLACE_PAGE_SIZE = 100


class PlaceSearch(Strict):
    """The search's filters (``GET /api/places``); every one optional, all combined."""

    q: str | None = Field(None, max_length=200)
    kind: list[PlaceKind] = Field(default_factory=list)  # any of
    equipment: list[Equipment] = Field(default_factory=list)  # all of
    status: list[PlaceStatus] = Field(default_factory=list)  # any of
    commune: str | None = Field(None, max_length=120)  # folded equality
    network: str | None = Field(None, max_length=40)  # folded equality
    open_now: bool = False
    open_on: date | None = None  # open at some time that day
    lat: float | None = Field(None, ge=-90, le=90)
    lon: float | None = Field(None, ge=-180, le=180)
    radius_km: float | None = Field(None, gt=0, le=500)
    bbox: str | None = Field(None, max_length=100)  # min_lon,min_lat,max_lon,max_lat
    page: int = Field(1, ge=1, le=10_000)
    page_size: int = Field(PLACE_PAGE_SIZE, ge=1, le=MAX_PLACE_PAGE_SIZE)


class PlaceHit(PlaceOut):
    distance_km: float | None = None  # from the point searched around, when one was given
    open_now: StrictBool | None = None  # None: no opening hours known


class PlacePage(BaseModel):
    items: list[PlaceHit]
    total: int
    page: int
    page_size: int
    pages: int


# -- events ------------------------------------------------------------------------------
class PlaceCreated(EventData):
    place_id: str
    name: str
    commune: str
    postal_code: str
    status: str
    location: GeoPoint
    # Since issue 9 (absent from earlier events: booking reads them with defaults).
    slug: str | None = None
    insee_code: str | None = None
    opening_hours: str | None = None
    kinds: list[str] = []
    version: int = 0


class PlaceUpdated(EventData):
    """A place edited: ``changes`` holds the changed fields' new values; the fields other
    services keep (booking: name, commune, location, opening hours) are always given, with
    ``version`` so that a late event never undoes a newer one."""

    place_id: str
    version: int
    changes: dict
    name: str
    commune: str
    location: GeoPoint
    opening_hours: str | None = None


class PlaceStatusChanged(EventData):
    """A project opens, a place closes (or reopens); ``since``: the date it took effect."""

    place_id: str
    version: int
    status: str
    previous: str
    since: date


EVENTS: dict[str, type[EventData]] = {
    "place_created": PlaceCreated,
    "place_updated": PlaceUpdated,
    "place_status_changed": PlaceStatusChanged,
}


# == Local actors, contact requests and the work-stay portal (issue 9, dir-actors) =========
# RPC: create_actor(payload, key), update_actor(actor_id, patch, key),
#      remove_actor(actor_id, key), get_actor(actor_id), search_actors(criteria),
#      portal(place_id | None), request_contact(payload, key), contact_request(token),
#      reply_contact(token, payload, key), contact_stats(months).
# Public reads leave ``email`` and ``phone`` null unless ``show_contact`` (their owner and
# territory staff see them).
class ActorStatus(StrEnum):
    listed = "listed"
    removed = "removed"  # hidden by a coordinator: out of every public read


class ActorPatch(Strict):
    """The fields to change (only those sent; ``null`` clears an optional one)."""

    name: HeaderText | None = Field(None, min_length=1, max_length=160)
    trade: HeaderText | None = Field(None, min_length=1, max_length=120)
    categories: list[ActorCategory] | None = Field(
        None, min_length=1, max_length=len(ActorCategory)
    )
    commune: HeaderText | None = Field(None, min_length=1, max_length=120)
    postal_code: str | None = Field(None, pattern=POSTAL_CODE)
    insee_code: str | None = Field(None, pattern=INSEE_CODE)
    location: Location | None = None
    service_radius_km: float | None = Field(None, ge=0, le=200, strict=True)
    tags: list[Tag] | None = Field(None, max_length=15)
    summary: ShortText | None = None
    website: AnyHttpUrl | None = None
    email: EmailStr | None = None
    phone: PhoneNumber | None = None
    show_contact: StrictBool | None = None
    place_id: str | None = None
    networks: list[Tag] | None = Field(None, max_length=10)
    siret: str | None = Field(None, pattern=SIRET)
    rna: str | None = Field(None, pattern=RNA)


# Fields a patch may not clear (required in ``ActorIn``).
ACTOR_REQUIRED = ("name", "trade", "categories", "commune", "postal_code", "location")


class ActorOut(BaseModel):
    id: str
    name: str
    trade: str
    categories: list[ActorCategory]
    commune: str
    postal_code: str
    location: Location
    status: ActorStatus = ActorStatus.listed
    insee_code: str | None = None
    service_radius_km: float | None = None
    tags: list[str] = []
    summary: str | None = None
    website: str | None = None
    email: str | None = None  # null unless show_contact, or the reader is its owner or staff
    phone: str | None = None
    show_contact: StrictBool = False
    place_id: str | None = None
    networks: list[str] = []
    siret: str | None = None
    rna: str | None = None
    owner_id: str | None = None
    distance_km: float | None = None  # from the searched point, when one was given


class ActorSearchIn(Strict):
    """``GET /api/actors``'s filters; ``lat``/``lon`` together, ``radius_km`` 50 by default."""

    q: str | None = Field(None, max_length=200)
    category: list[ActorCategory] = Field(default_factory=list, max_length=len(ActorCategory))
    commune: str | None = Field(None, max_length=120)
    network: list[Tag] = Field(default_factory=list, max_length=10)
    place: str | None = Field(None, max_length=40)
    lat: float | None = Field(None, ge=-90, le=90)
    lon: float | None = Field(None, ge=-180, le=180)
    radius_km: float | None = Field(None, gt=0, le=500)
    bbox: str | None = Field(None, max_length=100)
    page: int = Field(1, ge=1, le=1000)
    per_page: int = Field(20, ge=1, le=100)


class ActorPage(BaseModel):
    items: list[ActorOut]
    total: int
    page: int
    per_page: int


class PortalSection(BaseModel):
    category: ActorCategory
    actors: list[ActorOut]


class PortalPlace(BaseModel):
    id: str
    name: str
    commune: str
    location: Location
    distance_km: float | None = None


class PortalOut(BaseModel):
    """Everything a teleworker on a work-stay needs around a place (or the territory)."""

    place: PortalPlace | None = None
    radius_km: float
    sections: list[PortalSection]
    coworking: list[PortalPlace]  # places offering coworking, nearest first


class ContactTarget(StrEnum):
    actor = "actor"
    place = "place"


class ContactRequestIn(Strict):
    """A visitor writes to an actor or a place. ``website`` is the honeypot: people never
    see it (it is hidden on the form), robots fill it; it must stay empty."""

    target_type: ContactTarget
    target_id: str = Field(min_length=1, max_length=40)
    name: HeaderText = Field(min_length=1, max_length=120)
    email: EmailStr
    message: str = Field(min_length=10, max_length=3000)
    language: str = Field("fr", pattern=r"^(fr|en)$")
    website: str | None = Field(None, max_length=500)  # honeypot: must stay empty


class ContactRequestOut(BaseModel):
    """What the sender is told: it is on its way (never the recipient's address)."""

    id: str
    target_type: ContactTarget
    target_id: str
    recipient_name: str
    status: str  # "sent" | "replied"


class ContactReplyIn(Strict):
    message: str = Field(min_length=2, max_length=3000)
    # The recipient's choice: the sender may answer them directly (Reply-To: their address).
    share_email: StrictBool = True


class ContactThreadOut(BaseModel):
    """The reply page (``/contact/reply/<token>``): the request as the recipient reads it;
    the sender's address only once they have replied."""

    id: str
    target_type: ContactTarget
    target_id: str
    recipient_name: str
    sender_name: str
    message: str
    created_at: str
    replied_at: str | None = None
    reply: str | None = None
    sender_email: str | None = None  # shown to the recipient once they replied


class ContactStatsRow(BaseModel):
    month: str  # "2026-11"
    target_type: ContactTarget
    target_id: str
    name: str | None = None
    requests: int
    replied: int


class ContactRefused(MaillageError):
    """A contact request that looks like spam (``reason``: ``honeypot``, ``links``,
    ``too_long``, ``repeated``), or to a recipient without an address (``no_address``)."""

    status = 422
    code = "contact_refused"


class ContactLimitReached(MaillageError):
    """The recipient received their daily share of requests (``limit``): try tomorrow."""

    status = 429
    code = "contact_limit_reached"


class ContactAlreadyReplied(MaillageError):
    status = 409
    code = "contact_already_replied"


class ActorCreated(EventData):
    actor_id: str
    name: str
    trade: str
    categories: list[str]
    commune: str
    postal_code: str
    location: GeoPoint
    owner_id: str | None = None
    contribution_id: str | None = None


class ActorUpdated(EventData):
    actor_id: str
    name: str
    changed: list[str]  # the fields that changed (their values stay in the directory)
    contribution_id: str | None = None


class ActorRemoved(EventData):
    actor_id: str
    name: str


class ContactRequested(EventData):
    """To the recipient, by notifications: the message and the link to reply; the sender's
    address is not in it (the recipient learns it only by replying)."""

    request_id: str
    target_type: str
    target_id: str
    recipient_email: str
    recipient_name: str
    sender_name: str
    message: str
    reply_token: str
    language: str = "fr"


class ContactReplied(EventData):
    """To the sender, by notifications: the recipient's answer; ``reply_to`` their address
    when they chose to share it."""

    request_id: str
    sender_email: str
    sender_name: str
    recipient_name: str
    message: str
    reply: str
    reply_to: str | None = None
    language: str = "fr"


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
        "actor_created": ActorCreated,
        "actor_updated": ActorUpdated,
        "actor_removed": ActorRemoved,
        "contact_requested": ContactRequested,
        "contact_replied": ContactReplied,
        "contribution_submitted": ContributionSubmitted,
        "contribution_approved": ContributionDecided,
        "contribution_rejected": ContributionDecided,
    }
)
