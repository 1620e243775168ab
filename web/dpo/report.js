// The data-subject report (GDPR Art. 15): every logged access to one record, printable.

import {api, decodeJwt, session} from '../common/api.js';
import {$, NONE, announce, busy, clearError, el, fill} from '../common/ui.js';
import {showView} from '../common/nav.js';
import {
  actionText, berlinToday, decisionBadge, emergencyBadge, formatTime, showError, timeElement, yesNo,
} from './ui.js';

const form = () => $('#report-form');

/** Opens the report for one record (from a subject id in the events table). */
export function openReport(ags, register, id) {
  $('#r-ags').value = ags || '';
  $('#r-register').value = register || '';
  $('#r-id').value = id || '';
  showView('auskunft', {focus: false});
  if (form().checkValidity()) load();
  else form().reportValidity();
}

function who(access) {
  const home = [access.actor_municipality, access.actor_ags ? `AGS ${access.actor_ags}` : null]
    .filter(Boolean).join(', ');
  return [
    el('span', {class: 'actor-id'}, access.actor || NONE),
    home ? el('p', {class: 'sub'}, home) : null,
    Array.isArray(access.roles) && access.roles.length ? el('p', {class: 'sub'}, `Rollen: ${access.roles.join(', ')}`)
      : null,
  ];
}

function via(access) {
  if (access.requested_via) return access.node ? `über ${access.requested_via} (Daten bei ${access.node})`
    : `über ${access.requested_via}`;
  return access.node ? `direkt bei ${access.node}` : NONE;
}

function accessRow(access) {
  const fields = access.disclosed && Array.isArray(access.fields) && access.fields.length
    ? access.fields.join(', ') : 'keine';
  return el('tr', {class: access.emergency ? 'emergency' : undefined},
    el('th', {scope: 'row'}, timeElement(access.time)),
    el('td', {}, who(access)),
    el('td', {}, actionText(access.action), access.emergency ? [' ', emergencyBadge()] : null),
    el('td', {}, access.purpose || NONE),
    el('td', {}, access.case_ref || NONE),
    el('td', {}, access.mandate || 'ohne Mandat'),
    el('td', {}, fields),
    el('td', {}, yesNo(access.withheld)),
    el('td', {}, via(access)),
    el('td', {}, decisionBadge(access.decision, access.reason)));
}

function signedInAs() {
  try {
    const claims = decodeJwt(session.token || '');
    return claims.name ? `${claims.name} (${claims.sub})` : claims.sub;
  } catch {
    return null;
  }
}

function render(data) {
  const subject = data.subject || {};
  const accesses = Array.isArray(data.accesses) ? data.accesses : [];
  const disclosed = accesses.filter((a) => a.disclosed).length;
  const denied = accesses.filter((a) => a.decision === 'deny').length;
  fill($('#report-title'),
    `Datensatz ${subject.id} im Register ${subject.register} der Gemeinde ${subject.ags}`);
  fill($('#report-summary'), accesses.length
    ? `${accesses.length} protokollierte Zugriffe; bei ${disclosed} wurden Daten offengelegt, ${denied} wurden verweigert.`
    : 'Kein protokollierter Zugriff.');
  const by = signedInAs();
  fill($('#report-created'), `Erstellt am ${formatTime(new Date().toISOString())}${by ? ` von ${by}` : ''}` +
    (data.request_id ? ` · Anfrage-ID ${data.request_id}` : ''));
  fill($('#report-table tbody'), accesses.map(accessRow));
  $('#report-empty').hidden = accesses.length > 0;
  $('#report-result').hidden = false;
  document.title = `Auskunft ${subject.id} (${berlinToday()}) – regfed – Datenschutz`;
}

async function load() {
  clearError();
  const ags = $('#r-ags').value.trim();
  const register = $('#r-register').value.trim();
  const id = $('#r-id').value.trim();
  const path = `/audit/subjects/${encodeURIComponent(ags)}/${encodeURIComponent(register)}/${encodeURIComponent(id)}`;
  try {
    const data = await busy($('#view-auskunft'), [form().querySelector('button[type=submit]')], api(path));
    render(data);
    announce(`Auskunft erstellt: ${data.accesses?.length ?? 0} Zugriffe.`);
    $('#report-title').setAttribute('tabindex', '-1');
    $('#report-title').focus();
  } catch (error) {
    $('#report-result').hidden = true;
    showError(error, 'Auskunft konnte nicht erstellt werden');
  }
}

export function init() {
  form().addEventListener('submit', (event) => {
    event.preventDefault();
    load();
  });
  $('#report-print').addEventListener('click', () => window.print());
}

export function show() {}
