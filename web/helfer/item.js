// One item: what the applicant stated, the register records it refers to, attachments (metadata only), its
// history; claiming it ("Übernehmen") and giving it back ("Zurückgeben"). Lookups and the decision live in
// lookup.js and decision.js and are enabled while the helper holds the item.

import {api} from '../common/api.js';
import {$, NONE, busy, descriptionList, el, fill} from '../common/ui.js';
import {setTitle, showView} from '../common/nav.js';
import {
  claimBadge, claimText, clearMessages, confirmDone, displayValue, formatClock, formatSize, statusText, timeElement,
  whoText,
} from './ui.js';
import {failed, itemsPath, mandateHeaders, municipalityOf, work} from './work.js';
import * as lookup from './lookup.js';
import * as decision from './decision.js';

const state = {item: null, id: null};

/** The item shown, or null. */
export const current = () => state.item;

/** True when the helper holds the item shown. */
export const holding = () => Boolean(state.item && state.item.claim && state.item.claim.mine);

function noteHeld(item) {
  if (item.claim && item.claim.mine) work.held.add(item.id);
  else work.held.delete(item.id);
}

function renderSummary(item) {
  fill($('#h-vorgang'), `Vorgang ${item.id}`);
  fill($('#item-title'), item.title || '');
  setTitle($('#view-vorgang'));
  const s = work.selection;
  fill($('#item-summary'), descriptionList([
    ['Art', item.kind],
    ['Eingang', timeElement(item.received)],
    ['Status', statusText(item.status)],
    ['Bearbeitung', el('span', {id: 'item-claim-state', tabindex: -1}, claimBadge(item.claim))],
    ['Gemeinde', municipalityOf(s)],
    ['Mandat', s && s.mandate ? el('code', {}, s.mandate) : null],
  ]));
}

function renderActions(item) {
  const mine = holding();
  const open = item.status === 'open';
  $('#item-claim').hidden = mine || !open;
  $('#item-release').hidden = !mine;
  $('#item-decide').hidden = !open;
  let hint;
  if (!open) hint = 'Der Vorgang ist nicht mehr offen.';
  else if (mine) {
    hint = `Sie bearbeiten diesen Vorgang. Die Übernahme gilt bis ${formatClock(item.claim.expires)} und verlängert ` +
      'sich, solange Sie an ihm arbeiten (Aktualisieren, Register abfragen).';
  } else if (item.claim) {
    hint = `Der Vorgang ist ${claimText(item.claim)}. Sie können ihn übernehmen, sobald er wieder frei ist.`;
  } else {
    hint = 'Übernehmen Sie den Vorgang, um Register abzufragen und zu entscheiden. Solange Sie ihn bearbeiten, ' +
      'kann niemand sonst daran arbeiten.';
  }
  fill($('#item-hint'), hint);
}

function renderApplicant(item) {
  const fields = Array.isArray(item.applicant) ? item.applicant : [];
  fill($('#item-applicant'), fields.length
    ? descriptionList(fields.map((f) => [f.label || f.name, displayValue(f.value)]))
    : el('p', {class: 'empty'}, 'Keine Angaben.'));
}

function renderAttachments(item) {
  const list = Array.isArray(item.attachments) ? item.attachments : [];
  fill($('#attachments-table tbody'), list.map((a) => el('tr', {},
    el('th', {scope: 'row'}, a.name || NONE),
    el('td', {}, a.media_type || NONE),
    el('td', {class: 'number'}, formatSize(a.size_bytes)),
    el('td', {}, a.sha256 ? el('code', {class: 'hash', title: a.sha256}, `${a.sha256.slice(0, 12)}…`) : NONE))));
  $('#attachments-wrap').hidden = list.length === 0;
  $('#attachments-empty').hidden = list.length > 0;
}

function renderHistory(item) {
  const list = Array.isArray(item.history) ? item.history : [];
  fill($('#history-table tbody'), list.map((h) => el('tr', {},
    el('th', {scope: 'row'}, timeElement(h.at)),
    el('td', {}, statusText(h.status)),
    el('td', {}, whoText(h.by)),
    el('td', {}, h.note || NONE))));
  $('#history-wrap').hidden = list.length === 0;
  $('#history-empty').hidden = list.length > 0;
}

function render(item) {
  renderSummary(item);
  renderActions(item);
  renderApplicant(item);
  lookup.render(item, holding());
  renderAttachments(item);
  renderHistory(item);
  decision.render(item, holding());
}

/** Updates the claim (after claim or release) without reloading the rest. */
function updateClaim(claim) {
  state.item = {...state.item, claim};
  noteHeld(state.item);
  renderSummary(state.item);
  renderActions(state.item);
  lookup.enable(holding());
  decision.enable(holding());
}

const actionButtons = () => [...document.querySelectorAll('#item-actions button')];

/** Loads the item shown (or `id`); `keepMessages` leaves the messages of the step before. */
async function load(id, {keepMessages = false} = {}) {
  if (!keepMessages) clearMessages();
  try {
    const data = await busy($('#view-vorgang'), actionButtons(), api(itemsPath(id), {headers: mandateHeaders()}));
    state.item = data.item;
    state.id = data.item.id;
    noteHeld(state.item);
    render(state.item);
    return true;
  } catch (error) {
    if (error.status === 404 && error.code === 'item_not_found') work.held.delete(id);
    failed(error, `Vorgang ${id} konnte nicht geladen werden`);
    return false;
  }
}

/** Opens an item from the inbox. */
export async function open(id) {
  clearMessages();
  state.id = id;
  state.item = null;
  $('#item-body').hidden = true;
  fill($('#h-vorgang'), `Vorgang ${id}`);
  showView('vorgang', {focus: false});
  const loaded = await load(id);
  $('#item-body').hidden = !loaded;
  if (loaded) $('#h-vorgang').focus();
}

async function claim() {
  const item = state.item;
  clearMessages();
  try {
    const data = await busy($('#view-vorgang'), actionButtons(),
      api(itemsPath(item.id, 'claim'), {method: 'POST', headers: mandateHeaders()}));
    updateClaim(data.item && data.item.claim ? data.item.claim : {mine: true});
    confirmDone(`Sie haben Vorgang ${item.id} übernommen. Solange Sie daran arbeiten, kann niemand sonst ihn ` +
      'bearbeiten. Sie können jetzt die Bezüge öffnen, im Melderegister suchen und entscheiden.');
    $('#item-claim-state').focus();
  } catch (error) {
    if (failed(error, `Vorgang ${item.id} konnte nicht übernommen werden`)) return;
    // Someone was quicker, or the item changed: show how it is now, with the message kept.
    if ([404, 409].includes(error.status)) await load(item.id, {keepMessages: true});
  }
}

async function release() {
  const item = state.item;
  clearMessages();
  try {
    await busy($('#view-vorgang'), actionButtons(),
      api(itemsPath(item.id, 'release'), {method: 'POST', headers: mandateHeaders()}));
    updateClaim(null);
    lookup.clearRecords();
    confirmDone(`Sie haben Vorgang ${item.id} zurückgegeben. Er ist wieder frei; es wurde nichts entschieden.`);
    $('#item-claim-state').focus();
  } catch (error) {
    if (failed(error, `Vorgang ${item.id} konnte nicht zurückgegeben werden`)) return;
    if ([404, 409].includes(error.status)) await load(item.id, {keepMessages: true});
  }
}

/** Forgets the item shown (after a decision, or when the mandate ended). */
export function close() {
  state.item = null;
  state.id = null;
  $('#item-body').hidden = true;
  fill($('#h-vorgang'), 'Vorgang');
  fill($('#item-title'));
  fill($('#item-summary'));
  lookup.reset();
  decision.reset();
}

export function init() {
  $('#item-claim').addEventListener('click', claim);
  $('#item-release').addEventListener('click', release);
  $('#item-refresh').addEventListener('click', async () => {
    if (state.id && await load(state.id)) confirmDone('Der Vorgang wurde neu geladen.');
  });
  $('#item-decide').addEventListener('click', () => decision.focus());
  lookup.init();
  decision.init({reload: (id) => load(id, {keepMessages: true})});
}

export function show() {}
