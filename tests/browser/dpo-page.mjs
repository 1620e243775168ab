#!/usr/bin/env node
// End-to-end test of the DPO page (web/dpo, served by the node under /dpo/) in Debian's Chromium, driven by
// playwright-core (common.mjs holds what the tests of both pages share).
//
// Environment:
//   REGFED_URL              base URL of a running node, e.g. http://127.0.0.1:8443
//   REGFED_DPO_TOKEN        a JWT with the role dpo for that node
//   REGFED_SUBJECT          ags/register/id of a record with at least one logged access
//   REGFED_ACTOR            an actor id present in the log (visible to this DPO)
//   REGFED_SCREENSHOT_DIR   where the PNG screenshots go (default: a new folder under the temp dir)
//   REGFED_CHROMIUM         the browser (default /usr/bin/chromium)
// The log must hold more than 10 events visible to the DPO (paging is checked with 10 per page) and at least one
// open alert (it is acknowledged and closed). Exit 0 when every step passed, 1 with the failing step otherwise.

import fs from 'node:fs';
import {STEP_MS, claimsOf, environment, fail, openPage, waitUntil, withResponse} from './common.mjs';

function config() {
  const base = environment(['REGFED_DPO_TOKEN', 'REGFED_SUBJECT', 'REGFED_ACTOR']);
  const subject = process.env.REGFED_SUBJECT.match(/^([^/]+)\/([^/]+)\/(.+)$/);
  if (!subject) fail('REGFED_SUBJECT must be ags/register/id');
  return {
    ...base,
    token: process.env.REGFED_DPO_TOKEN.trim(),
    subject: {ags: subject[1], register: subject[2], id: subject[3]},
    actor: process.env.REGFED_ACTOR,
  };
}

/** The same token with a changed signature: well-formed, but the node must refuse it with 401. */
function tamperedToken(token) {
  const [header, payload, signature] = token.split('.');
  const i = Math.floor(signature.length / 2);
  const changed = signature[i] === 'A' ? 'B' : 'A';
  return `${header}.${payload}.${signature.slice(0, i)}${changed}${signature.slice(i + 1)}`;
}

const isEvents = (url) => url.pathname === '/v1/audit/events';

async function main() {
  const cfg = config();
  const claims = claimsOf('REGFED_DPO_TOKEN');
  const t = await openPage({url: cfg.url, site: '/dpo/', screenshots: cfg.screenshots, chromium: cfg.chromium});
  const {page, step, shot, nav, region} = t;

  await t.run(async () => {
    const events = region('Ereignisse im Protokoll');
    const eventsTable = events.getByRole('table', {name: 'Ereignisse, neueste zuerst'});
    const eventRows = eventsTable.locator('tbody tr');
    const rowSeqs = () => eventsTable.locator('tbody tr > th').allTextContents().then((texts) => texts.map(Number));

    await step('the page loads under /dpo/ with its Content-Security-Policy', () => t.load());

    await step('a tampered token is refused, with the error code and request id shown', async () => {
      t.tolerate(/status of 401/);
      await page.getByLabel('Zugangstoken (JWT)').fill(tamperedToken(cfg.token));
      await page.getByRole('button', {name: 'Anmelden'}).click();
      const alert = page.getByRole('alert');
      await waitUntil(async () => /Anfrage-ID/.test(await alert.textContent()) && /401/.test(await alert.textContent()),
        'an error with "HTTP 401" and "Anfrage-ID"');
      await page.getByRole('heading', {name: 'Anmeldung', level: 1}).waitFor();
    });

    await step('sign in with the keyboard only (Tab to the token field, visible focus, Enter)', async () => {
      await t.signInByKeyboard(cfg.token, isEvents);
      await events.waitFor();
      await t.expectSignedIn(claims);
    });

    await step('the events table lists events', async () => {
      await waitUntil(async () => (await eventRows.count()) > 0, 'rows in the events table');
      await shot('01-ereignisse.png');
    });

    await step('10 per page, next page shows older events, previous page returns', async () => {
      await events.getByLabel('Einträge pro Seite').selectOption('10');
      await withResponse(page, (u) => isEvents(u) && u.searchParams.get('limit') === '10',
        () => events.getByRole('button', {name: 'Suchen'}).click());
      await waitUntil(async () => (await eventRows.count()) === 10,
        '10 rows (the log must hold more than 10 events visible to this DPO)');
      const first = await rowSeqs();
      const next = events.getByRole('button', {name: 'Nächste Seite'});
      if (await next.isDisabled()) throw new Error('no next page after 10 events: the log needs more than 10 events');
      await withResponse(page, (u) => isEvents(u) && u.searchParams.has('after'), () => next.click());
      await waitUntil(async () => /Seite 2/.test(await events.locator('#events-page').textContent()), '"Seite 2"');
      const second = await rowSeqs();
      if (!second.length) throw new Error('the second page is empty');
      if (Math.max(...second) >= Math.min(...first)) {
        throw new Error(`page 2 (${second.join(',')}) is not older than page 1 (${first.join(',')})`);
      }
      await withResponse(page, isEvents, () => events.getByRole('button', {name: 'Vorherige Seite'}).click());
      const again = await rowSeqs();
      // The first page is anchored at its newest event: the same rows again, whatever was logged meanwhile.
      if (again.join(',') !== first.join(',')) {
        throw new Error(`"Vorherige Seite" did not return to the first page (${again.join(',')})`);
      }
    });

    await step(`filter by actor ${cfg.actor} shows only that actor's events`, async () => {
      await events.getByLabel('Benutzerkennung (Akteur)').fill(cfg.actor);
      await withResponse(page, (u) => isEvents(u) && u.searchParams.get('actor') === cfg.actor,
        () => events.getByRole('button', {name: 'Suchen'}).click());
      const actors = await waitUntil(async () => {
        const list = await eventsTable.locator('tbody td[data-col="actor"] .actor-id').allTextContents();
        return list.length ? list : null;
      }, `rows of actor ${cfg.actor}`);
      const others = actors.filter((a) => a !== cfg.actor);
      if (others.length) throw new Error(`rows of other actors: ${[...new Set(others)].join(', ')}`);
    });

    const report = region('Auskunft zu einer Person (Art. 15 DSGVO)');
    const reportRows = report.getByRole('table', {name: 'Zugriffe auf den Datensatz, neueste zuerst'}).locator('tbody tr');

    await step('a record id in the events table opens its person report', async () => {
      const link = eventsTable.getByRole('button', {name: /^Auskunft zu Datensatz /}).first();
      if (!(await link.count())) {
        console.log('     (no record id on this page of events; skipped)');
        return;
      }
      await withResponse(page, (u) => u.pathname.startsWith('/v1/audit/subjects/'), () => link.click());
      await report.waitFor();
      await waitUntil(async () => (await reportRows.count()) > 0, 'at least one access in the report');
    });

    await step(`the person report for ${process.env.REGFED_SUBJECT} lists accesses`, async () => {
      await nav('Auskunft (Art. 15)').click();
      await report.getByLabel('Gemeinde (AGS)').fill(cfg.subject.ags);
      await report.getByLabel('Register').fill(cfg.subject.register);
      await report.getByLabel('Kennung des Datensatzes').fill(cfg.subject.id);
      await withResponse(page, (u) => u.pathname.startsWith('/v1/audit/subjects/'),
        () => report.getByRole('button', {name: 'Auskunft erstellen'}).click());
      await waitUntil(async () => (await reportRows.count()) > 0, 'at least one access in the report');
      const title = await report.getByRole('heading', {level: 2}).first().textContent();
      if (!title.includes(cfg.subject.id)) throw new Error(`report title does not name the record: "${title}"`);
      await report.getByRole('button', {name: 'Drucken'}).waitFor();
      await shot('02-auskunft.png');
    });

    const alerts = region('Warnungen');
    let alertId;
    const outcome = `Geprüft im Browsertest am ${new Date().toISOString()}: Zugriff war durch Antrag gedeckt.`;

    await step('an open alert is acknowledged and closed with an outcome', async () => {
      await withResponse(page, (u) => u.pathname === '/v1/audit/alerts', () => nav('Warnungen').click());
      const open = alerts.getByRole('article').filter({has: page.getByRole('button', {name: 'Zur Kenntnis nehmen'})});
      await waitUntil(async () => (await open.count()) > 0, 'an open alert (the log needs at least one)');
      const heading = await open.first().getByRole('heading').textContent();
      alertId = (heading.match(/^Warnung (\S+):/) || [])[1];
      if (!alertId) throw new Error(`unexpected alert heading "${heading}"`);
      const card = alerts.getByRole('article', {name: `Warnung ${alertId}:`});
      await withResponse(page, (u, r) => r.method() === 'POST' && u.pathname.endsWith(`/${alertId}/acknowledge`),
        () => card.getByRole('button', {name: 'Zur Kenntnis nehmen'}).click());
      await waitUntil(async () => /zur Kenntnis genommen/.test(await card.textContent()), 'status "zur Kenntnis genommen"');
      await card.getByLabel('Ergebnis der Prüfung').fill(outcome);
      await withResponse(page, (u, r) => r.method() === 'POST' && u.pathname.endsWith(`/${alertId}/close`),
        () => card.getByRole('button', {name: 'Abschließen'}).click());
      await waitUntil(async () => /abgeschlossen/.test(await card.textContent()), 'status "abgeschlossen"');
    });

    await step('the closed alert is listed under "abgeschlossen" with its outcome', async () => {
      await alerts.getByLabel('Status').selectOption({label: 'abgeschlossen'});
      await withResponse(page, (u) => u.pathname === '/v1/audit/alerts' && u.searchParams.get('status') === 'closed',
        () => alerts.getByRole('button', {name: 'Anzeigen', exact: true}).click());
      const card = alerts.getByRole('article', {name: `Warnung ${alertId}:`});
      await waitUntil(async () => (await card.count()) === 1 && (await card.textContent()).includes(outcome),
        `alert ${alertId} with its outcome among the closed ones`);
      await shot('03-warnungen.png');
    });

    const integrity = region('Prüfung der Integrität');

    await step('Integrität: "Protokoll unverändert", a signed tree head, its download and the key', async () => {
      await withResponse(page, (u) => u.pathname === '/v1/audit/verify', () => nav('Integrität').click());
      await integrity.getByRole('heading', {name: 'Protokoll unverändert'}).waitFor();
      // The node signs about every 10 s: a fresh log may not have a head yet, so check again for a while.
      const download = integrity.getByRole('button', {name: 'Baumkopf herunterladen'});
      await waitUntil(async () => {
        if (await download.isVisible()) return true;
        await withResponse(page, (u) => u.pathname === '/v1/audit/verify',
          () => integrity.getByRole('button', {name: 'Prüfung ausführen'}).click());
        return download.isVisible();
      }, 'a signed tree head', 3 * STEP_MS);
      const [file] = await Promise.all([page.waitForEvent('download'), download.click()]);
      const head = JSON.parse(fs.readFileSync(await file.path(), 'utf8'));
      for (const key of ['size', 'root', 'signature']) {
        if (head[key] === undefined) throw new Error(`the downloaded tree head has no "${key}"`);
      }
      const keyButton = integrity.getByRole('button', {name: 'Öffentlichen Schlüssel herunterladen'});
      const [pem] = await Promise.all([page.waitForEvent('download'), keyButton.click()]);
      if (!fs.readFileSync(await pem.path(), 'utf8').startsWith('-----BEGIN PUBLIC KEY-----')) {
        throw new Error('the downloaded public key is not a PEM');
      }
      await shot('04-integritaet.png');
    });

    const exporter = region('Export');

    await step('CSV export of the current filter: UTF-8 BOM and a ";"-separated header', async () => {
      await nav('Export').click();
      await waitUntil(async () => (await exporter.textContent()).includes(cfg.actor), 'the actor filter shown');
      const [file] = await Promise.all([page.waitForEvent('download'),
        exporter.getByRole('button', {name: 'Als CSV (Excel) exportieren'}).click()]);
      if (!/^regfed-protokoll-.+-\d{4}-\d{2}-\d{2}\.csv$/.test(file.suggestedFilename())) {
        throw new Error(`unexpected file name ${file.suggestedFilename()}`);
      }
      const bytes = fs.readFileSync(await file.path());
      if (!(bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf)) throw new Error('the CSV does not start with the UTF-8 BOM');
      const lines = bytes.subarray(3).toString('utf8').split(/\r?\n/);
      if (!lines[0].includes(';')) throw new Error(`the CSV header is not separated by ";": "${lines[0]}"`);
      if (!lines[1]) throw new Error(`the CSV holds no event of ${cfg.actor}`);
    });

    await step('JSONL export: one JSON event per line, all of the filtered actor', async () => {
      const [file] = await Promise.all([page.waitForEvent('download'),
        exporter.getByRole('button', {name: 'Als JSONL exportieren'}).click()]);
      const lines = fs.readFileSync(await file.path(), 'utf8').split('\n').filter(Boolean);
      if (!lines.length) throw new Error('the JSONL export is empty');
      for (const line of lines) {
        const event = JSON.parse(line);
        if (event.actor !== undefined && event.actor !== cfg.actor) throw new Error(`JSONL has an event of ${event.actor}`);
      }
    });

    await step('Abmelden clears the token and returns to the sign-in', async () => {
      await page.getByRole('button', {name: 'Abmelden'}).click();
      await page.getByRole('heading', {name: 'Anmeldung', level: 1}).waitFor();
      await waitUntil(async () => /abgemeldet/.test(await page.getByRole('status').textContent()), '"Sie wurden abgemeldet."');
      const left = await page.evaluate(() => Object.keys(sessionStorage).filter((k) => /token/.test(k)));
      if (left.length) throw new Error(`the token is still stored: ${left.join(', ')}`);
      if (await page.getByRole('table', {name: 'Ereignisse, neueste zuerst'}).isVisible()) {
        throw new Error('events are still shown after signing out');
      }
    });
  });
}

main().catch((error) => fail(error.stack || String(error)));
