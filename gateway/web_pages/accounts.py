"""The account pages: sign-up, sign-in (an emailed link or a password), password reset, the
profile, sign-out. Forms, POST then 303, errors beside their field, no JavaScript.

No rule is written twice: each form is read into the API's own model
(``gateway.accounts.models``) and handed to the API route's own function
(``gateway.routers.auth``, ``gateway.routers.me``), which counts the rate limits, hashes,
writes and emits exactly as for the JSON API. Whatever the address, the pages say the same
(« check your mailbox »): whether an account exists is told only by email, to its owner.

Sign-in forms are refused when the browser says they come from another site
(``Sec-Fetch-Site``): nobody can sign a visitor into an account of their choosing.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, BackgroundTasks, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, ValidationError

from .. import i18n
from ..accounts.models import (
    AudienceType,
    CredentialsIn,
    EmailChangeIn,
    EmailIn,
    LinkIn,
    NewPasswordIn,
    ProfilePatch,
    SignupIn,
)
from ..accounts.store import accounts
from ..deps import Identity, Services, form_csrf, identify
from ..errors_text import error_text
from ..i18n import N_, gettext
from ..problems import ProblemException
from ..routers import auth, calendars, me
from . import forms
from .render import page_account, render, set_flash

router = APIRouter(include_in_schema=False)

# The paths of this module's forms (URL-encoded bodies, web_pages.FORM_PATHS).
FORM_PATHS = (
    "/inscription",
    "/connexion",
    "/connexion/lien",
    "/mot-de-passe-oublie",
    "/mot-de-passe",
    "/profil",
    "/deconnexion",
    "/deconnexion-partout",
    "/profil/adresse",
    "/profil/agenda",
    "/profil/agenda/supprimer",
    "/supprimer-mon-compte",
)
AUDIENCES = [a.value for a in AudienceType]

FIELD_TEXTS = {
    "name": N_("Indiquez votre nom, sur une ligne (120 caractères au plus)."),
    "email": forms.FIELD_TEXTS["email"],
    "password": N_("Choisissez un mot de passe d'au moins 8 caractères (256 au plus)."),
    "current": N_("Indiquez votre mot de passe."),
    "language": N_("Choisissez le français ou l'anglais."),
    "commune": N_("Indiquez votre commune sur une ligne (120 caractères au plus)."),
    "audience": N_("Choisissez une des réponses proposées."),
    "phone": forms.FIELD_TEXTS["phone"],
}
WRONG_PASSWORD = N_("Ce n'est pas votre mot de passe actuel.")
WAIT = (
    N_("Trop de tentatives. Attendez %(num)s minute avant de réessayer."),
    N_("Trop de tentatives. Attendez %(num)s minutes avant de réessayer."),
)
EXPIRED = (
    N_("Formulaire expiré"),
    N_("Ce formulaire a expiré ou ne vient pas de ce site. Rechargez la page et recommencez."),
)


# --- reading forms -----------------------------------------------------------------------------


class Form:
    """What a person typed (shown again, never the passwords), errors by field, an alert."""

    def __init__(self, values: dict[str, str] | None = None) -> None:
        self.values = values or {}
        self.errors: dict[str, str] = {}
        self.alert: tuple[str, str] | None = None


def validated(model: type[BaseModel], data: dict[str, Any], form: Form, language: str):
    """``data`` read by the API's model; its refusals become words beside their fields."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        for error in exc.errors():
            name = str(error["loc"][0]) if error.get("loc") else ""
            field = "current" if model is CredentialsIn and name == "password" else name
            if field in FIELD_TEXTS:
                form.errors.setdefault(field, gettext(language, FIELD_TEXTS[field]))
        if not form.errors:
            form.errors["email"] = gettext(language, FIELD_TEXTS["email"])
        form.alert = (
            error_text("validation_failed", {}, language)[0],
            gettext(language, forms.FIX_FIELDS),
        )
        return None


def wait_words(limited: JSONResponse, language: str) -> tuple[str, str]:
    """A 429 of ``ratelimit.hit`` in words: how many minutes to wait."""
    seconds = int(limited.headers.get("Retry-After", "60"))
    minutes = max(1, -(-seconds // 60))
    text = gettext(language, WAIT[0] if minutes == 1 else WAIT[1], num=minutes)
    return error_text("too_many_requests", {"retry_after": seconds}, language)[0], text


async def who(request: Request) -> tuple[Identity | None, dict[str, str]]:
    """(who posts — None when the form's CSRF token is wrong —, the form's fields)."""
    fields = await forms.read_form(request)
    try:
        identity = identify(request, await form_csrf(request))
    except ProblemException as exc:
        if exc.code != "csrf_failed":
            raise
        return None, fields
    return identity, fields


def refused(request: Request) -> Response:
    """A form whose CSRF token is missing or wrong, or posted from another site."""
    language = i18n.page_language(request)
    title, detail = (gettext(language, text) for text in EXPIRED)
    return render(request, "account_refused.html", {"title": title, "detail": detail}, status=403)


async def open_form(request: Request) -> tuple[Identity, dict[str, str], str] | Response:
    """A form anyone may post (sign-up, sign-in, links, reset): (who, its fields, the page's
    language), or the refusal when its CSRF token is wrong or it comes from another site."""
    identity, fields = await who(request)
    if identity is None or cross_site(request):
        return refused(request)
    return identity, fields, i18n.page_language(request)


def cross_site(request: Request) -> bool:
    """The browser says the form was sent from another site (login CSRF)."""
    return request.headers.get("sec-fetch-site", "same-origin") not in ("same-origin", "none")


def carry_cookies(source: Response, target: Response) -> Response:
    for value in source.headers.getlist("set-cookie"):
        target.headers.append("set-cookie", value)
    return target


def next_page(target: str) -> str:
    from .site import safe_next

    return safe_next(target or "/")


def mailbox(kind: str) -> RedirectResponse:
    return RedirectResponse(f"/courriel-envoye?motif={kind}", 303)


# --- sign-up ---------------------------------------------------------------------------------


@router.get("/inscription")
def sign_up_page(request: Request) -> Response:
    language = i18n.page_language(request)
    return render(request, "sign_up.html", {"form": Form({"language": language})})


@router.post("/inscription")
async def sign_up(request: Request, later: BackgroundTasks) -> Response:
    posted = await open_form(request)
    if isinstance(posted, Response):
        return posted
    identity, fields, language = posted
    form = Form({k: fields.get(k, "").strip() for k in ("name", "email", "language")})
    chosen = form.values["language"] if form.values["language"] in i18n.LANGUAGES else language
    form.values["language"] = chosen
    data = {**form.values, "password": fields.get("password", ""), "language": chosen}
    body = validated(SignupIn, data, form, language)
    if body is not None:
        store = accounts(request.app.state)
        answer = auth.sign_up(request, body, store, later)
        if isinstance(answer, JSONResponse):
            form.alert = wait_words(answer, language)
        else:
            return mailbox("inscription")
    return render(request, "sign_up.html", {"form": form}, status=refusal_status(form))


@router.get("/courriel-envoye")
def mailbox_page(request: Request, motif: str = "") -> Response:
    kind = motif if motif in ("inscription", "lien", "mot-de-passe", "adresse") else "lien"
    return render(request, "mailbox.html", {"kind": kind})


# --- sign-in -----------------------------------------------------------------------------------


def sign_in_page_response(
    request: Request,
    link: Form | None = None,
    password: Form | None = None,
    status: int = 200,
    suite: str | None = None,
) -> Response:
    """The sign-in page; ``suite`` (the page to come back to: the query's on GET, the
    form's on a refused POST) goes into both forms."""
    suite = next_page(request.query_params.get("suite", "") if suite is None else suite)
    return render(
        request,
        "sign_in.html",
        {
            "link": link or Form(),
            "password": password or Form(),
            "suite": suite if suite != "/" else "",
        },
        status=status,
    )


@router.get("/connexion")
def sign_in_page(request: Request) -> Response:
    return sign_in_page_response(request)


async def ask_for_a_link(
    request: Request, later: BackgroundTasks, send, motif: str
) -> Form | Response:
    """The forms that take an address and email a link (sign-in, reset): the same answer
    for every address, the form again (with its errors or the wait) otherwise. A sign-in
    link keeps the page to come back to (``suite``), when it is one of this site's."""
    posted = await open_form(request)
    if isinstance(posted, Response):
        return posted
    identity, fields, language = posted
    form = Form({"email": fields.get("email", "").strip()})
    form.values["suite"] = next_page(fields.get("suite", ""))
    if send is auth.request_link:
        data = {"email": form.values["email"], "next": form.values["suite"]}
        body = validated(LinkIn, data, form, language)
    else:
        body = validated(EmailIn, {"email": form.values["email"]}, form, language)
    if body is not None:
        answer = send(request, body, accounts(request.app.state), later)
        if not isinstance(answer, JSONResponse):
            return mailbox(motif)
        form.alert = wait_words(answer, language)
    return form


def refusal_status(form: Form) -> int:
    return 429 if form.alert and not form.errors else 422


@router.post("/connexion/lien")
async def sign_in_link(request: Request, later: BackgroundTasks) -> Response:
    form = await ask_for_a_link(request, later, auth.request_link, "lien")
    if not isinstance(form, Form):
        return form
    status = refusal_status(form)
    return sign_in_page_response(request, link=form, status=status, suite=form.values["suite"])


@router.post("/connexion")
async def sign_in(request: Request) -> Response:
    posted = await open_form(request)
    if isinstance(posted, Response):
        return posted
    identity, fields, language = posted
    form = Form({"email": fields.get("email", "").strip()})
    data = {"email": form.values["email"], "password": fields.get("password", "")}
    body = validated(CredentialsIn, data, form, language)
    status = 422
    if body is not None:
        redirect = RedirectResponse(next_page(fields.get("suite", "")), 303)
        store = accounts(request.app.state)
        try:
            answer = auth.session(request, redirect, body, store)
        except ProblemException as exc:
            status = exc.status
            title, detail = error_text(exc.code, exc.params, language)
            form.errors["email" if exc.code == "email_not_confirmed" else "current"] = detail
            form.alert = (title, gettext(language, forms.FIX_FIELDS))
        else:
            if not isinstance(answer, JSONResponse):
                if identity.via == "session":  # another member's session ends here
                    store.close_session(identity.secret)
                return redirect
            status, form.alert = 429, wait_words(answer, language)
    suite = fields.get("suite", "")
    return sign_in_page_response(request, password=form, status=status, suite=suite)


# --- password reset ----------------------------------------------------------------------------


@router.get("/mot-de-passe-oublie")
def forgotten_page(request: Request) -> Response:
    return render(request, "forgotten.html", {"form": Form()})


@router.post("/mot-de-passe-oublie")
async def forgotten(request: Request, later: BackgroundTasks) -> Response:
    form = await ask_for_a_link(request, later, auth.password_reset, "mot-de-passe")
    if not isinstance(form, Form):
        return form
    return render(request, "forgotten.html", {"form": form}, status=refusal_status(form))


@router.get("/mot-de-passe")
def new_password_page(request: Request, token: str = "") -> Response:
    """Where the reset email's link leads (``routers.auth.RESET_PATH``). Showing the form
    uses nothing: mail scanners fetch links; only the POST spends the token."""
    if not token or len(token) > 200:
        return render(request, "new_password.html", {"state": "invalid"}, status=404)
    return render(request, "new_password.html", {"state": "ask", "token": token, "form": Form()})


@router.post("/mot-de-passe")
async def new_password(request: Request) -> Response:
    posted = await open_form(request)
    if isinstance(posted, Response):
        return posted
    identity, fields, language = posted
    token = fields.get("token", "")
    form = Form()
    body = validated(
        NewPasswordIn, {"token": token, "password": fields.get("password", "")}, form, language
    )
    status = 422
    if body is not None:
        redirect = set_flash(RedirectResponse("/profil", 303), "password_saved")
        try:
            answer = auth.new_password(request, redirect, body, accounts(request.app.state))
        except ProblemException as exc:
            if exc.code != "invalid_link":
                raise
            return render(request, "new_password.html", {"state": "invalid"}, status=404)
        if not isinstance(answer, JSONResponse):
            return redirect
        status, form.alert = 429, wait_words(answer, language)
    if not token:
        return render(request, "new_password.html", {"state": "invalid"}, status=404)
    context = {"state": "ask", "token": token, "form": form}
    return render(request, "new_password.html", context, status=status)


# --- the profile -------------------------------------------------------------------------------


def profile_values(member: dict[str, Any]) -> dict[str, str]:
    return {
        "name": member.get("name") or "",
        "language": member.get("language") or "fr",
        "commune": member.get("commune") or "",
        "audience": member.get("audience") or "",
        "consent_statistics": "oui" if member.get("consent_statistics") else "",
        "phone": member.get("phone") or "",
    }


def profile_response(
    request: Request,
    member: dict,
    form: Form,
    status: int = 200,
    email_form: Form | None = None,
    calendar_url: str | None = None,
) -> Response:
    from .site import place_names

    manages = list(member.get("manages") or [])
    # The places' list is public: asked as no one, the member's roles are not needed for it.
    directory = Services(request.app.state.rpc, request.state.correlation_id)
    context = {
        "form": form,
        "member": member,
        "audiences": AUDIENCES,
        "has_password": bool(member.get("password_hash")),
        "roles": list(member.get("roles") or []),
        "manages": manages,
        "place_names": place_names(directory, manages),
        "email_form": email_form or Form(),
        "export_file": me.EXPORT_FILE,
        "calendar": accounts(request.app.state).calendar_token_of(member["_id"]),
        "calendar_url": calendar_url,  # just made: shown this once
        "clubs_running": request.app.state.capabilities.current().get("clubs", False),
    }
    response = render(request, "profile.html", context, status=status)
    if calendar_url:
        response.headers["Cache-Control"] = "no-store"  # the secret stays out of any cache
    return response


def to_sign_in(path: str) -> RedirectResponse:
    return RedirectResponse(f"/connexion?suite={quote(path, safe='/')}", 303)


@router.get("/profil")
def profile_page(request: Request) -> Response:
    account = page_account(request)
    if account is None:
        return to_sign_in("/profil")
    member = account["member"]
    return profile_response(request, member, Form(profile_values(member)))


@router.post("/profil")
async def save_profile(request: Request) -> Response:
    identity, fields = await who(request)
    if identity is None:
        return refused(request)
    if identity.member is None:
        return to_sign_in("/profil")
    language = i18n.page_language(request)
    values = {k: fields.get(k, "").strip() for k in ("name", "language", "commune", "audience")}
    values["phone"] = fields.get("phone", "").strip()
    values["consent_statistics"] = "oui" if fields.get("consent_statistics") else ""
    form = Form(values)
    patch = {
        "name": values["name"],
        "language": values["language"],
        "commune": values["commune"] or None,  # an empty field clears it
        "audience": values["audience"] or None,
        "phone": values["phone"] or None,
        "consent_statistics": bool(values["consent_statistics"]),
    }
    body = validated(ProfilePatch, patch, form, language)
    if body is None:
        return profile_response(request, identity.member, form, status=422)
    me.patch_me(request, body, identity, accounts(request.app.state))
    return set_flash(RedirectResponse("/profil", 303), "profile_saved")


# --- « Mon agenda »: the private calendar feed's link ---------------------------------------------

CALENDAR_PATH = "/profil/agenda"


@router.post(CALENDAR_PATH)
async def make_calendar_link(request: Request) -> Response:
    """A new subscription link (the old one stops), shown on the profile this once: the
    answer is the page itself, not a redirect, so that the secret is in no URL nor cookie."""
    found = await member_form(request, "/profil")
    if isinstance(found, Response):
        return found
    identity, _fields = found
    member = identity.member
    link = calendars.make_calendar_link(request, identity, accounts(request.app.state))
    return profile_response(request, member, Form(profile_values(member)), calendar_url=link["url"])


@router.post(CALENDAR_PATH + "/supprimer")
async def revoke_calendar_link(request: Request) -> Response:
    found = await member_form(request, "/profil")
    if isinstance(found, Response):
        return found
    identity, _fields = found
    accounts(request.app.state).revoke_calendar_token(identity.member["_id"])
    return set_flash(RedirectResponse("/profil#titre-agenda", 303), "calendar_revoked")


# --- sign-out ----------------------------------------------------------------------------------


@router.post("/deconnexion")
async def sign_out(request: Request) -> Response:
    identity, _fields = await who(request)
    if identity is None:
        return refused(request)
    done = auth.sign_out(request, identity, accounts(request.app.state))
    return carry_cookies(done, set_flash(RedirectResponse("/", 303), "signed_out"))


@router.post("/deconnexion-partout")
async def sign_out_everywhere(request: Request) -> Response:
    identity, _fields = await who(request)
    if identity is None:
        return refused(request)
    if identity.member is None:
        return RedirectResponse("/", 303)
    done = auth.sign_out_all(request, identity, accounts(request.app.state))
    return carry_cookies(done, set_flash(RedirectResponse("/", 303), "signed_out_everywhere"))


# --- the address -------------------------------------------------------------------------------


async def member_form(request: Request, path: str) -> tuple[Identity, dict[str, str]] | Response:
    """A signed-in member's form: (who, its fields), else the refusal (CSRF) or sign-in."""
    identity, fields = await who(request)
    if identity is None or cross_site(request):
        return refused(request)
    if identity.member is None:
        return to_sign_in(path)
    return identity, fields


def password_refusal(request: Request, member: dict, password: str, form: Form, language: str):
    """The current password checked as the API checks it (``me.check_current_password``):
    None when it is right (or the member has none), else the status, the words on ``form``."""
    try:
        limited = me.check_current_password(request, member, password or None)
    except ProblemException as exc:
        if exc.code != "invalid_credentials":
            raise
        form.errors["current"] = gettext(language, WRONG_PASSWORD)
        form.alert = (
            error_text("validation_failed", {}, language)[0],
            gettext(language, forms.FIX_FIELDS),
        )
        return 422
    if limited is not None:
        form.alert = wait_words(limited, language)
        return 429
    return None


@router.post("/profil/adresse")
async def change_email(request: Request, later: BackgroundTasks) -> Response:
    """« Changer d'adresse » on the profile: ``POST /api/me/email``'s own function."""
    posted = await member_form(request, "/profil")
    if isinstance(posted, Response):
        return posted
    identity, fields = posted
    language = i18n.page_language(request)
    member = identity.member
    form = Form({"email": fields.get("email", "").strip()})
    password = fields.get("password", "")
    data = {"email": form.values["email"], "password": password or None}
    body = validated(EmailChangeIn, data, form, language)
    status = 422
    if body is not None:
        status = password_refusal(request, member, password, form, language)
        if status is None:
            answer = me.change_email(request, body, identity, accounts(request.app.state), later)
            if not isinstance(answer, JSONResponse):
                return mailbox("adresse")
            status, form.alert = 429, wait_words(answer, language)
    values = profile_values(member)
    return profile_response(request, member, Form(values), status=status, email_form=form)


# --- the account's erasure ---------------------------------------------------------------------

ERASE_PATH = "/supprimer-mon-compte"


def erase_page(request: Request, member: dict, form: Form, status: int = 200) -> Response:
    context = {"form": form, "has_password": bool(member.get("password_hash"))}
    return render(request, "erase_account.html", context, status=status)


@router.get(ERASE_PATH)
def erase_account_page(request: Request) -> Response:
    """What erasing the account does, and the form that does it (nothing is erased here)."""
    account = page_account(request)
    if account is None:
        return to_sign_in(ERASE_PATH)
    return erase_page(request, account["member"], Form())


@router.post(ERASE_PATH)
async def erase_account(request: Request) -> Response:
    """Erase the account through ``DELETE /api/me``'s own function (``accounts.erasure``),
    once the member confirmed (and, with a password, said it again); then signed out."""
    posted = await member_form(request, ERASE_PATH)
    if isinstance(posted, Response):
        return posted
    identity, fields = posted
    language = i18n.page_language(request)
    member = identity.member
    form = Form()
    status = None
    if fields.get("confirm") != "oui":
        form.errors["confirm"] = gettext(language, CONFIRM_ERASE)
        form.alert = (
            error_text("validation_failed", {}, language)[0],
            gettext(language, forms.FIX_FIELDS),
        )
        status = 422
    if status is None:
        status = password_refusal(request, member, fields.get("password", ""), form, language)
    if status is not None:
        return erase_page(request, member, form, status=status)
    done = me.erase_me(request, identity, accounts(request.app.state), request.app.state.db)
    goodbye = RedirectResponse(f"{GOODBYE_PATH}?langue={language}", 303)
    return carry_cookies(done, goodbye)


GOODBYE_PATH = "/compte-supprime"
CONFIRM_ERASE = N_("Cochez la case pour confirmer la suppression.")


@router.get(GOODBYE_PATH)
def goodbye_page(request: Request, langue: str = "") -> Response:
    """After the erasure: no account any more, so the language is the one she had (the
    redirect says it), else the browser's."""
    language = langue if langue in i18n.LANGUAGES else None
    return render(request, "goodbye.html", language=language)
