// Signing in and out, as both pages do it: the token form, the header that names who is signed in, the button
// "Abmelden", a notice that survives the reload after sign-out, and the token kept from before a reload of the tab.

import {api, decodeJwt, nodeInfo, session, setUnauthorizedHandler} from './api.js';
import {$, announce, fill} from './ui.js';

/**
 * Starts sign-in for a page whose views are registered. What differs between the pages:
 * - noticeKey: the sessionStorage key of the notice shown after sign-out (the reload drops every record shown);
 * - check(claims): a real call with the stored token; throws the ApiError when the node refuses;
 * - open(claims): shows the first view, once the header names who is signed in;
 * - forget(): what else sign-out drops;
 * - showError, clearMessages, formatTime: the page's own (its error box, its message areas, its time format).
 */
export function startSignIn({noticeKey, check, open, forget = () => {}, showError, clearMessages, formatTime}) {
  const expiry = (claims) => formatTime(new Date(claims.exp * 1000).toISOString());

  function signOut(notice) {
    session.clear();
    forget();
    if (notice) sessionStorage.setItem(noticeKey, JSON.stringify(notice));
    window.location.reload();
  }

  function showSignIn() {
    $('#main-nav').hidden = true;
    $('#user-info').hidden = true;
    $('#sign-out').hidden = true;
    for (const section of document.querySelectorAll('main .view')) section.hidden = section.id !== 'view-anmeldung';
    const notice = sessionStorage.getItem(noticeKey);
    if (notice) {
      sessionStorage.removeItem(noticeKey);
      const parsed = JSON.parse(notice);
      if (parsed.error) showError(parsed.error, 'Nicht angemeldet', {evenUnauthorized: true});
      else announce(parsed.text);
    }
  }

  /** Shows who is signed in, from the token's claims (display only; the node decides what they may see and do). */
  function showUser(claims) {
    const roles = Array.isArray(claims.roles) ? claims.roles.join(', ') : '';
    const who = claims.name ? `${claims.name} (${claims.sub})` : claims.sub;
    const parts = [`Angemeldet: ${who}`];
    if (claims.ags) parts.push(`Gemeinde ${claims.ags}`);
    if (roles) parts.push(`Rollen: ${roles}`);
    if (claims.exp) parts.push(`gültig bis ${expiry(claims)}`);
    fill($('#user-info'), parts.join(' · '));
    $('#user-info').hidden = false;
    $('#sign-out').hidden = false;
    $('#main-nav').hidden = false;
  }

  async function enter(token) {
    const claims = decodeJwt(token);
    if (claims.exp && claims.exp * 1000 < Date.now()) throw new Error(`Das Token ist am ${expiry(claims)} abgelaufen.`);
    session.token = token;
    await check(claims);
    showUser(claims);
    $('#view-anmeldung').hidden = true;
    open(claims);
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

  setUnauthorizedHandler((error) => signOut({
    error: {german: error.german, serverMessage: error.serverMessage, code: error.code,
      requestId: error.requestId, status: error.status},
  }));
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
  loadNodeName();

  if (!session.token) {
    showSignIn();
    return;
  }
  enter(session.token).catch((error) => {
    if (error.status === 401) return;
    session.clear();
    showSignIn();
    showError(error, 'Anmeldung nicht möglich');
  });
}
