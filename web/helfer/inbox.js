// The inbox: one page of the chosen procedure's open items (oldest received first) and paging with the API's
// cursor.

import {api} from '../common/api.js';
import {$, NONE, announce, busy, el, fill, srOnly} from '../common/ui.js';
import {setTitle} from '../common/nav.js';
import {claimBadge, clearMessages, formatDay, timeElement} from './ui.js';
import {failed, itemsPath, mandateHeaders, municipalityOf, work} from './work.js';

// cursors[i] is the `after` value that fetches page i (null for the first page).
const state = {cursors: [null], page: 0, loadedFor: null, items: []};
let openItem = () => {};

/** Set by app.js: opens one item. */
export function onOpen(handler) { openItem = handler; }

const selectionKey = () => (work.selection
  ? `${work.selection.ags}/${work.selection.procedure}/${work.selection.mandate || ''}` : null);

function itemRow(item) {
  return el('tr', {dataset: {id: item.id}},
    el('th', {scope: 'row'},
      el('button', {type: 'button', class: 'link', on: {click: () => openItem(item.id)}},
        srOnly('Vorgang '), item.id, srOnly(' öffnen'))),
    el('td', {}, item.kind || NONE),
    el('td', {}, item.title || NONE),
    el('td', {}, timeElement(item.received)),
    el('td', {dataset: {col: 'status'}}, claimBadge(item.claim)));
}

/** Notes which of the listed items the helper holds (for the message when the mandate ends). */
function noteHeld(items) {
  for (const item of items) {
    if (item.claim && item.claim.mine) work.held.add(item.id);
    else work.held.delete(item.id);
  }
}

function renderContext() {
  const s = work.selection;
  fill($('#h-posteingang'), `Posteingang: ${s.title || s.procedure}`);
  const parts = [municipalityOf(s)];
  if (s.mandate) {
    parts.push(el('span', {}, 'unter Unterstützungsmandat ', el('code', {}, s.mandate),
      s.valid_until ? ` (gültig bis ${formatDay(s.valid_until)})` : ''));
  } else {
    parts.push('eigene Gemeinde');
  }
  fill($('#inbox-context'), parts.flatMap((p, i) => (i ? [' · ', p] : [p])));
  setTitle($('#view-posteingang'));
}

function render() {
  const items = state.items;
  fill($('#inbox-table tbody'), items.map(itemRow));
  $('#inbox-empty').hidden = items.length > 0;
  const first = state.page * Number($('#i-limit').value) + 1;
  fill($('#inbox-page'), items.length
    ? `Seite ${state.page + 1} · Vorgänge ${first}–${first + items.length - 1}`
    : `Seite ${state.page + 1}`);
  $('#inbox-prev').disabled = state.page === 0;
  $('#inbox-next').disabled = state.cursors[state.page + 1] === undefined;
}

/** Loads page `page` of the inbox; `keepMessages` leaves a confirmation shown (after a decision). */
export async function load(page, {keepMessages = false} = {}) {
  if (!work.selection) return;
  if (!keepMessages) clearMessages();
  renderContext();
  const section = $('#view-posteingang');
  const buttons = [$('#inbox-prev'), $('#inbox-next'), $('#inbox-reload')];
  const params = {status: 'open', limit: $('#i-limit').value, after: state.cursors[page] || undefined};
  try {
    const data = await busy(section, buttons, api(itemsPath(), {params, headers: mandateHeaders()}));
    state.page = page;
    state.cursors.length = page + 1;
    if (data.next) state.cursors.push(data.next);
    state.loadedFor = selectionKey();
    state.items = Array.isArray(data.items) ? data.items : [];
    noteHeld(state.items);
    render();
    announce(state.items.length
      ? `${state.items.length} offene ${state.items.length === 1 ? 'Vorgang' : 'Vorgänge'} angezeigt, Seite ${page + 1}.`
      : 'Keine offenen Vorgänge.');
  } catch (error) {
    state.items = [];
    render();
    failed(error, 'Der Posteingang konnte nicht geladen werden');
  }
}

/** Shows the first page again (after a decision or a change of the page size). */
export function firstPage(options) {
  state.cursors = [null];
  return load(0, options);
}

/** Forgets what was shown (the mandate ended, or another procedure was chosen). */
export function close() {
  state.cursors = [null];
  state.page = 0;
  state.items = [];
  state.loadedFor = null;
  fill($('#inbox-table tbody'));
  fill($('#inbox-page'));
  fill($('#inbox-context'));
}

export function init() {
  $('#i-limit').addEventListener('change', () => firstPage());
  $('#inbox-reload').addEventListener('click', () => load(state.page));
  for (const [id, delta] of [['#inbox-next', 1], ['#inbox-prev', -1]]) {
    const button = $(id);
    button.addEventListener('click', async () => {
      await load(state.page + delta);
      if (button.disabled) $('#inbox-table-wrap').focus(); // first or last page: keep the focus near
    });
  }
}

/** Shown: loads the first page when the procedure changed, else the page shown before (fresh). */
export function show(options = {}) {
  if (!work.selection) return;
  if (state.loadedFor !== selectionKey()) {
    close();
    firstPage(options);
  } else {
    load(state.page, options);
  }
}
