// The API client both pages share: the token (kept in sessionStorage only, under the page's own key: it ends with
// the browser tab), the one function that calls the API, and its error answers in German. Which key and which
// sentences beyond the shared ones are the page's, set once with configureApi() before the first call.

/** The node's name, from the unauthenticated health check; shown in the header (the DPO page also names files). */
export const nodeInfo = {name: null};

const STATUS_TEXT = {
  400: 'Die Anfrage ist fehlerhaft.',
  401: 'Die Anmeldung ist ungültig oder abgelaufen. Bitte melden Sie sich erneut an.',
  404: 'Nicht gefunden.',
  413: 'Die Anfrage ist zu groß.',
  422: 'Die Eingaben sind ungültig.',
};

const CODE_TEXT = {
  wrong_audience: 'Das Token wurde nicht für diese Anwendung ausgestellt.',
  token_expired: 'Das Token ist abgelaufen. Bitte melden Sie sich erneut an.',
  invalid_header: 'Die Kennung enthält Zeichen, die sich nicht an den Server übertragen lassen.',
  network: 'Der Server ist nicht erreichbar. Bitte prüfen Sie die Verbindung.',
};

const page = {tokenKey: null, statusText: STATUS_TEXT, codeText: CODE_TEXT};

/**
 * Sets what is the page's own: the sessionStorage key of its token, and its sentences for HTTP statuses and for
 * error codes (added to the shared ones, or replacing them). A sentence for a code may be a function of the
 * error's details.
 */
export function configureApi({tokenKey, statusText = {}, codeText = {}}) {
  page.tokenKey = tokenKey;
  page.statusText = {...STATUS_TEXT, ...statusText};
  page.codeText = {...CODE_TEXT, ...codeText};
}

function tokenKey() {
  if (!page.tokenKey) throw new Error('configureApi() must name the key of the token first');
  return page.tokenKey;
}

export const session = {
  get token() { return sessionStorage.getItem(tokenKey()); },
  set token(value) { sessionStorage.setItem(tokenKey(), value); },
  clear() { sessionStorage.removeItem(tokenKey()); },
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

/** The German sentence for an error answer: by code, then by HTTP status. */
function germanFor(status, code, details) {
  // Own properties only: a code such as "constructor" from a proxy must not find Object's.
  const byCode = code && Object.hasOwn(page.codeText, code) ? page.codeText[code] : null;
  if (typeof byCode === 'function') return byCode(details);
  if (byCode) return byCode;
  if (Object.hasOwn(page.statusText, status)) return page.statusText[status];
  return `Unerwartete Antwort des Servers (HTTP ${status}).`;
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
 * out); answers the parsed JSON, or the Response when raw. Throws ApiError for error answers and network failures;
 * a 401 also signs out (setUnauthorizedHandler).
 */
export async function api(path, {method = 'GET', params, body, headers: extra = {}, raw = false, auth = true} = {}) {
  const headers = {Accept: raw ? '*/*' : 'application/json'};
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
  return raw ? response : response.json();
}
