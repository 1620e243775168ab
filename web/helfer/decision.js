// The decision on a held item: Genehmigt, Abgelehnt or Rückfrage an Antragsteller, with a note (required for a
// rejection and a request for information, at most 2000 characters — counted like the node counts them, in
// Unicode characters). A decision cannot be undone on this page.

import {api} from '../common/api.js';
import {$, busy, el, fill} from '../common/ui.js';
import {clearMessages, decisionText, showProblem} from './ui.js';
import {failed, itemsPath, mandateHeaders, work} from './work.js';

const NOTE_MAX = 2000;
const NEEDS_NOTE = new Set(['rejected', 'needs_info']);
const ALL = ['approved', 'rejected', 'needs_info'];

const state = {item: null, holding: false, decided: () => {}, reload: () => {}, srTimer: null};

const chars = (text) => [...text].length;
const noteField = () => $('#d-note');
const chosen = () => document.querySelector('#decision-options input[name="decision"]:checked')?.value || null;

function options() {
  const offered = work.selection && Array.isArray(work.selection.decisions) && work.selection.decisions.length
    ? work.selection.decisions : ALL;
  return ALL.filter((d) => offered.includes(d)).concat(offered.filter((d) => !ALL.includes(d)));
}

function renderOptions() {
  const hint = {
    approved: 'Dem Antrag wird stattgegeben.',
    rejected: 'Der Antrag wird abgelehnt; die Begründung geht in die Akte.',
    needs_info: 'Der Antragsteller wird um Angaben oder Nachweise gebeten; bis dahin ruht der Vorgang.',
  };
  fill($('#decision-choices'), options().map((d) => el('div', {class: 'radio'},
    el('input', {type: 'radio', id: `d-${d}`, name: 'decision', value: d, 'aria-describedby': `d-${d}-hint`,
      on: {change: updateRequired}}),
    el('label', {for: `d-${d}`}, decisionText(d)),
    hint[d] ? el('p', {id: `d-${d}-hint`, class: 'hint'}, hint[d]) : null)));
}

function setFieldError(text) {
  const error = $('#d-note-error');
  fill(error, text || '');
  error.hidden = !text;
  if (text) noteField().setAttribute('aria-invalid', 'true');
  else noteField().removeAttribute('aria-invalid');
}

function updateRequired() {
  const required = NEEDS_NOTE.has(chosen());
  const field = noteField();
  field.required = required;
  field.setAttribute('aria-required', required ? 'true' : 'false');
  fill($('#d-note-need'), required ? '(Pflichtangabe)' : '(freiwillig)');
  if (!required && field.value.trim() === '') setFieldError('');
}

function updateCount() {
  const n = chars(noteField().value);
  const counter = $('#d-note-count');
  const over = n > NOTE_MAX;
  counter.classList.toggle('over', over);
  fill(counter, over ? `${n - NOTE_MAX} Zeichen zu viel (höchstens ${NOTE_MAX})` : `${n} von ${NOTE_MAX} Zeichen`);
  if (!over && $('#d-note-error').textContent.includes('zu lang')) setFieldError('');
  // Screen readers hear the count once typing pauses, not at every key.
  clearTimeout(state.srTimer);
  state.srTimer = setTimeout(() => {
    fill($('#d-note-count-sr'), over ? `${n - NOTE_MAX} Zeichen zu viel.` : `Noch ${NOTE_MAX - n} Zeichen möglich.`);
  }, 1200);
}

/** Shows the form for an item; it is usable while the helper holds the item. */
export function render(item, holding) {
  const changed = !state.item || state.item.id !== item.id;
  state.item = item;
  $('#decision-section').hidden = item.status !== 'open';
  if (changed) reset();
  enable(holding);
}

/** Enables or disables the form (a decision needs the item to be held). */
export function enable(holding) {
  state.holding = holding;
  for (const control of $('#decision-form').querySelectorAll('input, textarea, button')) control.disabled = !holding;
  fill($('#decision-hint'), holding ? 'Eine gespeicherte Entscheidung lässt sich hier nicht rückgängig machen.'
    : 'Entscheiden können Sie, sobald Sie den Vorgang übernommen haben.');
}

/** Empties the form. */
export function reset() {
  renderOptions();
  noteField().value = '';
  setFieldError('');
  updateRequired();
  updateCount();
  fill($('#d-note-count-sr'));
}

/** Moves the focus to the decision (from the button "Entscheidung erfassen" at the top). */
export function focus() {
  const first = document.querySelector('#decision-options input[name="decision"]:checked') ||
    document.querySelector('#decision-options input[name="decision"]');
  if (first && !first.disabled) first.focus();
  else $('#h-entscheidung').focus();
  $('#decision-section').scrollIntoView({block: 'start'});
}

/** The page's own refusal: nothing is sent. Answers true when the form may be sent. */
function validate(decision, note) {
  if (!decision) {
    showProblem('Bitte wählen Sie eine Entscheidung: ' + options().map(decisionText).join(', ') + '.');
    document.querySelector('#decision-options input[name="decision"]').focus();
    return false;
  }
  if (NEEDS_NOTE.has(decision) && note === '') {
    const text = decision === 'rejected'
      ? 'Für eine Ablehnung ist eine Begründung nötig. Bitte schreiben Sie, warum der Antrag abgelehnt wird.'
      : 'Für eine Rückfrage an den Antragsteller ist eine Begründung nötig. Bitte schreiben Sie, welche Angaben ' +
        'oder Nachweise fehlen.';
    showProblem(`Die Entscheidung wurde nicht gespeichert. ${text}`);
    setFieldError('Bitte geben Sie eine Begründung ein.');
    noteField().focus();
    return false;
  }
  if (chars(note) > NOTE_MAX) {
    showProblem(`Die Entscheidung wurde nicht gespeichert. Die Begründung ist ${chars(note) - NOTE_MAX} Zeichen ` +
      `zu lang; erlaubt sind höchstens ${NOTE_MAX} Zeichen.`);
    setFieldError(`Die Begründung ist zu lang (höchstens ${NOTE_MAX} Zeichen).`);
    noteField().focus();
    return false;
  }
  setFieldError('');
  return true;
}

async function submit(event) {
  event.preventDefault();
  const item = state.item;
  clearMessages();
  const decision = chosen();
  const note = noteField().value.trim();
  if (!validate(decision, note)) return;
  const body = {decision};
  if (note) body.note = note;
  try {
    const data = await busy($('#decision-form'), [$('#decision-submit')],
      api(itemsPath(item.id, 'complete'), {method: 'POST', body, headers: mandateHeaders()}));
    work.held.delete(item.id);
    state.decided(item, (data.item && data.item.decision) || decision);
  } catch (error) {
    if (failed(error, `Die Entscheidung zu Vorgang ${item.id} wurde nicht gespeichert`)) return;
    if (error.code === 'missing_note' || error.code === 'invalid_note') {
      setFieldError(error.german);
      noteField().focus();
    } else if ([404, 409].includes(error.status)) {
      await state.reload(item.id); // the claim lapsed or the item changed: show how it is now
    }
  }
}

/** decided(item, decision) runs after a decision was saved; reload(id) shows the item's current state. */
export function init({decided, reload} = {}) {
  if (decided) state.decided = decided;
  if (reload) state.reload = reload;
  $('#decision-form').addEventListener('submit', submit);
  noteField().addEventListener('input', () => {
    updateCount();
    if (noteField().value.trim() !== '' && !$('#d-note-error').textContent.includes('zu lang')) setFieldError('');
  });
}

/** Sets what happens after a decision was saved (app.js: back to the inbox with a confirmation). */
export function onDecided(handler) { state.decided = handler; }
