// DOM and wording helpers shared by the views. Data from the API is attacker-controlled (titles, applicant data,
// notes come from applicants and other people), so it only ever reaches the page through text nodes, never as
// markup.

/** Builds an element: el('td', {class: 'x', dataset: {col: 'id'}}, 'text', otherNode). */
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

// --- Times: the API speaks RFC 3339 in UTC; people read Berlin local time.

const TZ = 'Europe/Berlin';
const berlinDateTime = new Intl.DateTimeFormat('de-DE', {
  timeZone: TZ, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit',
});
const berlinDate = new Intl.DateTimeFormat('de-DE', {timeZone: TZ, year: 'numeric', month: '2-digit', day: '2-digit'});
const berlinClock = new Intl.DateTimeFormat('de-DE', {timeZone: TZ, hour: '2-digit', minute: '2-digit'});

const asDate = (rfc3339) => {
  const date = rfc3339 ? new Date(rfc3339) : null;
  return date && !Number.isNaN(date.getTime()) ? date : null;
};

/** "28.11.2026, 11:01" in Europe/Berlin, or the raw text when it is not a time. */
export function formatTime(rfc3339) {
  if (!rfc3339) return NONE;
  const date = asDate(rfc3339);
  return date ? berlinDateTime.format(date) : String(rfc3339);
}

/** "11:30" when the time is today (in Berlin), else "29.11.2026, 11:30". */
export function formatClock(rfc3339) {
  const date = asDate(rfc3339);
  if (!date) return orNone(rfc3339);
  return berlinDate.format(date) === berlinDate.format(new Date()) ? berlinClock.format(date)
    : berlinDateTime.format(date);
}

/** "2026-11-28" → "28.11.2026"; other text unchanged. */
export function formatDay(day) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(String(day ?? ''));
  return m ? `${m[3]}.${m[2]}.${m[1]}` : orNone(day);
}

/** A <time> element with the machine-readable value kept in datetime. */
export function timeElement(rfc3339) {
  return el('time', {datetime: rfc3339 || undefined}, formatTime(rfc3339));
}

/** "12,4 kB" (1 kB = 1000 bytes, at least 0,1 kB for a non-empty file). */
export function formatSize(bytes) {
  const n = Number(bytes);
  if (!Number.isFinite(n) || n < 0) return NONE;
  const kb = n === 0 ? 0 : Math.max(0.1, n / 1000);
  return `${kb.toLocaleString('de-DE', {maximumFractionDigits: 1, minimumFractionDigits: kb < 10 ? 1 : 0})} kB`;
}

/** A value of a register record or an applicant field for display: dates German, booleans ja/nein. */
export function displayValue(value) {
  if (value === true) return 'ja';
  if (value === false) return 'nein';
  if (value === null || value === undefined || value === '') return NONE;
  if (Array.isArray(value)) return value.map(displayValue).join(', ');
  if (typeof value === 'object') return JSON.stringify(value);
  const text = String(value);
  return /^\d{4}-\d{2}-\d{2}$/.test(text) ? formatDay(text) : text;
}

// --- Words for the API's codes. Unknown codes are shown as they come.

const DECISIONS = {approved: 'Genehmigt', rejected: 'Abgelehnt', needs_info: 'Rückfrage an Antragsteller'};
export const decisionText = (decision) => DECISIONS[decision] || orNone(decision);

const STATUSES = {
  open: 'offen', needs_info: 'Rückfrage an Antragsteller', approved: 'genehmigt', rejected: 'abgelehnt',
  claimed: 'übernommen', released: 'zurückgegeben',
};
export const statusText = (status) => STATUSES[status] || orNone(status);

/** Who in the history: the applicant, the system, or a holder "user@ags". */
export function whoText(by) {
  if (by === 'antragsteller') return 'Antragsteller/in';
  if (by === 'system') return 'System';
  const m = /^(.+)@(\d{8})$/.exec(String(by ?? ''));
  return m ? `${m[1]} (Gemeinde ${m[2]})` : orNone(by);
}

/** The state of an item's claim in words: "offen", "in Bearbeitung durch Sie (bis 11:30)", "vergeben bis 11:30". */
export function claimText(claim) {
  if (!claim) return 'offen';
  if (claim.mine) return `in Bearbeitung durch Sie${claim.expires ? ` (bis ${formatClock(claim.expires)})` : ''}`;
  const holder = claim.holder ? ` an ${whoText(claim.holder)}` : '';
  return claim.expires ? `vergeben${holder} bis ${formatClock(claim.expires)}` : `vergeben${holder}`;
}

/** A badge for the claim state of an item. */
export function claimBadge(claim) {
  const cls = !claim ? 'badge claim-free' : claim.mine ? 'badge claim-mine' : 'badge claim-other';
  return el('span', {class: cls}, claimText(claim));
}

// --- Messages: a polite status line, a confirmation box and an alert box; live regions that exist from the start.

/** A short status line (loading results, counts). */
export function announce(text) {
  fill($('#status'), text);
}

/** A confirmation that an action succeeded; stays until the next action. */
export function confirmDone(text) {
  fill($('#notice'), text ? el('p', {}, text) : null);
}

/**
 * Shows an error in plain German with the API's message, code and request id (see api.js ApiError). `title`
 * replaces the sentence for the code; `lines` are further sentences shown below it.
 */
export function showError(error, context, {title, lines: more = [], evenUnauthorized = false} = {}) {
  if (error && error.status === 401 && !evenUnauthorized) return; // the sign-in page shows it
  const text = title || error.german || error.message;
  const lines = [el('p', {class: 'error-title'}, context ? `${context}: ${text}` : text)];
  for (const line of more) lines.push(el('p', {}, line));
  if (error.serverMessage) lines.push(el('p', {class: 'error-detail'}, `Meldung des Servers: ${error.serverMessage}`));
  const codes = [];
  if (error.code) codes.push('Fehlercode: ', el('code', {}, error.code));
  if (error.status) codes.push(codes.length ? ' · ' : '', `HTTP ${error.status}`);
  if (error.requestId) codes.push(' · Anfrage-ID: ', el('code', {}, error.requestId));
  if (codes.length) {
    lines.push(el('p', {class: 'error-codes'}, codes));
    if (error.requestId) lines.push(el('p', {class: 'error-codes'}, 'Nennen Sie die Anfrage-ID, wenn Sie den Support fragen.'));
  }
  confirmDone('');
  fill($('#error'), lines);
}

/** Shows a refusal of the page itself (no API call was made). */
export function showProblem(text, ...more) {
  confirmDone('');
  fill($('#error'), el('p', {class: 'error-title'}, text), more.map((line) => el('p', {}, line)));
}

export function clearError() {
  fill($('#error'));
  announce('');
}

/** Clears all three message areas (at the start of an action the person takes). */
export function clearMessages() {
  clearError();
  confirmDone('');
}

/**
 * Marks a region busy while promise runs and disables the given buttons; a button that had the focus gets it
 * back afterwards (disabling it drops the focus to the page, which would strand keyboard users).
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
