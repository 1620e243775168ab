// What the helper is working on: the chosen procedure (and the mandate it is worked on under), the items this page
// knows them to hold, and what happens when the mandate is revoked or ends while they work.

import {seg} from '../common/api.js';
import {showError} from './ui.js';

const SELECTION_KEY = 'regfed.helfer.auswahl';

export const work = {
  /** {ags, municipality, procedure, title, mandate, valid_until, decisions, kinds, node} or null. */
  selection: null,
  /** Ids of the items of the selection that the helper holds, as far as this page has seen. */
  held: new Set(),
};

/** Chooses a procedure (an entry of GET /v1/procedures); kept for a reload of the tab. */
export function select(entry) {
  work.selection = entry;
  work.held = new Set();
  if (entry) sessionStorage.setItem(SELECTION_KEY, JSON.stringify({ags: entry.ags, procedure: entry.procedure,
    mandate: entry.mandate || null}));
  else sessionStorage.removeItem(SELECTION_KEY);
}

/** The selection kept before a reload: {ags, procedure, mandate} or null. */
export function savedSelection() {
  try {
    return JSON.parse(sessionStorage.getItem(SELECTION_KEY) || 'null');
  } catch {
    return null;
  }
}

export function forgetSelection() {
  sessionStorage.removeItem(SELECTION_KEY);
}

/** "Stadt Merseburg (15088220)". */
export function municipalityOf(entry) {
  if (!entry) return '';
  return entry.municipality ? `${entry.municipality} (${entry.ags})` : `Gemeinde ${entry.ags}`;
}

/** The headers every call on the selection's items and records carries: the mandate, for helpers. */
export function mandateHeaders() {
  return work.selection && work.selection.mandate ? {'Regfed-Mandate': work.selection.mandate} : {};
}

/** The API path of the selection's items, of one item, or of an action on one item. */
export function itemsPath(id, action) {
  const s = work.selection;
  let path = `/procedures/${seg(s.ags)}/${seg(s.procedure)}/items`;
  if (id !== undefined) path += `/${seg(id)}`;
  if (action) path += `/${action}`;
  return path;
}

/** The purpose register lookups for an item are made for (the node's default, stated explicitly). */
export function purposeFor(itemId) {
  return `Bearbeitung ${work.selection.title || work.selection.procedure} ${itemId}`;
}

// --- A mandate that was revoked or ended: the node released what the helper held; nothing was decided.

const ENDED = new Set(['mandate_revoked', 'mandate_not_in_force']);
export const mandateEnded = (error) => Boolean(error && ENDED.has(error.code));

let closeInbox = () => {};
/** Called after the message is shown, to close the inbox and the item and return to the choice of procedures. */
export function onMandateEnded(handler) { closeInbox = handler; }

function endedMessage(error) {
  const s = work.selection || {};
  const mandate = s.mandate ? `Das Unterstützungsmandat ${s.mandate}` : 'Das Unterstützungsmandat';
  const title = error.code === 'mandate_revoked'
    ? `${mandate} wurde widerrufen.`
    : `${mandate} gilt nicht mehr: Seine Laufzeit ist zu Ende (oder hat noch nicht begonnen).`;
  const where = s.ags ? ` für ${municipalityOf(s)}` : '';
  const lines = [`Sie können unter diesem Mandat keine Vorgänge${where} mehr bearbeiten. Der Posteingang ist ` +
    'geschlossen.'];
  const held = [...work.held];
  if (held.length === 1) {
    lines.push(`Ihre Übernahme des Vorgangs ${held[0]} wurde freigegeben. Über diesen Vorgang wurde nichts ` +
      'entschieden; er bleibt offen für die Gemeinde.');
  } else if (held.length > 1) {
    lines.push(`Ihre Übernahmen der Vorgänge ${held.join(', ')} wurden freigegeben. Über diese Vorgänge wurde ` +
      'nichts entschieden; sie bleiben offen für die Gemeinde.');
  } else {
    lines.push('Vorgänge, die Sie unter diesem Mandat übernommen hatten, wurden freigegeben; über sie wurde nichts ' +
      'entschieden.');
  }
  lines.push('Bei Fragen wenden Sie sich an die Gemeinde, die das Mandat erteilt hat.');
  return {title, lines};
}

/**
 * Shows a failed call: a mandate that ended closes the inbox with a plain message; anything else is shown as an
 * error with the context (and showError's options). Answers true when the mandate ended.
 */
export function failed(error, context, options = {}) {
  if (!mandateEnded(error)) {
    showError(error, context, options);
    return false;
  }
  showError(error, null, endedMessage(error));
  work.held = new Set();
  select(null);
  closeInbox(error);
  return true;
}
