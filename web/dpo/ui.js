// The DPO page's own wording and helpers: times to the second, the words for the log's codes, its error box, and
// saving files. What both pages use is in ../common/ui.js.

import {$, berlinFormat, el, errorParagraphs, fill, formatTimeIn, orNone} from '../common/ui.js';

// --- Times: the log is read to the second.

const berlinTime = berlinFormat({
  year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
});
const berlinDay = berlinFormat({year: 'numeric', month: '2-digit', day: '2-digit'});

/** "28.11.2026, 11:01:02" in Europe/Berlin, or the raw text when it is not a time. */
export const formatTime = (rfc3339) => formatTimeIn(berlinTime, rfc3339);

/** A <time> element with the machine-readable value kept in datetime. */
export function timeElement(rfc3339) {
  return el('time', {datetime: rfc3339 || undefined}, formatTime(rfc3339));
}

/** Today's date in Berlin as YYYY-MM-DD (for file names). */
export function berlinToday() {
  const parts = berlinDay.formatToParts(new Date());
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

// --- Messages

/** Shows an error in plain German with the API's code and request id (see ../common/api.js ApiError). */
export function showError(error, context, {evenUnauthorized = false} = {}) {
  if (error && error.status === 401 && !evenUnauthorized) return; // the sign-in page shows it
  fill($('#error'), errorParagraphs(error, context));
}

// --- Files

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
