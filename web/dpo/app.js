// The DPO page: sign-in and sign-out, the header, and the wiring of the five views.

import {api, decodeJwt, nodeInfo, session, setUnauthorizedHandler} from './api.js';
import {$, announce, clearError, fill, formatTime, showError} from './ui.js';
import {registerView, showView, wireNavigation} from './nav.js';
import * as events from './events.js';
import * as report from './report.js';
import * as alerts from './alerts.js';
import * as integrity from './integrity.js';
import * as exporter from './export.js';

// A notice that survives the reload after sign-out (the reload drops every record shown on the page).
const NOTICE_KEY = 'regfed.dpo.notice';

function signOut(notice) {
  session.clear();
  if (notice) sessionStorage.setItem(NOTICE_KEY, JSON.stringify(notice));
  window.location.reload();
}

function showSignIn() {
  $('#main-nav').hidden = true;
  $('#user-info').hidden = true;
  $('#sign-out').hidden = true;
  for (const section of document.querySelectorAll('main .view')) section.hidden = section.id !== 'view-anmeldung';
  const notice = sessionStorage.getItem(NOTICE_KEY);
  if (notice) {
    sessionStorage.removeItem(NOTICE_KEY);
    const parsed = JSON.parse(notice);
    if (parsed.error) showError(parsed.error, 'Nicht angemeldet', {evenUnauthorized: true});
    else announce(parsed.text);
  }
}

/** Shows who is signed in, from the token's claims (display only; the node decides what they may see). */
function showUser(claims) {
  const roles = Array.isArray(claims.roles) ? claims.roles.join(', ') : '';
  const who = claims.name ? `${claims.name} (${claims.sub})` : claims.sub;
  const parts = [`Angemeldet: ${who}`];
  if (claims.ags) parts.push(`Gemeinde ${claims.ags}`);
  if (roles) parts.push(`Rollen: ${roles}`);
  if (claims.exp) parts.push(`gültig bis ${formatTime(new Date(claims.exp * 1000).toISOString())}`);
  fill($('#user-info'), parts.join(' · '));
  $('#user-info').hidden = false;
  $('#sign-out').hidden = false;
  $('#main-nav').hidden = false;
}

/** Checks the token with a real call (also fills the count of open alerts) and opens the events view. */
async function enter(token) {
  const claims = decodeJwt(token);
  if (claims.exp && claims.exp * 1000 < Date.now()) {
    throw new Error(`Das Token ist am ${formatTime(new Date(claims.exp * 1000).toISOString())} abgelaufen.`);
  }
  session.token = token;
  try {
    await alerts.refreshCount();
  } catch (error) {
    if (error.status === 401) throw error;
    showError(error); // e.g. 403 without the role: stay signed in, so that "Abmelden" is at hand
  }
  showUser(claims);
  $('#view-anmeldung').hidden = true;
  if (!(Array.isArray(claims.roles) && claims.roles.includes('dpo'))) {
    announce('Hinweis: Dieses Token enthält nicht die Rolle „dpo“; der Knoten wird die Protokollansicht verweigern.');
  }
  showView('ereignisse');
}

async function loadNodeName() {
  try {
    const health = await api('/health', {auth: false});
    nodeInfo.name = health.node || null;
  } catch {
    return; // the name is for display only; the views report a node that is down
  }
  if (nodeInfo.name) fill($('#node-info'), `Knoten: ${nodeInfo.name}`);
}

function wireSignIn() {
  $('#signin-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    clearError();
    const field = $('#token');
    const token = field.value.trim().replace(/^Bearer\s+/i, '');
    field.value = '';
    try {
      await enter(token);
    } catch (error) {
      if (error.status === 401) return; // the handler reloads to the sign-in page with the message
      session.clear();
      showError(error, 'Anmeldung nicht möglich');
      field.focus();
    }
  });
  $('#sign-out').addEventListener('click', () => signOut({text: 'Sie wurden abgemeldet.'}));
}

function main() {
  setUnauthorizedHandler((error) => signOut({
    error: {german: error.german, serverMessage: error.serverMessage, code: error.code,
      requestId: error.requestId, status: error.status},
  }));
  registerView('ereignisse', {section: $('#view-ereignisse'), onShow: events.show});
  registerView('auskunft', {section: $('#view-auskunft'), onShow: report.show});
  registerView('warnungen', {section: $('#view-warnungen'), onShow: alerts.show});
  registerView('integritaet', {section: $('#view-integritaet'), onShow: integrity.show});
  registerView('export', {section: $('#view-export'), onShow: exporter.show});
  wireNavigation();
  wireSignIn();
  events.init();
  report.init();
  alerts.init();
  integrity.init();
  exporter.init();
  loadNodeName();

  const token = session.token;
  if (!token) {
    showSignIn();
    return;
  }
  enter(token).catch((error) => {
    if (error.status === 401) return;
    session.clear();
    showSignIn();
    showError(error, 'Anmeldung nicht möglich');
  });
}

main();
