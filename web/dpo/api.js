// The token (kept in sessionStorage only: it ends with the browser tab) and the one helper that calls the API.

const TOKEN_KEY = 'regfed.dpo.token';

/** The node's name, from the unauthenticated health check; shown in the header and used in file names. */
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
  403: 'Dafür fehlt die Berechtigung (Rolle „dpo“, Daten der eigenen Gemeinde).',
  404: 'Nicht gefunden.',
  409: 'Die Aktion passt nicht zum aktuellen Stand.',
  413: 'Die Anfrage ist zu groß.',
  422: 'Die Eingaben sind ungültig.',
  503: 'Der Dienst ist vorübergehend nicht verfügbar (Protokollspeicher oder ein anderer Dienst). ' +
    'Bitte versuchen Sie es später erneut.',
};

const CODE_TEXT = {
  already_closed: 'Die Warnung ist bereits abgeschlossen.',
  wrong_audience: 'Das Token wurde nicht für diese Anwendung ausgestellt.',
  token_expired: 'Das Token ist abgelaufen. Bitte melden Sie sich erneut an.',
  network: 'Der Server ist nicht erreichbar. Bitte prüfen Sie die Verbindung.',
};

/** An error answer of the API: HTTP status, snake_case code, the server's sentence and its request id. */
export class ApiError extends Error {
  constructor(status, code, serverMessage, requestId) {
    const german = CODE_TEXT[code] || STATUS_TEXT[status] || `Unerwartete Antwort des Servers (HTTP ${status}).`;
    super(german);
    this.status = status;
    this.code = code;
    this.serverMessage = serverMessage;
    this.requestId = requestId;
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
  return new ApiError(response.status, e.code || null, e.message || null, e.request_id || null);
}

/**
 * Calls the API: GET by default, JSON body when given; answers the parsed JSON, or the Response when raw.
 * Throws ApiError for error answers and network failures; a 401 also signs out (setUnauthorizedHandler).
 */
export async function api(path, {method = 'GET', params, body, raw = false, auth = true} = {}) {
  const headers = {Accept: raw ? '*/*' : 'application/json'};
  if (auth) headers.Authorization = `Bearer ${session.token || ''}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
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
  return raw ? response : response.json();
}
