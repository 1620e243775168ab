// The helpers' page: the wiring of the views (choice of procedure, inbox, item), of what ends them (a decision, a
// mandate that was revoked or ended), and what signing in means here (the procedures on offer, then the choice or
// the inbox chosen before). Sign-in and sign-out themselves are ../common/signin.js.

import {configureApi} from '../common/api.js';
import {$, announce} from '../common/ui.js';
import {offerView, registerView, showView, wireNavigation} from '../common/nav.js';
import {startSignIn} from '../common/signin.js';
import {helferApi} from './api.js';
import {clearMessages, confirmDone, decisionText, formatTime, showError} from './ui.js';
import {forgetSelection, onMandateEnded, select} from './work.js';
import * as procedures from './procedures.js';
import * as inbox from './inbox.js';
import * as item from './item.js';
import * as decision from './decision.js';

/** Opens the choice, or the inbox chosen before a reload of the tab when it is still offered. */
function open(claims) {
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
  configureApi(helferApi);
  registerView('auswahl', {section: $('#view-auswahl'), onShow: procedures.show});
  registerView('posteingang', {section: $('#view-posteingang'), onShow: inbox.show});
  registerView('vorgang', {section: $('#view-vorgang'), onShow: item.show});
  wireNavigation();
  wireWork();
  procedures.init();
  inbox.init();
  item.init();
  // The procedures on offer are the real call that checks the token.
  startSignIn({noticeKey: 'regfed.helfer.notice', check: () => procedures.load(), open, forget: forgetSelection,
    showError, clearMessages, formatTime});
}

main();
