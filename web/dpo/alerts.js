// The alerts view: list by status, acknowledge, close with an outcome.

import {api} from '../common/api.js';
import {$, NONE, announce, busy, clearError, descriptionList, el, fill} from '../common/ui.js';
import {formatTime, showError, timeElement} from './ui.js';
import {filterBy} from './events.js';

const KINDS = {
  blocked_record_hit: 'Zugriff auf gesperrten Datensatz',
  emergency_activation: 'Notfallmandat aktiviert',
  emergency_access: 'Zugriff mit Notfallmandat',
  denial_burst: 'Häufung von Ablehnungen',
  outside_mandate: 'Versuche außerhalb des Mandats',
  unusual_volume: 'Ungewöhnliches Abfragevolumen',
};
const kindText = (kind) => KINDS[kind] || String(kind ?? NONE);

const STATUS = {open: 'offen', acknowledged: 'zur Kenntnis genommen', closed: 'abgeschlossen'};
const statusText = (status) => STATUS[status] || String(status ?? NONE);

const OUTCOME_MAX = 1000;

function updateBadge(open) {
  const badge = $('#alert-badge');
  badge.hidden = !(open > 0);
  fill(badge, open > 0 ? `${open} offen` : '');
}

/** Fetches the number of open alerts for the navigation badge (also the first call after signing in). */
export async function refreshCount() {
  const data = await api('/audit/alerts', {params: {status: 'open'}});
  updateBadge(typeof data.open === 'number' ? data.open : (data.alerts || []).length);
}

const byAt = (mark) => (mark ? `von ${mark.by || NONE} am ${formatTime(mark.at)}` : null);

function closeForm(alert, item) {
  const id = `outcome-${alert.id}`;
  const hintId = `${id}-hint`;
  const textarea = el('textarea', {id, name: 'outcome', rows: 3, maxlength: OUTCOME_MAX, required: true,
    'aria-describedby': hintId});
  textarea.addEventListener('input', () => textarea.setCustomValidity(''));
  const formEl = el('form', {class: 'close-form'},
    el('div', {class: 'field'},
      el('label', {for: id}, 'Ergebnis der Prüfung'),
      textarea,
      el('p', {id: hintId, class: 'hint'}, `Pflichtfeld, höchstens ${OUTCOME_MAX} Zeichen.`)),
    el('div', {class: 'actions'}, el('button', {type: 'submit'}, 'Abschließen')));
  formEl.addEventListener('submit', (event) => {
    event.preventDefault();
    const outcome = textarea.value.trim();
    if (!outcome) {
      textarea.setCustomValidity('Bitte beschreiben Sie das Ergebnis Ihrer Prüfung.');
      textarea.reportValidity();
      return;
    }
    act(alert, item, 'close', {outcome}, `Warnung ${alert.id} wurde abgeschlossen.`, 'h2');
  });
  return formEl;
}

function alertItem(alert) {
  const headingId = `alert-${alert.id}-title`;
  const item = el('li', {});
  const actions = el('div', {class: 'actions'});
  if (alert.status === 'open') {
    actions.append(el('button', {type: 'button', on: {click: () => act(alert, item, 'acknowledge', undefined,
      `Warnung ${alert.id} wurde zur Kenntnis genommen.`, 'textarea')}}, 'Zur Kenntnis nehmen'));
  }
  if (alert.actor) {
    actions.append(el('button', {type: 'button', class: 'secondary', on: {click: () => filterBy({actor: alert.actor})}},
      'Ereignisse dieses Akteurs anzeigen'));
  }
  item.append(el('article', {class: `alert-card status-${alert.status}`, 'aria-labelledby': headingId},
    el('h2', {id: headingId, tabindex: -1}, `Warnung ${alert.id}: ${kindText(alert.kind)}`),
    descriptionList([
      ['Status', el('span', {class: `badge alert-${alert.status}`}, statusText(alert.status))],
      ['Zeit', timeElement(alert.time)],
      ['Beschreibung', alert.detail],
      ['Akteur', alert.actor ? `${alert.actor}${alert.actor_ags ? ` (Gemeinde ${alert.actor_ags})` : ''}` : null],
      ['Anfrage-ID', alert.request_id ? el('code', {}, alert.request_id) : null],
      ['Zur Kenntnis genommen', byAt(alert.acknowledged)],
      ['Abgeschlossen', byAt(alert.closed)],
      ['Ergebnis der Prüfung', alert.closed?.outcome],
    ]),
    actions,
    alert.status !== 'closed' ? closeForm(alert, item) : null));
  return item;
}

async function act(alert, item, verb, body, doneText, focusSelector) {
  clearError();
  try {
    const data = await busy(item, [...item.querySelectorAll('button')],
      api(`/audit/alerts/${encodeURIComponent(alert.id)}/${verb}`, {method: 'POST', body}));
    const fresh = alertItem(data.alert || {...alert});
    item.replaceWith(fresh);
    announce(doneText);
    (fresh.querySelector(focusSelector) || fresh.querySelector('h2')).focus();
    refreshCount().catch(() => {});
  } catch (error) {
    showError(error, `Warnung ${alert.id} konnte nicht ${verb === 'close' ? 'abgeschlossen' : 'zur Kenntnis genommen'} werden`);
    if (error.status === 409 || error.status === 404) load({keepError: true}); // someone else was quicker: show the state now
  }
}

async function load({keepError = false} = {}) {
  if (!keepError) clearError();
  const status = $('#a-status').value;
  try {
    const data = await busy($('#view-warnungen'), [$('#alerts-filter button[type=submit]')],
      api('/audit/alerts', {params: {status}}));
    const alerts = Array.isArray(data.alerts) ? data.alerts : [];
    fill($('#alerts-list'), alerts.map(alertItem));
    $('#alerts-empty').hidden = alerts.length > 0;
    if (keepError && (document.activeElement === document.body || !document.activeElement)) $('#h-warnungen').focus();
    if (typeof data.open === 'number') {
      updateBadge(data.open);
      fill($('#alerts-count'), data.open === 1 ? 'Insgesamt ist 1 Warnung offen.' : `Insgesamt sind ${data.open} Warnungen offen.`);
    }
    const label = $('#a-status').selectedOptions[0].textContent;
    announce(`${alerts.length} ${alerts.length === 1 ? 'Warnung' : 'Warnungen'} mit Status „${label}“.`);
  } catch (error) {
    fill($('#alerts-list'));
    showError(error, 'Warnungen konnten nicht geladen werden');
  }
}

export function init() {
  $('#alerts-filter').addEventListener('submit', (event) => {
    event.preventDefault();
    load();
  });
}

export function show() {
  load();
}
