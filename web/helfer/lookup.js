// Register lookups for the item shown, bound to it: every request names the item as case reference and the
// processing of the item as purpose. The records the item refers to open directly while the helper holds it (the
// node counts them as found by the case); anything else takes a search with the criteria of § 38 BMG first.

import {ApiError, api, seg} from '../common/api.js';
import {$, announce, busy, descriptionList, el, fill, srOnly} from '../common/ui.js';
import {clearMessages, confirmDone, displayValue, formatClock, showProblem} from './ui.js';
import {failed, mandateHeaders, purposeFor, work} from './work.js';

// German labels of the Melderegister's fields; other registers' fields are shown by name.
const FIELD_LABELS = {
  id: 'Kennung', familienname: 'Familienname', vornamen: 'Vornamen', geburtsname: 'Geburtsname',
  geburtsdatum: 'Geburtsdatum', geburtsort: 'Geburtsort', geschlecht: 'Geschlecht',
  staatsangehoerigkeit: 'Staatsangehörigkeit', strasse: 'Straße', hausnummer: 'Hausnummer', plz: 'Postleitzahl',
  ort: 'Ort', anschrift: 'Anschrift', auskunftssperre: 'Auskunftssperre', religion: 'Religion',
  steuer_id: 'Steuer-ID',
};
export const fieldLabel = (name) => FIELD_LABELS[name] || name;

const REGISTERS = {melderegister: 'Melderegister', gewerberegister: 'Gewerberegister'};
const registerText = (name) => REGISTERS[name] || name;

// The search form's fields, prefilled from the applicant's data of the same name.
const SEARCH_FIELDS = ['familienname', 'vornamen', 'geburtsdatum', 'anschrift', 'ort', 'strasse'];

const state = {item: null, holding: false};

/** The headers that bind a record request to the item. */
function caseHeaders(item) {
  return {...mandateHeaders(), 'Regfed-Case-Ref': item.id, 'Regfed-Purpose': encodeURIComponent(purposeFor(item.id))};
}

function recordView(record, {heading, requestId, level = 'h3'}) {
  const fields = Object.entries(record || {});
  return [
    el(level, {tabindex: -1}, heading),
    fields.length ? descriptionList(fields.map(([name, value]) => [fieldLabel(name), displayValue(value)]), 'facts record')
      : el('p', {class: 'empty'}, 'Der Datensatz enthält keine Felder, die Sie sehen dürfen.'),
    el('p', {class: 'sub'}, `Abgerufen um ${formatClock(new Date().toISOString())} für Vorgang ${state.item.id}` +
      (requestId ? ` · Anfrage-ID ${requestId}` : '')),
  ];
}

const NOT_FOUND = 'Der Datensatz wurde nicht gefunden – oder Sie dürfen ihn gerade nicht öffnen. Einen Datensatz, ' +
  'auf den sich der Vorgang bezieht, öffnen Sie, solange Sie den Vorgang übernommen haben; andere Datensätze finden ' +
  'Sie über die Suche.';

async function openReference(reference, button, box) {
  const item = state.item;
  clearMessages();
  const path = `/registers/${seg(item.ags || work.selection.ags)}/${seg(reference.register)}/records/${seg(reference.id)}`;
  try {
    const data = await busy(box.closest('li'), [button], api(path, {headers: caseHeaders(item)}));
    fill(box, recordView(data.record, {
      heading: `Datensatz ${reference.id} im ${registerText(reference.register)}`, requestId: data.request_id}),
    el('div', {class: 'actions'}, el('button', {type: 'button', class: 'secondary', on: {click: () => {
      fill(box);
      box.hidden = true;
      button.focus();
    }}}, 'Schließen', srOnly(` (Datensatz ${reference.id})`))));
    box.hidden = false;
    box.querySelector('h3').focus();
    announce(`Datensatz ${reference.id} geöffnet.`);
  } catch (error) {
    fill(box);
    box.hidden = true;
    if (error.status === 404 && error.code === 'not_found') {
      failed(error, null, {title: NOT_FOUND});
    } else {
      failed(error, `Datensatz ${reference.id} konnte nicht geöffnet werden`);
    }
  }
}

function referenceItem(reference) {
  const box = el('div', {class: 'record-box', hidden: true});
  const label = reference.label || registerText(reference.register);
  const button = el('button', {type: 'button', class: 'secondary', dataset: {ref: 'open'}},
    'Öffnen', srOnly(`: ${label}, ${reference.id}`));
  button.disabled = !state.holding;
  button.addEventListener('click', () => openReference(reference, button, box));
  return el('li', {},
    el('div', {class: 'reference'},
      el('div', {},
        el('p', {class: 'reference-label'}, label),
        el('p', {class: 'sub'}, `${registerText(reference.register)} · Kennung `, el('code', {}, reference.id))),
      button),
    box);
}

function prefill(item) {
  const applicant = Array.isArray(item.applicant) ? item.applicant : [];
  for (const name of SEARCH_FIELDS) {
    const field = $(`#s-${name}`);
    const given = applicant.find((f) => f.name === name);
    field.value = given ? String(given.value ?? '') : '';
  }
}

/** Renders the references and the search form of an item. */
export function render(item, holding) {
  const changed = !state.item || state.item.id !== item.id;
  state.item = item;
  const references = Array.isArray(item.references) ? item.references : [];
  const onlyMelde = references.every((r) => r.register === 'melderegister');
  fill($('#h-bezuege'), onlyMelde ? 'Bezüge zum Melderegister' : 'Bezüge zu Registern');
  state.holding = holding;
  fill($('#item-references'), references.map(referenceItem));
  $('#references-empty').hidden = references.length > 0;
  if (changed) {
    prefill(item);
    fill($('#search-results'));
  }
  enable(holding);
}

/** Enables or disables lookups (they need the item to be held). */
export function enable(holding) {
  state.holding = holding;
  for (const button of document.querySelectorAll('#item-references button[data-ref="open"]')) button.disabled = !holding;
  $('#search-fields').disabled = !holding;
  fill($('#lookup-hint'), holding
    ? 'Jede Abfrage wird mit dem Vorgang als Aktenzeichen protokolliert.'
    : 'Register abfragen können Sie, solange Sie den Vorgang übernommen haben.');
}

/** Closes the records shown (after the item was given back). */
export function clearRecords() {
  for (const box of document.querySelectorAll('#item-references .record-box')) {
    fill(box);
    box.hidden = true;
  }
  fill($('#search-results'));
}

/** Forgets the item (closed): the next one opened gets a fresh form. */
export function reset() {
  clearRecords();
  state.item = null;
}

function searchFilter() {
  const filter = {};
  for (const name of SEARCH_FIELDS) {
    const value = $(`#s-${name}`).value.trim();
    if (value) filter[name] = value;
  }
  return filter;
}

function resultView(result, requestId) {
  const records = Array.isArray(result.records) ? result.records : [];
  if (!records.length) return [el('p', {class: 'empty', tabindex: -1}, 'Keine Person zu diesen Angaben gefunden.')];
  return [
    el('p', {tabindex: -1}, records.length === 1 ? '1 Person gefunden.' : `${records.length} Personen gefunden.`,
      result.truncated ? ' Es gibt weitere Treffer; bitte grenzen Sie die Suche ein.' : ''),
    el('ol', {class: 'records'}, records.map((record, i) => {
      const name = [record.familienname, record.vornamen].filter(Boolean).join(', ');
      return el('li', {}, recordView(record, {
        heading: `Treffer ${i + 1}${name ? `: ${name}` : ''}${record.id ? ` (${record.id})` : ''}`,
        requestId: i === 0 ? requestId : null, level: 'h4'}));
    })),
  ];
}

async function search(event) {
  event.preventDefault();
  const item = state.item;
  clearMessages();
  const filter = searchFilter();
  if (Object.keys(filter).length < 2) {
    showProblem('Die Suche wurde nicht ausgeführt: Bitte geben Sie mindestens Familienname und Vornamen an, dazu die ' +
      'Anschrift oder Ort und Geburtsdatum (§ 38 BMG).');
    $('#s-familienname').focus();
    return;
  }
  const body = {
    register: 'melderegister', municipalities: [item.ags || work.selection.ags], filter,
    case_ref: item.id, purpose: purposeFor(item.id),
  };
  if (work.selection.mandate) body.mandate = work.selection.mandate;
  const results = $('#search-results');
  try {
    const data = await busy($('#search-form'), [$('#search-submit')], api('/query', {method: 'POST', body}));
    const result = (data.results || [])[0];
    if (!result) {
      fill(results, el('p', {class: 'empty'}, 'Keine Antwort für diese Gemeinde.'));
      return;
    }
    if (result.status !== 'ok') {
      fill(results);
      const e = result.error || {};
      failed(new ApiError(0, e.code || result.status, e.message || null, data.request_id || null),
        'Die Suche wurde nicht ausgeführt');
      return;
    }
    fill(results, resultView(result, data.request_id));
    results.querySelector('[tabindex="-1"]').focus();
    confirmDone('');
    announce(`Suche im Melderegister: ${(result.records || []).length} Treffer.`);
  } catch (error) {
    fill(results);
    const missing = Array.isArray(error.fields) && error.code === 'insufficient_criteria'
      ? [`Es fehlen: ${error.fields.map(fieldLabel).join(', ')}.`] : [];
    failed(error, 'Die Suche wurde nicht ausgeführt', {lines: missing});
  }
}

export function init() {
  $('#search-form').addEventListener('submit', search);
}
