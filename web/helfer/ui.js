// The helpers' page's own wording and helpers: times to the minute, sizes and values of records, the words for
// items, claims and decisions, and its three message areas. What both pages use is in ../common/ui.js.

import {
  $, NONE, asDate, berlinFormat, clearError, el, errorParagraphs, fill, formatTimeIn, orNone,
} from '../common/ui.js';

// --- Times: the helpers' page reads to the minute.

const berlinDateTime = berlinFormat({
  year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit',
});
const berlinDate = berlinFormat({year: 'numeric', month: '2-digit', day: '2-digit'});
const berlinClock = berlinFormat({hour: '2-digit', minute: '2-digit'});

/** "28.11.2026, 11:01" in Europe/Berlin, or the raw text when it is not a time. */
export const formatTime = (rfc3339) => formatTimeIn(berlinDateTime, rfc3339);

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

// --- Messages: besides the status line and the alert box (../common/ui.js), a confirmation box.

/** A confirmation that an action succeeded; stays until the next action. */
export function confirmDone(text) {
  fill($('#notice'), text ? el('p', {}, text) : null);
}

/**
 * Shows an error in plain German with the API's message, code and request id (see ../common/api.js ApiError) and
 * asks for the request id in a call to the support. `title` replaces the sentence for the code; `lines` are further
 * sentences shown below it.
 */
export function showError(error, context, {title, lines, evenUnauthorized = false} = {}) {
  if (error && error.status === 401 && !evenUnauthorized) return; // the sign-in page shows it
  const paragraphs = errorParagraphs(error, context, {title, lines});
  if (error.requestId) {
    paragraphs.push(el('p', {class: 'error-codes'}, 'Nennen Sie die Anfrage-ID, wenn Sie den Support fragen.'));
  }
  confirmDone('');
  fill($('#error'), paragraphs);
}

/** Shows a refusal of the page itself (no API call was made). */
export function showProblem(text, ...more) {
  confirmDone('');
  fill($('#error'), el('p', {class: 'error-title'}, text), more.map((line) => el('p', {}, line)));
}

/** Clears all three message areas (at the start of an action the person takes). */
export function clearMessages() {
  clearError();
  confirmDone('');
}
