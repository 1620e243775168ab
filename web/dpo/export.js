// The export view: the events of the current filter as a CSV (German Excel) or JSONL file.
// The token travels in a header, so the file is fetched here and saved through an object URL.

import {api, nodeInfo} from '../common/api.js';
import {$, announce, busy, clearError, descriptionList, el, fill} from '../common/ui.js';
import {showView} from '../common/nav.js';
import {berlinToday, safeFilePart, saveBlob, showError} from './ui.js';
import {currentFilter, filterDescription} from './events.js';

const TYPES = {csv: 'text/csv;charset=utf-8', jsonl: 'application/x-ndjson'};

const size = (bytes) => (bytes < 1024 ? `${bytes} Byte`
  : `${new Intl.NumberFormat('de-DE', {maximumFractionDigits: 1}).format(bytes / 1024)} KB`);

function renderFilter() {
  const pairs = filterDescription();
  fill($('#export-filter'), pairs.length ? descriptionList(pairs)
    : el('p', {}, 'Kein Filter gesetzt: der Export enthält alle Ereignisse, die Sie sehen dürfen.'));
}

async function download(format) {
  const response = await api('/audit/export', {params: {...currentFilter(), format}, raw: true});
  return response.blob();
}

async function exportAs(format) {
  clearError();
  announce('Export wird erstellt …');
  try {
    const blob = await busy($('#view-export'), [$('#export-csv'), $('#export-jsonl')], download(format));
    const name = `regfed-protokoll-${safeFilePart(nodeInfo.name)}-${berlinToday()}.${format}`;
    saveBlob(new Blob([blob], {type: TYPES[format]}), name);
    announce(`Export gespeichert: ${name} (${size(blob.size)}).`);
  } catch (error) {
    announce('');
    showError(error, 'Der Export ist fehlgeschlagen');
  }
}

export function init() {
  $('#export-csv').addEventListener('click', () => exportAs('csv'));
  $('#export-jsonl').addEventListener('click', () => exportAs('jsonl'));
  $('#export-edit-filter').addEventListener('click', () => {
    showView('ereignisse', {focus: false});
    $('#f-from').focus();
  });
}

export function show() {
  renderFilter();
}
