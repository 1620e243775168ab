// DOM and message helpers both pages use. Data from the API is attacker-controlled (actor ids, purposes, titles,
// applicant data, notes come from other people), so it only ever reaches the page through text nodes, never as
// markup.

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

/** A text for screen readers only (e.g. which item a button in a table row acts on). */
export const srOnly = (text) => el('span', {class: 'visually-hidden'}, text);

// --- Times: the API speaks RFC 3339 in UTC; people read Berlin local time. How precise is each page's choice.

/** A German format in Berlin local time, e.g. berlinFormat({hour: '2-digit', minute: '2-digit'}). */
export const berlinFormat = (options) => new Intl.DateTimeFormat('de-DE', {timeZone: 'Europe/Berlin', ...options});

/** The Date of an RFC 3339 text, or null when it is empty or not a time. */
export function asDate(rfc3339) {
  const date = rfc3339 ? new Date(rfc3339) : null;
  return date && !Number.isNaN(date.getTime()) ? date : null;
}

/** rfc3339 in format (a berlinFormat): NONE when it is empty, the raw text when it is not a time. */
export function formatTimeIn(format, rfc3339) {
  if (!rfc3339) return NONE;
  const date = asDate(rfc3339);
  return date ? format.format(date) : String(rfc3339);
}

// --- Messages: a polite status line and an alert box, live regions that exist from the start.

/** A short status line (loading results, counts). */
export function announce(text) {
  fill($('#status'), text);
}

/**
 * The paragraphs that show an error in plain German (see api.js ApiError): the sentence for its code, or `title`
 * instead; further sentences (`lines`); the server's message; the code, the HTTP status and the request id.
 */
export function errorParagraphs(error, context, {title, lines: more = []} = {}) {
  const text = title || error.german || error.message;
  const lines = [el('p', {class: 'error-title'}, context ? `${context}: ${text}` : text)];
  for (const line of more) lines.push(el('p', {}, line));
  if (error.serverMessage) lines.push(el('p', {class: 'error-detail'}, `Meldung des Servers: ${error.serverMessage}`));
  const codes = [];
  if (error.code) codes.push('Fehlercode: ', el('code', {}, error.code));
  if (error.status) codes.push(codes.length ? ' · ' : '', `HTTP ${error.status}`);
  if (error.requestId) codes.push(' · Anfrage-ID: ', el('code', {}, error.requestId));
  if (codes.length) lines.push(el('p', {class: 'error-codes'}, codes));
  return lines;
}

export function clearError() {
  fill($('#error'));
  announce('');
}

/**
 * Marks a region busy while promise runs and disables the given buttons (each gets back the state it had); a
 * button that had the focus gets it back afterwards (disabling it drops the focus to the page, which would strand
 * keyboard users).
 */
export async function busy(region, buttons, promise) {
  const focused = document.activeElement;
  const before = buttons.map((b) => b.disabled);
  region.setAttribute('aria-busy', 'true');
  for (const b of buttons) b.disabled = true;
  try {
    return await promise;
  } finally {
    region.removeAttribute('aria-busy');
    buttons.forEach((b, i) => { b.disabled = before[i]; });
    if (buttons.includes(focused) && focused.isConnected && !focused.disabled && !focused.hidden &&
        (document.activeElement === document.body || document.activeElement === null)) focused.focus();
  }
}
