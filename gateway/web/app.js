// Maillage — client web de la passerelle.
// JavaScript sans dépendance ni étape de construction. Toute donnée venant de l'API entre dans
// la page par textContent / append(texte) / setAttribute, jamais comme du HTML.

// --- libellés ----------------------------------------------------------------------------------

export const SERVICE_LABELS = {
  directory: "annuaire des lieux",
  booking: "réservation",
  clubs: "clubs",
  notifications: "notifications par e-mail",
};

export const STATUS_LABELS = { open: "Ouvert", project: "En projet", closed: "Fermé" };

export const KIND_LABELS = {
  desk_pool: "Postes de travail partagés",
  office: "Bureau",
  meeting_room: "Salle de réunion",
  equipment: "Équipement",
  appointment_slot: "Rendez-vous / permanence",
};

export const CAPACITY_TITLE = "Plus de place disponible sur ce créneau";
export const CONFIRMED = "Réservation confirmée";
export const CONFIRMED_WITH_EMAIL =
  "Réservation confirmée — un e-mail de confirmation avec l'invitation vous a été envoyé";

// Messages des services (en anglais) traduits quand on les reconnaît.
const DETAIL_FR = [
  [/^no seat left/i, () => CAPACITY_TITLE + "."],
  [/^end must be after start/i, () => "L'heure de fin doit être après l'heure de début."],
  [/^a booking lasts at most (\d+) days/i, (m) => `Une réservation dure au plus ${m[1]} jours.`],
  [/^start is in the past/i, () => "Ce créneau est déjà passé."],
  [/^start is more than two years ahead/i, () => "On ne peut pas réserver plus de deux ans à l'avance."],
  [/^this resource has (\d+) seat/i, (m) => `Cette ressource compte au plus ${plural(+m[1], "place")}.`],
  [/^no resource /i, () => "Cette ressource n'existe plus."],
  [/not a valid email/i, () => "Cette adresse e-mail n'est pas valide."],
];

const FIELD_FALLBACK = {
  start: "Heure de début refusée.",
  end: "Heure de fin refusée.",
  seats: "Nombre de places refusé.",
  name: "Nom refusé.",
  email: "Adresse e-mail refusée.",
};

const RETRYABLE = new Set([0, 500, 502, 503, 504]);
const REQUEST_TIMEOUT_MS = 20000;

// --- petites fonctions pures (exportées pour les tests) ---------------------------------------

export function plural(n, word, many = `${word}s`) {
  return `${n} ${n > 1 ? many : word}`;
}

const pad = (n) => String(n).padStart(2, "0");

/** Date-heure ISO 8601 avec le décalage UTC local de ce moment, ex. 2026-12-01T09:00:00+01:00. */
export function formatLocalIso(dt) {
  const offset = -dt.getTimezoneOffset();
  const sign = offset >= 0 ? "+" : "-";
  const abs = Math.abs(offset);
  return (
    `${dt.getFullYear()}-${pad(dt.getMonth() + 1)}-${pad(dt.getDate())}` +
    `T${pad(dt.getHours())}:${pad(dt.getMinutes())}:00` +
    `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`
  );
}

/** "2026-12-01" + "09:00" (heure locale du navigateur) -> "2026-12-01T09:00:00+01:00". */
export function isoWithOffset(date, time) {
  const [y, m, d] = date.split("-").map(Number);
  const [hh, mm] = time.split(":").map(Number);
  return formatLocalIso(new Date(y, m - 1, d, hh, mm, 0, 0));
}

export function localDateString(dt) {
  return `${dt.getFullYear()}-${pad(dt.getMonth() + 1)}-${pad(dt.getDate())}`;
}

export function minutesToTime(minutes) {
  return `${pad(Math.floor(minutes / 60))}:${pad(minutes % 60)}`;
}

export function timeToMinutes(time) {
  const [hh, mm] = time.split(":").map(Number);
  return hh * 60 + mm;
}

/** Une clé d'idempotence : crypto.randomUUID() quand le navigateur l'offre (contexte sécurisé),
 *  sinon un UUID v4 tiré de crypto.getRandomValues (page servie en HTTP sur le réseau local). */
export function newIdempotencyKey() {
  if (globalThis.crypto && typeof globalThis.crypto.randomUUID === "function") {
    return globalThis.crypto.randomUUID();
  }
  const bytes = new Uint8Array(16);
  globalThis.crypto.getRandomValues(bytes);
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Nom affichable d'un territoire ("^[a-z][a-z0-9_]+$") : "pays_de_forcalquier" -> "Pays de Forcalquier". */
export function territoryName(slug) {
  const small = new Set(["d", "de", "du", "des", "la", "le", "les", "en", "et", "sur", "sous", "aux", "au"]);
  return String(slug || "")
    .split(/[_\s]+/)
    .filter(Boolean)
    .map((word, i) =>
      i > 0 && small.has(word.toLowerCase()) ? word : word.charAt(0).toUpperCase() + word.slice(1),
    )
    .join(" ");
}

export function translateDetail(detail) {
  const text = String(detail || "");
  for (const [pattern, make] of DETAIL_FR) {
    const match = text.match(pattern);
    if (match) return make(match);
  }
  return null;
}

export function frenchList(items) {
  if (typeof Intl !== "undefined" && Intl.ListFormat) {
    return new Intl.ListFormat("fr", { style: "long", type: "conjunction" }).format(items);
  }
  return items.join(", ");
}

// --- appels à l'API ----------------------------------------------------------------------------

export class ApiError extends Error {
  constructor(status, problem) {
    super((problem && problem.detail) || `HTTP ${status}`);
    this.status = status;
    this.problem = problem || {};
  }

  get code() {
    const type = String(this.problem.type || "");
    return type.startsWith("/problems/") ? type.slice("/problems/".length) : "";
  }

  /** Une nouvelle tentative de la même demande peut aboutir (réseau, service indisponible). */
  get retryable() {
    return RETRYABLE.has(this.status);
  }
}

async function api(path, { method = "GET", body, headers = {} } = {}) {
  const init = {
    method,
    headers: { Accept: "application/json, application/problem+json", ...headers },
    credentials: "same-origin",
  };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers["Content-Type"] = "application/json";
  }
  const controller = typeof AbortController === "function" ? new AbortController() : null;
  if (controller) init.signal = controller.signal;
  const timer = controller ? setTimeout(() => controller.abort(), REQUEST_TIMEOUT_MS) : null;
  try {
    let response;
    try {
      response = await fetch(path, init);
    } catch {
      throw new ApiError(0, {
        title: "Connexion impossible",
        detail: "Le serveur ne répond pas. Vérifiez votre connexion puis réessayez.",
      });
    }
    let data = null;
    try {
      data = await response.json();
    } catch {
      data = null;
    }
    if (!response.ok) {
      throw new ApiError(response.status, data && typeof data === "object" ? data : {});
    }
    return data;
  } finally {
    if (timer) clearTimeout(timer);
  }
}

/** Titre et détail en français d'une erreur d'API. */
export function describeError(err) {
  const problem = err.problem || {};
  if (err.status === 0) return { title: problem.title, detail: problem.detail };
  if (err.code === "capacity_exceeded") {
    const total = Number(problem.seats_total);
    const taken = Number(problem.seats_taken);
    let detail = "Choisissez un autre horaire ou moins de places.";
    if (Number.isFinite(total) && Number.isFinite(taken)) {
      const free = Math.max(0, total - taken);
      detail =
        (free === 0
          ? `${total > 1 ? `Les ${total} places sont déjà réservées` : "La place est déjà réservée"} sur une partie de ce créneau. `
          : `Il reste ${plural(free, "place")} sur une partie de ce créneau. `) + detail;
    }
    return { title: CAPACITY_TITLE, detail };
  }
  if (err.status === 503 || err.status === 504) {
    const service = SERVICE_LABELS[problem.service] || problem.service || "demandé";
    return {
      title: problem.title || "Service indisponible",
      detail: `Le service « ${service} » ne répond pas pour le moment. Réessayez dans quelques instants.`,
    };
  }
  if (err.status >= 500) {
    return {
      title: problem.title || "Erreur interne",
      detail: "Une erreur inattendue s'est produite. Réessayez dans quelques instants.",
    };
  }
  return {
    title: problem.title || "Erreur",
    detail: translateDetail(problem.detail) || problem.detail || "",
  };
}

// --- DOM ---------------------------------------------------------------------------------------

const $ = (id) => document.getElementById(id);

function fromTemplate(id) {
  return $(id).content.firstElementChild.cloneNode(true);
}

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children) if (child !== null && child !== undefined) node.append(child);
  return node;
}

function setText(node, text) {
  node.textContent = text === null || text === undefined ? "" : String(text);
}

function notice(kind, title, detail, extra) {
  return el(
    "div",
    { class: `notice notice-${kind}` },
    title ? el("p", { class: "notice-title", text: title }) : null,
    detail ? el("p", { text: detail }) : null,
    extra || null,
  );
}

function retryButton(onClick) {
  const button = el("button", { type: "button", class: "button button-quiet", text: "Réessayer" });
  button.addEventListener("click", onClick);
  return button;
}

// --- état --------------------------------------------------------------------------------------

const state = {
  territory: "",
  label: "",
  services: {},
  places: null, // liste complète, triée par nom (réponse de /api/places)
  placesById: new Map(),
  filter: "",
  firstRender: true,
  currentPlaceId: null,
  returnTo: null, // lieu quitté, dont le lien reprend le focus au retour à la liste
  openBooking: null, // { close } du formulaire ouvert
};

const has = (service) => Boolean(state.services[service]);

const VIEWS = ["chargement", "erreur", "vide", "lieux", "lieu", "clubs"];
const TITLES = {
  lieux: "Lieux",
  lieu: "Lieu",
  clubs: "Clubs",
  erreur: "Plateforme injoignable",
  vide: "Maillage",
  chargement: "Maillage",
};

function showView(name, title) {
  for (const view of VIEWS) $(`vue-${view}`).hidden = view !== name;
  const navTarget = name === "lieu" ? "lieux" : name;
  for (const link of document.querySelectorAll(".nav-list a")) {
    if (link.getAttribute("href") === `#${navTarget}`) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  const base = state.territory ? `Maillage — ${displayName()}` : "Maillage";
  document.title = `${title || TITLES[name]} — ${base}`;
  if (!state.firstRender) {
    const heading = $(`vue-${name}`).querySelector("h1");
    if (heading) heading.focus({ preventScroll: false });
  }
  state.firstRender = false;
}

/** Le nom du territoire pour les gens : son libellé s'il est configuré. */
function displayName() {
  return state.label || `Territoire ${territoryName(state.territory)}`;
}

// --- capacités ---------------------------------------------------------------------------------

async function loadCapabilities() {
  const answer = await api("/api/capabilities");
  state.territory = String(answer.territory || "");
  state.label = String(answer.label || "");
  state.services = answer && typeof answer.services === "object" ? answer.services : {};
}

function renderChrome() {
  $("nav-lieux").hidden = !has("directory");
  $("nav-clubs").hidden = !has("clubs");
  $("navigation").hidden = !(has("directory") || has("clubs"));

  const running = Object.keys(SERVICE_LABELS).filter(has).map((s) => SERVICE_LABELS[s]);
  const name = displayName();
  setText(
    $("territoire-texte"),
    running.length
      ? `${name} · services en ligne : ${frenchList(running)}.`
      : `${name} · aucun service en ligne pour le moment.`,
  );
  $("territoire").hidden = !state.territory;
}

// --- lieux -------------------------------------------------------------------------------------

async function ensurePlaces() {
  if (state.places) return state.places;
  const places = await api("/api/places");
  state.places = Array.isArray(places) ? places : [];
  for (const place of state.places) state.placesById.set(place.id, place);
  return state.places;
}

function statusBadge(node, status) {
  node.className = `badge badge-${STATUS_LABELS[status] ? status : "unknown"}`;
  setText(node, STATUS_LABELS[status] || status || "Statut inconnu");
}

function placeWhere(place) {
  return place.postal_code ? `${place.commune} (${place.postal_code})` : place.commune;
}

function placeHref(id) {
  return `#lieu/${encodeURIComponent(id)}`;
}

async function showPlaces() {
  showView("lieux");
  const list = $("liste-lieux");
  const message = $("lieux-message");
  if (!state.places) {
    list.replaceChildren();
    list.setAttribute("aria-busy", "true");
    setText(message, "Chargement des lieux…");
    try {
      await ensurePlaces();
    } catch (err) {
      list.removeAttribute("aria-busy");
      const { title, detail } = describeError(err);
      message.replaceChildren(notice("error", title, detail, retryButton(showPlaces)));
      return;
    }
    list.removeAttribute("aria-busy");
  }
  renderPlaces();
}

function renderPlaces() {
  const places = state.places || [];
  for (const count of document.querySelectorAll("[data-count]")) {
    const status = count.dataset.count;
    const n = status ? places.filter((p) => p.status === status).length : places.length;
    setText(count, `(${n})`);
  }
  const shown = state.filter ? places.filter((p) => p.status === state.filter) : places;
  const items = shown.map((place) => {
    const item = fromTemplate("modele-lieu");
    const link = item.querySelector(".place-link");
    setText(link, place.name);
    link.setAttribute("href", placeHref(place.id));
    setText(item.querySelector(".place-where"), placeWhere(place));
    statusBadge(item.querySelector(".badge"), place.status);
    return item;
  });
  $("liste-lieux").replaceChildren(...items);
  let text;
  if (!places.length) text = "Aucun lieu pour l'instant.";
  else if (!shown.length) text = "Aucun lieu avec ce statut.";
  else text = `${plural(shown.length, "lieu affiché", "lieux affichés")}.`;
  setText($("lieux-message"), text);
  // De retour d'un lieu : le focus revient sur son lien plutôt qu'en haut de la liste.
  if (state.returnTo) {
    const link = [...$("liste-lieux").querySelectorAll(".place-link")].find(
      (a) => a.getAttribute("href") === placeHref(state.returnTo),
    );
    state.returnTo = null;
    if (link && !state.firstRender) link.focus();
  }
}

// --- un lieu et ses ressources -----------------------------------------------------------------

async function showPlace(placeId) {
  closeBooking();
  state.currentPlaceId = placeId;
  state.returnTo = placeId;
  const list = $("liste-ressources");
  const message = $("ressources-message");
  list.replaceChildren();
  setText(message, "");
  setText($("titre-lieu"), "Lieu");
  setText($("lieu-commune"), "");
  $("lieu-statut").hidden = true;
  $("titre-ressources").hidden = true;

  let place = state.placesById.get(placeId);
  if (!place) {
    showView("lieu");
    setText(message, "Chargement du lieu…");
    try {
      place = await api(`/api/places/${encodeURIComponent(placeId)}`);
      state.placesById.set(place.id, place);
    } catch (err) {
      if (state.currentPlaceId !== placeId) return;
      const { title, detail } =
        err.status === 404
          ? { title: "Lieu introuvable", detail: "Ce lieu n'existe pas ou plus dans l'annuaire." }
          : describeError(err);
      setText($("titre-lieu"), title);
      message.replaceChildren(
        notice("error", null, detail, err.retryable ? retryButton(() => showPlace(placeId)) : null),
      );
      return;
    }
    if (state.currentPlaceId !== placeId) return;
  }

  setText($("titre-lieu"), place.name);
  setText($("lieu-commune"), placeWhere(place));
  statusBadge($("lieu-statut"), place.status);
  $("lieu-statut").hidden = false;
  showView("lieu", place.name);
  $("titre-ressources").hidden = false;

  if (!has("booking")) {
    message.replaceChildren(
      notice("info", null, "La réservation en ligne n'est pas proposée sur ce territoire pour le moment."),
    );
    return;
  }
  list.setAttribute("aria-busy", "true");
  setText(message, "Chargement des ressources…");
  let resources;
  try {
    resources = await api(`/api/places/${encodeURIComponent(placeId)}/resources`);
  } catch (err) {
    if (state.currentPlaceId !== placeId) return;
    list.removeAttribute("aria-busy");
    const { title, detail } = describeError(err);
    message.replaceChildren(notice("error", title, detail, retryButton(() => showPlace(placeId))));
    return;
  }
  if (state.currentPlaceId !== placeId) return;
  list.removeAttribute("aria-busy");
  resources = Array.isArray(resources) ? resources : [];
  setText(
    message,
    resources.length
      ? `${plural(resources.length, "ressource")} réservable${resources.length > 1 ? "s" : ""}.`
      : "Aucune ressource réservable dans ce lieu pour l'instant.",
  );
  list.replaceChildren(...resources.map((resource) => renderResource(place, resource)));
}

function renderResource(place, resource) {
  const item = fromTemplate("modele-ressource");
  setText(item.querySelector(".resource-name"), resource.name);
  setText(item.querySelector(".resource-kind"), KIND_LABELS[resource.kind] || resource.kind);
  setText(item.querySelector(".resource-seats"), `Capacité : ${plural(resource.seats, "place")}`);
  const button = item.querySelector(".resource-book");
  setText(item.querySelector(".resource-book-name"), ` : ${resource.name}`);
  button.hidden = !has("booking");
  button.addEventListener("click", () => {
    if (button.getAttribute("aria-expanded") === "true") closeBooking({ returnFocus: true });
    else openBooking(place, resource, item);
  });
  return item;
}

// --- formulaire de réservation -----------------------------------------------------------------

const FIELDS = {
  date: "resa-date",
  start: "resa-debut",
  end: "resa-fin",
  seats: "resa-places",
  name: "resa-nom",
  email: "resa-email",
};

function closeBooking({ returnFocus = false } = {}) {
  if (state.openBooking) state.openBooking.close(returnFocus);
  state.openBooking = null;
}

function fillTimes(select, from, to) {
  const options = [];
  for (let m = from; m <= to; m += 15) {
    options.push(el("option", { value: minutesToTime(m), text: minutesToTime(m) }));
  }
  select.replaceChildren(...options);
}

function defaultSlot(now = new Date()) {
  const quarter = Math.ceil((now.getHours() * 60 + now.getMinutes() + 1) / 15) * 15;
  let start = Math.max(9 * 60, quarter);
  let day = new Date(now.getFullYear(), now.getMonth(), now.getDate());
  if (start + 60 > 23 * 60 + 45) {
    day = new Date(now.getFullYear(), now.getMonth(), now.getDate() + 1);
    start = 9 * 60;
  }
  return { date: localDateString(day), start: minutesToTime(start), end: minutesToTime(start + 60) };
}

function openBooking(place, resource, item) {
  closeBooking();
  const button = item.querySelector(".resource-book");
  const wrapper = fromTemplate("modele-reservation");
  const form = wrapper.querySelector("form");
  const result = wrapper.querySelector(".booking-result");
  const field = (name) => wrapper.querySelector(`#${FIELDS[name]}`);
  const submit = wrapper.querySelector(".booking-submit");

  setText(wrapper.querySelector(".booking-resource"), `: ${resource.name}`);
  fillTimes(field("start"), 0, 23 * 60 + 30);
  fillTimes(field("end"), 15, 23 * 60 + 45);
  const slot = defaultSlot();
  const today = localDateString(new Date());
  const horizon = new Date();
  horizon.setFullYear(horizon.getFullYear() + 2);
  field("date").min = today;
  field("date").max = localDateString(horizon);
  field("date").value = slot.date;
  field("start").value = slot.start;
  field("end").value = slot.end;
  field("seats").max = String(resource.seats);
  setText(
    wrapper.querySelector("#resa-places-aide"),
    resource.seats > 1 ? `De 1 à ${resource.seats}.` : "Une seule place pour cette ressource.",
  );
  setText(
    wrapper.querySelector("#resa-email-aide"),
    has("notifications")
      ? "La confirmation et l'invitation à ajouter à votre agenda y seront envoyées."
      : "Pour vous joindre au sujet de cette réservation.",
  );

  // L'heure de fin suit l'heure de début quand elle ne serait plus après elle.
  field("start").addEventListener("change", () => {
    const start = timeToMinutes(field("start").value);
    if (timeToMinutes(field("end").value) <= start) {
      field("end").value = minutesToTime(Math.min(start + 60, 23 * 60 + 45));
    }
  });

  // La clé d'idempotence d'une tentative : gardée tant que la même demande est renvoyée après
  // une panne (réseau, 5xx), oubliée dès qu'une réponse définitive arrive ou que la demande change.
  let pending = null;
  let busy = false;

  function clearErrors() {
    for (const name of Object.keys(FIELDS)) {
      const input = field(name);
      input.removeAttribute("aria-invalid");
      const error = wrapper.querySelector(`#${FIELDS[name]}-erreur`);
      setText(error, "");
      error.hidden = true;
    }
  }

  function fieldError(name, text) {
    const input = field(name);
    const error = wrapper.querySelector(`#${FIELDS[name]}-erreur`);
    if (!input || !error) return false;
    input.setAttribute("aria-invalid", "true");
    setText(error, text);
    error.hidden = false;
    return true;
  }

  function focusFirstInvalid() {
    const first = form.querySelector("[aria-invalid='true']");
    if (first) first.focus();
  }

  function validate(values) {
    const errors = {};
    const now = new Date();
    const today = localDateString(now);
    if (!/^\d{4}-\d{2}-\d{2}$/.test(values.date)) errors.date = "Choisissez une date.";
    else if (values.date < today) errors.date = "Cette date est déjà passée.";
    else if (values.date > field("date").max)
      errors.date = "On ne peut pas réserver plus de deux ans à l'avance.";
    if (!errors.date && values.date === today) {
      const nowMinutes = now.getHours() * 60 + now.getMinutes();
      if (timeToMinutes(values.start) + 15 <= nowMinutes) {
        errors.start = "Cette heure est déjà passée.";
      }
    }
    if (timeToMinutes(values.end) <= timeToMinutes(values.start)) {
      errors.end = "L'heure de fin doit être après l'heure de début.";
    }
    const seats = Number(values.seats);
    if (!Number.isInteger(seats) || seats < 1 || seats > resource.seats) {
      errors.seats =
        resource.seats > 1
          ? `Indiquez un nombre entier de 1 à ${resource.seats}.`
          : "Cette ressource n'a qu'une place : indiquez 1.";
    }
    if (!values.name) errors.name = "Indiquez votre nom.";
    if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(values.email) || field("email").validity.typeMismatch) {
      errors.email = "Indiquez une adresse e-mail valide, par exemple prenom@exemple.fr.";
    }
    return errors;
  }

  function showProblem(err) {
    const problem = err.problem || {};
    let onFields = false;
    if (Array.isArray(problem.errors)) {
      for (const { field: name, message } of problem.errors) {
        const key = String(name || "").split(".")[0];
        const text =
          translateDetail(message) || `${FIELD_FALLBACK[key] || "Valeur refusée."} (${message})`;
        onFields = fieldError(key, text) || onFields;
      }
    } else if (problem.field && err.code !== "capacity_exceeded") {
      const text = translateDetail(problem.detail) || problem.detail;
      onFields = fieldError(problem.field, text) || onFields;
    }
    let { title, detail } = describeError(err);
    if (!onFields && Array.isArray(problem.errors) && problem.errors.length) {
      detail = problem.errors.map((e) => `${e.field} : ${e.message}`).join(" ; ");
    }
    const more = err.retryable
      ? " Vous pouvez renvoyer le formulaire tel quel : la réservation ne sera pas enregistrée deux fois."
      : "";
    result.replaceChildren(
      notice("error", title, onFields ? `Corrigez les champs signalés.${more}` : `${detail}${more}`),
    );
    if (onFields) focusFirstInvalid();
  }

  function showConfirmation(booking) {
    form.hidden = true;
    const start = new Date(booking.start);
    const end = new Date(booking.end);
    const day = new Intl.DateTimeFormat("fr-FR", { dateStyle: "full" }).format(start);
    const hour = new Intl.DateTimeFormat("fr-FR", { timeStyle: "short" });
    const summary = el(
      "dl",
      { class: "summary" },
      el("dt", { text: "Lieu" }),
      el("dd", { text: place.name }),
      el("dt", { text: "Ressource" }),
      el("dd", { text: resource.name }),
      el("dt", { text: "Date" }),
      el("dd", { text: day }),
      el("dt", { text: "Horaire" }),
      el("dd", { text: `de ${hour.format(start)} à ${hour.format(end)}` }),
      el("dt", { text: "Places" }),
      el("dd", { text: String(booking.seats) }),
      el("dt", { text: "Référence" }),
      el("dd", { class: "reference", text: booking.id }),
    );
    const again = el("button", { type: "button", class: "button", text: "Nouvelle réservation" });
    again.addEventListener("click", () => {
      result.replaceChildren();
      form.hidden = false;
      field("date").focus();
    });
    const box = el(
      "div",
      { class: "notice notice-success confirmation", tabindex: "-1" },
      el("p", {
        class: "notice-title",
        text: has("notifications") ? CONFIRMED_WITH_EMAIL : CONFIRMED,
      }),
      summary,
      el("p", { class: "actions" }, again),
    );
    result.replaceChildren(box);
    box.focus();
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (busy) return;
    clearErrors();
    result.replaceChildren();
    const values = {
      date: field("date").value,
      start: field("start").value,
      end: field("end").value,
      seats: field("seats").value.trim(),
      name: field("name").value.trim(),
      email: field("email").value.trim(),
    };
    const errors = validate(values);
    if (Object.keys(errors).length) {
      for (const [name, text] of Object.entries(errors)) fieldError(name, text);
      result.replaceChildren(notice("error", "Formulaire incomplet", "Corrigez les champs signalés."));
      focusFirstInvalid();
      return;
    }
    const body = {
      resource_id: resource.id,
      start: isoWithOffset(values.date, values.start),
      end: isoWithOffset(values.date, values.end),
      seats: Number(values.seats),
      name: values.name,
      email: values.email,
      language: "fr",
    };
    const fingerprint = JSON.stringify(body);
    if (!pending || pending.fingerprint !== fingerprint) {
      pending = { key: newIdempotencyKey(), fingerprint };
    }
    busy = true;
    submit.disabled = true;
    form.setAttribute("aria-busy", "true");
    setText(submit, "Envoi en cours…");
    try {
      const booking = await api("/api/bookings", {
        method: "POST",
        body,
        headers: { "Idempotency-Key": pending.key },
      });
      pending = null;
      try {
        await loadCapabilities(); // les notifications tournent-elles encore ?
      } catch {
        // on garde les capacités connues
      }
      showConfirmation(booking);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      if (!err.retryable) pending = null;
      showProblem(err);
    } finally {
      busy = false;
      submit.disabled = false;
      form.removeAttribute("aria-busy");
      setText(submit, "Confirmer la réservation");
    }
  });

  const cancel = wrapper.querySelector(".booking-cancel");
  cancel.addEventListener("click", () => closeBooking({ returnFocus: true }));

  const slotNode = item.querySelector(".resource-slot");
  slotNode.replaceChildren(wrapper);
  button.setAttribute("aria-expanded", "true");
  button.setAttribute("aria-controls", "resa");
  item.classList.add("is-open");
  wrapper.querySelector(".booking-title").focus();

  state.openBooking = {
    close(returnFocus) {
      slotNode.replaceChildren();
      button.setAttribute("aria-expanded", "false");
      button.removeAttribute("aria-controls");
      item.classList.remove("is-open");
      if (returnFocus) button.focus();
    },
  };
}

// --- clubs -------------------------------------------------------------------------------------

async function showClubs() {
  closeBooking();
  state.returnTo = null;
  showView("clubs");
  const list = $("liste-clubs");
  const message = $("clubs-message");
  list.replaceChildren();
  list.setAttribute("aria-busy", "true");
  setText(message, "Chargement des clubs…");
  let clubs;
  try {
    clubs = await api("/api/clubs");
  } catch (err) {
    list.removeAttribute("aria-busy");
    const { title, detail } = describeError(err);
    message.replaceChildren(notice("error", title, detail, retryButton(showClubs)));
    return;
  }
  if (has("directory")) {
    try {
      await ensurePlaces(); // pour nommer le lieu de chaque club
    } catch {
      // les clubs s'affichent sans le nom de leur lieu
    }
  }
  list.removeAttribute("aria-busy");
  clubs = Array.isArray(clubs) ? clubs : [];
  setText(message, clubs.length ? plural(clubs.length, "club") + "." : "Aucun club pour l'instant.");
  list.replaceChildren(
    ...clubs.map((club) => {
      const item = fromTemplate("modele-club");
      setText(item.querySelector(".club-name"), club.name);
      const where = item.querySelector(".club-place");
      const place = state.placesById.get(club.place_id);
      if (place) {
        where.replaceChildren(
          "Se retrouve à ",
          el("a", { href: placeHref(place.id), text: place.name }),
          ` — ${place.commune}`,
        );
      } else {
        where.remove();
      }
      return item;
    }),
  );
}

// --- navigation --------------------------------------------------------------------------------

function route() {
  let hash = "";
  try {
    hash = decodeURIComponent(location.hash.replace(/^#/, ""));
  } catch {
    hash = "";
  }
  if (hash.startsWith("lieu/") && has("directory")) return showPlace(hash.slice("lieu/".length));
  closeBooking();
  if (hash === "clubs" && has("clubs")) return showClubs();
  if (has("directory")) return showPlaces();
  if (has("clubs")) return showClubs();
  return showView("vide");
}

async function start() {
  showView("chargement");
  try {
    await loadCapabilities();
  } catch (err) {
    const { title, detail } = describeError(err);
    setText($("erreur-titre"), title);
    setText($("erreur-detail"), detail);
    showView("erreur");
    return;
  }
  renderChrome();
  route();
}

if (typeof document !== "undefined") {
  window.addEventListener("hashchange", route);
  for (const radio of document.querySelectorAll("input[name='statut']")) {
    radio.addEventListener("change", () => {
      state.filter = radio.value;
      renderPlaces();
    });
  }
  $("erreur-reessayer").addEventListener("click", () => {
    state.firstRender = true;
    start();
  });
  start();
}
