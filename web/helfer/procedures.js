// The choice of what to work on: the procedures GET /v1/procedures offers (own municipality's, and those of
// support mandates naming the helper), each with the mandate it is worked on under.

import {api} from '../common/api.js';
import {$, announce, busy, descriptionList, el, fill, srOnly} from '../common/ui.js';
import {clearMessages, decisionText, formatDay, showError} from './ui.js';
import {municipalityOf, savedSelection, select, work} from './work.js';

const state = {entries: [], mandates: new Map(), loaded: false};
let openInbox = () => {};

/** Set by app.js: opens the inbox of the chosen entry. */
export function onChoose(handler) { openInbox = handler; }

const entryKey = (e) => `${e.ags}/${e.procedure}/${e.mandate || ''}`;

function card(entry) {
  const headingId = `p-${entryKey(entry).replace(/[^A-Za-z0-9-]/g, '_')}`;
  const mandate = entry.mandate ? state.mandates.get(entry.mandate) : null;
  const available = entry.status !== 'unavailable';
  const basis = entry.mandate
    ? el('span', {}, 'Unterstützungsmandat ', el('code', {}, entry.mandate))
    : 'eigene Gemeinde (Sachbearbeitung)';
  const chosen = work.selection && entryKey(work.selection) === entryKey(entry);
  return el('li', {},
    el('article', {class: `procedure-card${available ? '' : ' unavailable'}`, 'aria-labelledby': headingId},
      el('h2', {id: headingId}, `${entry.title || entry.procedure} – ${entry.municipality || entry.ags}`),
      descriptionList([
        ['Gemeinde', municipalityOf(entry)],
        ['Grundlage', basis],
        ['Zweck des Mandats', mandate && mandate.purpose],
        ['Gültig bis', entry.valid_until ? formatDay(entry.valid_until) : null],
        ['Vorgangsarten', Array.isArray(entry.kinds) && entry.kinds.length ? entry.kinds.join(', ') : null],
        ['Entscheidungen', Array.isArray(entry.decisions) ? entry.decisions.map(decisionText).join(', ') : null],
        ['Verfügbarkeit', available ? 'erreichbar'
          : el('span', {class: 'badge warn'}, 'Fachverfahren derzeit nicht erreichbar')],
      ]),
      el('div', {class: 'actions'},
        el('button', {type: 'button', 'aria-describedby': headingId, on: {click: () => choose(entry)}},
          chosen ? 'Posteingang anzeigen' : 'Posteingang öffnen',
          srOnly(entry.mandate ? ` (Mandat ${entry.mandate})` : ' (eigene Gemeinde)')))));
}

function choose(entry) {
  clearMessages();
  if (!(work.selection && entryKey(work.selection) === entryKey(entry))) select(entry);
  openInbox();
}

function render() {
  const list = $('#procedure-list');
  fill(list, state.entries.map(card));
  $('#procedures-empty').hidden = state.entries.length > 0;
}

/** The mandates naming the helper, for their purpose (display only: a failure here is not worth a message). */
async function loadMandates() {
  try {
    const data = await api('/mandates');
    state.mandates = new Map((data.mandates || []).map((m) => [m.id, m]));
  } catch {
    state.mandates = new Map();
  }
}

/**
 * Loads the procedures; answers them. With `keepMessages` the messages stay (a revocation just shown).
 * Throws the ApiError when the node refuses (the caller decides: sign-in fails on a 401).
 */
export async function load({keepMessages = false} = {}) {
  if (!keepMessages) clearMessages();
  const button = $('#procedures-reload');
  const [data] = await busy($('#view-auswahl'), [button], Promise.all([api('/procedures'), loadMandates()]));
  state.entries = Array.isArray(data.procedures) ? data.procedures : [];
  state.loaded = true;
  render();
  if (!keepMessages) {
    announce(state.entries.length === 1 ? 'Ihnen ist 1 Verfahren freigegeben.'
      : `Ihnen sind ${state.entries.length} Verfahren freigegeben.`);
  }
  return state.entries;
}

/** The entry kept before a reload of the tab, when it is still offered. */
export function restoredEntry() {
  const saved = savedSelection();
  if (!saved) return null;
  return state.entries.find((e) => e.ags === saved.ags && e.procedure === saved.procedure &&
    (e.mandate || null) === (saved.mandate || null)) || null;
}

async function reload(options) {
  try {
    await load(options);
  } catch (error) {
    fill($('#procedure-list'));
    showError(error, 'Die Verfahren konnten nicht geladen werden');
  }
}

export function init() {
  $('#procedures-reload').addEventListener('click', () => reload());
}

export function show(options = {}) {
  if (!state.loaded || options.reload) reload({keepMessages: Boolean(options.keepMessages)});
  else render();
}
