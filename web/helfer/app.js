// The helpers' page: sign-in and sign-out, the header, and the wiring of the views (choice of procedure, inbox,
// item) and of what ends them (a decision, a mandate that was revoked or ended).

import {api, decodeJwt, nodeInfo, session, setUnauthorizedHandler} from './api.js';
import {$, announce, clearMessages, confirmDone, decisionText, fill, formatTime, showError} from './ui.js';
import {offerView, registerView, showView, wireNavigation} from './nav.js';
import {forgetSelection, onMandateEnded, select} from './work.js';
import * as procedures from './procedures.js';
import * as inbox from './inbox.js';
import * as item from './item.js';
import * as decision from './decision.js';

// A notice that survives the reload after sign-out (the reload drops every record shown on the page).
const NOTICE_KEY = 'regfed.helfer.notice';

function signOut(notice) {
  session.clear();
  forgetSelection();
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

/** Shows who is signed in, from the token's claims (display only; the node decides what they may do). */
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

/** Checks the token with a real call (the procedures on offer) and opens the choice, or the inbox chosen before. */
async function enter(token) {
  const claims = decodeJwt(token);
  if (claims.exp && claims.exp * 1000 < Date.now()) {
    throw new Error(`Das Token ist am ${formatTime(new Date(claims.exp * 1000).toISOString())} abgelaufen.`);
  }
  session.token = token;
  await procedures.load();
  showUser(claims);
  $('#view-anmeldung').hidden = true;
  const restored = procedures.restoredEntry();
  if (restored) {
    select(restored);
    offerView('posteingang', true);
    showView('posteingang');
    return;
  }
  forgetSelection();
  showView('auswahl');
  const roles = Array.isArray(claims.roles) ? claims.roles : [];
  if (!roles.includes('helper') && !roles.includes('clerk')) {
    announce('Hinweis: Dieses Token enthält weder die Rolle „helper“ noch „clerk“; der Knoten wird die Bearbeitung ' +
      'von Vorgängen verweigern.');
  }
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
    clearMessages();
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

const DONE = {
  approved: 'Der Antrag ist genehmigt.',
  rejected: 'Der Antrag ist abgelehnt.',
  needs_info: 'Die Rückfrage geht an den Antragsteller; bis zur Antwort ruht der Vorgang.',
};

function wireWork() {
  procedures.onChoose(() => {
    item.close();
    offerView('vorgang', false);
    offerView('posteingang', true);
    showView('posteingang');
  });
  inbox.onOpen((id) => {
    offerView('vorgang', true);
    item.open(id);
  });
  decision.onDecided((decided, choice) => {
    item.close();
    offerView('vorgang', false);
    confirmDone(`Entscheidung „${decisionText(choice)}“ zu Vorgang ${decided.id} gespeichert. ${DONE[choice] || ''} ` +
      'Der Vorgang ist nicht mehr in Ihrem Posteingang.');
    showView('posteingang', {keepMessages: true});
  });
  onMandateEnded(() => {
    item.close();
    inbox.close();
    offerView('vorgang', false);
    offerView('posteingang', false);
    showView('auswahl', {focus: false, reload: true, keepMessages: true});
    $('#error').focus();
  });
  $('#item-back').addEventListener('click', () => showView('posteingang'));
  $('#inbox-choose').addEventListener('click', () => showView('auswahl'));
}

function main() {
  setUnauthorizedHandler((error) => signOut({
    error: {german: error.german, serverMessage: error.serverMessage, code: error.code,
      requestId: error.requestId, status: error.status},
  }));
  registerView('auswahl', {section: $('#view-auswahl'), onShow: procedures.show});
  registerView('posteingang', {section: $('#view-posteingang'), onShow: inbox.show});
  registerView('vorgang', {section: $('#view-vorgang'), onShow: item.show});
  wireNavigation();
  wireSignIn();
  wireWork();
  procedures.init();
  inbox.init();
  item.init();
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
