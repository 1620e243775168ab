// The DPO page: the wiring of the five views, and what signing in means here (the count of open alerts, then the
// events). Sign-in and sign-out themselves are ../common/signin.js.

import {configureApi} from '../common/api.js';
import {$, announce, clearError} from '../common/ui.js';
import {registerView, showView, wireNavigation} from '../common/nav.js';
import {startSignIn} from '../common/signin.js';
import {dpoApi} from './api.js';
import {formatTime, showError} from './ui.js';
import * as events from './events.js';
import * as report from './report.js';
import * as alerts from './alerts.js';
import * as integrity from './integrity.js';
import * as exporter from './export.js';

/** Checks the token with a real call that also fills the count of open alerts. */
async function check() {
  try {
    await alerts.refreshCount();
  } catch (error) {
    if (error.status === 401) throw error;
    showError(error); // e.g. 403 without the role: stay signed in, so that "Abmelden" is at hand
  }
}

function open(claims) {
  if (!(Array.isArray(claims.roles) && claims.roles.includes('dpo'))) {
    announce('Hinweis: Dieses Token enthält nicht die Rolle „dpo“; der Knoten wird die Protokollansicht verweigern.');
  }
  showView('ereignisse');
}

function main() {
  configureApi(dpoApi);
  registerView('ereignisse', {section: $('#view-ereignisse'), onShow: events.show});
  registerView('auskunft', {section: $('#view-auskunft'), onShow: report.show});
  registerView('warnungen', {section: $('#view-warnungen'), onShow: alerts.show});
  registerView('integritaet', {section: $('#view-integritaet'), onShow: integrity.show});
  registerView('export', {section: $('#view-export'), onShow: exporter.show});
  wireNavigation();
  events.init();
  report.init();
  alerts.init();
  integrity.init();
  exporter.init();
  startSignIn({noticeKey: 'regfed.dpo.notice', check, open, showError, clearMessages: clearError, formatTime});
}

main();
