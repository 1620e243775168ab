// The integrity view: the node re-checks the stored log against its signed tree heads; the DPO keeps a head.

import {api, nodeInfo} from '../common/api.js';
import {$, announce, busy, clearError, descriptionList, el, fill} from '../common/ui.js';
import {formatTime, safeFilePart, saveBlob, showError, timeElement} from './ui.js';

const state = {head: null, key: null, node: null};

const code = (text) => (text ? el('code', {class: 'hash'}, text) : null);

function renderStatus(data) {
  const box = $('#verify-box');
  box.className = `verify-box ${data.ok ? 'ok' : 'bad'}`;
  fill($('#verify-title'), data.ok ? 'Protokoll unverändert'
    : `Protokoll beschädigt ab Ereignis ${data.first_bad_seq ?? '?'}`);
  const parts = [];
  if (data.ok) {
    parts.push(el('p', {}, `Alle ${data.size ?? 0} Ereignisse stimmen mit den ${data.heads_checked ?? 0} ` +
      'geprüften signierten Baumköpfen überein.'));
  } else {
    parts.push(el('p', {}, data.problem || 'Das gespeicherte Protokoll passt nicht zu seinen signierten Baumköpfen.'));
    parts.push(el('p', {}, 'Bitte verständigen Sie den Betrieb und bewahren Sie die heruntergeladenen Baumköpfe ' +
      'als Nachweis auf.'));
  }
  if (data.unsigned_events > 0) {
    parts.push(el('p', {}, `${data.unsigned_events} Ereignisse sind nach dem neuesten signierten Baumkopf ` +
      'hinzugekommen; der nächste Baumkopf (etwa alle 10 Sekunden) erfasst sie.'));
  }
  parts.push(descriptionList([
    ['Knoten', data.node],
    ['Ereignisse im Protokoll', data.size === undefined ? null : String(data.size)],
    ['Wurzel-Hash', code(data.root)],
    ['Inhalte nach Aufbewahrungsfrist gelöscht', data.pruned_events ? `${data.pruned_events} Ereignisse` : null],
    ['Geprüft am', formatTime(new Date().toISOString())],
    ['Anfrage-ID', code(data.request_id)],
  ]));
  fill($('#verify-details'), parts);
  box.hidden = false;
}

function renderHead(data) {
  const head = data.tree_head || null;
  state.head = head;
  state.node = data.node || head?.node || nodeInfo.name;
  $('#head-section').hidden = false;
  $('#head-download').hidden = !head;
  fill($('#head-details'), head
    ? descriptionList([
      ['Knoten', head.node],
      ['Ereignisse im Baum', head.size === undefined ? null : String(head.size)],
      ['Wurzel-Hash', code(head.root)],
      ['Signiert am', timeElement(head.time)],
      ['Schlüssel-ID', code(head.key_id)],
      ['Signatur', code(head.signature)],
    ])
    : el('p', {}, 'Noch kein signierter Baumkopf vorhanden. Der Knoten signiert etwa alle 10 Sekunden; ' +
      'führen Sie die Prüfung gleich noch einmal aus.'));
  const cosignatures = Array.isArray(data.cosignatures) ? data.cosignatures : [];
  fill($('#cosign-table tbody'), cosignatures.map((c) => el('tr', {},
    el('th', {scope: 'row'}, c.witness || '–'),
    el('td', {}, c.size === undefined ? '–' : String(c.size)),
    el('td', {}, timeElement(c.time)))));
  $('#cosign-empty').hidden = cosignatures.length > 0;
}

async function verify() {
  clearError();
  announce('Prüfung läuft …');
  try {
    const data = await busy($('#view-integritaet'), [$('#verify-run')], api('/audit/verify'));
    renderStatus(data);
    renderHead(data);
    announce(`Prüfung abgeschlossen: ${$('#verify-title').textContent}.`);
  } catch (error) {
    $('#verify-box').hidden = true;
    announce('');
    showError(error, 'Die Prüfung konnte nicht ausgeführt werden');
  }
}

function renderKey(key) {
  const older = (Array.isArray(key.keys) ? key.keys : [])
    .map((k) => (typeof k === 'object' && k ? k.key_id : k))
    .filter((id) => id && id !== key.key_id);
  fill($('#key-details'), descriptionList([
    ['Knoten', key.node],
    ['Schlüssel-ID', code(key.key_id)],
    ['Verfahren', key.algorithm],
    ['Weitere Schlüssel des Knotens', older.length ? older.join(', ') : null],
    ['Öffentlicher Schlüssel (PEM)', key.public_key ? el('pre', {class: 'pem'}, key.public_key) : null],
  ]));
  $('#key-download').hidden = !key.public_key;
  $('#key-section').hidden = false;
}

async function loadKey() {
  try {
    state.key = await api('/audit/key');
    renderKey(state.key);
  } catch (error) {
    showError(error, 'Der Signaturschlüssel konnte nicht geladen werden');
  }
}

export function init() {
  $('#verify-run').addEventListener('click', verify);
  $('#head-download').addEventListener('click', () => {
    if (!state.head) return;
    const name = `regfed-baumkopf-${safeFilePart(state.head.node || state.node)}-${state.head.size}.json`;
    saveBlob(new Blob([`${JSON.stringify(state.head, null, 2)}\n`], {type: 'application/json'}), name);
    announce(`Baumkopf gespeichert als ${name}.`);
  });
  $('#key-download').addEventListener('click', () => {
    if (!state.key?.public_key) return;
    const name = `regfed-schluessel-${safeFilePart(state.key.node || state.node)}-${safeFilePart(state.key.key_id)}.pem`;
    const pem = state.key.public_key.endsWith('\n') ? state.key.public_key : `${state.key.public_key}\n`;
    saveBlob(new Blob([pem], {type: 'application/x-pem-file'}), name);
    announce(`Öffentlicher Schlüssel gespeichert als ${name}.`);
  });
}

export async function show() {
  await verify();
  if (!state.key) await loadKey();
}
