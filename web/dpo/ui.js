// DOM and wording helpers shared by the views. Data from the API is attacker-controlled (actor ids, purposes,
// case references come from requests), so it only ever reaches the page through text nodes, never as markup.

/** Builds an element: el('td', {class: 'x', dataset: {col: 'actor'}}, 'text', otherNode). */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') node.className = value;
    else if (key === 'dataset') Object.assign(node.dataset, value);
    else if (key === 'on') for (const [type, fn] of Object.entries(value)) node.addEventListener(type, fn);
    else if (value === true) node.setAttribute(key, '');
    else node.setAttribute(key, String(value));
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces all children of node. */
export function fill(node, ...children) {
  node.replaceChildren();
  append(node, children);
  return node;
}

export const $ = (selector, root = document) => root.querySelector(selector);

/** A <dl> from [term, description] pairs; pairs whose description is empty are left out. */
export function descriptionList(pairs, className = 'facts') {
  const dl = el('dl', {class: className});
  for (const [term, description] of pairs) {
    if (description === undefined || description === null || description === '') continue;
    dl.append(el('div', {}, el('dt', {}, term), el('dd', {}, description)));
  }
  return dl;
}

/** Text shown when a value is absent. */
export const NONE = '–';
export const orNone = (value) => (value === undefined || value === null || value === '' ? NONE : String(value));

// --- Times: the API speaks RFC 3339 in UTC; people read Berlin local time.

const berlinTime = new Intl.DateTimeFormat('de-DE', {
  timeZone: 'Europe/Berlin', year: 'numeric', month: '2-digit', day: '2-digit',
  hour: '2-digit', minute: '2-digit', second: '2-digit',
});

/** "28.11.2026, 11:01:02" in Europe/Berlin, or the raw text when it is not a time. */
export function formatTime(rfc3339) {
  if (!rfc3339) return NONE;
  const date = new Date(rfc3339);
  return Number.isNaN(date.getTime()) ? String(rfc3339) : berlinTime.format(date);
}

/** A <time> element with the machine-readable value kept in datetime. */
export function timeElement(rfc3339) {
  return el('time', {datetime: rfc3339 || undefined}, formatTime(rfc3339));
}

/** Today's date in Berlin as YYYY-MM-DD (for file names). */
export function berlinToday() {
  const parts = new Intl.DateTimeFormat('de-DE', {
    timeZone: 'Europe/Berlin', year: 'numeric', month: '2-digit', day: '2-digit',
  }).formatToParts(new Date());
  const part = (type) => parts.find((p) => p.type === type).value;
  return `${part('year')}-${part('month')}-${part('day')}`;
}

// --- Words for the API's codes. Unknown codes are shown as they come.

const DECISIONS = {allow: 'erlaubt', deny: 'verweigert', error: 'Fehler'};
export const decisionText = (decision) => DECISIONS[decision] || orNone(decision);

/** A badge for a decision, with its reason code beside it. */
export function decisionBadge(decision, reason) {
  const cls = DECISIONS[decision] ? `badge decision-${decision}` : 'badge';
  return el('span', {class: 'decision'}, el('span', {class: cls}, decisionText(decision)),
    reason ? el('span', {class: 'reason'}, ` (${reason})`) : null);
}

export function emergencyBadge() {
  return el('span', {class: 'badge emergency'}, 'Notfallzugriff');
}

const ACTIONS = {search: 'Suche', get: 'Abruf eines Datensatzes', export: 'Export'};
export const actionText = (action) => ACTIONS[action] || orNone(action);

export const yesNo = (value) => (value ? 'ja' : 'nein');

// --- Messages: one polite status line and one alert box, both live regions that exist from the start.

export function announce(text) {
  fill($('#status'), text);
}

/** Shows an error in plain German with the API's code and request id (see api.js ApiError). */
export function showError(error, context, {evenUnauthorized = false} = {}) {
  if (error && error.status === 401 && !evenUnauthorized) return; // the sign-in page shows it
  const box = $('#error');
  const lines = [];
  lines.push(el('p', {class: 'error-title'}, context ? `${context}: ${error.german || error.message}` :
    (error.german || error.message)));
  if (error.serverMessage) lines.push(el('p', {}, `Meldung des Servers: ${error.serverMessage}`));
  const codes = [];
  if (error.code) codes.push('Fehlercode: ', el('code', {}, error.code));
  if (error.status) codes.push(codes.length ? ' · ' : '', `HTTP ${error.status}`);
  if (error.requestId) codes.push(' · Anfrage-ID: ', el('code', {}, error.requestId));
  if (codes.length) lines.push(el('p', {class: 'error-codes'}, codes));
  fill(box, lines);
}

export function clearError() {
  fill($('#error'));
  announce('');
}

/**
 * Marks a region busy while promise runs and disables the given buttons; a button that had the focus gets it
 * back afterwards (disabling it drops the focus to the page, which would strand keyboard users).
 */
export async function busy(region, buttons, promise) {
  const focused = document.activeElement;
  region.setAttribute('aria-busy', 'true');
  for (const b of buttons) b.disabled = true;
  try {
    return await promise;
  } finally {
    region.removeAttribute('aria-busy');
    for (const b of buttons) b.disabled = false;
    if (buttons.includes(focused) && focused.isConnected &&
        (document.activeElement === document.body || document.activeElement === null)) focused.focus();
  }
}

/** Saves a Blob as a file through an object URL (works with CSP: no navigation to data, no inline script). */
export function saveBlob(blob, filename) {
  const url = URL.createObjectURL(blob);
  const link = el('a', {href: url, download: filename, class: 'visually-hidden'});
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** A file-name part: letters, digits, dot, dash, underscore only. */
export const safeFilePart = (text) => String(text || 'knoten').replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 60);
