// The token (kept in sessionStorage only: it ends with the browser tab), the one helper that calls the API, and
// the German sentences for the API's error codes.

import {formatClock} from './ui.js';

const TOKEN_KEY = 'regfed.helfer.token';

/** The node's name, from the unauthenticated health check; shown in the header. */
export const nodeInfo = {name: null};

export const session = {
  get token() { return sessionStorage.getItem(TOKEN_KEY); },
  set token(value) { sessionStorage.setItem(TOKEN_KEY, value); },
  clear() { sessionStorage.removeItem(TOKEN_KEY); },
};

/** The payload of a JWT, decoded for display only (the node checks the signature, not this page). */
export function decodeJwt(token) {
  const parts = token.split('.');
  if (parts.length !== 3) throw new Error('Ein Token (JWT) besteht aus drei durch Punkte getrennten Teilen.');
  let json;
  try {
    const base64 = parts[1].replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(parts[1].length / 4) * 4, '=');
    const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
    json = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw new Error('Der Inhalt des Tokens ist nicht lesbar.');
  }
  if (!json || typeof json !== 'object' || typeof json.sub !== 'string') {
    throw new Error('Das Token enthält keine Benutzerkennung (sub).');
  }
  return json;
}

const STATUS_TEXT = {
  400: 'Die Anfrage ist fehlerhaft.',
  401: 'Die Anmeldung ist ungültig oder abgelaufen. Bitte melden Sie sich erneut an.',
  403: 'Dafür fehlt die Berechtigung.',
  404: 'Nicht gefunden.',
  409: 'Die Aktion passt nicht zum aktuellen Stand des Vorgangs.',
  413: 'Die Anfrage ist zu groß.',
  422: 'Die Eingaben sind ungültig.',
  429: 'Zu viele gleichzeitige Anfragen. Bitte warten Sie einen Moment.',
  503: 'Der Dienst ist vorübergehend nicht verfügbar. Bitte versuchen Sie es später erneut.',
};

// One sentence per code, in the words of the people who use the page. Codes of mandates that ended are
// handled apart (mandate.js): they close the inbox.
const CODE_TEXT = {
  // Mandate and roles
  no_mandate: 'Vorgänge einer anderen Gemeinde dürfen Sie nur unter einem Unterstützungsmandat bearbeiten, ' +
    'das dieses Verfahren nennt.',
  mandate_not_found: 'Dieses Mandat ist dem Knoten nicht bekannt.',
  mandate_not_yours: 'Dieses Mandat nennt Sie nicht als Helferin oder Helfer.',
  no_helper_role: 'Für die Arbeit unter einem Unterstützungsmandat brauchen Sie die Rolle „helper“.',
  mandate_scope: 'Das Mandat deckt diese Aktion nicht ab (andere Gemeinde, anderes Verfahren oder Register, ' +
    'oder die Bearbeitung von Vorgängen ist nicht vereinbart).',
  mandate_revoked: 'Das Unterstützungsmandat wurde widerrufen.',
  mandate_not_approved: 'Das Mandat ist noch nicht von beiden Gemeinden genehmigt.',
  mandate_not_in_force: 'Das Unterstützungsmandat gilt heute nicht (seine Laufzeit ist zu Ende oder hat noch nicht ' +
    'begonnen).',
  not_home_node: 'Bitte arbeiten Sie über den regfed-Knoten Ihrer eigenen Gemeinde.',
  no_clerk_role: 'Vorgänge der eigenen Gemeinde bearbeiten Sie mit der Rolle „clerk“ (Sachbearbeitung).',
  field_not_permitted: 'Das Mandat erlaubt den Zugriff auf diese Felder nicht.',
  other_municipality: 'Das Register gehört einer anderen Gemeinde; dafür brauchen Sie ein Mandat.',
  no_search_criteria: 'Dieses Register kann von außerhalb der Gemeinde nicht durchsucht werden.',
  // Procedures and items
  procedure_not_found: 'Dieses Verfahren gibt es auf dem Knoten nicht.',
  item_not_found: 'Diesen Vorgang gibt es nicht oder er ist nicht mehr offen.',
  not_found: 'Nicht gefunden.',
  item_not_open: 'Der Vorgang ist nicht mehr offen: Er wurde bereits entschieden oder wartet auf den Antragsteller.',
  already_claimed: 'Der Vorgang wird bereits von einer anderen Person bearbeitet.',
  not_claimed: 'Sie haben diesen Vorgang nicht (mehr) übernommen. Eine Übernahme verfällt, wenn eine Weile ' +
    'nicht an dem Vorgang gearbeitet wird; übernehmen Sie ihn bitte erneut.',
  missing_note: 'Für eine Ablehnung oder eine Rückfrage ist eine Begründung nötig.',
  invalid_note: 'Die Begründung darf höchstens 2000 Zeichen lang sein.',
  invalid_decision: 'Diese Entscheidung sieht das Verfahren nicht vor.',
  invalid_status: 'Dieser Status kann nicht angezeigt werden.',
  invalid_limit: 'Die Seitengröße ist ungültig.',
  unknown_parameter: 'Die Anfrage enthält einen unbekannten Parameter.',
  // Register lookups
  insufficient_criteria: 'Für eine Personensuche von außerhalb der Gemeinde (§ 38 BMG) reichen die Angaben nicht: ' +
    'Nötig sind Familienname und Vornamen und dazu z. B. die Anschrift oder Ort und Geburtsdatum.',
  missing_purpose: 'Zu jeder Abfrage gehört ein Zweck.',
  invalid_purpose: 'Der Zweck muss 3 bis 500 Zeichen lang sein.',
  missing_case_ref: 'Zu jeder Abfrage gehört ein Aktenzeichen.',
  invalid_case_ref: 'Das Aktenzeichen darf höchstens 100 Zeichen lang sein.',
  unknown_register: 'Dieses Register ist im Verbund nicht bekannt.',
  register_unavailable: 'Das Register ist gerade nicht erreichbar. Bitte versuchen Sie es gleich noch einmal.',
  register_timeout: 'Das Register hat nicht rechtzeitig geantwortet. Bitte versuchen Sie es gleich noch einmal.',
  register_error: 'Das Register hat einen Fehler gemeldet.',
  // Availability
  procedure_unavailable: 'Das Fachverfahren ist gerade nicht erreichbar. Bitte versuchen Sie es gleich noch einmal.',
  procedure_timeout: 'Das Fachverfahren hat nicht rechtzeitig geantwortet. Bitte versuchen Sie es gleich noch einmal.',
  audit_unavailable: 'Das Protokoll ist gerade nicht verfügbar; deshalb wurde nichts ausgeführt. ' +
    'Bitte versuchen Sie es später erneut.',
  database_unavailable: 'Die Datenbank des Knotens ist gerade nicht erreichbar. Bitte versuchen Sie es später erneut.',
  peer_unreachable: 'Der Knoten der anderen Gemeinde ist gerade nicht erreichbar. Bitte versuchen Sie es später erneut.',
  // Sign-in and transport
  wrong_audience: 'Das Token wurde nicht für diese Anwendung ausgestellt.',
  token_expired: 'Das Token ist abgelaufen. Bitte melden Sie sich erneut an.',
  invalid_header: 'Die Kennung enthält Zeichen, die sich nicht an den Server übertragen lassen.',
  network: 'Der Server ist nicht erreichbar. Bitte prüfen Sie die Verbindung.',
};

/** The German sentence for an error answer: by code, then by HTTP status. */
export function germanFor(status, code, details) {
  let text = CODE_TEXT[code] || STATUS_TEXT[status] || `Unerwartete Antwort des Servers (HTTP ${status}).`;
  if (code === 'already_claimed' && details && details.expires) {
    text = `Der Vorgang wird bereits von einer anderen Person bearbeitet (vergeben bis ${formatClock(details.expires)}).`;
  }
  return text;
}

/** An error answer of the API: HTTP status, snake_case code, the server's sentence and its request id. */
export class ApiError extends Error {
  constructor(status, code, serverMessage, requestId, details = null, fields = null) {
    const german = germanFor(status, code, details);
    super(german);
    this.status = status;
    this.code = code;
    this.serverMessage = serverMessage;
    this.requestId = requestId;
    this.details = details;
    this.fields = fields;
    this.german = german;
  }
}

let onUnauthorized = () => {};
/** Called once with the ApiError when any call answers 401. */
export function setUnauthorizedHandler(handler) { onUnauthorized = handler; }

/** Query parameters without the empty ones. */
function urlFor(path, params) {
  const url = new URL(`/v1${path}`, window.location.origin);
  for (const [key, value] of Object.entries(params || {})) {
    if (value !== undefined && value !== null && value !== '') url.searchParams.set(key, value);
  }
  return url;
}

async function errorFrom(response) {
  let body = null;
  try { body = await response.json(); } catch { /* not JSON: a proxy's page */ }
  const e = body && body.error ? body.error : {};
  const details = e.details && typeof e.details === 'object' ? e.details : null;
  return new ApiError(response.status, e.code || null, e.message || null, e.request_id || null, details,
    Array.isArray(e.fields) ? e.fields : null);
}

/** The segment of a path, percent-encoded (ids come from the API and may hold any character). */
export const seg = (text) => encodeURIComponent(String(text));

/**
 * Calls the API: GET by default, JSON body when given, extra headers when given (values empty or null are left
 * out); answers the parsed JSON. Throws ApiError for error answers and network failures; a 401 also signs out
 * (setUnauthorizedHandler).
 */
export async function api(path, {method = 'GET', params, body, headers: extra = {}, auth = true} = {}) {
  const headers = {Accept: 'application/json'};
  if (auth) headers.Authorization = `Bearer ${session.token || ''}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  for (const [name, value] of Object.entries(extra)) {
    if (value === undefined || value === null || value === '') continue;
    // HTTP header values are Latin-1; anything else would make fetch fail as if the network were down.
    if (/[^\x20-\x7e]/.test(String(value))) throw new ApiError(0, 'invalid_header', `${name}: ${value}`, null);
    headers[name] = String(value);
  }
  let response;
  try {
    response = await fetch(urlFor(path, params), {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body),
      cache: 'no-store', credentials: 'omit', redirect: 'error',
    });
  } catch {
    throw new ApiError(0, 'network', null, null);
  }
  if (!response.ok) {
    const error = await errorFrom(response);
    if (response.status === 401 && auth) onUnauthorized(error);
    throw error;
  }
  return response.json();
}
