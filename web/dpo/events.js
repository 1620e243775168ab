// The events view: the filter form, one page of events (newest first) and paging with the API's cursor.

import {api} from '../common/api.js';
import {$, NONE, announce, busy, clearError, descriptionList, el, fill} from '../common/ui.js';
import {showView} from '../common/nav.js';
import {actionText, decisionBadge, emergencyBadge, showError, timeElement} from './ui.js';
import {openReport} from './report.js';

// cursors[i] is the `after` value that fetches page i (null for the first page, the newest events).
const state = {cursors: [null], page: 0, loaded: false};

const form = () => $('#events-filter');

/** The filter as query parameters (empty fields left out); paging and page size are not part of it. */
export function currentFilter() {
  const params = {};
  for (const [name, value] of new FormData(form())) {
    if (name !== 'limit' && String(value).trim() !== '') params[name] = String(value).trim();
  }
  return params;
}

/** The filter as [label, value] pairs in the words of the form, for showing it elsewhere. */
export function filterDescription() {
  const pairs = [];
  for (const field of form().elements) {
    if (!field.name || field.name === 'limit' || String(field.value).trim() === '') continue;
    const label = form().querySelector(`label[for="${field.id}"]`)?.textContent.trim() || field.name;
    const value = field.tagName === 'SELECT' ? field.selectedOptions[0].textContent : field.value.trim();
    pairs.push([label, value]);
  }
  return pairs;
}

/** Sets the filter (other fields emptied) and shows the first page of events. */
export function filterBy(values) {
  for (const field of form().elements) {
    if (field.name && field.name !== 'limit') field.value = values[field.name] ?? '';
  }
  state.loaded = false;
  showView('ereignisse');
}

function subjectList(event) {
  const subjects = Array.isArray(event.subjects) ? event.subjects : [];
  const withheld = Array.isArray(event.withheld) ? event.withheld : [];
  const items = subjects.map((id) => el('li', {},
    el('button', {type: 'button', class: 'link', on: {click: () => openReport(event.owner_ags, event.register, id)}},
      el('span', {class: 'visually-hidden'}, 'Auskunft zu Datensatz '), id)));
  const parts = [];
  if (items.length) parts.push(el('ul', {class: 'plain'}, items));
  if (withheld.length) parts.push(el('p', {class: 'sub'}, `zurückgehalten: ${withheld.join(', ')}`));
  if (typeof event.result_count === 'number') parts.push(el('p', {class: 'sub'}, `${event.result_count} Treffer`));
  return parts.length ? parts : NONE;
}

function details(event) {
  const criteria = event.criteria ? el('pre', {}, JSON.stringify(event.criteria, null, 2)) : null;
  return el('details', {},
    el('summary', {}, 'Details', el('span', {class: 'visually-hidden'}, ` zu Ereignis ${event.seq}`)),
    descriptionList([
      ['Anfrage-ID', event.request_id ? el('code', {}, event.request_id) : null],
      ['Korrelations-ID', event.correlation_id],
      ['Knoten', event.node],
      ['Gegenstelle', event.peer],
      ['Rollen', Array.isArray(event.roles) ? event.roles.join(', ') : null],
      ['Suchkriterien', criteria],
      ['Inhalt gelöscht', event.pruned ? 'ja, nach Ablauf der Aufbewahrungsfrist' : null],
    ]));
}

function eventRow(event) {
  const purpose = [];
  if (event.purpose) purpose.push(el('p', {}, event.purpose));
  if (event.case_ref) purpose.push(el('p', {class: 'sub'}, `Aktenzeichen: ${event.case_ref}`));
  if (event.mandate) purpose.push(el('p', {class: 'sub'}, `Mandat: ${event.mandate}`));
  return el('tr', {class: event.emergency ? 'emergency' : undefined},
    el('th', {scope: 'row'}, String(event.seq)),
    el('td', {}, timeElement(event.time)),
    el('td', {dataset: {col: 'actor'}},
      el('span', {class: 'actor-id'}, event.actor || NONE),
      event.actor_ags ? el('p', {class: 'sub'}, `Gemeinde ${event.actor_ags}`) : null),
    el('td', {}, actionText(event.action)),
    el('td', {}, el('p', {}, event.register || NONE),
      event.owner_ags ? el('p', {class: 'sub'}, `Gemeinde ${event.owner_ags}`) : null),
    el('td', {}, purpose.length ? purpose : NONE),
    el('td', {}, subjectList(event)),
    el('td', {}, Array.isArray(event.fields) && event.fields.length ? event.fields.join(', ') : NONE),
    el('td', {}, decisionBadge(event.decision, event.reason), event.emergency ? [' ', emergencyBadge()] : null),
    el('td', {}, details(event)));
}

function render(events) {
  fill($('#events-table tbody'), events.map(eventRow));
  $('#events-empty').hidden = events.length > 0;
  const first = state.page * Number($('#f-limit').value) + 1;
  fill($('#events-page'), events.length
    ? `Seite ${state.page + 1} · Ereignisse ${first}–${first + events.length - 1}`
    : `Seite ${state.page + 1}`);
  $('#events-prev').disabled = state.page === 0;
  $('#events-next').disabled = state.cursors[state.page + 1] === undefined;
}

async function load(page) {
  clearError();
  const section = $('#view-ereignisse');
  const buttons = [$('#events-prev'), $('#events-next'), form().querySelector('button[type=submit]')];
  const params = {...currentFilter(), limit: $('#f-limit').value, after: state.cursors[page] || undefined};
  try {
    const data = await busy(section, buttons, api('/audit/events', {params}));
    state.page = page;
    state.cursors.length = page + 1;
    if (data.next) state.cursors.push(data.next);
    state.loaded = true;
    const events = Array.isArray(data.events) ? data.events : [];
    // The first page is anchored at its newest event, so paging back shows the same rows even though every read
    // adds newer events (the DPO's own reads among them); "Suchen" starts again from the newest.
    if (page === 0 && state.cursors[0] === null && events.length) state.cursors[0] = String(events[0].seq + 1);
    render(events);
    announce(events.length ? `${events.length} Ereignisse angezeigt, Seite ${page + 1}.` : 'Keine Ereignisse gefunden.');
  } catch (error) {
    render([]);
    showError(error, 'Ereignisse konnten nicht geladen werden');
  }
}

function firstPage() {
  state.cursors = [null];
  return load(0);
}

export function init() {
  form().addEventListener('submit', (event) => {
    event.preventDefault();
    firstPage();
  });
  $('#filter-reset').addEventListener('click', () => {
    form().reset();
    firstPage();
  });
  for (const [id, delta] of [['#events-next', 1], ['#events-prev', -1]]) {
    const button = $(id);
    button.addEventListener('click', async () => {
      await load(state.page + delta);
      if (button.disabled) $('#events-table-wrap').focus(); // first or last page: keep the focus near
    });
  }
}

export function show() {
  if (!state.loaded) firstPage();
}
